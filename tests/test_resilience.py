"""Real ``python -m bot`` processes against the fake Bot API: killed mid-broadcast and
restarted, and two processes sharing one PostgreSQL database. No chat misses a part; a part
is sent twice only when it was on the wire at the kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.config import BotConfig, Environment, load_config
from bot.domain.render import weekly_post
from bot.sandbox.fake_telegram import FakeBotApi
from bot.services.ingestion import sync_content
from bot.store.db import make_engine, make_session_factory
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.models import Delivery
from bot.store.search import make_search
from bot.store.subscriptions import Subscriptions
from tests.conftest import ADMIN_ID, ROOT, edit_bot_yaml

FIRST = "2024-w09"
WORKERS = 4


class BotProcess:
    """``python -m bot`` in a subprocess, talking to the fake API."""

    def __init__(
        self, config: BotConfig, api: FakeBotApi, log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.config, self.api, self.log = config, api, log
        self.extra_env = env or {}  # e.g. this process's webhook PORT
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:PROCESS-TEST",
            "TELEGRAM_API_BASE_URL": self.api.base_url,
            "BOT_CONFIG": str(self.config.path),
            "DATABASE_URL": self.config.database_url,
            **self.extra_env,
        }
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", env=env, cwd=ROOT, stdout=out, stderr=out
            )
        return self

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                await self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def prepare(config: BotConfig, api: FakeBotApi, chats: list[int]) -> tuple[Ledger, list[str]]:
    """Ingest, subscribe ``chats`` (known to Telegram), and return the ledger and the post."""
    sync_content(config)
    engine = make_engine(config.database_url)
    factory = make_session_factory(engine)
    subscriptions = Subscriptions(factory)
    for chat_id in chats:
        api.add_chat(chat_id, "private")
        subscriptions.subscribe(chat_id)
    library = Library(factory, make_search(engine))
    post = weekly_post(library.digest(FIRST), library.digest_papers(FIRST), "en")
    return Ledger(factory), post


async def wait_until(condition, timeout: float, what: str, bots: list[BotProcess]) -> None:
    """Poll a database condition (the processes write it, not the fake)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(bot.output() for bot in bots)
            raise TimeoutError(f"{what} not met within {timeout}s\n{logs}")
        await asyncio.sleep(0.1)


def deliveries_done(ledger: Ledger) -> bool:
    return not ledger.unfinished() and bool(ledger.published_ids())


def received(api: FakeBotApi, chats: list[int]) -> dict[int, list[str]]:
    return {chat_id: [m.text for m in api.messages_to(chat_id)] for chat_id in chats}


def without_repeats(texts: list[str]) -> list[str]:
    """The messages with a part sent again right after itself (a resent part) kept once."""
    return [text for i, text in enumerate(texts) if i == 0 or texts[i - 1] != text]


def add_papers(config_dir: Path, count: int, tag: str) -> None:
    """Insert ``count`` made-up papers at the top of the first digest's file."""
    path = config_dir.parent / "content" / "2024-02-26_weekly-ai-papers.txt"
    header, body = path.read_text(encoding="utf-8").split("\n\n", 1)
    papers = "".join(
        f"{tag} paper {n}: A Study of Things Number {n}\n\n{tag} 论文 {n}:关于事物的研究\n\n"
        + f"我们研究第 {n} 个问题。" * 40
        + "\n\n"
        for n in range(1, count + 1)
    )
    path.write_text(f"{header}\n\n{papers}{body}", encoding="utf-8")


def config_for(config_dir: Path, database_url: str, **changes: object) -> BotConfig:
    edit_bot_yaml(
        config_dir,
        admins=[ADMIN_ID],
        delivery={"workers": WORKERS, "claim_timeout_seconds": 5},
        **changes,
    )
    return load_config(config_dir / "bot.yaml", Environment(database_url=database_url))


