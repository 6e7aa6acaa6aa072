"""Wiring: config → engine → Application → handlers → jobs. Nothing runs at import time."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
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
from bot.handlers.menu import set_menus
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
    if services.catch_up_on_start and application.job_queue:
        application.job_queue.run_once(_startup_job, when=0, name="startup-catch-up")
    log.info("bot @%s ready", services.bot_username)


async def shutdown(application: BotApp) -> None:
    """``post_shutdown``: close the database pool."""
    application.bot_data.services.engine.dispose()


def run_bot(config: BotConfig, env: Environment) -> int:
    """Ingest what changed, then poll (or serve a webhook when WEBHOOK_URL is set)."""
    report = sync_content(config)
    for line in report.lines():
        log.info("content: %s", line)
    application = build_application(config, env)
    if env.webhook_url:
        secret = env.webhook_secret or _derived_secret(env.token or "")
        root_redactor().add([secret])
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


def _derived_secret(token: str) -> str:
    """A stable webhook secret when none is configured (several instances must agree)."""
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()[:64]
