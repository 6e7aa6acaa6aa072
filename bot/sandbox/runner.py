"""Run the real bot against a :class:`FakeBotApi`: for end-to-end tests, benchmarks and the
terminal sandbox.

``run_polling`` owns the event loop and installs signal handlers, so it cannot run inside a
test; :func:`running_bot` performs the same steps by hand (initialize, ``post_init``,
start polling, start) and undoes them in reverse order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor

from bot.app import BotApp, build_application, shutdown, startup
from bot.config import BotConfig, Environment
from bot.jobs.publisher import PublishSettings
from bot.sandbox.fake_telegram import FakeBotApi
from bot.services import db
from bot.services.ingestion import sync_content

SANDBOX_TOKEN = "123456:SANDBOX-TOKEN"


@asynccontextmanager
async def running_bot(
    config: BotConfig,
    api: FakeBotApi,
    *,
    token: str = SANDBOX_TOKEN,
    ingest: bool = True,
    catch_up_on_start: bool = False,
    publish_settings: PublishSettings | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    concurrent_updates: int | bool | BaseUpdateProcessor | None = None,
    webapp_url: str | None = None,
) -> AsyncIterator[BotApp]:
    """The bot, polling ``api``, for the duration of the ``async with`` block.

    ``ingest`` loads the content first, as ``python -m bot`` does on start; ``webapp_url``
    turns the 🔎 Browse buttons on, as ``WEBAPP_URL`` does (serve the page with
    :func:`bot.sandbox.webapp.serving_webapp`).
    """
    if ingest:
        await db(sync_content, config)
    # the database too: a /reload reads the config files again, and the bot must stay on
    # this database whatever bot.yaml names (the sandbox runs on its own)
    env = replace(
        Environment(),
        token=token,
        api_base_url=api.base_url,
        database_url=config.database_url,
        webapp_url=webapp_url,
    )
    application = build_application(
        config,
        env,
        publish_settings=publish_settings,
        rate_limiter=rate_limiter,
        catch_up_on_start=catch_up_on_start,
        concurrent_updates=concurrent_updates,
    )
    await application.initialize()
    try:
        await startup(application)
        updater = application.updater
        if updater is None:
            raise RuntimeError("the application has no updater")
        await updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
    finally:
        await shutdown(application)
        await application.shutdown()
