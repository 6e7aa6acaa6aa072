"""Two ``python -m bot`` processes in webhook mode on one PostgreSQL database, started at
the same moment, behind a local round-robin proxy (what a load balancer in front of
several instances does).

Both come up on a fresh schema (migrations serialise), "Next ▶" works whichever instance
answers, ``/reload`` through the proxy after editing the config and a digest is followed
by both instances, and ``/postnow`` on the other instance then sends the new text once to
every subscribed chat.

The fake Bot API only records the webhook URL; the test plays Telegram's part of a
webhook: each update the fake queues is POSTed to the proxy (or straight to one instance
when the test must choose which one answers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
import yaml
from aiohttp import web

from bot.config import Environment, load_config
from bot.domain.render import weekly_post
from bot.domain.texts import t
from bot.sandbox.fake_telegram import FakeBotApi, SentMessage
from bot.store.db import make_engine, make_session_factory
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.search import make_search
from tests.conftest import ADMIN_ID, edit_bot_yaml
from tests.harness import REPLY_TIMEOUT
from tests.test_resilience import FIRST, BotProcess, add_papers, deliveries_done, wait_until

SECRET = "two-instances-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NEW_ADMIN = 6262
NEW_TITLE = "Fresh title of the week 本周新标题"
READERS = list(range(40_001, 40_005))
STARTUP_TIMEOUT = 45.0  # two interpreters importing and migrating on a loaded machine


class RoundRobinProxy:
    """An HTTP reverse proxy on 127.0.0.1 that sends each request to the next backend in
    turn, and remembers which backend served each one."""

    def __init__(self, backends: list[str], port: int) -> None:
        self.backends = backends
        self.url = f"http://127.0.0.1:{port}/telegram"
        self.served: list[int] = []
        self._port = port
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> RoundRobinProxy:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self._port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None and self._http is not None
        await self._runner.cleanup()
        await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        index = len(self.served) % len(self.backends)
        self.served.append(index)
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower() in {"content-type", SECRET_HEADER.lower()}
        }
        async with self._http.post(
            self.backends[index], data=await request.read(), headers=headers
        ) as answer:
            return web.Response(status=answer.status, body=await answer.read())


class Webhook:
    """Telegram's side of a webhook: POST the updates the fake queues to a URL."""

    def __init__(self, api: FakeBotApi, http: aiohttp.ClientSession) -> None:
        self.api, self.http = api, http

    async def post(self, url: str, update: dict[str, object]) -> None:
        async with self.http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as answer:
            assert answer.status == 200, await answer.text()

    async def ask(self, url: str, text: str, chat_id: int) -> SentMessage:
        """``chat_id`` (a private chat) writes ``text``; return the bot's one reply."""
        return await self._answer(
            url, chat_id, lambda: self.api.send_message(text, chat_id, user_id=chat_id)
        )

    async def press(self, url: str, message: SentMessage, data: str) -> SentMessage:
        """Press a button under ``message``; return the edit (or new message) it caused."""
        return await self._answer(
            url, message.chat_id, lambda: self.api.press_button(message, data)
        )

    async def _answer(
        self, url: str, chat_id: int, act: Callable[[], dict[str, object]]
    ) -> SentMessage:
        before = len(self.api.messages_to(chat_id))
        await self.post(url, act())
        await self.api.wait_for(
            lambda: len(self.api.messages_to(chat_id)) > before, REPLY_TIMEOUT, what="a reply"
        )
        return self.api.messages_to(chat_id)[before]


