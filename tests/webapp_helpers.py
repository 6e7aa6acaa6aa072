"""Shared pieces of the Mini App tests: the bot with the Mini App on, its page served on
127.0.0.1, initData signed for test users, and a small HTTP client for the API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from bot.app import BotApp
from bot.config import BotConfig
from bot.content import LoadResult, load_content
from bot.domain.webapp import WebUser
from bot.sandbox.fake_telegram import FakeBotApi
from bot.sandbox.runner import running_bot
from bot.sandbox.webapp import serving_webapp, signed_init_data
from bot.store.content_repo import ingest
from bot.web.access import INIT_DATA_HEADER, RateLimit
from tests.authored import byline_digest, byline_papers

WEBAPP_URL = "https://webapp.example.org/app/"
HOSTILE_TITLE = "<img src=x onerror=alert(1)>"
GROUP = -1005550077
ALICE = WebUser(5001, "Alice", username="alice", language_code="en")
BOB = WebUser(5002, "Bob", language_code="zh-hans")


@dataclass
class WebBot:
    """The bot (polling the fake API) and its Mini App on 127.0.0.1."""

    app: BotApp
    api: FakeBotApi
    base: str  # http://127.0.0.1:PORT/

    def init_data(
        self, user: WebUser, start_param: str = "", auth_date: datetime | None = None
    ) -> str:
        return signed_init_data(self.app, user, start_param=start_param, auth_date=auth_date)

    async def call(
        self,
        path: str,
        init_data: str | None,
        method: str = "GET",
        json: Any = None,
    ) -> tuple[int, Any]:
        """One API request; the status and the JSON (or text) answer."""
        headers = {} if init_data is None else {INIT_DATA_HEADER: init_data}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.base + path, headers=headers, json=json) as response,
        ):
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()


def add_hostile_digest(app: BotApp, folder: Path) -> None:
    """A digest whose first paper's title is markup: the page must show it as text."""
    services = app.bot_data.services
    first, *rest = byline_papers()
    hostile = replace(first, title_en=HOSTILE_TITLE, arxiv_id=None)
    seeds = load_content(services.config)
    content = LoadResult((*seeds.digests, byline_digest(folder, (hostile, *rest))), seeds.problems)
    ingest(services.factory, content, services.config.taxonomy)
    services.library.invalidate()


@asynccontextmanager
async def web_bot(
    config: BotConfig, api: FakeBotApi, rate: RateLimit | None = None
) -> AsyncIterator[WebBot]:
    """The bot with ``WEBAPP_URL`` set, and the page served on a free port."""
    async with (
        running_bot(config, api, webapp_url=WEBAPP_URL) as app,
        serving_webapp(app, rate=rate) as base,
    ):
        yield WebBot(app, api, base)
