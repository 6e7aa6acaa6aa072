"""Ingestion: papers per second parsed and stored, cold and incremental.

A synthetic archive of ``ctx.ingest_digests`` weekly digest files (20 papers each, written
by ``synth.write_archive`` next to copies of the repo's ``bot.yaml``/``topics.yaml``) goes
through the real path: ``load_config`` → ``load_content`` (parse + tag) → ``ingest``.

* parse: ``load_content`` alone (papers/s); also checks every digest parsed into the
  expected papers, titles and arXiv ids;
* cold: ``ingest`` into a fresh migrated store, and parse + ingest together;
* incremental: one more digest appended to ``digests.yaml``; a full sync as start-up and
  /reload do it (``load_config``, then ``load_content`` with the stored hashes — every file
  is read and hashed, only the new one parsed — then ``ingest``), and ``ingest`` alone.

Baseline: plain Core ``executemany`` inserts of the same digest, paper and topic rows
(precomputed, search columns included, FTS triggers firing) into a fresh store — the
floor for writing these rows through SQLAlchemy. Ratio = ingest rate ÷ executemany rate.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks import synth
from benchmarks.common import BenchResult, config_dir, paper_row, pg_schema, sqlite_url
from bot.config import Environment, load_config

INCREMENTAL_TARGET_S = 1.0


def _check_parse(load_result: Any, weeks: list[list[synth.SynthPaper]]) -> dict[str, Any]:
    """How faithfully the parser read the synthetic archive."""
    digests = load_result.digests
    wrong_count = [
        d.entry.id for d, w in zip(digests, weeks, strict=False) if len(d.papers) != len(w)
    ]
    title_mismatch = 0
    arxiv_missing = 0
    zh_mismatch = 0
    for digest, week in zip(digests, weeks, strict=False):
        for got, want in zip(digest.papers, week, strict=False):
            title_mismatch += got.title_en != want.title_en
            zh_mismatch += (got.title_zh or "") != want.title_zh
            arxiv_missing += got.arxiv_id != want.arxiv_id
    return {
        "digests_loaded": len(digests),
        "digests_expected": len(weeks),
        "problems": list(load_result.problems[:5]),
        "digests_with_wrong_paper_count": wrong_count[:10],
        "title_mismatches": title_mismatch,
        "title_zh_mismatches": zh_mismatch,
        "arxiv_id_mismatches": arxiv_missing,
        "ok": not load_result.problems
        and not wrong_count
        and len(digests) == len(weeks)
        and not (title_mismatch or zh_mismatch or arxiv_missing),
    }


def _plain_rows(
    load_result: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The digest, paper and paper-topic rows ingestion writes, for the executemany baseline."""
    now = datetime.now(UTC)
    digests, papers, links = [], [], []
    next_id = 1
    for loaded in load_result.digests:
        digests.append(
            {
                "id": loaded.entry.id,
                "title": loaded.title,
                "week_start": loaded.week_start,
                "week_end": loaded.week_end,
                "source_url": loaded.source_url,
                "author": loaded.author,
                "file": loaded.entry.file.name,
                "content_hash": loaded.content_hash,
                "config_hash": loaded.config_hash,
                "position": loaded.entry.position,
                "retired": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        for paper in loaded.papers:
            synthetic = synth.SynthPaper(
                paper.title_en, paper.title_zh or "", paper.abstract, paper.arxiv_id
            )
            row = paper_row(synthetic, loaded.entry.id, paper.position)
            row["id"] = next_id
            papers.append(row)
            links.extend(
                {"paper_id": next_id, "topic_id": tid, "rank": rank}
                for rank, tid in enumerate(paper.topics)
            )
            next_id += 1
    return digests, papers, links


def _executemany(url: str, load_result: Any, taxonomy: Any) -> float:
    """Seconds to insert the same rows with plain Core executemany (fresh store)."""
    from bot.store.content_repo import sync_topics
    from bot.store.db import make_engine, make_session_factory, migrate
    from bot.store.models import Digest, Paper, PaperTopic

    engine = make_engine(url)
    try:
        migrate(engine)
        with make_session_factory(engine).begin() as session:
            sync_topics(session, taxonomy)
        digests, papers, links = _plain_rows(load_result)
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Digest), digests)
            for i in range(0, len(papers), 2000):
                conn.execute(insert(Paper), papers[i : i + 2000])
            for i in range(0, len(links), 5000):
                conn.execute(insert(PaperTopic), links[i : i + 5000])
        return time.perf_counter() - start
    finally:
        engine.dispose()