async def wait_listening(http: aiohttp.ClientSession, url: str, bot: BotProcess) -> None:
    """Until the instance's webhook server answers (it refuses an update without the
    secret); fails at once if the process died."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        assert bot.process is not None
        assert bot.process.returncode is None, f"instance died:\n{bot.output()}"
        try:
            async with http.post(url, json={"update_id": 0}) as answer:
                assert answer.status == 403
                return
        except aiohttp.ClientConnectorError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not listening\n{bot.output()}") from None
            await asyncio.sleep(0.1)


async def wait_answer(
    hook: Webhook, url: str, text: str, chat_id: int, accept: Callable[[str], bool]
) -> SentMessage:
    """Ask again until the reply satisfies ``accept`` (another instance's /reload is
    applied within seconds, not at once)."""
    deadline = time.monotonic() + REPLY_TIMEOUT
    while True:
        reply = await hook.ask(url, text, chat_id)
        if accept(reply.text) or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(0.2)  # the poll interval: the follow job runs every 2 s


def set_digest_title(config_dir: Path, digest_id: str, title: str) -> None:
    path = config_dir / "digests.yaml"
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        if entry["id"] == digest_id:
            entry["title"] = title
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_two_webhook_instances_behind_a_round_robin_proxy(
    config_dir: Path,
    tmp_path: Path,
    api: FakeBotApi,
    pg_url: str,
    http: aiohttp.ClientSession,
    unused_tcp_port_factory: Callable[[], int],
) -> None:
    edit_bot_yaml(config_dir, admins=[ADMIN_ID])
    config = load_config(config_dir / "bot.yaml", Environment(database_url=pg_url))
    ports = [unused_tcp_port_factory() for _ in range(2)]
    instances = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    bots = [
        BotProcess(
            config,
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
    try:
        # the same moment, on a fresh schema: both migrate and ingest at once
        await asyncio.gather(*(bot.start() for bot in bots))
        for url, bot in zip(instances, bots, strict=True):
            await wait_listening(http, url, bot)
        logs = [bot.log.read_text(errors="replace") for bot in bots]
        # one migrated the empty schema and one ingested, the other found it done: no crash
        assert sum("migrating database schema from empty" in log for log in logs) == 1, logs
        assert sum("content: added: " in log for log in logs) == 1, logs
        async with RoundRobinProxy(instances, unused_tcp_port_factory()) as proxy:
            # paging: each press goes to the other instance than the one before
            first = await hook.ask(proxy.url, "/paper model", 1001)
            assert "(page 1/" in first.text
            shown = first
            for page in (2, 3, 4):
                shown = await hook.press(proxy.url, shown, shown.button_data("Next"))
                assert shown.method == "editMessageText"
                assert f"(page {page}/" in shown.text, shown.text
            assert set(proxy.served[1:]) == {0, 1}  # both instances served "Next ▶"

            for reader in READERS:
                await hook.ask(proxy.url, "/subscribe", reader)
            # before: the newcomer is no admin anywhere, both know the old title
            for url in instances:
                refused = await hook.ask(url, "/stats", NEW_ADMIN)
                assert refused.text == t("en", "admins_only", user_id=NEW_ADMIN)
                old = await hook.ask(url, f"/digest {FIRST}", 1002)
                assert NEW_TITLE not in old.text

            edit_bot_yaml(config_dir, admins=[ADMIN_ID, NEW_ADMIN])
            set_digest_title(config_dir, FIRST, NEW_TITLE)
            add_papers(config_dir, 1, "Late")
            reloaded = await hook.ask(proxy.url, "/reload", ADMIN_ID)
            assert reloaded.text.startswith("<b>Reloaded.</b>"), reloaded.text
            reloaded_by = proxy.served[-1]

        # both instances follow: the new admin, the edited digest
        for url in instances:
            stats = await wait_answer(
                hook,
                url,
                "/stats",
                NEW_ADMIN,
                lambda text: text != t("en", "admins_only", user_id=NEW_ADMIN),
            )
            assert stats.text != t("en", "admins_only", user_id=NEW_ADMIN)
            digest = await wait_answer(
                hook, url, f"/digest {FIRST}", 1002, lambda text: NEW_TITLE in text
            )
            assert NEW_TITLE in digest.text

        engine = make_engine(pg_url)
        try:
            factory = make_session_factory(engine)
            library = Library(factory, make_search(engine))
            edited = library.digest(FIRST)
            assert edited is not None
            post = weekly_post(edited, library.digest_papers(FIRST), "en")
            assert NEW_TITLE in post[0] and "Late paper 1" in "".join(post)
            # /postnow on the instance that did not run /reload
            other = instances[1 - reloaded_by]
            done = await hook.ask(other, "/postnow", ADMIN_ID)
            assert FIRST in done.text, done.text
            ledger = Ledger(factory)
            await wait_until(lambda: deliveries_done(ledger), REPLY_TIMEOUT, "postnow", bots)
        finally:
            engine.dispose()
    finally:
        for bot in bots:
            await bot.stop()
    for reader in READERS:
        texts = [m.text for m in api.messages_to(reader)][1:]  # after the /subscribe reply
        assert texts == post, (reader, len(texts), len(post))
