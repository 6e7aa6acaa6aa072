"""Wiring: config → engine → Application → handlers → jobs. Nothing runs at import time."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    BaseUpdateProcessor,
    ContextTypes,
    Defaults,
)

from bot.config import BotConfig, Environment
from bot.domain.clock import Clock, system_clock
from bot.domain.delivery import InDoubt
from bot.handlers import register
from bot.handlers.lanes import ChatLanes
from bot.handlers.menu import set_browse_menu, set_menus
from bot.handlers.poison import SkipUnreadableUpdates
from bot.jobs.polls import ReadingPolls
from bot.jobs.publisher import Publisher, PublishSettings
from bot.jobs.ratelimit import DeliveryRateLimiter
from bot.jobs.weekly import catch_up, install_jobs
from bot.logs import root_redactor
from bot.services import Services
from bot.services.context import BotContext, BotData
from bot.services.ingestion import sync_content
from bot.store.db import make_engine, make_session_factory, migrate
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.polls import PollStore
from bot.store.reading import ReadingList
from bot.store.search import make_search
from bot.store.shared_state import SharedState
from bot.store.subscriptions import Subscriptions
from bot.web.access import RateLimit
from bot.web.server import build_web, serving, webhook_route

log = logging.getLogger(__name__)
BotApp = Application[Any, BotContext, Any, Any, BotData, Any]


def build_services(config: BotConfig, env: Environment, clock: Clock = system_clock) -> Services:
    """Open the database (migrating it) and build the storage services on ``clock``."""
    engine = make_engine(config.database_url)
    migrate(engine)
    factory = make_session_factory(engine)
    shared = SharedState(factory, clock)
    return Services(
        config=config,
        env=env,
        engine=engine,
        factory=factory,
        library=Library(factory, make_search(engine)),
        subscriptions=Subscriptions(factory, clock),
        ledger=Ledger(factory, clock),
        shared=shared,
        polls=PollStore(factory, clock),
        reading=ReadingList(factory, clock),
        clock=clock,
        config_version=shared.config_version(),
    )


def publish_settings_from(config: BotConfig) -> PublishSettings:
    """Broadcast tunables from the ``delivery`` section of bot.yaml."""
    return PublishSettings(
        workers=config.delivery.workers,
        lease=timedelta(seconds=config.delivery.claim_timeout_seconds),
        in_doubt=InDoubt(config.delivery.in_doubt),
    )


# network errors at start are retried with backoff (1.5 s, 2.3 s, … about 20 s in all) before
# giving up: a short blip at boot must not kill the worker
BOOTSTRAP_RETRIES = 5


def default_rate_limiter() -> DeliveryRateLimiter:
    """Telegram's flood limits as sliding windows (~30/s overall, 20/min per group), people
    before the broadcast, 429s paused per chat and retried 3 times (bot.jobs.ratelimit)."""
    return DeliveryRateLimiter()


def build_application(
    config: BotConfig,
    env: Environment,
    *,
    publish_settings: PublishSettings | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    catch_up_on_start: bool = True,
    concurrent_updates: int | bool | BaseUpdateProcessor | None = None,
) -> BotApp:
    """The bot application, ready for ``run_polling``/``run_webhook`` or manual start."""
    if not env.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the application")
    services = build_services(config, env)
    builder = (
        ApplicationBuilder()
        .token(env.token)
        .context_types(ContextTypes(context=BotContext, bot_data=BotData))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=config.timezone,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                do_quote=False,
            )
        )
        # Telegram: ~30 messages/s overall, 20/min per group; retry a 429 a few times
        .rate_limiter(rate_limiter or default_rate_limiter())
        # None: a lane per chat, so a group throttled to 20/min never blocks another chat
        .concurrent_updates(ChatLanes() if concurrent_updates is None else concurrent_updates)
        .post_init(startup)
        .post_shutdown(shutdown)
        # an update it cannot read is skipped (logged, counted), not fetched again forever
        .get_updates_request(SkipUnreadableUpdates(services.count_unreadable_update))
    )
    if env.api_base_url:
        base = env.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
    application: BotApp = builder.build()
    application.bot_data.services = services
    if application.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    reading_polls = ReadingPolls(application.bot, services, application.job_queue)
    services.reading_polls_ref = reading_polls
    services.publisher_ref = Publisher(
        application.bot,
        services.library,
        services.subscriptions,
        services.ledger,
        channels=lambda: services.config.channels,
        admins=lambda: sorted(services.config.admins),
        settings=publish_settings or publish_settings_from(config),
        after_post=reading_polls.after_post,
        plans=services.relevance.plans,
    )
    services.catch_up_on_start = catch_up_on_start
    register(application)
    services.scheduler_ref = install_jobs(application, services)
    reading_polls.install()
    return application


async def register_commands(application: BotApp) -> None:
    """``setMyCommands``: the menu for everyone, and admin commands in the admins' chats."""
    await set_menus(application.bot, application.bot_data.services.config.admins)


