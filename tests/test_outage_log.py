"""A database outage leaves a log a person can read (issue 23 item 6).

The bot runs on PostgreSQL through a TCP proxy on 127.0.0.1 that the test closes (every
connection cut, new ones refused) and opens again. While it is down each failed update is
one log line (its traceback once per distinct error a minute), the follow-reload job (every
2 s) says once that the database is unreachable, and one line says when it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.config import BotConfig, Environment, load_config
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import Chat

FAILED_UPDATES = 6
QUIET = ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler")


class Proxy:
    """A TCP forwarder to PostgreSQL that can be cut (an outage) and restored. It runs on an
    event loop of its own thread: the bot blocks its loop on the database at start."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _call(self, coro: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def up(self) -> None:
        self._call(self._up())

    def down(self) -> None:
        self._call(self._down())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _up(self) -> None:
        self.server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def _down(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()
        self.writers.discard(writer)


@pytest.fixture
def proxy(pg_url: str) -> Iterator[Proxy]:
    url = make_url(pg_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    proxy.up()
    yield proxy
    proxy.close()


def proxied(pg_url: str, port: int) -> str:
    return make_url(pg_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


async def test_an_outage_is_one_line_per_update_and_one_when_it_is_back(
    config_dir: Path, pg_url: str, proxy: Proxy, api: FakeBotApi, caplog: pytest.LogCaptureFixture
):
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    url = proxied(pg_url, proxy.port)
    config: BotConfig = load_config(config_dir / "bot.yaml", Environment(database_url=url))
    caplog.set_level(logging.INFO)
    async with running_bot(config, api) as app:
        services = app.bot_data.services
        me = Chat(api, chat_id=ADMIN_ID, user_id=ADMIN_ID)
        assert (await me.ask("/settings")).text != t("en", "error")
        start = len(caplog.records)
        proxy.down()
        for n in range(FAILED_UPDATES):
            person = Chat(api, chat_id=700 + n, user_id=700 + n)
            answer = await person.ask("/settings")
            assert answer.text == t("en", "error")
        # the follow job fails a few runs (every 2 s) while the database stays down
        await api.wait_for(lambda: services.health.failures >= FAILED_UPDATES + 3, 20, what="job")
        during = caplog.records[start:]
        # what python -m bot writes (configure_logging keeps these loggers at WARNING)
        lines = [r for r in during if r.levelno >= logging.INFO and not r.name.startswith(QUIET)]
        failed = [r for r in lines if r.getMessage().startswith("error while handling update")]
        assert len(failed) == FAILED_UPDATES
        tracebacks = [r for r in lines if r.exc_info]
        assert 1 <= len(tracebacks) <= 2, [r.getMessage() for r in tracebacks]
        down = [r for r in lines if r.getMessage().startswith("database unreachable")]
        assert len(down) == 1
        # nothing else: one line per update, the one "unreachable" line, nothing per job run
        assert len(lines) == FAILED_UPDATES + 1, "\n".join(
            f"{r.name}: {r.getMessage()[:150]}" for r in lines
        )

        proxy.up()
        await api.wait_for(
            lambda: any(r.getMessage().startswith("database is back") for r in caplog.records),
            20,
            what="the database is back line",
        )
        back = [r for r in caplog.records[start:] if "database is back" in r.getMessage()]
        assert len(back) == 1
        answer = await Chat(api, chat_id=800, user_id=800).ask("/settings")
        assert answer.text != t("en", "error")


def test_apscheduler_start_lines_are_quiet() -> None:
    """The five "Added job …" / "Scheduler started" INFO lines at every start are gone."""
    from bot.logs import configure_logging

    names = ("apscheduler.scheduler", "apscheduler.executors.default")
    before = {name: logging.getLogger(name).level for name in names}
    try:
        configure_logging()
        for name in names:
            assert logging.getLogger(name).level >= logging.WARNING, name
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)
