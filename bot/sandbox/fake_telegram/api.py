"""``FakeBotApi``: the fake Telegram's parts put together behind the one object tests hold.

The class only builds the parts and hands out their methods; the work is done in
:mod:`.world`, :mod:`.records`, :mod:`.updates`, :mod:`.faults`, :mod:`.methods`,
:mod:`.dispatch`, :mod:`.server`, :mod:`.transport` and :mod:`.people`.
"""

from __future__ import annotations

from types import TracebackType

from bot.sandbox.fake_telegram import documents  # noqa: F401  (registers sendDocument)
from bot.sandbox.fake_telegram.dispatch import Dispatcher
from bot.sandbox.fake_telegram.faults import FaultInjector
from bot.sandbox.fake_telegram.files import Uploads
from bot.sandbox.fake_telegram.methods import Backend
from bot.sandbox.fake_telegram.people import Users, Watcher
from bot.sandbox.fake_telegram.polls import FakePoll, Voters
from bot.sandbox.fake_telegram.server import FakeServer
from bot.sandbox.fake_telegram.transport import InProcessRequest
from bot.sandbox.fake_telegram.updates import UpdateQueue
from bot.sandbox.fake_telegram.world import BOT_ID, DEFAULT_BOT_USERNAME, BotProfile, World


class FakeBotApi:
    """A fake Telegram Bot API server on ``127.0.0.1``; see the package docstring.

    Each public method is a part's method (its docstring says more): the world's
    configuration and records (``add_chat``, ``messages_to`` ...), the simulated users
    (``send_message``, ``press_button`` ...), the waits (``wait_for`` ...), the faults
    (``inject_fault``, ``flood_limits``) and the server's lifecycle.
    """

    def __init__(
        self,
        *,
        username: str = DEFAULT_BOT_USERNAME,
        first_name: str = "Paper Digest",
        bot_id: int = BOT_ID,
        can_join_groups: bool = True,
        token: str | None = None,  # None: any token works
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        world = World(BotProfile(bot_id, username, first_name, can_join_groups))
        updates = UpdateQueue(world)
        injector = FaultInjector(world)
        # Both transports, HTTP and in-process, hand their calls to the one dispatcher.
        self._dispatcher = Dispatcher(Backend(world, updates, injector), token)
        server = FakeServer(self._dispatcher, updates, host=host, port=port)
        users = Users(world, updates)
        watcher = Watcher(world, updates, lambda: server.loop_thread)
        self.world, self.updates, self.injector, self.server = world, updates, injector, server

        # Each attribute below is the part's own list or bound method, not a copy: the facade
        # holds no state and no logic. The records are cleared in place by reset().
        records = world.records
        self.sent = records.sent
        self.calls = records.calls
        self.callback_answers = records.callback_answers
        self.inline_answers = records.inline_answers
        self.deleted = records.deleted
        self.documents = records.documents
        self.commands = world.commands
        self.faults = injector.faults

        self.messages_to = records.messages_to
        self.add_chat = world.add_chat
        self.set_chat_member_status = world.set_chat_member_status
        self.latest = world.latest
        self.command_names = world.command_names

        self.send_message = users.send_message
        self.press_button = users.press_button
        self.edit_message = users.edit_message
        self.inline_query = users.inline_query
        self.my_chat_member = users.my_chat_member
        self.send_document = Uploads(world, updates).send_document
        # polls (sendPoll/stopPoll): people vote, tests read the polls the bot sent
        voters = Voters(world, updates)
        self._voters = voters
        self.vote = voters.vote
        self.poll_of = voters.poll_of

        self.wait_for = watcher.wait_for
        self.wait_for_sync = watcher.wait_for_sync
        self.wait_for_messages = watcher.wait_for_messages
        self.wait_for_messages_sync = watcher.wait_for_messages_sync
        self.describe = watcher.describe

        self.inject_fault = injector.inject
        self.flood_limits = injector.flood_limits

    # ------------------------------------------------------------------ state

    @property
    def flood_rejections(self) -> int:
        """``sendMessage`` calls refused by the simulated flood control since the last reset."""
        return self.injector.flood.rejections

    @property
    def polls(self) -> list[FakePoll]:
        """Every poll the bot sent (``sendPoll``), oldest first, with its votes."""
        return self._voters.polls

    @property
    def is_polling(self) -> bool:
        """Whether a ``getUpdates`` long poll is open right now."""
        return self.updates.polling

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        return len(self.updates)

    def reset(self) -> None:
        """Clear the records, faults and flood windows; chats, messages, commands and pending
        updates stay."""
        with self.world.lock:
            self.world.records.clear()
            self.injector.reset()

    # ------------------------------------------------------------------ the transports

    def request(self) -> InProcessRequest:
        """A python-telegram-bot request answered in-process (no server, no sockets).

        ``Bot(token, request=api.request(), get_updates_request=api.request())``: the calls
        take the server's path (faults, checks, records) without HTTP.
        """
        return InProcessRequest(self._dispatcher)

    @property
    def port(self) -> int:
        """The TCP port the server listens on (only once started)."""
        return self.server.port

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as ``base_url``: ``http://127.0.0.1:PORT/bot``."""
        return self.server.base_url

    @property
    def base_file_url(self) -> str:
        """What to give python-telegram-bot as ``base_file_url`` (user files are served)."""
        return self.server.base_file_url

    async def start(self) -> FakeBotApi:
        """Start serving in the running event loop."""
        await self.server.start()
        return self

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once. Safe to call twice."""
        await self.server.stop()

    def start_in_thread(self, timeout: float = 10.0) -> FakeBotApi:
        """Start serving from a background thread with its own event loop."""
        self.server.start_in_thread(timeout)
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start_in_thread`. Safe to call twice."""
        self.server.stop_thread(timeout)

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
