"""Broadcast: publishing a digest to many chats under Telegram's simulated flood limits.

The real bot (``running_bot``, with its own limiter ``bot.jobs.ratelimit.DeliveryRateLimiter``:
30 messages per 1.05 s overall, 20 per 61 s per group, 3 retries of a 429) publishes one
20-paper digest with its real ``Publisher``
(``services.publisher.publish_next(PublishTrigger.POSTNOW)``). The loopback API enforces
Telegram's limits (``api.flood_limits(30, 20)``) and answers 429 beyond them. Two cases:

* **many chats**: ``N`` subscribed chats, every tenth a group: the 30/s limit binds;
* **group-heavy**: :data:`GROUPS` groups each receiving :data:`GROUP_POSTS` digests (one
  publication after another), so each group gets far more than 20 messages and the
  20/min per-group limit binds, not the 30/s.

Baseline: the floor the limits allow — ``messages ÷ 30/s`` for many chats; for the
groups also the per-group floor: a group's ``k``-th message cannot leave before
``⌊(k-1)/20⌋`` minutes, and the last minute-window's messages of all groups then still pass
the 30/s (:func:`group_floor`). The ratio is elapsed ÷ floor (1.00 = at the limit,
target ≤ 1.10), with 0 refusals. Correctness is checked against the rendered posts
(``weekly_post`` of each published digest): every chat must have received exactly every
part of every post, in order, once — not merely the same as the other chats.
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
GROUPS = 30
GROUP_POSTS = 12  # digests published to the groups, one after another: ~25 messages each
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


async def _publish(config: Any, chats: list[tuple[int, str]], posts: int = 1) -> dict[str, Any]:
    """Publish the next ``posts`` digests, one after another, to ``chats``."""
    from bot.domain.render import weekly_post

    async with subscribed_bot(config, chats) as (api, services):
        api.reset()  # forget the start-up calls (commands menu)
        api.flood_limits(RATE, GROUP_PER_MINUTE)
        library = services.library
        start = time.perf_counter()
        summaries = [
            await services.publisher.publish_next(PublishTrigger.POSTNOW) for _ in range(posts)
        ]
        seconds = time.perf_counter() - start
        # what every chat must have received: each published digest's rendered post, in order
        expected: list[str] = []
        for summary in summaries:
            assert summary is not None, "the store ran out of digests"
            digest_id = summary.digest_id
            expected += weekly_post(
                library.digest(digest_id), library.digest_papers(digest_id), "en"
            )
        received = {
            chat_id: [m.text for m in api.messages_to(chat_id, method="sendMessage")]
            for chat_id, _kind in chats
        }
        wrong = {chat_id: texts for chat_id, texts in received.items() if texts != expected}
        per_chat = Counter(len(texts) for texts in received.values())
        return {
            "chats": len(chats),
            "groups": sum(1 for _c, kind in chats if kind != "private"),
            "posts": posts,
            "seconds": seconds,
            "messages": sum(n * c for n, c in per_chat.items()),
            "messages_per_chat": dict(per_chat),
            "expected_per_chat": len(expected),
            "chats_not_matching_the_render": len(wrong),
            "example_mismatch": _mismatch(expected, next(iter(wrong.values()), None)),
            "flood_rejections": api.flood_rejections,
            "refused_calls": sum(1 for call in api.calls if not call.ok),
            "failed": sum(getattr(summary, "failed", 0) for summary in summaries),
        }


def _mismatch(expected: list[str], got: list[str] | None) -> str | None:
    """How one chat's messages differ from the rendered posts (None: they do not)."""
    if got is None:
        return None
    missing = sum((Counter(expected) - Counter(got)).values())
    extra = sum((Counter(got) - Counter(expected)).values())
    order = "same order" if not missing and not extra else "differs"
    return f"{missing} parts missing, {extra} extra, {order}"


def group_floor(messages_per_group: int, groups: int) -> float:
    """Seconds the limits need at least. A group's ``k``-th message cannot leave before
    ``⌊(k-1)/20⌋`` minutes; the messages of the last minute-window (``r`` per group) then
    still pass the 30/s, and so does everything overall."""
    windows = (messages_per_group - 1) // GROUP_PER_MINUTE
    last = messages_per_group - windows * GROUP_PER_MINUTE
    return max(messages_per_group * groups / RATE, windows * 60.0 + last * groups / RATE)


def _store(ctx: Any, name: str, digests: int) -> Any:
    """A fresh store of ``digests`` 20-paper digests and its config."""
    from bot.store.db import make_engine, migrate

    db_path = ctx.folder / f"{name}.sqlite3"
    engine = make_engine(sqlite_url(db_path))
    migrate(engine)
    fill_store(engine, synth.papers(20 * digests, seed=5), ctx.taxonomy, tag_abstracts=True)
    engine.dispose()
    return load_config(config_dir(ctx.folder / name), Environment(database_url=sqlite_url(db_path)))


def _figure(result: BenchResult, name: str, stats: dict[str, Any], floor: float, base: str) -> None:
    ratio = stats["seconds"] / floor if floor else float("nan")
    exact = stats["chats_not_matching_the_render"] == 0
    refusals = stats["flood_rejections"]
    result.add(
        name,
        stats["seconds"],
        "s",
        baseline=base,
        baseline_value=floor,
        ratio=ratio,
        target=f"≤ {TARGET_RATIO:.2f}× floor, 0 429s, = render",
        ok=ratio <= TARGET_RATIO and exact and refusals == 0 and stats["failed"] == 0,
        notes=f"{stats['messages']} msgs ({stats['expected_per_chat']} per chat expected), "
        f"{stats['chats_not_matching_the_render']} chats differ from the render, {refusals} 429s",
    )


def run(ctx: Any) -> BenchResult:
    """Publish to each size in ``ctx.broadcast_chats``, then the group-heavy case."""
    result = BenchResult("broadcast")
    for count in ctx.broadcast_chats:
        config = _store(ctx, f"broadcast-{count}", 1)
        stats = asyncio.run(_publish(config, _chats(count)))
        floor = stats["messages"] / RATE
        stats["floor_seconds"] = floor
        result.details[f"{count} chats"] = stats
        _figure(result, f"publish to {count:,} chats", stats, floor, "messages ÷ 30/s")
    groups = 5 if ctx.quick else GROUPS
    posts = 3 if ctx.quick else GROUP_POSTS
    config = _store(ctx, "broadcast-groups", posts)
    chats = [(-(710_000_000 + i), "group") for i in range(groups)]
    stats = asyncio.run(_publish(config, chats, posts))
    floor = group_floor(stats["expected_per_chat"], groups)
    stats["floor_seconds"] = floor
    result.details[f"{groups} groups × {posts} digests"] = stats
    _figure(
        result,
        f"{groups} groups × {posts} digests",
        stats,
        floor,
        "20/min per group (or 30/s)",
    )
    return result
