"""Telegram's side of the world as the fake keeps it.

The world holds the chats, users and memberships, every message in every chat (the bot's and
the simulated users'), the open callback and inline queries, the bot's commands and webhook,
and the records of what the bot did (:mod:`.records`).

Everything sits behind one re-entrant lock, :attr:`World.lock`: the server's methods change the
world, the simulated users add to it and tests read it, from any thread. Whoever records
something calls :meth:`World.changed`, which wakes the waits of :mod:`.people`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from bot.sandbox.fake_telegram.records import JsonDict as JsonDict  # re-exported
from bot.sandbox.fake_telegram.records import Records, SentMessage
from bot.sandbox.fake_telegram.rules import ApiError, bad, forbidden_text

ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})

BOT_ID = 999000
DEFAULT_BOT_USERNAME = "paper_digest_test_bot"
DEFAULT_USER_ID = 1001

# What an administrator may do (the bot's rights when it is one, in the fake).
_ADMINISTRATOR_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
# What a restricted member may not do (all of it, as far as the fake is concerned).
_RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_edit_tag",
)


# --------------------------------------------------------------------------- world state


@dataclass(slots=True, frozen=True)
class BotProfile:
    """Who the bot is: what ``getMe`` answers and what its messages are signed with."""

    bot_id: int = BOT_ID
    username: str = DEFAULT_BOT_USERNAME
    first_name: str = "Paper Digest"
    can_join_groups: bool = True

    def user(self) -> JsonDict:
        """The bot as a ``User`` dict."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass(slots=True)
