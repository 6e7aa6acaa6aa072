"""Shared pieces of the benchmarks: results, timing, temp configs, PostgreSQL schemas and a
fast loader that fills a store with synthetic papers without going through the parser.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, insert, inspect, text

from benchmarks import synth
from bot.domain.search_tokens import search_columns
from bot.domain.searchtext import compact, normalize
from bot.domain.topics import Taxonomy

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_DATABASE_URL",
    os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)


# --------------------------------------------------------------------------- results


@dataclass
class Figure:
    """One line of the result table: a measured value, its baseline and the ratio.

    ``ratio`` is always "how many baselines": for rates ``value / baseline``, for times
    ``baseline / value`` (so > 1 means faster than the baseline), unless ``ratio_note``
    says otherwise.
    """

    bench: str
    name: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    ratio: float | None = None
    target: str = ""
    ok: bool | None = None
    notes: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (floats rounded to keep the file diffable)."""
        data = asdict(self)
        for key in ("value", "baseline_value", "ratio"):
            if isinstance(data[key], float):
                data[key] = round(data[key], 4)
        return data


@dataclass
class BenchResult:
    """What one benchmark module reports: table figures plus free-form details."""

    bench: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def add(self, name: str, value: float, unit: str, **kwargs: Any) -> Figure:
        """Append a figure of this benchmark."""
        figure = Figure(self.bench, name, value, unit, **kwargs)
        self.figures.append(figure)
        return figure


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0…100) of ``values``."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds."""
    ms = [s * 1000 for s in seconds]
    return {
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "p99": percentile(ms, 99),
        "mean": statistics.fmean(ms) if ms else math.nan,
        "max": max(ms) if ms else math.nan,
        "n": float(len(ms)),
    }


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``."""

    def __enter__(self) -> Stopwatch:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


# --------------------------------------------------------------------------- workspace


@contextlib.contextmanager
def workspace(prefix: str = "bench-") -> Iterator[Path]:
    """A temp folder for generated archives and databases, removed afterwards.

    ``BENCH_KEEP=1`` keeps it (printed) for poking at a store after a run.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        if os.environ.get("BENCH_KEEP"):
            print(f"kept workspace {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def config_dir(folder: Path, digests_yaml: str = "") -> Path:
    """A copy of the repo's ``bot.yaml`` and ``topics.yaml`` with our own ``digests.yaml``.

    The database always comes from ``Environment(database_url=…)``, so the ``database:``
    line of the copied ``bot.yaml`` never matters.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "config" / "bot.yaml", folder / "bot.yaml")
    shutil.copy(ROOT / "config" / "topics.yaml", folder / "topics.yaml")
    listing = folder / "digests.yaml"
    if not listing.exists() or digests_yaml:
        listing.write_text(digests_yaml, encoding="utf-8")
    return folder / "bot.yaml"


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def pg_available(url: str = PG_URL) -> str | None:
    """None when PostgreSQL answers at ``url``, else why not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means "no server here"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
    return None


@contextlib.contextmanager
def pg_schema(url: str = PG_URL) -> Iterator[str]:
    """A fresh PostgreSQL schema (search_path set through the URL), dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema},public"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def machine_info() -> dict[str, Any]:
    """CPU count, Python, SQLite and library versions, for the results file."""
    import platform
    import sqlite3

    import sqlalchemy
    import telegram

    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        "python_telegram_bot": telegram.__version__,
    }
    with contextlib.suppress(Exception):
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            info["postgresql"] = conn.execute(text("show server_version")).scalar()
        engine.dispose()
    return info


def _cpu_model() -> str | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


# --------------------------------------------------------------------------- store loader


def paper_row(paper: synth.SynthPaper, digest_id: str, position: int) -> dict[str, Any]:
    """The ``papers`` row ingestion would write for ``paper``.

    Mirrors ``bot.store.content_repo._apply_paper`` (same normalisation and search token
    columns), so the search index sees exactly what a real ingest would give it.
    """
    derived = search_columns(paper.title_en, paper.title_zh, paper.abstract)
    parts = [paper.title_en, paper.title_zh or "", "", paper.abstract, paper.arxiv_id or ""]
    return {
        "digest_id": digest_id,
        "position": position,
        "title_en": paper.title_en,
        "title_zh": paper.title_zh,
        "abstract": paper.abstract,
        "arxiv_id": paper.arxiv_id,
        "url": paper.url,
        "links": paper.url or "",
        "section": None,
        "title_norm": normalize(f"{paper.title_en} {paper.title_zh or ''}"),
        "title_compact": compact(paper.title_en),
        "search_text": normalize(" ".join(parts)),
        "title_tokens": derived.title_tokens,
        "abstract_tokens": derived.abstract_tokens,
        "title_zh_compact": derived.title_zh_compact,
    }


def digest_row(index: int, papers_in_it: int) -> dict[str, Any]:
    """A ``digests`` row for synthetic week ``index``."""
    week = synth.week_of(index)
    now = datetime.now(UTC)
    digest_hash = hashlib.sha256(f"synthetic {index}".encode()).hexdigest()
    return {
        "id": f"w{index:05d}",
        "title": f"每周AI论文速递 {week.isoformat()} ({papers_in_it} papers)",
        "week_start": week,
        "week_end": week + timedelta(days=4),
        "source_url": None,
        "author": None,
        "file": f"{week.isoformat()}.txt",
        "content_hash": digest_hash,
        "config_hash": digest_hash,
        "position": index,
        "retired": False,
        "created_at": now,
        "updated_at": now,
    }


@dataclass
class LoadedStore:
    """A filled store: where it is, its papers (``ids[i]`` is ``papers[i]``) and timings."""

    url: str
    papers: list[synth.SynthPaper]
    ids: list[int]
    digests: int
    seconds: float


def fill_store(
    engine: Engine,
    papers: Sequence[synth.SynthPaper],
    taxonomy: Taxonomy,
    per_digest: int = 20,
    batch: int = 2000,
    tag_abstracts: bool = False,
) -> list[int]:
    """Insert ``papers`` (``per_digest`` to a weekly digest) straight into a migrated store.

    Rows go in with explicit ids through Core ``insert()`` executemany; migration 0002's
    ``AFTER INSERT`` triggers (SQLite) / generated ``search_vector`` column (PostgreSQL)
    index them as ingestion's inserts would be. Topics are tagged from the titles only
    unless ``tag_abstracts`` (the full tagger costs ~0.6 ms a paper).
    """
    from bot.store.models import Digest, Paper, PaperTopic, Topic

    ids = list(range(1, len(papers) + 1))
    with engine.begin() as conn:
        conn.execute(
            insert(Topic),
            [
                {"id": t.id, "name_en": t.name_en, "name_zh": t.name_zh, "position": i}
                for i, t in enumerate(taxonomy.topics)
            ],
        )
        digest_count = math.ceil(len(papers) / per_digest)
        conn.execute(
            insert(Digest),
            [
                digest_row(i, min(per_digest, len(papers) - i * per_digest))
                for i in range(digest_count)
            ],
        )
        for start in range(0, len(papers), batch):
            rows = []
            links = []
            for offset, paper in enumerate(papers[start : start + batch]):
                index = start + offset
                row = paper_row(paper, f"w{index // per_digest:05d}", index % per_digest)
                row["id"] = ids[index]
                rows.append(row)
                topics = taxonomy.tag(
                    paper.title_en, paper.title_zh, None, paper.abstract if tag_abstracts else ""
                )
                links.extend(
                    {"paper_id": ids[index], "topic_id": tid, "rank": rank}
                    for rank, tid in enumerate(topics)
                )
            conn.execute(insert(Paper), rows)
            conn.execute(insert(PaperTopic), links)
        if engine.dialect.name == "postgresql":
            # explicit ids do not advance the sequence; later inserts must not collide
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('papers', 'id'), :n)"),
                {"n": len(papers)},
            )
    if engine.dialect.name == "postgresql":
        # autovacuum would analyze a bulk load within a minute; without statistics the
        # planner guesses and may scan instead of using the GIN indexes
        with engine.begin() as conn:
            conn.execute(text("ANALYZE papers"))
            conn.execute(text("ANALYZE paper_topics"))
            conn.execute(text("ANALYZE digests"))
            # the typo vocabulary a trigger filled (migration 0010): analysed while still
            # empty, the planner would scan its ~16k words instead of the trigram index
            if inspect(conn).has_table("title_words"):
                conn.execute(text("ANALYZE title_words"))
    return ids


def build_store(url: str, count: int, taxonomy: Taxonomy, seed: int = 11) -> LoadedStore:
    """Migrate a fresh database at ``url`` and fill it with ``count`` synthetic papers."""
    from bot.store.db import make_engine, migrate

    start = time.perf_counter()
    papers = synth.papers(count, seed)
    engine = make_engine(url)
    try:
        migrate(engine)
        ids = fill_store(engine, papers, taxonomy)
    finally:
        engine.dispose()
    return LoadedStore(url, papers, ids, math.ceil(count / 20), time.perf_counter() - start)
