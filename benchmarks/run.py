"""The benchmark runner: ``python -m benchmarks [--quick] [--only a,b] [--no-postgres]``.

Runs the selected benchmarks in one process, prints the result table and writes
``benchmarks/results/latest.json`` (or ``--out``). Every generated archive and database
lives in a temp folder that is removed at the end; stores are built once and shared
(the 100k-paper SQLite store serves search, update handling and memory).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ROOT,
    BenchResult,
    LoadedStore,
    build_store,
    machine_info,
    pg_available,
    pg_schema,
    sqlite_url,
    workspace,
)
from bot.config import load_topics
from bot.domain.topics import Taxonomy

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
BENCHES = (
    "ingest",
    "search",
    "updates",
    "latency",
    "broadcast",
    "memory",
    "webapp",
    "relevance",
)


@dataclass
class Context:
    """Sizes and shared resources every benchmark gets."""

    quick: bool
    no_postgres: bool
    folder: Path
    stack: contextlib.ExitStack
    taxonomy: Taxonomy
    pg_problem: str | None = None
    search_papers: int = 100_000
    ingest_digests: int = 1000
    update_count: int = 2000
    broadcast_chats: tuple[int, ...] = (1000,)
    memory_papers: int = 100_000
    memory_queries: int = 300
    _stores: dict[tuple[str, int], LoadedStore] = field(default_factory=dict)

    def store(self, backend: str, count: int) -> LoadedStore | None:
        """A store of ``count`` synthetic papers, built on first use (None: no PostgreSQL)."""
        key = (backend, count)
        if key not in self._stores:
            if backend == "postgresql":
                if self.pg_problem:
                    return None
                url = self.stack.enter_context(pg_schema())
            else:
                url = sqlite_url(self.folder / f"store-{count}.sqlite3")
            log(f"  building {backend} store of {count:,} papers …")
            self._stores[key] = build_store(url, count, self.taxonomy)
            log(f"  … built in {self._stores[key].seconds:.1f}s")
        return self._stores[key]


def log(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


def _modules() -> dict[str, Callable[[Context], BenchResult]]:
    # imported lazily: a broken module (or a missing bot.domain.parsing) fails one bench only
    def load(name: str) -> Callable[[Context], BenchResult]:
        def runner(ctx: Context) -> BenchResult:
            module = __import__(f"benchmarks.bench_{name}", fromlist=["run"])
            return module.run(ctx)

        return runner

    return {name: load(name) for name in BENCHES}


def format_number(value: float | None) -> str:
    """Compact human formatting for the table."""
    if value is None:
        return "-"
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results: Sequence[BenchResult]) -> str:
    """The result table (GitHub markdown, so it pastes into the README and reports)."""
    header = (
        "bench",
        "figure",
        "value",
        "baseline",
        "baseline value",
        "ratio",
        "target",
        "ok",
        "notes (this run)",
    )
    rows: list[tuple[str, ...]] = []
    for result in results:
        if result.error:
            rows.append(
                (result.bench, "ERROR", result.error.splitlines()[-1][:70], *[""] * 4, "✗", "")
            )
        for f in result.figures:
            ok = "" if f.ok is None else ("✓" if f.ok else "✗")
            rows.append(
                (
                    f.bench,
                    f.name,
                    f"{format_number(f.value)} {f.unit}",
                    f.baseline,
                    format_number(f.baseline_value) if f.baseline_value is not None else "",
                    f"{format_number(f.ratio)}×" if f.ratio is not None else "",
                    f.target,
                    ok,
                    f.notes,
                )
            )
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)
    ]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


TABLE_START, TABLE_END = "<!-- benchmark-table -->", "<!-- /benchmark-table -->"
READMES = (ROOT / "README.md", ROOT / "benchmarks" / "README.md")


def results_block(payload: dict[str, Any]) -> str:
    """The text both READMEs show between their table markers: one run, one table."""
    machine = payload["machine"]
    names = (
        ("python", "Python"),
        ("sqlite", "SQLite"),
        ("postgresql", "PostgreSQL"),
        ("sqlalchemy", "SQLAlchemy"),
        ("python_telegram_bot", "python-telegram-bot"),
    )
    about = ", ".join(
        [f"{machine.get('cpu_count')} CPUs {machine.get('cpu_model') or ''}".strip()]
        + [f"{label} {machine[key]}" for key, label in names if machine.get(key)]
    )
    return "\n".join(
        [
            f"Latest full run: {payload['date']}, `python -m benchmarks`,"
            f" {payload['seconds']:.0f} s ({about}). Ratios are against the baseline measured"
            " side by side in the same process; the run writes this same table into"
            " `README.md`, `benchmarks/README.md` and `benchmarks/results/latest.json`.",
            "",
            *payload["table"],
        ]
    )


def publish_table(payload: dict[str, Any], readmes: Sequence[Path] = READMES) -> list[Path]:
    """Write the run's table between the markers of each README (a full run only)."""
    block = results_block(payload)
    written = []
    for readme in readmes:
        text = readme.read_text(encoding="utf-8")
        start, end = text.find(TABLE_START), text.find(TABLE_END)
        if start < 0 or end < start:
            continue
        head, tail = text[: start + len(TABLE_START)], text[end:]
        readme.write_text(f"{head}\n{block}\n{tail}", encoding="utf-8")
        written.append(readme)
    return written


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command line flags."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test (< 60 s)")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(BENCHES)}")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument(
        "--broadcast-chats",
        default="",
        help="comma-separated chat counts for the broadcast (default 1000; quick 300); "
        "10000 takes ~6 min per message of the post",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"results file (default {RESULTS})")
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    return parser.parse_args(argv)


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """The bot logs every publication and update; keep the benchmark output readable."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    previous = logging.getLogger().level
    logging.getLogger().setLevel(logging.WARNING)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "telegram", "aiohttp"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    try:
        yield
    finally:
        logging.getLogger().setLevel(previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; exit code 1 when a benchmark failed to run (not when a target is missed)."""
    args = parse_args(argv)
    selected = [b.strip() for b in args.only.split(",") if b.strip()] or list(BENCHES)
    unknown = [b for b in selected if b not in BENCHES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(BENCHES)})")
        return 2
    started = time.perf_counter()
    modules = _modules()
    results: list[BenchResult] = []
    with quiet_logs(), workspace() as folder, contextlib.ExitStack() as stack:
        ctx = Context(
            quick=args.quick,
            no_postgres=args.no_postgres,
            folder=folder,
            stack=stack,
            taxonomy=load_topics(Path(__file__).resolve().parent.parent / "config" / "topics.yaml"),
        )
        if args.quick:
            ctx.search_papers, ctx.ingest_digests, ctx.update_count = 3000, 30, 200
            ctx.broadcast_chats, ctx.memory_papers, ctx.memory_queries = (300,), 3000, 100
        if args.broadcast_chats:
            ctx.broadcast_chats = tuple(int(n) for n in args.broadcast_chats.split(","))
        if not args.no_postgres:
            ctx.pg_problem = pg_available()
            if ctx.pg_problem:
                log(f"PostgreSQL unavailable, its figures are skipped: {ctx.pg_problem}")
        for name in selected:
            log(f"== {name}")
            bench_start = time.perf_counter()
            try:
                result = modules[name](ctx)
            except Exception:
                result = BenchResult(name, error=traceback.format_exc())
                log(result.error or "")
            result.seconds = time.perf_counter() - bench_start
            log(f"== {name} done in {result.seconds:.1f}s")
            results.append(result)
    total = time.perf_counter() - started
    print(table(results))
    print(f"\ntotal {total:.0f}s ({'quick' if args.quick else 'full'} run)")
    if not args.no_write:
        out = args.out or RESULTS
        out.parent.mkdir(parents=True, exist_ok=True)
        payload: dict[str, Any] = {
            "date": datetime.now(UTC).date().isoformat(),
            "mode": "quick" if args.quick else "full",
            "only": selected,
            "seconds": round(total, 1),
            "machine": machine_info(),
            "table": table(results).splitlines(),
            "results": [
                {
                    "bench": r.bench,
                    "seconds": round(r.seconds, 1),
                    "error": r.error,
                    "figures": [f.as_dict() for f in r.figures],
                    "details": r.details,
                }
                for r in results
            ],
        }
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
        tmp.replace(out)  # never leave a half-written results file behind
        print(f"wrote {out}")
        if not args.quick and args.only == "" and args.out is None:
            for readme in publish_table(payload):
                print(f"updated the results table in {readme}")
    return 1 if any(r.error for r in results) else 0
