"""A loopback fake of the Telegram Bot API, for tests, benchmarks and the terminal sandbox.

The real ``telegram.ext.Application`` talks to it over HTTP: build the bot with
``base_url=api.base_url`` and python-telegram-bot calls ``POST {base_url}{token}/{method}``.
The fake answers like Telegram does, including its refusals (invalid HTML, over-long texts,
bad buttons, unknown chats, unchanged edits ...), so tests catch what would break in
production. Tests simulate users with :meth:`FakeBotApi.send_message`,
:meth:`FakeBotApi.press_button`, :meth:`FakeBotApi.inline_query` ...; these queue updates that
``getUpdates`` long-polls out. Everything the bot sends is recorded (:attr:`FakeBotApi.sent`,
:attr:`FakeBotApi.calls`), faults can be injected (:meth:`FakeBotApi.inject_fault`) and flood
limits simulated (:meth:`FakeBotApi.flood_limits`).

Two ways to run it:

* in the bot's own event loop: ``async with FakeBotApi() as api: ...`` (or ``await
  api.start()`` / ``await api.stop()``);
* in a background thread with its own loop, for a bot running in a subprocess or for
  synchronous code: ``with FakeBotApi() as api: ...`` (or ``api.start_in_thread()`` /
  ``api.stop_thread()``) and the ``*_sync`` waits.

All state sits behind one lock, so the user simulation and the records may be used from any
thread while the server runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal, TypeVar

from aiohttp import web

from bot.sandbox.html_check import TelegramHtmlError, parse_telegram_html, utf16_len

__all__ = [
    "BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_USER_ID",
    "ApiCall",
    "CallbackAnswer",
    "ChatType",
    "FakeBotApi",
    "Fault",
    "FaultKind",
    "InlineAnswer",
    "MemberStatus",
    "SentMessage",
]

JsonDict = dict[str, Any]
T = TypeVar("T")
ChatType = Literal["private", "group", "supergroup", "channel"]
MemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
FaultKind = Literal[
    "retry_after", "forbidden", "migrate", "server_error", "chat_not_found", "drop", "delay"
]

BOT_ID = 999000
DEFAULT_BOT_USERNAME = "paper_digest_test_bot"
DEFAULT_USER_ID = 1001

MESSAGE_LIMIT = 4096  # UTF-16 code units of visible text
CALLBACK_ANSWER_LIMIT = 200
INLINE_RESULTS_LIMIT = 50
BUTTONS_LIMIT = 100
CALLBACK_DATA_LIMIT = 64  # bytes
COMMANDS_LIMIT = 100

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
GET_UPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# How python-telegram-bot encodes form values: strings as is, everything else as JSON. The
# server has to know each parameter's type to decode it back, exactly like Telegram does.
_JSON_PARAMS = _names(
    "reply_markup entities caption_entities link_preview_options reply_parameters results "
    "commands scope allowed_updates button media permissions rights message_ids"
)
_INT_PARAMS = _names(
    "message_id offset limit timeout user_id message_thread_id cache_time "
    "reply_to_message_id max_connections until_date direct_messages_topic_id"
)
_BOOL_PARAMS = _names(
    "disable_web_page_preview disable_notification protect_content show_alert is_personal "
    "drop_pending_updates allow_sending_without_reply allow_paid_broadcast "
    "revoke_messages only_if_banned"
)
_CHAT_PARAMS = frozenset({"chat_id", "from_chat_id"})
_INT_TEXT = re.compile(r"-?\d+")

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_BUTTON_URL = re.compile(r"(?i)(?:https?://[^\s/?#]+|tg://[a-z_]+)\S*")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_BOT_COMMAND_IN_TEXT = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\S)")
_CHAT_ACTIONS = _names(
    "typing upload_photo record_video upload_video record_voice upload_voice "
    "upload_document choose_sticker find_location record_video_note upload_video_note"
)
_INLINE_RESULT_TYPES = _names(
    "article photo gif mpeg4_gif video audio voice document location venue contact game sticker"
)
# Telegram's default when allowed_updates was never set (or set to []).
_DEFAULT_ALLOWED = _names(
    "message edited_message channel_post edited_channel_post business_connection "
    "business_message edited_business_message deleted_business_messages inline_query "
    "chosen_inline_result callback_query shipping_query pre_checkout_query "
    "purchased_paid_media poll poll_answer my_chat_member chat_join_request chat_boost "
    "removed_chat_boost"
)
_FAULT_KINDS = frozenset(
    {"retry_after", "forbidden", "migrate", "server_error", "chat_not_found", "drop", "delay"}
)
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class SentMessage:
    """One accepted ``sendMessage`` or edit, as the bot sent it.

    ``text`` is the raw text (with its HTML), ``visible_text``/``entities`` what Telegram made
    of it. For edits ``message_thread_id`` is the edited message's thread.
    """

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JsonDict | None
    message_thread_id: int | None
    disable_web_page_preview: bool | None
    link_preview_options: JsonDict | None
    method: str
    time: float
    visible_text: str = ""
    entities: list[JsonDict] = field(default_factory=list)

    @property
    def buttons(self) -> list[JsonDict]:
        """The inline keyboard's buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    @property
    def callback_data(self) -> list[str]:
        """The ``callback_data`` of every inline button, in order."""
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    def button_data(self, text: str) -> str:
        """The ``callback_data`` of the button labelled ``text`` (substring match)."""
        for button in self.buttons:
            if text in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
        labels = [button.get("text") for button in self.buttons]
        raise KeyError(f"no callback button labelled {text!r}; buttons: {labels}")


