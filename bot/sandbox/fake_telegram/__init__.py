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

Two ways to run it (and a third way to reach it without HTTP: :meth:`FakeBotApi.request`):

* in the bot's own event loop: ``async with FakeBotApi() as api: ...`` (or ``await
  api.start()`` / ``await api.stop()``);
* in a background thread with its own loop, for a bot running in a subprocess or for
  synchronous code: ``with FakeBotApi() as api: ...`` (or ``api.start_in_thread()`` /
  ``api.stop_thread()``) and the ``*_sync`` waits.

All state sits behind one lock, so the user simulation and the records may be used from any
thread while the server runs.

Where things are, one module per concern:

* :mod:`.world` — chats, users, members, messages, queries, commands;
* :mod:`.records` — what the bot did (:class:`SentMessage`, :class:`ApiCall` ...);
* :mod:`.rules` — what Telegram refuses and with which error text (with :mod:`.html_check`,
  Telegram's HTML parse mode);
* :mod:`.methods` — one function per Bot API method, registered by name;
* :mod:`.documents` — ``sendDocument``: multipart uploads, kept in :attr:`FakeBotApi.documents`;
* :mod:`.updates` — the pending updates and the ``getUpdates`` long poll;
* :mod:`.faults` — injected faults (429, 403, migration, 5xx, drops, delays) and flood control;
* :mod:`.dispatch` — one call from request to answer: token, fault, method, record, envelope;
* :mod:`.server` — the HTTP transport, and running in a loop or a thread;
* :mod:`.transport` — the in-process transport (a python-telegram-bot ``BaseRequest``);
* :mod:`.people` — simulated users (write, press, inline, membership) and the waits;
* :mod:`.files` — documents users send, ``getFile`` and the file download;
* :mod:`.polls` — ``sendPoll``/``stopPoll`` with Telegram's poll limits, and people voting;
* :mod:`.api` — :class:`FakeBotApi`, the parts put together.
"""

from bot.sandbox.fake_telegram.api import FakeBotApi
from bot.sandbox.fake_telegram.faults import Fault, FaultKind
from bot.sandbox.fake_telegram.polls import FakePoll
from bot.sandbox.fake_telegram.records import (
    ApiCall,
    CallbackAnswer,
    InlineAnswer,
    SentDocument,
    SentMessage,
)
from bot.sandbox.fake_telegram.world import (
    BOT_ID,
    DEFAULT_BOT_USERNAME,
    DEFAULT_USER_ID,
    ChatType,
    MemberStatus,
)

__all__ = [
    "BOT_ID",
    "DEFAULT_BOT_USERNAME",
    "DEFAULT_USER_ID",
    "ApiCall",
    "CallbackAnswer",
    "ChatType",
    "FakeBotApi",
    "FakePoll",
    "Fault",
    "FaultKind",
    "InlineAnswer",
    "MemberStatus",
    "SentDocument",
    "SentMessage",
]
