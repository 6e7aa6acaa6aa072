"""The Mini App as a person on a phone meets it: headless Chromium (Debian's ``chromium``,
driven by Playwright) against the real bot's web server on 127.0.0.1, on the 9,000-paper
archive (quick: 3,000).

* **first page usable**: from ``goto`` until the page has checked in (``/api/session``) and
  shows its first list of papers, in a fresh browser context each time (nothing cached);
  the figure is the p95 of ``LOADS`` loads (target ≤ 1 s).
* **search as you type**: queries of every kind the search bench uses (titles in English
  and Chinese, arXiv ids, prefixes, typos), typed one key at a time; each key's round trip
  is from the key press until the page shows the answer for what is typed (the 15 ms the
  page waits for the next key included). p95 over every key (target ≤ 100 ms).
* **page weight**: bytes over the wire for that first page — HTML, CSS, script and the
  first API answers — as the browser's resource timing counts them (target ≤ 100 KB).

Needs Chromium (``apt-get install chromium fonts-noto-cjk``); without it the bench reports
an error and the others still run.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_search import make_queries
from benchmarks.common import BenchResult, config_dir, latency_summary, percentile
from bot.config import Environment, load_config
from bot.domain.webapp import WebUser
from bot.sandbox.fake_telegram import FakeBotApi

CHROMIUM = "/usr/bin/chromium"
TOKEN = "123456:BENCH-WEBAPP"
LOADS = 20
QUERIES_PER_KIND = 6
KEY_TIMEOUT_MS = 10_000
PHONE = {"width": 390, "height": 760}
USER = WebUser(90_000_002, "Bench", language_code="en")


async def _first_load(browser: Any, link: str) -> tuple[float, int]:
    """One cold load: seconds until usable, and the bytes it transferred."""
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    start = time.perf_counter()
    await page.goto(link)
    await page.wait_for_selector("body[data-ready='1'] #main[data-results='1']")
    usable = time.perf_counter() - start
    weight = await page.evaluate(
        "performance.getEntriesByType('navigation').concat("
        "performance.getEntriesByType('resource')).reduce((n, e) => n + e.transferSize, 0)"
    )
    await context.close()
    return usable, int(weight)


async def _typing(browser: Any, link: str, queries: list[str]) -> tuple[list[float], list[float]]:
    """Every key's round trip, typing each query from an empty box: as the page measures
    it (key press to answer shown), and as the driver sees it (CDP round trips added)."""
    context = await browser.new_context(viewport=PHONE)
    page = await context.new_page()
    await page.goto(link)
    await page.wait_for_selector("#main[data-results='1']")
    box = page.locator("#q")
    seq = 1
    timings: list[float] = []
    outside: list[float] = []
    for query in queries:
        if await box.input_value():
            await box.fill("")
            seq += 1
            await page.wait_for_selector(f"#main[data-results='{seq}']")
        for char in query:
            start = time.perf_counter()
            await page.keyboard.type(char)
            seq += 1  # one key, one search: the next key waits for this answer
            await page.wait_for_selector(f"#main[data-results='{seq}']", timeout=KEY_TIMEOUT_MS)
            outside.append(time.perf_counter() - start)
            timings.append(
                float(await page.get_attribute("#main", "data-search-ms") or "nan") / 1000
            )
    await context.close()
    return timings, outside


async def _measure(config: Any, queries: list[str]) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    from bot.sandbox.runner import running_bot
    from bot.sandbox.webapp import open_link, serving_webapp, signed_init_data
    from bot.web.access import RateLimit

    unlimited = RateLimit(requests=10**9, seconds=1.0)  # the bench is one very fast typist
    async with (
        FakeBotApi() as api,
        running_bot(config, api, token=TOKEN, ingest=False) as app,
        serving_webapp(app, rate=unlimited) as base,
        async_playwright() as playwright,
    ):
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            link = open_link(base, signed_init_data(app, USER))
            await _first_load(browser, link)  # warm-up: the server's first queries
            loads = [await _first_load(browser, link) for _ in range(LOADS)]
            keys = await _typing(browser, link, queries)
        finally:
            await browser.close()
    return {"loads": loads, "keys": keys[0], "driver": keys[1]}


def run(ctx: Any) -> BenchResult:
    """First page, search-as-you-type keys and page weight, in headless Chromium."""
    result = BenchResult("webapp")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        result.error = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        return result
    size = 3000 if ctx.quick else 9000
    store = ctx.store("sqlite", size)
    queries = [q.text for q in make_queries(store, per_kind=QUERIES_PER_KIND)]
    config = load_config(
        config_dir(ctx.folder / "webapp-config"), Environment(database_url=store.url)
    )
    measured = asyncio.run(_measure(config, queries))
    seconds = [usable for usable, _ in measured["loads"]]
    weight_kb = max(weight for _, weight in measured["loads"]) / 1024
    loads = latency_summary(seconds)
    keys = latency_summary(measured["keys"])
    driver = latency_summary(measured["driver"])
    result.details.update(
        {
            "first page": loads,
            "keys (in the page)": keys,
            "keys (driver's view, CDP included)": driver,
            "key count": len(measured["keys"]),
            "queries": queries,
        }
    )
    result.add(
        "first page usable p95",
        percentile(seconds, 95),
        "s",
        target="≤ 1 s",
        ok=percentile(seconds, 95) <= 1.0,
        notes=f"{size:,} papers, {LOADS} cold loads, p50 {loads['p50']:.0f} ms",
    )
    result.add(
        "search as you type p95 (per key)",
        keys["p95"],
        "ms",
        target="≤ 100 ms",
        ok=keys["p95"] <= 100,
        notes=f"{len(measured['keys'])} keys, p50 {keys['p50']:.1f} ms; driver p95 "
        f"{driver['p95']:.0f} ms",
    )
    result.add(
        "page weight, first page",
        weight_kb,
        "KB",
        target="≤ 100 KB",
        ok=weight_kb <= 100,
    )
    return result
