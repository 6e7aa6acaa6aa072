"""The people on the other side of the bot: simulated users, and tests waiting for replies.

:class:`Users` plays Telegram users: they write messages, press inline buttons, type inline
queries and add or remove the bot; each action queues the update Telegram would send.
:class:`Watcher` waits, without polling, until the bot has done something (``wait_for``,
``wait_for_messages`` and their ``*_sync`` twins for other threads) and, when it has not,
describes what it did instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from collections.abc import Callable
from typing import TypedDict, TypeVar, Unpack

from bot.sandbox.fake_telegram.html_check import utf16_len
from bot.sandbox.fake_telegram.records import SentMessage, inline_buttons
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import (
    DEFAULT_USER_ID,
    ChatType,
    JsonDict,
    MemberStatus,
    Query,
    StoredMessage,
    World,
    chat_member,
    check_member_status,
)

T = TypeVar("T")

_BOT_COMMAND_IN_TEXT = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\S)")


class Users:
    """Simulated Telegram users; every action returns the update it queued."""

    def __init__(self, world: World, updates: UpdateQueue) -> None:
        self._world = world
        self._updates = updates

    def send_message(
        self,
        text: str,
        chat_id: int | None = None,
        user_id: int = DEFAULT_USER_ID,
        chat_type: ChatType = "private",
        language_code: str | None = "en",
        message_thread_id: int | None = None,
        is_forum: bool = False,
        first_name: str = "Test",
        username: str | None = None,
        title: str | None = None,
    ) -> JsonDict:
        """A user writes ``text``; queues a ``message`` update (``channel_post`` in channels).

        ``chat_id`` defaults to ``user_id`` in private chats and is required otherwise. The
        chat is registered. Leading ``/commands`` get ``bot_command`` entities. Returns the
        update.
        """
        if chat_id is None:
            if chat_type != "private":
                raise ValueError("chat_id is required for a non-private chat")
            chat_id = user_id
        world = self._world
        private = chat_type == "private"
        with world.lock:
            user = world.user(user_id, first_name, username, language_code)
            chat = world.register_chat(
                chat_id,
                chat_type,
                title,
                is_forum,
                username if private else None,
                first_name if private else None,
            )
            message_id = world.new_message_id(chat.id)
            entities = self._command_entities(text)
            thread_id = message_thread_id
            message = world.message_dict(chat, message_id, user, text, entities, thread_id)
            world.messages[(chat.id, message_id)] = StoredMessage(
                chat.id, message_id, False, message, text, entities, None, thread_id
            )
            kind = "channel_post" if chat_type == "channel" else "message"
            return self._updates.push(kind, message)

    def edit_message(self, sent: JsonDict, text: str) -> JsonDict:
        """The user edits a message they sent (the update :meth:`send_message` returned) to
        ``text``; queues an ``edited_message`` update (``edited_channel_post`` in channels)."""
        kind, original = next(iter((k, v) for k, v in sent.items() if k != "update_id"))
        world = self._world
        with world.lock:
            stored = world.messages[(original["chat"]["id"], original["message_id"])]
            entities = self._command_entities(text)
            edited = {**stored.data, "text": text, "edit_date": int(time.time())}
            edited.pop("entities", None)
            if entities:
                edited["entities"] = entities
            stored.data, stored.visible, stored.entities = edited, text, entities
            return self._updates.push(f"edited_{kind}", edited)

    def press_button(
        self,
        message: SentMessage,
        callback_data: str,
        user_id: int | None = None,
        language_code: str | None = "en",
        first_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """A user presses the inline button with ``callback_data`` under a bot message.

        The button must be on the message *as it is now* (after edits), otherwise ValueError:
        a real user cannot press a button that is not there. Returns the update.
        """
        world = self._world
        with world.lock:
            stored = world.messages.get((message.chat_id, message.message_id))
            if stored is None or stored.deleted:
                raise ValueError(f"message {message.message_id} in chat {message.chat_id} is gone")
            available = [b.get("callback_data") for b in inline_buttons(stored.markup)]
            if callback_data not in available:
                raise ValueError(
                    f"no button with callback_data {callback_data!r} on message "
                    f"{message.message_id}; the message has {available}"
                )
            chat = world.chats[stored.chat_id]
            if user_id is None:
                user_id = chat.id if chat.type == "private" else DEFAULT_USER_ID
            user = world.user(user_id, first_name, username, language_code)
            query_id = world.new_query_id()
            world.callback_queries[query_id] = Query(
                user_id, data=callback_data, chat_id=chat.id, message_id=stored.message_id
            )
            return self._updates.push(
                "callback_query",
                {
                    "id": query_id,
                    "from": user,
                    "message": stored.data,
                    "chat_instance": str(abs(chat.id) * 7919 % 10**12),
                    "data": callback_data,
                },
            )

    def inline_query(
        self,
        query: str,
        user_id: int = DEFAULT_USER_ID,
        language_code: str | None = "en",
        offset: str = "",
        chat_type: str | None = "sender",
        first_name: str | None = None,
        username: str | None = None,
    ) -> JsonDict:
        """A user types ``@bot query``; queues an ``inline_query`` update and returns it."""
        world = self._world
        with world.lock:
            user = world.user(user_id, first_name, username, language_code)
            query_id = world.new_query_id()
            world.inline_queries[query_id] = Query(user_id, query=query)
            payload: JsonDict = {"id": query_id, "from": user, "query": query, "offset": offset}
            if chat_type:
                payload["chat_type"] = chat_type
            return self._updates.push("inline_query", payload)

    def my_chat_member(
        self,
        chat_id: int,
        chat_type: ChatType = "channel",
        new_status: MemberStatus = "administrator",
        user_id: int = DEFAULT_USER_ID,
        old_status: MemberStatus | None = None,
        title: str | None = None,
    ) -> JsonDict:
        """The bot's membership changes (added as admin, removed, blocked ...).

        Registers the chat and sets the bot's status, so that later sends to a chat the bot
        left are refused with 403 like Telegram. Returns the update.
        """
        check_member_status(new_status)
        world = self._world
        with world.lock:
            known = chat_id in world.chats
            chat = world.register_chat(chat_id, chat_type, title)
            old = old_status or (chat.bot_status if known else "left")
            chat.bot_status = new_status
            bot_user = world.bot.user()
            return self._updates.push(
                "my_chat_member",
                {
                    "chat": chat.to_dict(),
                    "from": world.user(user_id),
                    "date": int(time.time()),
                    "old_chat_member": chat_member(bot_user, old, chat.type),
                    "new_chat_member": chat_member(bot_user, new_status, chat.type),
                },
            )

    def _command_entities(self, text: str) -> list[JsonDict]:
        entities = []
        for match in _BOT_COMMAND_IN_TEXT.finditer(text):
            command = match.group(0)
            addressee = command.partition("@")[2]
            if addressee and addressee.lower() != self._world.bot.username.lower():
                continue  # a command for another bot is not highlighted for us either
            entities.append(
                {
                    "type": "bot_command",
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(command),
                }
            )
        return entities


class Watcher:
    """Waits on the world's changes; ``server_thread`` tells which thread must never block."""

    def __init__(
        self, world: World, updates: UpdateQueue, server_thread: Callable[[], int | None]
    ) -> None:
        self._world = world
        self._updates = updates
        self._server_thread = server_thread

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None
    ) -> T:
        """Wait until ``predicate()`` returns something truthy, and return it.

        Re-evaluated whenever the fake records a call or message (no polling). Raises
        ``TimeoutError`` with what was sent and refused so far.
        """
        loop = asyncio.get_running_loop()
        deadline = _Deadline(
            loop.time, timeout, lambda: self.describe(what or "condition", timeout)
        )
        with self._world.watching() as changed:
            while True:
                changed.clear()
                result = predicate()
                if result:
                    return result
                remaining = deadline.remaining()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), remaining)

    def wait_for_sync(
        self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None
    ) -> T:
        """Blocking :meth:`wait_for`, for threads other than the server's."""
        if self._server_thread() == threading.get_ident():
            raise RuntimeError(
                "wait_for_sync would block the fake's own event loop; await wait_for"
            )
        deadline = _Deadline(
            time.monotonic, timeout, lambda: self.describe(what or "condition", timeout)
        )
        with self._world.condition:
            while not (result := predicate()):
                self._world.condition.wait(deadline.remaining())
            return result

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0, **where: Unpack[MessageFilter]
    ) -> list[SentMessage]:
        """Wait until :meth:`Records.messages_to` has at least ``count`` records; return them."""
        wanted = _MessagesWanted(self._world, chat_id, count, where)
        return await self.wait_for(wanted.check, timeout, what=str(wanted))

    def wait_for_messages_sync(
        self, chat_id: int, count: int = 1, timeout: float = 5.0, **where: Unpack[MessageFilter]
    ) -> list[SentMessage]:
        """Blocking :meth:`wait_for_messages`."""
        wanted = _MessagesWanted(self._world, chat_id, count, where)
        return self.wait_for_sync(wanted.check, timeout, what=str(wanted))

    def describe(self, what: str = "condition", timeout: float | None = None) -> str:
        """A readable summary of what the bot sent and what was refused (for failures)."""
        world = self._world
        with world.lock:
            sent = list(world.records.sent[-20:])
            total = len(world.records.sent)
            refused = [c for c in world.records.calls[-200:] if not c.ok][-10:]
            pending = len(self._updates)
        head = f"fake Bot API: {what} not met" + (f" within {timeout}s" if timeout else "")
        lines = [head, f"sent ({total}, last {len(sent)} shown):"]
        lines += [
            f"  {m.method} chat={m.chat_id} id={m.message_id}"
            + (f" thread={m.message_thread_id}" if m.message_thread_id else "")
            + f": {_short(m.text)!r}"
            for m in sent
        ] or ["  (nothing)"]
        lines.append("refused calls (last 10):")
        lines += [
            f"  {c.method} chat={c.params.get('chat_id')} -> {c.status} {c.description}"
            for c in refused
        ] or ["  (none)"]
        lines.append(f"updates not yet fetched by the bot: {pending}")
        return "\n".join(lines)