class Chat:
    """A chat Telegram knows, with the bot's membership in it."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    bot_status: str = "member"

    def to_dict(self) -> JsonDict:
        """The ``Chat`` dict as it appears in updates and messages."""
        data: JsonDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or f"User {self.id}"
        else:
            data["title"] = self.title or f"{self.type.title()} {self.id}"
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


@dataclass(slots=True)
class StoredMessage:
    """The current state of a message in a chat (the bot's or a simulated user's)."""

    chat_id: int
    message_id: int
    from_bot: bool
    data: JsonDict
    visible: str
    entities: list[JsonDict]
    markup: JsonDict | None  # the inline keyboard shown under it
    thread_id: int | None
    deleted: bool = False
    latest: SentMessage | None = None


@dataclass(slots=True)
class Query:
    """A callback or inline query a simulated user made, until the bot answers it."""

    user_id: int
    query: str = ""
    data: str | None = None
    chat_id: int | None = None
    message_id: int | None = None
    answered: bool = False


@dataclass(slots=True, eq=False)  # hashed by identity: kept in a set
class Alarm:
    """An ``asyncio.Event`` that any thread may set (it belongs to one loop and thread)."""

    loop: asyncio.AbstractEventLoop
    event: asyncio.Event
    thread: int

    @classmethod
    def here(cls) -> Alarm:
        """An alarm for the running event loop."""
        return cls(asyncio.get_running_loop(), asyncio.Event(), threading.get_ident())

    def ring(self) -> None:
        """Set the event, from its own thread directly, from others through its loop."""
        if self.thread == threading.get_ident():
            self.event.set()
        else:
            with contextlib.suppress(RuntimeError):  # that loop is closed
                self.loop.call_soon_threadsafe(self.event.set)


class World:
    """Telegram's state and the records, behind :attr:`lock`; see the module docstring.

    Methods that start with a verb in the Bot API's sense (``add_chat``, ``messages_to`` ...)
    take the lock themselves; the others expect the caller to hold it.
    """

    def __init__(self, bot: BotProfile) -> None:
        self.bot = bot
        self.lock = threading.RLock()
        self.condition = threading.Condition(self.lock)  # wakes the *_sync waits
        self._alarms: set[Alarm] = set()  # wake the async waits

        self.chats: dict[int, Chat] = {}
        self.usernames: dict[str, int] = {}  # "@name" of public groups and channels → id
        self.users: dict[int, JsonDict] = {}
        self.members: dict[int, dict[int, str]] = {}  # chat → user → status
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self.callback_queries: dict[str, Query] = {}
        self.inline_queries: dict[str, Query] = {}
        self._query_ids = itertools.count(700_000_001)
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}  # (scope, language) → list
        self.webhook_url = ""
        self.menu_buttons: dict[int, JsonDict] = {}  # private chat → button; 0: the default
        self.records = Records(self.lock, self.changed)

    # ------------------------------------------------------------------ configuration

    def add_chat(
        self,
        chat_id: int,
        type: ChatType | None = None,  # the Bot API calls it "type"
        title: str | None = None,
        is_forum: bool = False,
        *,
        chat_type: ChatType | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> JsonDict:
        """Make a chat known (``type`` and ``chat_type`` are synonyms; default private).

        Registering an existing chat updates the given fields. Returns the Chat dict.
        """
        kind = type or chat_type or "private"
        if kind not in CHAT_TYPES:
            raise ValueError(f"unknown chat type {kind!r}")
        with self.lock:
            return self.register_chat(
                chat_id, kind, title, is_forum, username, first_name
            ).to_dict()

    def set_chat_member_status(self, chat_id: int, user_id: int, status: MemberStatus) -> None:
        """What ``getChatMember(chat_id, user_id)`` answers (default ``member``).

        For the bot's own id this is the bot's membership: ``left``/``kicked`` make sends fail
        with 403 like Telegram.
        """
        check_member_status(status)
        with self.lock:
            if user_id == self.bot.bot_id:
                chat = self.chats.get(chat_id)
                if chat is None:
                    raise ValueError(f"unknown chat {chat_id}; add_chat() it first")
                chat.bot_status = status
            else:
                self.members.setdefault(chat_id, {})[user_id] = status

    # ------------------------------------------------------------------ reading

    def latest(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot message as it is now (after its edits), or None if unknown or deleted."""
        with self.lock:
            stored = self.messages.get((chat_id, message_id))
            if stored is None or stored.deleted:
                return None
            return stored.latest

    def command_names(self, scope: str = "default", language_code: str = "") -> list[str]:
        """The command names set for a scope key (see :attr:`commands`) and language."""
        with self.lock:
            return [c["command"] for c in self.commands.get((scope, language_code), [])]

    # ------------------------------------------------------------------ change notification

    def changed(self) -> None:
        """Wake every wait; called with the lock held after each new record."""
        self.condition.notify_all()
        for alarm in self._alarms:
            alarm.ring()

    @contextlib.contextmanager
    def watching(self) -> Iterator[asyncio.Event]:
        """An event set on every :meth:`changed` while the ``with`` block runs."""
        alarm = Alarm.here()
        with self.lock:
            self._alarms.add(alarm)
        try:
            yield alarm.event
        finally:
            with self.lock:
                self._alarms.discard(alarm)

    # ------------------------------------------------------------------ state (lock held)

    def register_chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None = None,
        is_forum: bool = False,
        username: str | None = None,
        first_name: str | None = None,
    ) -> Chat:
        """The chat, created if new; the given fields are updated."""
        chat = self.chats.get(chat_id)
        if chat is None:
            # Channels add the bot as an admin to let it post; elsewhere it is a member.
            status = "administrator" if chat_type == "channel" else "member"
            chat = Chat(chat_id, chat_type, bot_status=status)
            self.chats[chat_id] = chat
        chat.type = chat_type
        if title:
            chat.title = title
        if is_forum:
            chat.is_forum = True
        if first_name and chat_type == "private":
            chat.first_name = first_name
        if username:
            chat.username = username
            if chat_type != "private":  # only public groups and channels have an @address
                self.usernames[f"@{username.lower()}"] = chat_id
        return chat

    def resolve(self, chat_id: Any) -> Any:
        """A ``chat_id`` parameter with a known ``@username`` replaced by the chat's id."""
        if isinstance(chat_id, str):
            return self.usernames.get(chat_id.lower(), chat_id)
        return chat_id

    def chat(self, params: JsonDict, *, sending: bool = True) -> Chat:
        """The chat of ``chat_id``; refuses unknown chats and chats the bot is not in."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad("chat_id is empty")
        chat = self.chats.get(self.resolve(chat_id))
        if chat is None:
            raise bad("chat not found")
        if sending and chat.bot_status in ("left", "kicked"):
            raise ApiError(403, forbidden_text(chat.type, chat.bot_status))
        return chat

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JsonDict:
        """The User dict; what is not given is kept from the user's earlier appearances."""
        known = self.users.get(user_id, {})
        user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name") or "Test",
            "username": username or known.get("username") or f"user{user_id}",
        }
        language = language_code or known.get("language_code")
        if language:
            user["language_code"] = language
        self.users[user_id] = user
        return user

    def new_message_id(self, chat_id: int) -> int:
        """The next message id in a chat (ids count per chat, from 1)."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def new_query_id(self) -> str:
        """A fresh callback or inline query id."""
        return str(next(self._query_ids))

    def message_dict(
        self,
        chat: Chat,
        message_id: int,
        sender: JsonDict,
        text: str,
        entities: list[JsonDict],
        thread_id: int | None,
        markup: JsonDict | None = None,
    ) -> JsonDict:
        """A ``Message`` dict; channel posts are signed by the chat instead of ``sender``."""
        message: JsonDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.to_dict(),
            "text": text,
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.to_dict()
        else:
            message["from"] = sender
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        return message

    def record_sent(
        self,
        chat: Chat,
        stored: StoredMessage,
        params: JsonDict,
        method: str,
        text: str,
        parse_mode: str | None,
        reply_markup: JsonDict | None,
    ) -> SentMessage:
        """Record an accepted send or edit of ``stored`` (already in its new state)."""
        record = SentMessage(
            chat_id=chat.id,
            message_id=stored.message_id,
            text=text,
            parse_mode=parse_mode,
            reply_markup=reply_markup,
            message_thread_id=stored.thread_id,
            disable_web_page_preview=params.get("disable_web_page_preview"),
            link_preview_options=params.get("link_preview_options"),
            method=method,
            time=time.monotonic(),
            visible_text=stored.visible,
            entities=stored.entities,
        )
        stored.latest = record
        self.records.add_sent(record)
        return record


def check_member_status(status: str) -> None:
    """Refuse a member status Telegram does not have (a mistake in the test)."""
    if status not in MEMBER_STATUSES:
        raise ValueError(f"unknown member status {status!r}")


def chat_member(user: JsonDict, status: str, chat_type: str) -> JsonDict:
    """A ``ChatMember`` dict for ``user`` with ``status``, with the rights that go with it."""
    member: JsonDict = {"user": user, "status": status}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            dict.fromkeys(_ADMINISTRATOR_RIGHTS, True),
            can_be_edited=False,
            is_anonymous=False,
            can_promote_members=False,
            can_pin_messages=chat_type != "channel",
        )
        if chat_type == "channel":
            member.update(can_post_messages=True, can_edit_messages=True)
    elif status == "restricted":
        member.update(dict.fromkeys(_RESTRICTED_RIGHTS, False), is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    return member
