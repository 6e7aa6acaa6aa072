"""The Mini App on 127.0.0.1 for the sandbox, tests and benchmarks: the real pages and API
of :mod:`bot.web`, and ``initData`` signed for a fake user as Telegram would sign it, in a
link a desktop browser opens (``#tgWebAppData=…``, the fragment Telegram itself adds)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from urllib.parse import quote

from bot.app import BotApp
from bot.domain.webapp import WebUser, sign_init_data
from bot.web.access import RateLimit
from bot.web.server import build_web, serving


def signed_init_data(
    application: BotApp,
    user: WebUser,
    *,
    start_param: str = "",
    auth_date: datetime | None = None,
) -> str:
    """``initData`` for ``user``, signed with the bot's token, dated by the bot's clock."""
    services = application.bot_data.services
    token = services.env.token or ""
    moment = auth_date or services.clock()
    return sign_init_data(token, user, moment, start_param=start_param)


def open_link(base_url: str, init_data: str, path: str = "") -> str:
    """The address a browser opens: the page with ``initData`` in the fragment."""
    fragment = f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=web"
    return f"{base_url.rstrip('/')}/{path.lstrip('/')}#{fragment}"


@asynccontextmanager
async def serving_webapp(
    application: BotApp, port: int = 0, rate: RateLimit | None = None
) -> AsyncIterator[str]:
    """Serve the Mini App on 127.0.0.1 (``port`` 0: any free port); yields its base URL."""
    services = application.bot_data.services
    app = build_web(services, application.bot, rate=rate)
    async with serving(app, "127.0.0.1", port) as server:
        yield f"http://127.0.0.1:{server.port}/"
