"""Reply latency as a person sees it: one private chat, the real bot with its default limiter.

* **idle**: sequential round trips (send an update, wait for the reply, next one) of
  ``/paper <query>`` and ``/start`` against python-telegram-bot's bare echo bot (no rate
  limiter) through the same loopback API, on a 9,000-paper store (quick: 3,000). The ratio
  is the bot's p50 ÷ the echo bot's p50 (targets: ≤ 2.0× for ``/paper``, ≤ 1.3× for
  ``/start``).
* **during a broadcast**: the bot publishes a 20-paper digest to 300 chats (every tenth a
  group) while the loopback API enforces 30 messages/s and 20/min per group; meanwhile a
  private chat sends ``/paper`` every 0.5 s. Figures: that chat's p95 minus the idle p95
  (target ≤ 75 ms), and the broadcast's elapsed time ÷ (messages ÷ 30/s) (target ≤ 1.10,
  0 flood refusals).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from benchmarks import synth
from benchmarks.bench_broadcast import GROUP_PER_MINUTE, RATE, _chats, subscribed_bot
from benchmarks.bench_search import make_queries
from benchmarks.bench_updates import TOKEN, echo_bot
from benchmarks.common import (
    BenchResult,
    config_dir,
    fill_store,
    latency_summary,
    sqlite_url,
)
from bot.config import Environment, load_config
from bot.domain.delivery import PublishTrigger
from bot.sandbox.fake_telegram import FakeBotApi

PERSON = 90_000_001
ROUND_TRIPS = 200
BROADCAST_CHATS = 300


async def _round_trip(api: FakeBotApi, text: str, chat_id: int = PERSON) -> float:
    before = len(api.messages_to(chat_id, method="sendMessage"))
    start = time.perf_counter()
    api.send_message(text, user_id=chat_id, first_name="Bench")
    await api.wait_for(
        lambda: len(api.messages_to(chat_id, method="sendMessage")) > before, 30.0, what="reply"
    )
    return time.perf_counter() - start


async def _sequential(api: FakeBotApi, texts: list[str]) -> list[float]:
    for text in texts[:10]:  # warm-up: connections, caches
        await _round_trip(api, text)
    return [await _round_trip(api, text) for text in texts]


async def _echo_round_trips(texts: list[str]) -> list[float]:
    async with FakeBotApi() as api, echo_bot(api):
        return await _sequential(api, texts)


async def _bot_round_trips(config: Any, batches: dict[str, list[str]]) -> dict[str, list[float]]:
    from bot.sandbox.runner import running_bot

    async with FakeBotApi() as api, running_bot(config, api, token=TOKEN, ingest=False):
        return {name: await _sequential(api, texts) for name, texts in batches.items()}


async def _during_broadcast(config: Any, texts: list[str]) -> dict[str, Any]:
    chats = _chats(BROADCAST_CHATS)
    async with subscribed_bot(config, chats) as (api, services):
        idle = await _sequential(api, texts)
        api.reset()
        api.flood_limits(RATE, GROUP_PER_MINUTE)
        start = time.perf_counter()
        broadcast = asyncio.create_task(services.publisher.publish_next(PublishTrigger.POSTNOW))
        busy: list[float] = []
        index = 0
        while not broadcast.done():
            tick = time.perf_counter()
            busy.append(await _round_trip(api, texts[index % len(texts)]))
            index += 1
            await asyncio.sleep(max(0.0, 0.5 - (time.perf_counter() - tick)))
        await broadcast
        seconds = time.perf_counter() - start
        messages = sum(len(api.messages_to(chat_id, method="sendMessage")) for chat_id, _ in chats)
        return {
            "idle": latency_summary(idle),
            "busy": latency_summary(busy),
            "broadcast_seconds": seconds,
            "broadcast_messages": messages,
            "flood_rejections": api.flood_rejections,
        }


def run(ctx: Any) -> BenchResult:
    """Idle round trips vs the echo bot, and a person's latency during a broadcast."""
    result = BenchResult("latency")
    size = 3000 if ctx.quick else 9000
    store = ctx.store("sqlite", size)
    queries = [q.text for q in make_queries(store, per_kind=20)]
    paper_texts = [f"/paper {queries[i % len(queries)]}" for i in range(ROUND_TRIPS)]
    config = load_config(
        config_dir(ctx.folder / "latency-config"), Environment(database_url=store.url)
    )
    echo = latency_summary(asyncio.run(_echo_round_trips(paper_texts)))
    bot = {
        name: latency_summary(values)
        for name, values in asyncio.run(
            _bot_round_trips(config, {"/paper": paper_texts, "/start": ["/start"] * ROUND_TRIPS})
        ).items()
    }
    result.details["echo"] = echo
    result.details.update(bot)
    for name, target in (("/paper", 2.0), ("/start", 1.3)):
        ratio = bot[name]["p50"] / echo["p50"]
        result.add(
            f"{name} round trip p50, idle",
            bot[name]["p50"],
            "ms",
            baseline="PTB echo bot p50",
            baseline_value=echo["p50"],
            ratio=ratio,
            target=f"≤ {target}× echo",
            ok=ratio <= target,
            notes=f"{size:,} papers, p95 {bot[name]['p95']:.1f} ms",
        )

    db_path = ctx.folder / "latency-broadcast.sqlite3"
    from bot.store.db import make_engine, migrate

    engine = make_engine(sqlite_url(db_path))
    migrate(engine)
    fill_store(engine, synth.papers(20, seed=5), ctx.taxonomy, tag_abstracts=True)
    engine.dispose()
    b_config = load_config(
        config_dir(ctx.folder / "latency-broadcast"),
        Environment(database_url=sqlite_url(db_path)),
    )
    stats = asyncio.run(_during_broadcast(b_config, paper_texts[:40]))
    result.details["during broadcast"] = stats
    extra = stats["busy"]["p95"] - stats["idle"]["p95"]
    result.add(
        f"/paper p95 during a broadcast to {BROADCAST_CHATS}",
        stats["busy"]["p95"],
        "ms",
        baseline="idle p95",
        baseline_value=stats["idle"]["p95"],
        ratio=stats["busy"]["p95"] / stats["idle"]["p95"],
        target="≤ idle + 75 ms",
        ok=extra <= 75,
        notes=f"+{extra:.0f} ms, p50 {stats['busy']['p50']:.1f} ms",
    )
    minimum = stats["broadcast_messages"] / RATE
    ratio = stats["broadcast_seconds"] / minimum
    result.add(
        f"broadcast to {BROADCAST_CHATS} with a person asking",
        stats["broadcast_seconds"],
        "s",
        baseline="messages ÷ 30/s",
        baseline_value=minimum,
        ratio=ratio,
        target="≤ 1.10× min, 0 429s",
        ok=ratio <= 1.10 and stats["flood_rejections"] == 0,
        notes=f"{stats['broadcast_messages']} msgs, {stats['flood_rejections']} 429s",
    )
    return result