class _Deadline:
    """The time left to wait on ``clock``; past the deadline, TimeoutError with the story."""

    def __init__(
        self, clock: Callable[[], float], timeout: float, story: Callable[[], str]
    ) -> None:
        self._clock = clock
        self._end = clock() + timeout
        self._story = story

    def remaining(self) -> float:
        """Seconds left (more than 0), or TimeoutError once none are."""
        left = self._end - self._clock()
        if left <= 0:
            raise TimeoutError(self._story())
        return left


class MessageFilter(TypedDict, total=False):
    """Which records of a chat count: one thread, one method (``"sendMessage"``)."""

    thread_id: int | None
    method: str | None


class _MessagesWanted:
    """At least ``count`` records to a chat, filtered: the check and its description."""

    def __init__(self, world: World, chat_id: int, count: int, where: MessageFilter) -> None:
        self._world = world
        self.chat_id, self.count = chat_id, count
        self.thread_id, self.method = where.get("thread_id"), where.get("method")

    def check(self) -> list[SentMessage]:
        """The records once there are enough, else an empty list."""
        unfiltered = self.thread_id is None and self.method is None
        # Re-checked after every request: count first, copy only once satisfied.
        if unfiltered and self._world.records.count_to(self.chat_id) < self.count:
            return []
        records = self._world.records.messages_to(self.chat_id, self.thread_id, method=self.method)
        return records if len(records) >= self.count else []

    def __str__(self) -> str:
        thread = f" thread {self.thread_id}" if self.thread_id is not None else ""
        return f"{self.count} {self.method or 'message'} record(s) to chat {self.chat_id}{thread}"


def _short(text: str, size: int = 70) -> str:
    flat = text.replace("\n", "⏎")
    return flat if len(flat) <= size else flat[: size - 1] + "…"
