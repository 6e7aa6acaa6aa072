"""``python -m bot move-to postgresql://…``: a bot's SQLite store, in use, copied into an
empty PostgreSQL database in one command; then two instances run on the copy and carry on
where the SQLite bot stopped (subscribers, ledger, reading lists)."""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from bot.config import Environment, load_config
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.store.backup import row_counts
from bot.store.db import make_engine, make_session_factory
from bot.store.ledger import Ledger
from tests.conftest import ADMIN_ID, ROOT, edit_bot_yaml
from tests.harness import REPLY_TIMEOUT
from tests.test_backup import FAST, FORUM, GROUP, READER, use_the_bot
from tests.test_publishing import expected_post
from tests.test_resilience import BotProcess, deliveries_done, wait_until
from tests.test_two_instances import SECRET, Webhook, wait_listening


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def move_to(sqlite_url: str, config_path: Path, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "move-to", target, "--config", str(config_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": sqlite_url},
        cwd=ROOT,
        timeout=120,
    )


async def test_move_to_postgresql_then_two_instances(
    config_dir: Path,
    tmp_path: Path,
    api: FakeBotApi,
    pg_url: str,
    http: aiohttp.ClientSession,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    sqlite_url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    config = load_config(config_dir / "bot.yaml", Environment(database_url=sqlite_url))
    async with running_bot(config, api, publish_settings=FAST) as app:
        await use_the_bot(app, api)  # w09 posted to three chats, a poll, a reading list …
        saved_title = app.bot_data.services.library.digest_papers("2024-w09")[0].title_en
        expected = {
            READER: expected_post(app, "2024-w16", topics=("vision",)),
            GROUP: expected_post(app, "2024-w16"),
            FORUM: expected_post(app, "2024-w16"),
        }
    sqlite = make_engine(sqlite_url)
    before = row_counts(sqlite)
    sqlite.dispose()

    moved = move_to(sqlite_url, config.path, pg_url)
    assert moved.returncode == 0, moved.stderr[-2000:]
    for table, count in before.items():
        assert f"  {table}: {count} (ok)\n" in moved.stdout
    assert f"  DATABASE_URL={pg_url}\n" in moved.stdout
    # a second move into the now full database is refused, in one line
    again = move_to(sqlite_url, config.path, pg_url)
    assert again.returncode == 1
    assert "move-to copies into an empty database only" in again.stderr
    assert "Traceback" not in again.stderr

    # two instances on the PostgreSQL store, as the printed DATABASE_URL says
    moved_config = replace(config, database_url=pg_url)
    ports = [unused_tcp_port_factory() for _ in range(2)]
    instances = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    bots = [
        BotProcess(
            moved_config,
            api,
            tmp_path / f"instance{i}.log",
            env={
                "WEBHOOK_URL": "https://bot.example.org/telegram",
                "WEBHOOK_SECRET": SECRET,
                "PORT": str(port),
            },
        )
        for i, port in enumerate(ports)
    ]
    hook = Webhook(api, http)
    seen = {chat: len(api.messages_to(chat, method="sendMessage")) for chat in expected}
    engine = make_engine(pg_url)
    try:
        await asyncio.gather(*(bot.start() for bot in bots))
        for url, bot in zip(instances, bots, strict=True):
            await wait_listening(http, url, bot)
        ledger = Ledger(make_session_factory(engine))
        # the ledger came along: the next post is w16, from either instance, once per chat
        done = await hook.ask(instances[0], "/postnow", ADMIN_ID)
        assert "2024-w16" in done.text, done.text
        await wait_until(lambda: deliveries_done(ledger), REPLY_TIMEOUT, "postnow", bots)
        for chat, post in expected.items():
            sent = api.messages_to(chat, method="sendMessage")[seen[chat] :]
            assert [m.text for m in sent] == post, chat
        # the other instance shares the store: it goes on with w21, and knows the reader
        done = await hook.ask(instances[1], "/postnow", ADMIN_ID)
        assert "2024-w21" in done.text, done.text
        saved = await hook.ask(instances[1], "/reading", READER)
        assert html.escape(saved_title, quote=False) in saved.text, saved.text
    finally:
        for bot in bots:
            await bot.stop()
        engine.dispose()
