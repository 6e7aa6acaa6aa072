"""The records of what the bot did, as tests read them afterwards.

Every accepted send or edit (:class:`SentMessage`, also indexed by chat), every request with
its outcome (:class:`ApiCall`), every answered callback or inline query, every deletion.
:class:`Records` keeps them in lists that :meth:`Records.clear` empties in place, so whoever
holds one of the lists keeps seeing the current records.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


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
        return inline_buttons(self.reply_markup)

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
class SentDocument:
    """One accepted ``sendDocument``: the uploaded file as the bot sent it, and its caption."""

    chat_id: int
    message_id: int
    file_name: str
    content: bytes
    mime_type: str | None
    caption: str | None  # raw, with its HTML
    visible_caption: str
    message_thread_id: int | None
    time: float

    @property
    def text(self) -> str:
        """The file's content as UTF-8 text (a .bib, a .csv …)."""
        return self.content.decode("utf-8")


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


def inline_buttons(markup: JsonDict | None) -> list[JsonDict]:
    """The buttons of an inline keyboard, row by row, flattened."""
    rows = (markup or {}).get("inline_keyboard") or []
    return [button for row in rows for button in row]


class Records:
    """What the bot did, in order; guarded by the world's lock (``changed`` wakes the waits)."""

    def __init__(self, lock: threading.RLock, changed: Callable[[], None]) -> None:
        self._lock = lock
        self._changed = changed
        self.sent: list[SentMessage] = []
        self.calls: list[ApiCall] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.inline_answers: list[InlineAnswer] = []
        self.deleted: list[tuple[int, int]] = []  # (chat_id, message_id)
        self.documents: list[SentDocument] = []  # files the bot uploaded (sendDocument)
        self._sent_by_chat: dict[int, list[SentMessage]] = {}

    def add_sent(self, record: SentMessage) -> None:
        """Record an accepted send or edit (the caller holds the lock)."""
        self.sent.append(record)
        self._sent_by_chat.setdefault(record.chat_id, []).append(record)

    def add_call(self, method: str, params: JsonDict, status: int, description: str | None) -> None:
        """Record a request and its outcome, and wake the waits."""
        with self._lock:
            self.calls.append(ApiCall(method, params, status, description, time.monotonic()))
            self._changed()

    def clear(self) -> None:
        """Forget everything recorded."""
        with self._lock:
            for records in (
                self.sent,
                self.calls,
                self.callback_answers,
                self.inline_answers,
                self.deleted,
                self.documents,
            ):
                records.clear()
            self._sent_by_chat.clear()

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

    def count_to(self, chat_id: int) -> int:
        """How many records :meth:`messages_to` has for a chat (cheap: nothing is copied)."""
        with self._lock:
            return len(self._sent_by_chat.get(chat_id, ()))
