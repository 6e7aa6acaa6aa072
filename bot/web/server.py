"""Serving the Mini App (and the webhook, when used) with uvicorn in the bot's event loop.

One Starlette app, one port: Telegram's webhook posts to ``/telegram`` on the same server
as the page (python-telegram-bot's custom-webhook pattern, ``examples/customwebhookbot``),
so a deployment exposes a single ``$PORT``. The owner of the loop (``python -m bot``, the
sandbox, a test) handles signals: this server never installs its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from telegram import Bot, Update
from telegram.ext import Application

from bot.services import Services
from bot.web.access import Access, RateLimit
from bot.web.api import WebApi

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def webhook_route(application: AnyApplication, secret: str) -> Route:
    """``POST /telegram``: Telegram's updates, accepted only with the secret token."""

    async def telegram(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await application.update_queue.put(update)
        return Response()

    return Route(WEBHOOK_PATH, telegram, methods=["POST"])


def build_web(
    services: Services,
    bot: Bot,
    *,
    webhook: Route | None = None,
    rate: RateLimit | None = None,
    pages: bool = True,
) -> Starlette:
    """The Starlette app: the Mini App's page and API (``pages``), and the webhook."""
    routes: list[BaseRoute] = [webhook] if webhook is not None else []
    if pages:
        routes += WebApi(services, Access(services, bot, rate)).routes()
    return Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=800)])


class EmbeddedServer(uvicorn.Server):
    """uvicorn inside an event loop someone else owns (and whose signals they handle)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """The owner of the loop stops us (``should_exit``); no handlers of our own."""
        yield

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        for server in self.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        raise RuntimeError("the server is not listening")


@contextlib.asynccontextmanager
async def serving(app: Starlette, host: str, port: int) -> AsyncIterator[EmbeddedServer]:
    """Serve ``app`` on ``host:port`` for the duration of the block."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="off", server_header=False
    )
    server = EmbeddedServer(config)
    task = asyncio.create_task(server.serve(), name="web-server")
    while not server.started:  # uvicorn says nothing else when it is listening
        if task.done():
            task.result()  # its error (a port in use ends it with SystemExit)
            raise RuntimeError(f"the web server on {host}:{port} stopped at start")
        await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        await task
