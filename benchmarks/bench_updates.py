"""Update handling: /paper commands per second through the real bot and the loopback API.

The bot (``bot.sandbox.runner.running_bot``) polls a :class:`FakeBotApi` in the same event
loop and serves a large synthetic store. ``N`` updates — ``/paper <query>`` from ``N``
distinct private chats, queries drawn from the search benchmark's query set — are queued
at once; the clock runs from the first poll after queueing until ``N`` replies are
recorded. Baseline: python-telegram-bot's echo bot (one ``MessageHandler(filters.TEXT)``
replying ``reply_text(text)``) through the same loopback with the same settings.

Rate limiter: both bots get the bot's default limiter class (``DeliveryRateLimiter``)
built with ``overall_max_rate=0, group_max_rate=0, max_retries=3`` — the same code path as the
bot's default limiter, with the limits switched off. With the default (30 messages/s
overall) both would measure ~30/s and the ratio would say nothing; Telegram has no
per-chat limit for private chats that one reply each could hit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    MessageHandler,
    filters,
)

from benchmarks.bench_search import make_queries
from benchmarks.common import BenchResult, config_dir
from bot.config import Environment, load_config
from bot.sandbox.fake_telegram import FakeBotApi

TARGET_SHARE = 0.5  # ≥ 50% of the echo bot's rate
CHAT_BASE = 50_000_000
TOKEN = "123456:BENCH-TOKEN"


def unlimited() -> BaseRateLimiter[Any]:
    """The bot's own rate limiter class with its limits off (see the module docstring).

    The class follows ``bot.app.default_rate_limiter`` (a ``BaseRateLimiter``), so
    both bots run the same limiter code.
    """
    from bot.app import default_rate_limiter

    return type(default_rate_limiter())(overall_max_rate=0, group_max_rate=0, max_retries=3)


async def _echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def _burst(api: FakeBotApi, texts: list[str], first_chat: int, timeout: float) -> float:
    """Queue one update per text (one chat each), return seconds until all are answered."""
    before = len(api.sent)
    for i, text in enumerate(texts):
        api.send_message(text, user_id=first_chat + i, first_name="Bench")
    # the loop has not run yet: every update is queued before the bot sees the first one
    start = time.perf_counter()
    wanted = before + len(texts)
    await api.wait_for(lambda: len(api.sent) >= wanted, timeout, what=f"{len(texts)} replies")
    return time.perf_counter() - start


@asynccontextmanager
async def echo_bot(
    api: FakeBotApi, rate_limiter: BaseRateLimiter[Any] | None = None, concurrency: int = 1
) -> AsyncIterator[None]:
    """python-telegram-bot's echo bot polling ``api`` (no rate limiter unless given)."""
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .concurrent_updates(concurrency)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, _echo))
    await application.initialize()
    updater = application.updater
    assert updater is not None
    # same polling settings as bot.sandbox.runner.running_bot
    await updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    await application.start()
    try:
        yield
    finally:
        await updater.stop()
        await application.stop()
        await application.shutdown()


async def _run_echo(api: FakeBotApi, texts: list[str], concurrency: int, timeout: float) -> float:
    async with echo_bot(api, unlimited(), concurrency):
        await _burst(api, texts[:20], CHAT_BASE, timeout)  # warm-up: connections, caches
        return await _burst(api, texts, CHAT_BASE + 1_000_000, timeout)


async def _run_bot(
    api: FakeBotApi, config: Any, texts: list[str], concurrency: int, timeout: float
) -> float:
    from bot.sandbox.runner import running_bot

    async with running_bot(
        config,
        api,
        token=TOKEN,
        ingest=False,
        rate_limiter=unlimited(),
        concurrent_updates=concurrency,
    ):
        await _burst(api, texts[:20], CHAT_BASE, timeout)
        return await _burst(api, texts, CHAT_BASE + 1_000_000, timeout)


class _ErrorCount(logging.Handler):
    """Counts ERROR records: a handler that crashes still gets a reply (the error message),
    so a fast crash must not pass for a fast answer."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


async def _measure(
    config: Any, texts: list[str], echo_texts: list[str], concurrency: int
) -> dict[str, Any]:
    timeout = max(60.0, len(texts) / 5)
    results: dict[str, Any] = {}
    for label in ("echo", "bot"):
        errors_logged = _ErrorCount()
        logging.getLogger().addHandler(errors_logged)
        async with FakeBotApi() as api:
            if label == "echo":
                seconds = await _run_echo(api, echo_texts, concurrency, timeout)
            else:
                seconds = await _run_bot(api, config, texts, concurrency, timeout)
            replies = len(api.sent)
            # sends only: the long poll cut off at shutdown is recorded as refused too
            errors = sum(1 for c in api.calls if not c.ok and c.method == "sendMessage")
        logging.getLogger().removeHandler(errors_logged)
        results[label] = {
            "seconds": seconds,
            "per_second": len(texts) / seconds,
            "replies": replies,
            "refused_calls": errors,
            "errors_logged": errors_logged.count,
        }
    return results


def run(ctx: Any) -> BenchResult:
    """/paper throughput with concurrent_updates 1 and 8, against the echo bot."""
    result = BenchResult("updates")
    store = ctx.store("sqlite", ctx.search_papers)
    queries = [q.text for q in make_queries(store, per_kind=60)]
    count = ctx.update_count
    texts = [f"/paper {queries[i % len(queries)]}" for i in range(count)]
    # the echo bot gets texts of the same length mix (it echoes them back)
    echo_texts = [text[len("/paper ") :] for text in texts]
    folder = ctx.folder / "updates-config"
    config = load_config(config_dir(folder), Environment(database_url=store.url))
    result.details["papers"] = len(store.papers)
    result.details["updates"] = count
    result.details["rate_limiter"] = (
        f"{type(unlimited()).__name__}(overall_max_rate=0, group_max_rate=0, max_retries=3)"
    )
    for concurrency in (1, 8):
        stats = asyncio.run(_measure(config, texts, echo_texts, concurrency))
        result.details[f"concurrent_updates={concurrency}"] = stats
        bot, echo = stats["bot"], stats["echo"]
        share = bot["per_second"] / echo["per_second"]
        result.add(
            f"/paper rate, concurrent_updates={concurrency}",
            bot["per_second"],
            "upd/s",
            baseline="PTB echo bot",
            baseline_value=echo["per_second"],
            ratio=share,
            target=f"≥ {TARGET_SHARE:.0%} of echo",
            ok=share >= TARGET_SHARE and not (bot["refused_calls"] or bot["errors_logged"]),
            notes=f"{count} updates, {len(store.papers):,} papers; refused sends "
            f"{bot['refused_calls']}, errors logged {bot['errors_logged']}",
        )
    return result
