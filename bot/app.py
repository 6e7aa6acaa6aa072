"""Wiring: config → engine → Application → handlers → jobs. Nothing runs at import time."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

from bot.cli import sync_content
from bot.config import BotConfig, Environment
from bot.handlers import ADMIN_COMMANDS, USER_COMMANDS, register
from bot.handlers.context import BotContext, BotData
from bot.jobs.publisher import Publisher, PublishSettings
from bot.jobs.weekly import catch_up, install_jobs
from bot.services import Services
from bot.store.db import make_engine, make_session_factory, migrate
from bot.store.ledger import Ledger
from bot.store.library import Library
from bot.store.search import make_search
from bot.store.subscriptions import Subscriptions

log = logging.getLogger(__name__)
BotApp = Application[Any, BotContext, Any, Any, BotData, Any]


def build_services(config: BotConfig, env: Environment) -> Services:
    """Open the database (migrating it) and build the storage services."""
    engine = make_engine(config.database_url)
    migrate(engine)
    factory = make_session_factory(engine)
    return Services(
        config=config,
        env=env,
        engine=engine,
        factory=factory,
        library=Library(factory, make_search(engine)),
        subscriptions=Subscriptions(factory),
        ledger=Ledger(factory),
    )


def build_application(
    config: BotConfig,
    env: Environment,
    *,
    publish_settings: PublishSettings | None = None,
    rate_limiter: AIORateLimiter | None = None,
    catch_up_on_start: bool = True,
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
        .rate_limiter(rate_limiter or AIORateLimiter(overall_max_rate=30, group_max_rate=20, max_retries=3))
        .concurrent_updates(8)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if env.api_base_url:
        base = env.api_base_url.rstrip("/")
        builder = builder.base_url(base).base_file_url(base.replace("/bot", "/file/bot"))
    application: BotApp = builder.build()
    application.bot_data.services = services
    services.publisher_ref = Publisher(
        application.bot,
        services.library,
        services.subscriptions,
        services.ledger,
        channels=lambda: services.config.channels,
        admins=lambda: sorted(services.config.admins),
        settings=publish_settings,
    )
    services.catch_up_on_start = catch_up_on_start
    register(application)
    install_jobs(application, services)
    return application


def _commands(table: dict[str, dict[str, str]], lang: str) -> list[BotCommand]:
    return [BotCommand(name, texts[lang]) for name, texts in table.items()]


async def register_commands(application: BotApp) -> None:
    """``setMyCommands``: the menu for everyone, and admin commands in the admins' chats."""
    bot = application.bot
    services = application.bot_data.services
    for lang in ("en", "zh"):
        code = None if lang == "en" else "zh"
        await bot.set_my_commands(_commands(USER_COMMANDS, lang), BotCommandScopeDefault(), code)
        for admin in sorted(services.config.admins):
            try:
                await bot.set_my_commands(
                    _commands(USER_COMMANDS, lang) + _commands(ADMIN_COMMANDS, lang),
                    BotCommandScopeChat(admin),
                    code,
                )
            except TelegramError as exc:  # the admin has not started the bot yet
                log.warning("cannot set admin commands for %s: %s", admin, exc)


async def _startup_job(context: BotContext) -> None:
    services = context.services
    await catch_up(services, services.publisher, datetime.now(UTC))


async def _post_init(application: BotApp) -> None:
    services = application.bot_data.services
    me = await application.bot.get_me()
    services.bot_username = me.username or services.bot_username
    await register_commands(application)
    if services.catch_up_on_start and application.job_queue:
        application.job_queue.run_once(_startup_job, when=0, name="startup-catch-up")
    log.info("bot @%s ready", services.bot_username)


async def _post_shutdown(application: BotApp) -> None:
    application.bot_data.services.engine.dispose()


def run_bot(config: BotConfig, env: Environment) -> int:
    """Ingest what changed, then poll (or serve a webhook when WEBHOOK_URL is set)."""
    report = sync_content(config)
    for line in report.lines():
        log.info("content: %s", line)
    application = build_application(config, env)
    if env.webhook_url:
        secret = env.webhook_secret or _derived_secret(env.token or "")
        application.run_webhook(
            listen="0.0.0.0",
            port=env.port,
            url_path="telegram",
            webhook_url=env.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def _derived_secret(token: str) -> str:
    """A stable webhook secret when none is configured (several instances must agree)."""
    return hashlib.sha256(f"webhook:{token}".encode()).hexdigest()[:64]