async def _startup_job(context: BotContext) -> None:
    services = context.services
    await catch_up(services, services.publisher, services.clock())


async def startup(application: BotApp) -> None:
    """``post_init``: learn our username, register the command menu, schedule catch-up."""
    services = application.bot_data.services
    me = await application.bot.get_me()
    services.bot_username = me.username or services.bot_username
    await register_commands(application)
    if services.env.webapp_url:
        await set_browse_menu(application.bot, services.env.webapp_url)
    if services.catch_up_on_start and application.job_queue:
        application.job_queue.run_once(_startup_job, when=0, name="startup-catch-up")
    log.info("bot @%s ready", services.bot_username)


async def shutdown(application: BotApp) -> None:
    """``post_shutdown``: close the database pool."""
    application.bot_data.services.engine.dispose()


def run_bot(config: BotConfig, env: Environment) -> int:
    """Ingest what changed, then poll (or serve a webhook when WEBHOOK_URL is set); with
    WEBAPP_URL, the Mini App is served on ``$PORT`` too (sharing it with the webhook)."""
    report = sync_content(config)
    for line in report.lines():
        log.info("content: %s", line)
    application = build_application(config, env)
    secret = None
    if env.webhook_url:
        secret = env.webhook_secret or _derived_secret(env.token or "")
        root_redactor().add([secret])
    if env.webapp_url:
        asyncio.run(serve_bot(application, secret))
    elif secret is not None:
        application.run_webhook(
            listen="0.0.0.0",
            port=env.port,
            url_path="telegram",
            webhook_url=env.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=BOOTSTRAP_RETRIES,
        )
    else:
        application.run_polling(
            allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES
        )
    return 0


def build_web_app(
    application: BotApp, webhook_secret: str | None = None, rate: RateLimit | None = None
) -> Starlette:
    """The one Starlette app on ``$PORT``: the Mini App (when WEBAPP_URL is set) and, with
    a secret, the webhook route PTB's own server would otherwise serve."""
    services = application.bot_data.services
    route = webhook_route(application, webhook_secret) if webhook_secret else None
    pages = bool(services.env.webapp_url)
    return build_web(services, application.bot, webhook=route, rate=rate, pages=pages)


async def _retrying(action: Callable[[], Awaitable[object]], what: str) -> None:
    """``action`` with the start-up retries ``run_polling`` gives: network errors are
    waited out with backoff (about 20 s in all); a refused token is not retried."""
    delay = 1.5
    for attempt in range(BOOTSTRAP_RETRIES + 1):
        try:
            await action()
            return
        except InvalidToken:
            raise
        except NetworkError as exc:
            if attempt == BOOTSTRAP_RETRIES:
                raise
            log.warning("%s failed (%s); retrying in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay *= 1.5


async def serve_bot(
    application: BotApp, webhook_secret: str | None, stop: asyncio.Event | None = None
) -> None:
    """Run the bot and the web server on ``$PORT`` in this event loop until SIGINT/SIGTERM
    (or ``stop``): updates by webhook (on the same server) with a secret, else polling."""
    env = application.bot_data.services.env
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # not in the main thread (tests): whoever runs us stops us with ``stop``
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await _retrying(application.initialize, "start")
    updater = application.updater
    try:
        await startup(application)
        if webhook_secret and env.webhook_url:
            url, secret = env.webhook_url, webhook_secret
            await _retrying(
                lambda: application.bot.set_webhook(
                    url, secret_token=secret, allowed_updates=Update.ALL_TYPES
                ),
                "setWebhook",
            )
        elif updater is not None:
            await updater.start_polling(
                allowed_updates=Update.ALL_TYPES, bootstrap_retries=BOOTSTRAP_RETRIES
            )
        await application.start()
        async with serving(build_web_app(application, webhook_secret), "0.0.0.0", env.port):
            log.info("web server on port %d (Mini App at %s)", env.port, env.webapp_url)
            await stop.wait()
    finally:
        if updater is not None and updater.running:
            await updater.stop()
        if application.running:
            await application.stop()
        await shutdown(application)
        await application.shutdown()


def _derived_secret(token: str) -> str:
    """A stable webhook secret when none is configured (several instances must agree)."""
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()[:64]