@dataclass(slots=True)
class ApiCall:
    """One request to the fake, accepted or refused. ``status`` 0 means the connection was
    dropped without an answer."""

    method: str
    params: JsonDict
    status: int
    description: str | None
    time: float

    @property
    def ok(self) -> bool:
        """Whether Telegram would have answered ``"ok": true``."""
        return self.status == 200


@dataclass(slots=True)
class CallbackAnswer:
    """An accepted ``answerCallbackQuery``, with the query it answers."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    data: str | None
    user_id: int
    chat_id: int | None
    message_id: int | None
    time: float


@dataclass(slots=True)
class InlineAnswer:
    """An accepted ``answerInlineQuery``, with the query it answers."""

    inline_query_id: str
    query: str
    user_id: int
    results: list[JsonDict]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JsonDict | None
    time: float


@dataclass(slots=True)
class Fault:
    """An injected fault; ``remaining`` matching calls still fail, ``hits`` already did."""

    method: str
    chat_id: int | str | None
    kind: FaultKind
    remaining: int
    params: JsonDict
    hits: int = 0


# --------------------------------------------------------------------------- internals


class _ApiError(Exception):
    """Raised inside a method handler; becomes ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: JsonDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


@dataclass(slots=True)
class _Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    is_forum: bool = False
    bot_status: str = "member"

    def to_dict(self) -> JsonDict:
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
class _Message:
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
class _Query:
    user_id: int
    query: str = ""
    data: str | None = None
    chat_id: int | None = None
    message_id: int | None = None
    answered: bool = False


@dataclass(slots=True, eq=False)  # hashed by identity: kept in a set
class _Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event
    thread: int


@dataclass(slots=True)
class _Poll:
    event: asyncio.Event
    conflict: bool = False


def _update_type(update: JsonDict) -> str:
    return next(key for key in update if key != "update_id")


def _short(text: str, size: int = 70) -> str:
    flat = text.replace("\n", "⏎")
    return flat if len(flat) <= size else flat[: size - 1] + "…"


# --------------------------------------------------------------------------- the server


