"""Broadcast: publishing a digest to many chats under Telegram's simulated flood limits.

The real bot (``running_bot``, default ``AIORateLimiter``: 30 messages/s overall, 20/min
per group, 3 retries) publishes one 20-paper digest with its real ``Publisher``
(``services.publisher.publish_next(PublishTrigger.POSTNOW)``) to ``N`` subscribed chats
(every tenth a group). The loopback API enforces the same limits (``api.flood_limits(30, 20)``) and
answers 429 beyond them. Baseline: the theoretical minimum, ``messages ÷ 30 s``; the
ratio is elapsed ÷ minimum (1.00 = at the limit, target ≤ 1.10). Every chat's received
messages are compared with the rendered post: none may be missing or sent twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from benchmarks import synth
from benchmarks.common import BenchResult, config_dir, fill_store, sqlite_url
from bot.config import Environment, load_config
from bot.domain.delivery import PublishTrigger
from bot.sandbox.fake_telegram import FakeBotApi

RATE = 30  # messages per second, Telegram's overall bot limit
GROUP_PER_MINUTE = 20
TARGET_RATIO = 1.10
TOKEN = "123456:BENCH-TOKEN"


def _chats(count: int) -> list[tuple[int, str]]:
    """``count`` chats: private ones, every tenth a group (negative id)."""
    return [
        (-(700_000_000 + i), "group") if i % 10 == 9 else (600_000_000 + i, "private")
        for i in range(count)
    ]


@asynccontextmanager
async def subscribed_bot(
    config: Any, chats: list[tuple[int, str]]
) -> AsyncIterator[tuple[FakeBotApi, Any]]:
    """The real bot polling a fresh loopback API, every chat known there and subscribed."""
    from bot.sandbox.runner import running_bot

    async with FakeBotApi() as api:
        for chat_id, kind in chats:
            api.add_chat(chat_id, kind, title=f"Team {abs(chat_id)}" if kind != "private" else None)
        async with running_bot(config, api, token=TOKEN, ingest=False) as application:
            services = application.bot_data.services
            for chat_id, kind in chats:
                services.subscriptions.subscribe(chat_id, chat_type=kind)
            yield api, services


async def _publish(config: Any, chats: list[tuple[int, str]]) -> dict[str, Any]:
    async with subscribed_bot(config, chats) as (api, services):
        api.reset()  # forget the start-up calls (commands menu)
        api.flood_limits(RATE, GROUP_PER_MINUTE)
        start = time.perf_counter()
        summary = await services.publisher.publish_next(PublishTrigger.POSTNOW)
        seconds = time.perf_counter() - start
        per_chat = Counter(
            len(api.messages_to(chat_id, method="sendMessage")) for chat_id, _kind in chats
        )
        texts_ok = _same_texts(api, chats)
        total = sum(n * c for n, c in per_chat.items())
        return {
            "chats": len(chats),
            "groups": sum(1 for _c, kind in chats if kind != "private"),
            "seconds": seconds,
            "messages": total,
            "messages_per_chat": dict(per_chat),
            "identical_posts": texts_ok,
            "flood_rejections": api.flood_rejections,
            "refused_calls": sum(1 for call in api.calls if not call.ok),
            "summary": {
                "sent": getattr(summary, "sent", None),
                "failed": getattr(summary, "failed", None),
                "pending": getattr(summary, "pending", None),
            },
        }


def _same_texts(api: FakeBotApi, chats: list[tuple[int, str]]) -> bool:
    """Every chat got exactly the same sequence of texts (no part missing or doubled)."""
    reference: list[str] | None = None
    for chat_id, _kind in chats:
        texts = [m.text for m in api.messages_to(chat_id, method="sendMessage")]
        if reference is None:
            reference = texts
        elif texts != reference:
            return False
    return bool(reference)


def run(ctx: Any) -> BenchResult:
    """Publish to each size in ``ctx.broadcast_chats``."""
    from bot.store.db import make_engine, migrate

    result = BenchResult("broadcast")
    for count in ctx.broadcast_chats:
        db_path = ctx.folder / f"broadcast-{count}.sqlite3"
        engine = make_engine(sqlite_url(db_path))
        migrate(engine)
        fill_store(engine, synth.papers(20, seed=5), ctx.taxonomy, tag_abstracts=True)
        engine.dispose()
        config = load_config(
            config_dir(ctx.folder / f"broadcast-{count}"),
            Environment(database_url=sqlite_url(db_path)),
        )
        stats = asyncio.run(_publish(config, _chats(count)))
        minimum = stats["messages"] / RATE
        stats["theoretical_min_seconds"] = minimum
        result.details[f"{count} chats"] = stats
        ratio = stats["seconds"] / minimum if minimum else float("nan")
        per_chat = stats["messages_per_chat"]
        exact = len(per_chat) == 1 and stats["identical_posts"]
        result.add(
            f"publish to {count:,} chats",
            stats["seconds"],
            "s",
            baseline="messages ÷ 30/s",
            baseline_value=minimum,
            ratio=ratio,
            target=f"≤ {TARGET_RATIO:.2f}× min, 0 lost/dup",
            ok=ratio <= TARGET_RATIO and exact and stats["summary"]["failed"] == 0,
            notes=f"{stats['messages']} msgs ({'/'.join(map(str, per_chat))} per chat), "
            f"{stats['flood_rejections']} 429s",
        )
    return result
