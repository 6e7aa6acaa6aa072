"""Memory: peak RSS of the bot process serving a large store.

The bot runs in a child process (``python -m benchmarks.bench_memory child …``) that
builds the real application on the 100k-paper SQLite store and polls a loopback API
living in the parent; the parent sends a few hundred ``/paper`` queries from distinct
chats, waits for every reply, then tells the child to stop. The child reports
its peak RSS (``VmHWM``; ``getrusage(RUSAGE_SELF).ru_maxrss`` is recorded too but
on Linux it includes the parent's pages seen between fork and exec) and its RSS after
start-up. Baseline:
python-telegram-bot's echo bot in the same harness (the floor of any PTB bot).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, BenchResult, config_dir

TARGET_MB = 250.0
TOKEN = "123456:BENCH-TOKEN"
CHAT_BASE = 80_000_000


def _status_kb(field: str) -> int:
    """A kB figure of /proc/self/status (``VmRSS``, ``VmHWM``), 0 where unavailable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _rss_kb() -> int:
    """Current resident set size (kB)."""
    return _status_kb("VmRSS")


async def _child(mode: str, config_path: str, database_url: str, api_url: str) -> dict[str, Any]:
    """Run one bot until stdin says stop; return its memory figures."""
    from telegram import Update

    from bot.config import Environment, load_config

    base_rss = _rss_kb()
    if mode == "bot":
        from bot.app import build_application, shutdown, startup

        env = Environment(token=TOKEN, api_base_url=api_url, database_url=database_url)
        config = load_config(Path(config_path), env)
        application = build_application(config, env, catch_up_on_start=False)
        await application.initialize()
        await startup(application)
    else:
        from telegram.ext import ApplicationBuilder, MessageHandler, filters

        from benchmarks.bench_updates import _echo, unlimited

        application = (
            ApplicationBuilder().token(TOKEN).base_url(api_url).rate_limiter(unlimited()).build()
        )
        application.add_handler(MessageHandler(filters.TEXT, _echo))
        await application.initialize()
    updater = application.updater
    assert updater is not None
    await updater.start_polling(poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES)
    await application.start()
    started_rss = _rss_kb()
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)  # the parent says "stop"
    served_rss = _rss_kb()
    await updater.stop()
    await application.stop()
    if mode == "bot":
        await shutdown(application)
    await application.shutdown()
    return {
        "rss_before_import_kb": base_rss,
        "rss_started_kb": started_rss,
        "rss_after_queries_kb": served_rss,
        # VmHWM is the peak of this process image; ru_maxrss also counts the parent's pages
        # seen between fork and exec, so on a big parent it reports the parent's size
        "peak_kb": _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "ru_maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def _serve(mode: str, config: Path, url: str, texts: list[str]) -> dict[str, Any]:
    """Start the child, drive it through the loopback API, return its report."""
    from bot.sandbox.fake_telegram import FakeBotApi  # parent only: the child stays lean

    with FakeBotApi() as api:  # its own thread: the child polls it over HTTP
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_memory",
                "child",
                mode,
                str(config),
                url,
                api.base_url,
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert child.stdout is not None and child.stdin is not None
            line = child.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(f"{mode} child did not start: {line!r}")
            for start in range(0, len(texts), 100):  # in waves, like real traffic
                chunk = texts[start : start + 100]
                wanted = len(api.sent) + len(chunk)
                for i, text in enumerate(chunk):
                    api.send_message(text, user_id=CHAT_BASE + start + i)
                api.wait_for_sync(lambda w=wanted: len(api.sent) >= w, 120)
            child.stdin.write("stop\n")
            child.stdin.flush()
            out, _ = child.communicate(timeout=60)
        finally:
            if child.poll() is None:
                child.kill()
        report = json.loads(out.strip().splitlines()[-1])
        report["replies"] = len(api.sent)
        return report


def run(ctx: Any) -> BenchResult:
    """Peak RSS of the bot on ``ctx.memory_papers`` papers vs the echo bot."""
    from benchmarks.bench_search import make_queries

    result = BenchResult("memory")
    store = ctx.store("sqlite", ctx.memory_papers)
    queries = [q.text for q in make_queries(store, per_kind=60, seed=9)]
    texts = [f"/paper {queries[i % len(queries)]}" for i in range(ctx.memory_queries)]
    config = config_dir(ctx.folder / "memory-config")
    bot = _serve("bot", config, store.url, texts)
    echo = _serve("echo", config, store.url, [t[len("/paper ") :] for t in texts])
    result.details = {"bot": bot, "echo": echo, "papers": len(store.papers), "queries": len(texts)}
    bot_mb, echo_mb = bot["peak_kb"] / 1024, echo["peak_kb"] / 1024
    result.add(
        f"peak RSS, {len(store.papers):,} papers",
        bot_mb,
        "MB",
        baseline="PTB echo bot",
        baseline_value=echo_mb,
        ratio=bot_mb / echo_mb,
        target=f"< {TARGET_MB:g} MB",
        ok=bot_mb < TARGET_MB,
        notes=f"{len(texts)} /paper queries; after start-up {bot['rss_started_kb'] / 1024:.0f} MB"
        + ("" if bot["replies"] >= len(texts) else f"; only {bot['replies']} replies"),
    )
    return result


def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_memory")
    parser.add_argument("role", choices=["child"])
    parser.add_argument("mode", choices=["bot", "echo"])
    parser.add_argument("config")
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    report = asyncio.run(_child(args.mode, args.config, args.database_url, args.api_url))
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