class FakeBotApi:
    """A fake Telegram Bot API server on ``127.0.0.1``; see the module docstring."""

    def __init__(
        self,
        *,
        username: str = DEFAULT_BOT_USERNAME,
        first_name: str = "Paper Digest",
        bot_id: int = BOT_ID,
        can_join_groups: bool = True,
        token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.username = username
        self.first_name = first_name
        self.bot_id = bot_id
        self.can_join_groups = can_join_groups
        self._token = token  # None: any token works
        self._host = host
        self._requested_port = port
        self._port: int | None = None

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)  # wakes the *_sync waits
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

        # Records (cleared by reset()).
        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.deleted: list[tuple[int, int]] = []
        self.flood_rejections = 0
        self.faults: list[Fault] = []
        self._active_faults: list[Fault] = []  # those with calls left to fail
        self._sent_by_chat: dict[int, list[SentMessage]] = {}

        # Telegram's side of the world (kept by reset()).
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self._chats: dict[int, _Chat] = {}
        self._usernames: dict[str, int] = {}
        self._users: dict[int, JsonDict] = {}
        self._members: dict[int, dict[int, str]] = {}
        self._messages: dict[tuple[int, int], _Message] = {}
        self._next_message_id: dict[int, int] = {}
        self._callback_queries: dict[str, _Query] = {}
        self._inline_queries: dict[str, _Query] = {}
        self._query_ids = itertools.count(700_000_001)
        self._webhook_url = ""

        # Updates waiting for getUpdates.
        self._updates: deque[JsonDict] = deque()
        self._update_ids = itertools.count(10_001)
        self._allowed_updates: frozenset[str] = _DEFAULT_ALLOWED
        self._poll: _Poll | None = None

        # Flood simulation (sliding windows of accepted sendMessage times).
        self._flood_global: int | None = None
        self._flood_group: int | None = None
        self._flood_window: deque[float] = deque()
        self._flood_chat_windows: dict[int, deque[float]] = {}

        self._waiters: set[_Waiter] = set()

        self._methods: dict[str, tuple[str, Callable[[JsonDict], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,  # the only coroutine: it long-polls
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "answerInlineQuery": self._answer_inline_query,
                "getChat": self._get_chat,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "sendChatAction": self._send_chat_action,
                "leaveChat": self._leave_chat,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        """The TCP port the server listens on (only once started)."""
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as ``base_url``: ``http://127.0.0.1:PORT/bot``."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to give python-telegram-bot as ``base_file_url`` (files are not served)."""
        return f"http://{self._host}:{self.port}/file/bot"

    async def start(self) -> FakeBotApi:
        """Start serving in the running event loop."""
        if self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # handler_cancellation: a long poll whose client went away stops waiting at once.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = runner.addresses[0][1]
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._stopping = False
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once. Safe to call twice."""
        runner = self._runner
        if runner is None:
            return
        with self._lock:
            self._stopping = True
            self._wake_poll()
        await runner.cleanup()
        self._runner = None
        self._port = None

    def start_in_thread(self, timeout: float = 10.0) -> FakeBotApi:
        """Start serving from a background thread with its own event loop."""
        if self._thread is not None or self._runner is not None:
            raise RuntimeError("FakeBotApi is already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the starting thread
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        thread = threading.Thread(target=serve, name="fake-bot-api", daemon=True)
        thread.start()
        if not ready.wait(timeout):
            raise TimeoutError("FakeBotApi did not start in time")
        if failure:
            thread.join()
            raise failure[0]
        self._thread = thread
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start_in_thread`. Safe to call twice."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> FakeBotApi:
        return self.start_in_thread()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()

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
        if kind not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"unknown chat type {kind!r}")
        with self._lock:
            chat = self._register_chat(chat_id, kind, title, is_forum, username, first_name)
            return chat.to_dict()

    def set_chat_member_status(self, chat_id: int, user_id: int, status: MemberStatus) -> None:
        """What ``getChatMember(chat_id, user_id)`` answers (default ``member``).

        For the bot's own id this is the bot's membership: ``left``/``kicked`` make sends fail
        with 403 like Telegram.
        """
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        with self._lock:
            if user_id == self.bot_id:
                chat = self._chats.get(chat_id)
                if chat is None:
                    raise ValueError(f"unknown chat {chat_id}; add_chat() it first")
                chat.bot_status = status
            else:
                self._members.setdefault(chat_id, {})[user_id] = status

    def inject_fault(
        self,
        method: str = "sendMessage",
        chat_id: int | str | None = None,
        kind: FaultKind = "retry_after",
        times: int = 1,
        **params: Any,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (``chat_id=None`` matches any chat).

        Extra parameters per kind: ``retry_after`` (seconds, default 1), ``new_chat_id``
        (migrate; default ``-100<id>``), ``status`` (server_error: 500 or 502), ``seconds``
        (delay, default 1.0; the call then succeeds normally), ``description`` (any kind).
        Faulted calls appear in :attr:`calls`, never in :attr:`sent`.
        """
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {sorted(_FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = Fault(method.lower(), chat_id, kind, times, dict(params))
        with self._lock:
            self.faults.append(fault)
            self._active_faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Forget every injected fault."""
        with self._lock:
            self.faults.clear()
            self._active_faults.clear()

    def flood_limits(
        self, global_per_second: int | None = 30, per_group_per_minute: int | None = 20
    ) -> None:
        """Simulate Telegram's flood control on ``sendMessage`` (off by default).

        ``None`` disables a limit: ``flood_limits(None, None)`` turns simulation off. Windows
        slide, only accepted messages count, and the per-group limit applies to every
        non-private chat (as python-telegram-bot's ``AIORateLimiter`` assumes).
        """
        with self._lock:
            self._flood_global = global_per_second
            self._flood_group = per_group_per_minute
            self._flood_window.clear()
            self._flood_chat_windows.clear()

    def reset(self) -> None:
        """Clear the records, faults and flood windows; chats, messages, commands and pending
        updates stay."""
        with self._lock:
            self.sent.clear()
            self._sent_by_chat.clear()
            self.calls.clear()
            self.callback_answers.clear()
            self.inline_answers.clear()
            self.deleted.clear()
            self.faults.clear()
            self._active_faults.clear()
            self.flood_rejections = 0
            self._flood_window.clear()
            self._flood_chat_windows.clear()

    # ------------------------------------------------------------------ reading the records

    def messages_to(
        self, chat_id: int, thread_id: int | None = None, *, method: str | None = None
    ) -> list[SentMessage]:
        """Everything recorded for a chat (sends and edits, oldest first), optionally only
        one thread and/or one method (``"sendMessage"``)."""
        with self._lock:
            records = list(self._sent_by_chat.get(chat_id, ()))
        if thread_id is not None:
            records = [r for r in records if r.message_thread_id == thread_id]
        if method is not None:
            records = [r for r in records if r.method == method]
        return records

    def latest(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The bot message as it is now (after its edits), or None if unknown or deleted."""
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.deleted:
                return None
            return stored.latest

    def command_names(self, scope: str = "default", language_code: str = "") -> list[str]:
        """The command names set for a scope key (see :attr:`commands`) and language."""
        with self._lock:
            return [c["command"] for c in self.commands.get((scope, language_code), [])]

    @property
    def is_polling(self) -> bool:
        """Whether a ``getUpdates`` long poll is open right now."""
        with self._lock:
            return self._poll is not None and not self._poll.conflict

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return len(self._updates)

    async def wait_for(
        self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None
    ) -> T:
        """Wait until ``predicate()`` returns something truthy, and return it.

        Re-evaluated whenever the fake records a call or message (no polling). Raises
        ``TimeoutError`` with what was sent and refused so far.
        """
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop, asyncio.Event(), threading.get_ident())
        with self._lock:
            self._waiters.add(waiter)
        deadline = loop.time() + timeout
        try:
            while True:
                waiter.event.clear()
                result = predicate()
                if result:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(self.describe(what or "condition", timeout))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waiter.event.wait(), remaining)
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,
        *,
        thread_id: int | None = None,
        method: str | None = None,
    ) -> list[SentMessage]:
        """Wait until :meth:`messages_to` has at least ``count`` records; return them all."""
        return await self.wait_for(
            self._enough(chat_id, count, thread_id, method),
            timeout,
            what=self._messages_wanted(chat_id, count, thread_id, method),
        )

    def wait_for_sync(
        self, predicate: Callable[[], T], timeout: float = 5.0, *, what: str | None = None
    ) -> T:
        """Blocking :meth:`wait_for`, for threads other than the server's."""
        if self._loop_thread == threading.get_ident():
            raise RuntimeError(
                "wait_for_sync would block the fake's own event loop; await wait_for"
            )
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self.describe(what or "condition", timeout))
                self._cond.wait(remaining)

    def wait_for_messages_sync(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = 5.0,
        *,
        thread_id: int | None = None,
        method: str | None = None,
    ) -> list[SentMessage]:
        """Blocking :meth:`wait_for_messages`."""
        return self.wait_for_sync(
            self._enough(chat_id, count, thread_id, method),
            timeout,
            what=self._messages_wanted(chat_id, count, thread_id, method),
        )

    def _enough(
        self, chat_id: int, count: int, thread_id: int | None, method: str | None
    ) -> Callable[[], list[SentMessage]]:
        def check() -> list[SentMessage]:
            if thread_id is None and method is None:
                # Re-checked after every request: count first, copy only once satisfied.
                with self._lock:
                    records = self._sent_by_chat.get(chat_id, [])
                    return list(records) if len(records) >= count else []
            records = self.messages_to(chat_id, thread_id, method=method)
            return records if len(records) >= count else []

        return check

    @staticmethod
    def _messages_wanted(
        chat_id: int, count: int, thread_id: int | None, method: str | None
    ) -> str:
        where = f"chat {chat_id}" + (f" thread {thread_id}" if thread_id is not None else "")
        return f"{count} {method or 'message'} record(s) to {where}"

    def describe(self, what: str = "condition", timeout: float | None = None) -> str:
        """A readable summary of what the bot sent and what was refused (for failures)."""
        with self._lock:
            sent = list(self.sent[-20:])
            total = len(self.sent)
            refused = [c for c in self.calls[-200:] if not c.ok][-10:]
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

    # ------------------------------------------------------------------ simulated users

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
        with self._lock:
            user = self._user(user_id, first_name, username, language_code)
            chat = self._register_chat(
                chat_id,
                chat_type,
                title,
                is_forum,
                username if chat_type == "private" else None,
                first_name if chat_type == "private" else None,
            )
            message_id = self._new_message_id(chat.id)
            message: JsonDict = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat.to_dict(),
                "text": text,
            }
            if chat_type == "channel":
                message["sender_chat"] = chat.to_dict()
            else:
                message["from"] = user
            entities = self._command_entities(text)
            if entities:
                message["entities"] = entities
            if message_thread_id is not None:
                message["message_thread_id"] = message_thread_id
                if chat.is_forum:
                    message["is_topic_message"] = True
            self._messages[(chat.id, message_id)] = _Message(
                chat.id, message_id, False, message, text, entities, None, message_thread_id
            )
            kind = "channel_post" if chat_type == "channel" else "message"
            return self._enqueue(kind, message)

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
        with self._lock:
            stored = self._messages.get((message.chat_id, message.message_id))
            if stored is None or stored.deleted:
                raise ValueError(f"message {message.message_id} in chat {message.chat_id} is gone")
            rows = (stored.markup or {}).get("inline_keyboard") or []
            available = [b.get("callback_data") for row in rows for b in row]
            if callback_data not in available:
                raise ValueError(
                    f"no button with callback_data {callback_data!r} on message "
                    f"{message.message_id}; the message has {available}"
                )
            chat = self._chats[stored.chat_id]
            if user_id is None:
                user_id = chat.id if chat.type == "private" else DEFAULT_USER_ID
            user = self._user(user_id, first_name, username, language_code)
            query_id = str(next(self._query_ids))
            self._callback_queries[query_id] = _Query(
                user_id, data=callback_data, chat_id=chat.id, message_id=stored.message_id
            )
            return self._enqueue(
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
        with self._lock:
            user = self._user(user_id, first_name, username, language_code)
            query_id = str(next(self._query_ids))
            self._inline_queries[query_id] = _Query(user_id, query=query)
            payload: JsonDict = {"id": query_id, "from": user, "query": query, "offset": offset}
            if chat_type:
                payload["chat_type"] = chat_type
            return self._enqueue("inline_query", payload)

    def chosen_inline_result(
        self,
        result_id: str,
        query: str = "",
        user_id: int = DEFAULT_USER_ID,
        inline_message_id: str | None = None,
        language_code: str | None = "en",
    ) -> JsonDict:
        """A user picked an inline result; queues a ``chosen_inline_result`` update."""
        with self._lock:
            user = self._user(user_id, language_code=language_code)
            payload: JsonDict = {"result_id": result_id, "from": user, "query": query}
            if inline_message_id:
                payload["inline_message_id"] = inline_message_id
            return self._enqueue("chosen_inline_result", payload)

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
        if new_status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {new_status!r}")
        with self._lock:
            known = chat_id in self._chats
            chat = self._register_chat(chat_id, chat_type, title, False, None, None)
            old = old_status or (chat.bot_status if known else "left")
            chat.bot_status = new_status
            bot_user = self._bot_user()
            return self._enqueue(
                "my_chat_member",
                {
                    "chat": chat.to_dict(),
                    "from": self._user(user_id),
                    "date": int(time.time()),
                    "old_chat_member": self._member(bot_user, old, chat.type),
                    "new_chat_member": self._member(bot_user, new_status, chat.type),
                },
            )

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        if self._token is not None and request.match_info["token"] != self._token:
            return self._finish(raw_method, {}, _ApiError(401, "Unauthorized"))
        try:
            params = await self._read_params(request)
        except _ApiError as exc:
            return self._finish(raw_method, {}, exc)
        entry = self._methods.get(raw_method.lower())
        if entry is None:
            return self._finish(raw_method, params, _ApiError(404, "Not Found"))
        name, handler = entry

        with self._lock:
            fault = self._take_fault(name, params)
        if fault is not None and fault.kind == "drop":
            self._record_call(name, params, 0, "connection dropped (injected fault)")
            return await self._drop(request)
        try:
            if fault is not None and fault.kind == "delay":
                await asyncio.sleep(float(fault.params.get("seconds", 1.0)))
            elif fault is not None:
                with self._lock:
                    error = self._fault_error(fault, params)
                return self._finish(name, params, error)
            if name == "getUpdates":
                result = await handler(params)
            else:
                with self._lock:
                    result = handler(params)
        except _ApiError as exc:
            return self._finish(name, params, exc)
        except asyncio.CancelledError:  # the client hung up (timeout, shutdown)
            self._record_call(name, params, 0, "client disconnected before the answer")
            raise
        return self._finish(name, params, result=result)

    async def _drop(self, request: web.Request) -> web.StreamResponse:
        # Close the socket without a byte of answer: the client sees a NetworkError.
        transport = request.transport
        if transport is not None:
            transport.abort()
        await asyncio.sleep(3600)  # cancelled by aiohttp as the connection is gone
        return web.Response(status=500)  # pragma: no cover - never reached

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = dict(request.query)
        if request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise _bad("can't parse JSON encoded request") from exc
                if not isinstance(body, dict):
                    raise _bad("can't parse JSON encoded request")
                params.update(body)
            elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = {"file_name": value.filename, "file": True}
                    else:
                        params[key] = value
        return {key: self._decode(key, value) for key, value in params.items()}

    @staticmethod
    def _decode(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in _JSON_PARAMS:
            try:
                return json.loads(value)
            except ValueError as exc:
                raise _bad(f"can't parse {key} JSON object") from exc
        if key in _CHAT_PARAMS:
            return int(value) if _INT_TEXT.fullmatch(value) else value
        if key in _INT_PARAMS:
            if not _INT_TEXT.fullmatch(value.strip()):
                raise _bad(f"invalid {key} specified")
            return int(value)
        if key in _BOOL_PARAMS:
            return value.strip().lower() in ("true", "1")
        return value

    def _finish(
        self,
        method: str,
        params: JsonDict,
        error: _ApiError | None = None,
        *,
        result: Any = None,
    ) -> web.Response:
        if error is None:
            status, description = 200, None
            payload: JsonDict = {"ok": True, "result": result}
        else:
            status, description = error.status, error.description
            payload = {"ok": False, "error_code": status, "description": description}
            if error.parameters:
                payload["parameters"] = error.parameters
        self._record_call(method, params, status, description)
        body = json.dumps(payload, ensure_ascii=False).encode()
        return web.Response(body=body, status=status, content_type="application/json")

    def _record_call(
        self, method: str, params: JsonDict, status: int, description: str | None
    ) -> None:
        with self._lock:
            self.calls.append(ApiCall(method, params, status, description, time.monotonic()))
            self._changed()

    # ------------------------------------------------------------------ notification

    def _changed(self) -> None:
        """Wake every waiter; called with the lock held after each new record."""
        self._cond.notify_all()
        if not self._waiters:
            return
        here = threading.get_ident()
        for waiter in self._waiters:
            if waiter.thread == here:
                waiter.event.set()
            else:
                with contextlib.suppress(RuntimeError):  # that loop is closed
                    waiter.loop.call_soon_threadsafe(waiter.event.set)

    def _wake_poll(self) -> None:
        poll, loop = self._poll, self._loop
        if poll is None or loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            poll.event.set()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(poll.event.set)

    def _enqueue(self, kind: str, payload: JsonDict) -> JsonDict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self._updates.append(update)
        self._wake_poll()
        return update

    # ------------------------------------------------------------------ faults and flood

    def _take_fault(self, method: str, params: JsonDict) -> Fault | None:
        if not self._active_faults:
            return None
        lowered = method.lower()
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lower() in self._usernames:
            chat_id = self._usernames[chat_id.lower()]
        for fault in self._active_faults:
            if fault.method != lowered:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            fault.hits += 1
            if fault.remaining <= 0:
                self._active_faults.remove(fault)
            return fault
        return None

    def _fault_error(self, fault: Fault, params: JsonDict) -> _ApiError:
        extra = fault.params
        description = extra.get("description")
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if fault.kind == "retry_after":
            seconds = int(extra.get("retry_after", 1))
            return _ApiError(
                429,
                description or f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        if fault.kind == "forbidden":
            positive = isinstance(chat_id, int) and chat_id > 0
            kind = chat.type if chat else ("private" if positive else "group")
            return _ApiError(403, description or self._forbidden_text(kind, "kicked"))
        if fault.kind == "migrate":
            old = chat_id if isinstance(chat_id, int) else 0
            new_id = int(extra.get("new_chat_id") or int(f"-100{abs(old)}"))
            title = chat.title if chat else None
            self._register_chat(new_id, "supergroup", title, False, None, None)
            return _ApiError(
                400,
                description or "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": new_id},
            )
        if fault.kind == "server_error":
            status = int(extra.get("status", 500))
            text = {502: "Bad Gateway", 504: "Gateway Timeout"}.get(status, "Internal Server Error")
            return _ApiError(status, description or text)
        return _ApiError(400, description or "Bad Request: chat not found")  # chat_not_found

    @staticmethod
    def _forbidden_text(chat_type: str, status: str) -> str:
        if chat_type == "private":
            return "Forbidden: bot was blocked by the user"
        if chat_type == "channel":
            return "Forbidden: bot is not a member of the channel chat"
        if status == "kicked":
            return f"Forbidden: bot was kicked from the {chat_type} chat"
        return f"Forbidden: bot is not a member of the {chat_type} chat"

    def _check_flood(self, chat: _Chat) -> None:
        if self._flood_global is None and self._flood_group is None:
            return
        now = time.monotonic()
        window = self._flood_window
        chat_window: deque[float] | None = None
        wait = 0.0
        if self._flood_global is not None:
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self._flood_global:
                wait = window[len(window) - self._flood_global] + 1.0 - now
        if self._flood_group is not None and chat.type != "private":
            chat_window = self._flood_chat_windows.setdefault(chat.id, deque())
            while chat_window and chat_window[0] <= now - 60.0:
                chat_window.popleft()
            if len(chat_window) >= self._flood_group:
                oldest = chat_window[len(chat_window) - self._flood_group]
                wait = max(wait, oldest + 60.0 - now)
        if wait > 0:
            self.flood_rejections += 1
            seconds = max(1, math.ceil(wait))
            raise _ApiError(
                429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds}
            )
        window.append(now)
        if chat_window is not None:
            chat_window.append(now)

    # ------------------------------------------------------------------ shared checks

    def _register_chat(
        self,
        chat_id: int,
        chat_type: str,
        title: str | None,
        is_forum: bool,
        username: str | None,
        first_name: str | None,
    ) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            # Channels add the bot as an admin to let it post; elsewhere it is a member.
            status = "administrator" if chat_type == "channel" else "member"
            chat = _Chat(chat_id, chat_type, bot_status=status)
            self._chats[chat_id] = chat
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
                self._usernames[f"@{username.lower()}"] = chat_id
        return chat

    def _user(
        self,
        user_id: int,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> JsonDict:
        """The User dict; what is not given is kept from the user's earlier appearances."""
        known = self._users.get(user_id, {})
        user: JsonDict = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name or known.get("first_name") or "Test",
            "username": username or known.get("username") or f"user{user_id}",
        }
        language = language_code or known.get("language_code")
        if language:
            user["language_code"] = language
        self._users[user_id] = user
        return user

    def _bot_user(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _command_entities(self, text: str) -> list[JsonDict]:
        entities = []
        for match in _BOT_COMMAND_IN_TEXT.finditer(text):
            command = match.group(0)
            if "@" in command and command.split("@", 1)[1].lower() != self.username.lower():
                continue  # a command for another bot is not highlighted for us either
            entities.append(
                {
                    "type": "bot_command",
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(command),
                }
            )
        return entities

    def _chat(self, params: JsonDict, *, sending: bool = True) -> _Chat:
        """The chat of ``chat_id``; refuses unknown chats and chats the bot is not in."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            resolved = self._usernames.get(chat_id.lower())
            if resolved is None:
                raise _bad("chat not found")
            chat_id = resolved
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if sending and chat.bot_status in ("left", "kicked"):
            raise _ApiError(403, self._forbidden_text(chat.type, chat.bot_status))
        return chat

    def _text(
        self,
        text: Any,
        parse_mode: Any,
        entities: Any,
        *,
        empty: str = "message text is empty",
    ) -> tuple[str, list[JsonDict]]:
        """Visible text and entities of a message text, with Telegram's checks."""
        if text is None or text == "":
            raise _bad(empty)
        text = str(text)
        if entities is not None:
            if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
                raise _bad("can't parse entities JSON object")
            visible, parsed = text, [dict(e) for e in entities]
        elif parse_mode:
            mode = str(parse_mode).lower()
            if mode == "html":
                try:
                    visible, parsed = parse_telegram_html(text)
                except TelegramHtmlError as exc:
                    raise _ApiError(400, exc.description) from exc
            elif mode in ("markdown", "markdownv2"):
                visible, parsed = text, []  # not validated: the bot only uses HTML
            else:
                raise _bad("unsupported parse_mode")
        else:
            visible, parsed = text, []
        visible, parsed = self._trim(visible, parsed)
        if not visible:
            raise _bad(empty)
        if utf16_len(visible) > MESSAGE_LIMIT:
            raise _bad("message is too long")
        return visible, parsed

    @staticmethod
    def _trim(visible: str, entities: list[JsonDict]) -> tuple[str, list[JsonDict]]:
        # Telegram strips surrounding whitespace and shifts the entities accordingly.
        stripped = visible.strip()
        if stripped == visible:
            return visible, entities
        if not stripped:
            return "", []
        lead = utf16_len(visible[: len(visible) - len(visible.lstrip())])
        size = utf16_len(stripped)
        kept = []
        for entity in entities:
            start = max(0, int(entity.get("offset", 0)) - lead)
            end = min(size, int(entity.get("offset", 0)) + int(entity.get("length", 0)) - lead)
            if end > start:
                kept.append({**entity, "offset": start, "length": end - start})
        return stripped, kept

    def _markup(self, markup: Any) -> JsonDict | None:
        """Validate ``reply_markup``; return the inline keyboard shown under the message."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
                return None  # reply keyboards are not part of the message
            raise _bad("can't parse reply keyboard markup JSON object")
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad(
                'can\'t parse inline keyboard button: Field "inline_keyboard" must be of type Array'
            )
        count = 0
        for row in rows:
            for button in row:
                count += 1
                self._button(button)
        if count > BUTTONS_LIMIT:
            raise _bad("reply markup is too long")
        return markup

    @staticmethod
    def _button(button: Any) -> None:
        if not isinstance(button, dict):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        if not isinstance(button.get("text"), str):
            raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not button["text"].strip():
            raise _bad("BUTTON_TEXT_INVALID")
        actions = [key for key in _BUTTON_ACTIONS if key in button]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline "
                "keyboard"
            )
        if len(actions) > 1:
            raise _bad(
                "can't parse inline keyboard button: exactly one of the optional fields must "
                f"be used, found {', '.join(actions)}"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not _BUTTON_URL.fullmatch(url):
                raise _bad("BUTTON_URL_INVALID")

    def _record_sent(
        self,
        chat: _Chat,
        stored: _Message,
        params: JsonDict,
        method: str,
        text: str,
        parse_mode: str | None,
        reply_markup: JsonDict | None,
    ) -> SentMessage:
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
        self.sent.append(record)
        self._sent_by_chat.setdefault(chat.id, []).append(record)
        return record

    def _bot_message_dict(
        self,
        chat: _Chat,
        message_id: int,
        visible: str,
        entities: list[JsonDict],
        markup: JsonDict | None,
        thread_id: int | None,
    ) -> JsonDict:
        message: JsonDict = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.to_dict(),
            "text": visible,
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.to_dict()
        else:
            message["from"] = self._bot_user()
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
        return message

    @staticmethod
    def _member(user: JsonDict, status: str, chat_type: str) -> JsonDict:
        member: JsonDict = {"user": user, "status": status}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=True,
                can_edit_stories=True,
                can_delete_stories=True,
                can_pin_messages=chat_type != "channel",
            )
            if chat_type == "channel":
                member.update(can_post_messages=True, can_edit_messages=True)
        elif status == "restricted":
            member.update(
                {
                    key: False
                    for key in (
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
                },
                is_member=True,
                until_date=0,
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # ------------------------------------------------------------------ methods

    def _true(self, params: JsonDict) -> bool:
        return True

    def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self._bot_user(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        limit = int(params.get("limit") or 100)
        timeout = max(0, int(params.get("timeout") or 0))
        with self._lock:
            if self._webhook_url:
                raise _ApiError(409, WEBHOOK_CONFLICT)
            if "allowed_updates" in params:
                allowed = params["allowed_updates"]
                if not isinstance(allowed, list):
                    raise _bad("can't parse allowed_updates JSON object")
                self._allowed_updates = frozenset(allowed) if allowed else _DEFAULT_ALLOWED
            self._confirm(int(params.get("offset") or 0))
            if self._poll is not None:  # Telegram answers the *older* poll with 409
                self._poll.conflict = True
                self._wake_poll()
            poll = _Poll(asyncio.Event())
            self._poll = poll
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        announced = False
        try:
            while True:
                with self._lock:
                    if poll.conflict:
                        raise _ApiError(409, GET_UPDATES_CONFLICT)
                    batch = self._deliverable(max(1, min(limit, 100)))
                    if batch or self._stopping:
                        return batch
                    poll.event.clear()
                    if not announced:  # lets tests wait for "the bot is polling now"
                        announced = True
                        self._changed()
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(poll.event.wait(), remaining)
        finally:
            with self._lock:
                if self._poll is poll:
                    self._poll = None

    def _confirm(self, offset: int) -> None:
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        elif offset < 0:
            while len(updates) > -offset:
                updates.popleft()

    def _deliverable(self, limit: int) -> list[JsonDict]:
        allowed = self._allowed_updates
        batch = []
        for update in self._updates:
            if _update_type(update) in allowed:
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    def _delete_webhook(self, params: JsonDict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: JsonDict) -> bool:
        url = str(params.get("url") or "")
        if url and not url.lower().startswith("https://"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook_url = url
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _scope_key(self, scope: Any) -> str:
        if scope is None:
            return "default"
        if not isinstance(scope, dict) or "type" not in scope:
            raise _bad("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return str(kind)
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat = self._chat(scope, sending=False)
            if kind == "chat":
                return f"chat:{chat.id}"
            if chat.type == "private":
                raise _bad("can't change commands of administrators in private chats")
            if kind == "chat_administrators":
                return f"chat_administrators:{chat.id}"
            return f"chat_member:{chat.id}:{int(scope.get('user_id') or 0)}"
        raise _bad("unsupported bot command scope type")

    def _language(self, params: JsonDict) -> str:
        code = str(params.get("language_code") or "")
        if code and not _LANGUAGE_CODE.fullmatch(code):
            raise _bad("invalid language code specified")
        return code

    def _set_my_commands(self, params: JsonDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > COMMANDS_LIMIT:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        key = (self._scope_key(params.get("scope")), self._language(params))
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        key = (self._scope_key(params.get("scope")), self._language(params))
        return list(self.commands.get(key, []))

    def _delete_my_commands(self, params: JsonDict) -> bool:
        key = (self._scope_key(params.get("scope")), self._language(params))
        self.commands.pop(key, None)
        return True

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._chat(params)
        text = params.get("text")
        parse_mode = params.get("parse_mode") or None
        visible, entities = self._text(text, parse_mode, params.get("entities"))
        raw_markup = params.get("reply_markup")
        markup = self._markup(raw_markup)
        reply = params.get("reply_parameters")
        reply_id = reply.get("message_id") if isinstance(reply, dict) else None
        reply_id = reply_id or params.get("reply_to_message_id")
        if reply_id:
            target = self._messages.get((chat.id, int(reply_id)))
            tolerant = params.get("allow_sending_without_reply") or (
                isinstance(reply, dict) and reply.get("allow_sending_without_reply")
            )
            if (target is None or target.deleted) and not tolerant:
                raise _bad("message to be replied not found")
        self._check_flood(chat)

        thread_id = params.get("message_thread_id")
        message_id = self._new_message_id(chat.id)
        data = self._bot_message_dict(chat, message_id, visible, entities, markup, thread_id)
        stored = _Message(chat.id, message_id, True, data, visible, entities, markup, thread_id)
        self._messages[(chat.id, message_id)] = stored
        self._record_sent(chat, stored, params, "sendMessage", str(text), parse_mode, raw_markup)
        return data

    def _editable(self, params: JsonDict) -> tuple[_Chat, _Message]:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = self._messages.get((chat.id, int(message_id)))
        if stored is None or stored.deleted:
            raise _bad("message to edit not found")
        if not stored.from_bot:
            raise _bad("message can't be edited")
        return chat, stored

    def _edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        text = params.get("text")
        parse_mode = params.get("parse_mode") or None
        if params.get("inline_message_id"):
            # Inline messages live in chats we do not model: validate, accept, answer True.
            self._text(text, parse_mode, params.get("entities"))
            self._markup(params.get("reply_markup"))
            return True
        chat, stored = self._editable(params)
        visible, entities = self._text(text, parse_mode, params.get("entities"))
        raw_markup = params.get("reply_markup")
        # An edit without reply_markup removes the inline keyboard, as in Telegram.
        markup = self._markup(raw_markup)
        if visible == stored.visible and entities == stored.entities and markup == stored.markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        return self._apply_edit(
            chat,
            stored,
            params,
            "editMessageText",
            str(text),
            parse_mode,
            raw_markup,
            visible,
            entities,
            markup,
        )

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        if params.get("inline_message_id"):
            self._markup(params.get("reply_markup"))
            return True
        chat, stored = self._editable(params)
        raw_markup = params.get("reply_markup")
        markup = self._markup(raw_markup)
        if markup == stored.markup:
            raise _bad(NOT_MODIFIED.removeprefix("Bad Request: "))
        previous = stored.latest
        text = previous.text if previous else stored.visible
        parse_mode = previous.parse_mode if previous else None
        return self._apply_edit(
            chat,
            stored,
            params,
            "editMessageReplyMarkup",
            text,
            parse_mode,
            raw_markup,
            stored.visible,
            stored.entities,
            markup,
        )

    def _apply_edit(
        self,
        chat: _Chat,
        stored: _Message,
        params: JsonDict,
        method: str,
        text: str,
        parse_mode: str | None,
        raw_markup: JsonDict | None,
        visible: str,
        entities: list[JsonDict],
        markup: JsonDict | None,
    ) -> JsonDict:
        data = self._bot_message_dict(
            chat, stored.message_id, visible, entities, markup, stored.thread_id
        )
        data["date"] = stored.data["date"]
        data["edit_date"] = int(time.time())
        stored.data, stored.visible, stored.entities, stored.markup = (
            data,
            visible,
            entities,
            markup,
        )
        self._record_sent(chat, stored, params, method, text, parse_mode, raw_markup)
        return data

    def _delete_message(self, params: JsonDict) -> bool:
        chat = self._chat(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        stored = self._messages.get((chat.id, int(message_id)))
        if stored is None or stored.deleted:
            raise _bad("message to delete not found")
        stored.deleted = True
        self.deleted.append((chat.id, stored.message_id))
        self._changed()
        return True

    def _answer_callback_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._callback_queries.get(query_id)
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        text = params.get("text")
        if text is not None and utf16_len(str(text)) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        self.callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=None if text is None else str(text),
                show_alert=bool(params.get("show_alert")),
                url=params.get("url"),
                cache_time=params.get("cache_time"),
                data=query.data,
                user_id=query.user_id,
                chat_id=query.chat_id,
                message_id=query.message_id,
                time=time.monotonic(),
            )
        )
        return True

    def _answer_inline_query(self, params: JsonDict) -> bool:
        query_id = str(params.get("inline_query_id") or "")
        query = self._inline_queries.get(query_id)
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD.removeprefix("Bad Request: "))
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad("can't parse inline query results JSON object")
        if len(results) > INLINE_RESULTS_LIMIT:
            raise _bad("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._inline_result(result, seen)
        query.answered = True
        self.inline_answers.append(
            InlineAnswer(
                inline_query_id=query_id,
                query=query.query,
                user_id=query.user_id,
                results=results,
                cache_time=params.get("cache_time"),
                is_personal=bool(params.get("is_personal")),
                next_offset=params.get("next_offset"),
                button=params.get("button"),
                time=time.monotonic(),
            )
        )
        return True

    def _inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict):
            raise _bad("can't parse InlineQueryResult JSON object")
        if result.get("type") not in _INLINE_RESULT_TYPES:
            raise _bad("RESULT_TYPE_INVALID")
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
            raise _bad("RESULT_ID_INVALID")
        if result_id in seen:
            raise _bad("RESULT_ID_DUPLICATE")
        seen.add(result_id)
        if result["type"] == "article":
            if not str(result.get("title") or "").strip():
                raise _bad("RESULT_TITLE_EMPTY")
            if "input_message_content" not in result:
                raise _bad("can't parse InputMessageContent JSON object")
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            self._text(
                content.get("message_text"), content.get("parse_mode"), content.get("entities")
            )
        self._markup(result.get("reply_markup"))

    def _get_chat(self, params: JsonDict) -> JsonDict:
        chat = self._chat(params, sending=False)
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def _get_chat_member(self, params: JsonDict) -> JsonDict:
        chat = self._chat(params, sending=False)
        user_id = params.get("user_id")
        if user_id is None:
            raise _bad("user_id is empty")
        user_id = int(user_id)
        if user_id == self.bot_id:
            return self._member(self._bot_user(), chat.bot_status, chat.type)
        status = self._members.get(chat.id, {}).get(user_id, "member")
        user = self._user(user_id)
        return self._member(user, status, chat.type)

    def _get_chat_administrators(self, params: JsonDict) -> list[JsonDict]:
        chat = self._chat(params, sending=False)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        admins = []
        for user_id, status in self._members.get(chat.id, {}).items():
            if status in ("creator", "administrator"):
                user = self._user(user_id)
                admins.append(self._member(user, status, chat.type))
        if chat.bot_status == "administrator":
            admins.append(self._member(self._bot_user(), "administrator", chat.type))
        return admins

    def _send_chat_action(self, params: JsonDict) -> bool:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _leave_chat(self, params: JsonDict) -> bool:
        chat = self._chat(params)
        if chat.type == "private":
            raise _bad("chat member status can't be changed in private chats")
        chat.bot_status = "left"
        return True