async def kill_a_third_through_then_restart(
    config: BotConfig,
    api: FakeBotApi,
    ledger: Ledger,
    total: int,
    logs: Path,
    before_restart: Callable[[], None] = lambda: None,
) -> None:
    """/postnow, ``kill -9`` about a third of the way through ``total`` messages (the rate
    limiter allows ~30 a second), ``before_restart()``, restart, wait for the end."""
    first = await BotProcess(config, api, logs / "first.log").start()
    second = BotProcess(config, api, logs / "second.log")
    try:
        await api.wait_for(lambda: api.is_polling, 60, what="first process polling")
        api.send_message("/postnow", chat_id=ADMIN_ID, user_id=ADMIN_ID)
        await api.wait_for(lambda: len(api.sent) >= total // 3, 60, what="a third sent")
        await first.kill()
        assert len(api.sent) < total
        before_restart()
        await second.start()
        await wait_until(lambda: deliveries_done(ledger), 90, "broadcast finished", [first, second])
    finally:
        await first.stop()
        await second.stop()


async def test_kill_mid_broadcast_then_restart_misses_no_part(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    config = config_for(config_dir, f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    chats = list(range(20_001, 20_121))
    ledger, post = prepare(config, api, chats)
    # two sends still on the wire at the kill: their answer would come after the test
    in_flight = chats[5:7]
    for chat_id in in_flight:
        api.inject_fault(chat_id=chat_id, kind="delay", seconds=600)
    await kill_a_third_through_then_restart(config, api, ledger, len(chats) * len(post), tmp_path)

    got = received(api, chats)
    assert {c for c, texts in got.items() if without_repeats(texts) != post} == set()
    with ledger.factory() as session:
        resent = {d.chat_id: d.parts_resent for d in session.query(Delivery)}
    # a part goes twice only if it was on the wire at the kill: one per worker at most,
    # and the ledger counted it
    duplicates = {c: len(texts) - len(post) for c, texts in got.items() if texts != post}
    assert all(resent[c] >= n for c, n in duplicates.items())
    assert sum(resent.values()) <= WORKERS
    assert all(resent[c] == 1 for c in in_flight)


async def test_a_resumed_delivery_sends_the_render_it_started_with(
    config_dir: Path, tmp_path: Path, api: FakeBotApi
):
    add_papers(config_dir, 60, "Base")  # a post of 3 messages
    config = config_for(config_dir, f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    chats = list(range(21_001, 21_061))
    ledger, post = prepare(config, api, chats)
    assert len(post) == 3
    await kill_a_third_through_then_restart(
        config,
        api,
        ledger,
        len(chats) * len(post),
        tmp_path,
        # the digest is edited before the restart, which ingests the edit
        before_restart=lambda: add_papers(config_dir, 10, "Late"),
    )
    got = received(api, chats)
    assert {c for c, texts in got.items() if without_repeats(texts) != post} == set()


async def test_two_processes_on_one_postgres_database_send_each_chat_once(
    config_dir: Path, tmp_path: Path, api: FakeBotApi, pg_url: str
):
    # both processes fire the same scheduled run some seconds from now: enough for two
    # interpreters to import and start on a loaded two-core machine
    tz = load_config(config_dir / "bot.yaml", Environment(database_url=pg_url)).timezone
    fire_at = (datetime.now(tz) + timedelta(seconds=25)).replace(microsecond=0)
    config = config_for(
        config_dir,
        pg_url,
        schedule={"day_of_week": fire_at.strftime("%a").lower(), "time": f"{fire_at:%H:%M:%S}"},
    )
    chats = list(range(30_001, 30_061))
    ledger, post = prepare(config, api, chats)
    bots = [BotProcess(config, api, tmp_path / f"bot{i}.log") for i in (1, 2)]
    try:
        for bot in bots:
            await bot.start()
        # both are up (each has logged in) before the run fires
        await api.wait_for(
            lambda: sum(c.method == "getMe" for c in api.calls) >= 2, 30, what="both started"
        )
        assert datetime.now(tz) < fire_at
        await wait_until(lambda: deliveries_done(ledger), 90, "scheduled broadcast", bots)
        assert datetime.now(tz) >= fire_at
    finally:
        for bot in bots:
            await bot.stop()
    got = received(api, chats)
    assert all(texts == post for texts in got.values()), {
        c: len(t) for c, t in got.items() if t != post
    }


async def test_webhook_mode_checks_the_secret_and_answers(
    config_dir: Path, tmp_path: Path, api: FakeBotApi, unused_tcp_port: int
):
    import aiohttp

    config = config_for(config_dir, f"sqlite:///{tmp_path / 'hook.sqlite3'}")
    sync_content(config)
    bot = BotProcess(config, api, tmp_path / "hook.log")
    hook = f"http://127.0.0.1:{unused_tcp_port}/telegram"
    os.environ["WEBHOOK_URL"] = "https://bot.example.org/telegram"
    os.environ["WEBHOOK_SECRET"] = "s3cret-for-tests"
    os.environ["PORT"] = str(unused_tcp_port)
    try:
        await bot.start()
    finally:
        for key in ("WEBHOOK_URL", "WEBHOOK_SECRET", "PORT"):
            os.environ.pop(key)
    try:
        registered = await api.wait_for(
            lambda: [c for c in api.calls if c.method == "setWebhook" and c.ok],
            60,
            what="setWebhook",
        )
        assert registered[0].params["url"] == "https://bot.example.org/telegram"
        assert registered[0].params["secret_token"] == "s3cret-for-tests"
        update = api.send_message("/paper genie", user_id=777)
        async with aiohttp.ClientSession() as http:
            # Telegram is told first, then the server starts listening: retry the connect
            deadline = time.monotonic() + 30
            while True:
                try:
                    forged = await http.post(hook, json=update)
                    break
                except aiohttp.ClientConnectorError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            assert forged.status == 403
            accepted = await http.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-for-tests"}
            )
            assert accepted.status == 200
        [reply] = await api.wait_for_messages(777, 1, 30)
        assert reply.text.startswith("<b>Genie: Generative Interactive Environments</b>")
        await asyncio.sleep(0.5)
        assert len(api.messages_to(777)) == 1  # the forged update was not served
    finally:
        await bot.stop()