def _ingest_run(url: str, config_path: Path, folder: Path, digests: int) -> dict[str, Any]:
    """Cold ingest, then one more digest incrementally; timings in seconds."""
    from bot.content import load_content
    from bot.services.ingestion import sync
    from bot.store.content_repo import ingest, stored_hashes
    from bot.store.db import make_engine, make_session_factory, migrate

    config = load_config(config_path, Environment(database_url=url))
    engine = make_engine(url)
    try:
        migrate(engine)
        factory = make_session_factory(engine)
        start = time.perf_counter()
        loaded = load_content(config)
        parse_s = time.perf_counter() - start
        start = time.perf_counter()
        cold_report = ingest(factory, loaded, config.taxonomy)
        cold_s = time.perf_counter() - start
        papers = sum(len(d.papers) for d in loaded.digests)

        # one new week: a new file and one more line in digests.yaml
        new_week = synth.archive_weeks(digests + 1, 20, seed=7)[-1]
        path = folder / f"{synth.week_of(digests).isoformat()}.txt"
        path.write_text(synth.digest_text(synth.week_of(digests), new_week), encoding="utf-8")
        listing = folder / "digests.yaml"
        listing.write_text(
            listing.read_text(encoding="utf-8") + synth.listing_entry(digests, path.name),
            encoding="utf-8",
        )
        # what `python -m bot ingest` and /reload do: load config, hash every file, parse
        # and store only what changed (bot.services.ingestion.sync)
        start = time.perf_counter()
        config2 = load_config(config_path, Environment(database_url=url))
        loaded2 = load_content(config2, stored_hashes(factory))
        parse2_s = time.perf_counter() - start
        start = time.perf_counter()
        report = ingest(factory, loaded2, config2.taxonomy)
        incr_s = time.perf_counter() - start
        # and a no-op sync (nothing changed), the common case at every start-up
        start = time.perf_counter()
        noop = sync(factory, load_config(config_path, Environment(database_url=url)))
        noop_s = time.perf_counter() - start
        # restore the listing for the next backend
        listing.write_text(
            listing.read_text(encoding="utf-8").replace(
                synth.listing_entry(digests, path.name), ""
            ),
            encoding="utf-8",
        )
        path.unlink()
    finally:
        engine.dispose()
    return {
        "papers": papers,
        "loaded": loaded,
        "parse_s": parse_s,
        "cold_ingest_s": cold_s,
        "cold_added": len(cold_report.added),
        "incremental_parse_s": parse2_s,
        "incremental_ingest_s": incr_s,
        "incremental_added": report.added,
        "incremental_unchanged": len(report.unchanged),
        "noop_sync_s": noop_s,
        "noop_changed": noop.changed,
    }


def run(ctx: Any) -> BenchResult:
    """Ingestion on SQLite (and PostgreSQL unless disabled)."""
    result = BenchResult("ingest")
    digests = ctx.ingest_digests
    folder = ctx.folder / "archive"
    config_path = config_dir(folder)
    start = time.perf_counter()
    synth.write_archive(folder, digests)
    result.details["archive_write_s"] = round(time.perf_counter() - start, 2)
    weeks = synth.archive_weeks(digests, 20, seed=7)

    backends = ["sqlite"] + ([] if ctx.no_postgres or ctx.pg_problem else ["postgresql"])
    for backend in backends:
        if backend == "sqlite":
            url = sqlite_url(ctx.folder / "ingest.sqlite3")
            base_url = sqlite_url(ctx.folder / "ingest-baseline.sqlite3")
            stats = _ingest_run(url, config_path, folder, digests)
            plain_s = _executemany(base_url, stats["loaded"], ctx.taxonomy)
        else:
            with pg_schema() as url:
                stats = _ingest_run(url, config_path, folder, digests)
            with pg_schema() as base_url:
                plain_s = _executemany(base_url, stats["loaded"], ctx.taxonomy)
        loaded = stats.pop("loaded")
        if backend == "sqlite":
            result.details["parse_check"] = _check_parse(loaded, weeks)
        papers = stats["papers"]
        stats["executemany_s"] = plain_s
        result.details[backend] = stats
        if backend == "sqlite":
            check = result.details["parse_check"]
            result.add(
                f"parse {digests} digests",
                papers / stats["parse_s"],
                "papers/s",
                target="all papers parsed",
                ok=check["ok"],
                notes=f"{papers:,} papers in {stats['parse_s']:.1f}s "
                "(load_content: read, parse, tag)",
            )
        plain_rate = papers / plain_s
        result.add(
            f"{backend} cold ingest (store only)",
            papers / stats["cold_ingest_s"],
            "papers/s",
            baseline="Core executemany, same rows",
            baseline_value=plain_rate,
            ratio=(papers / stats["cold_ingest_s"]) / plain_rate,
            notes=f"{stats['cold_ingest_s']:.1f}s vs {plain_s:.1f}s",
        )
        sync_cold = stats["parse_s"] + stats["cold_ingest_s"]
        result.add(
            f"{backend} cold parse + ingest",
            papers / sync_cold,
            "papers/s",
            baseline="Core executemany, same rows",
            baseline_value=plain_rate,
            ratio=(papers / sync_cold) / plain_rate,
            notes=f"{sync_cold:.1f}s for {digests} digests",
        )
        sync_incr = stats["incremental_parse_s"] + stats["incremental_ingest_s"]
        result.add(
            f"{backend} +1 digest: full sync",
            sync_incr,
            "s",
            baseline="cold parse + ingest",
            baseline_value=sync_cold,
            ratio=sync_cold / sync_incr,
            target=f"< {INCREMENTAL_TARGET_S:g} s",
            ok=sync_incr < INCREMENTAL_TARGET_S
            and stats["incremental_added"] == [f"w{digests:05d}"],
            notes=f"load_content {stats['incremental_parse_s']:.2f}s + ingest "
            f"{stats['incremental_ingest_s']:.2f}s into {digests} digests",
        )
        result.add(
            f"{backend} +1 digest: ingest only",
            stats["incremental_ingest_s"],
            "s",
            baseline="cold ingest",
            baseline_value=stats["cold_ingest_s"],
            ratio=stats["cold_ingest_s"] / stats["incremental_ingest_s"],
            target=f"< {INCREMENTAL_TARGET_S:g} s",
            ok=stats["incremental_ingest_s"] < INCREMENTAL_TARGET_S,
            notes=f"no-op sync {stats['noop_sync_s']:.2f}s",
        )
    return result
