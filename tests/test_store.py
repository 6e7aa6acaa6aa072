"""Ingestion into the store, on SQLite and PostgreSQL: idempotent, incremental, never losing
data; and the admin CLI (check, ingest, export)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import content
from bot.config import BotConfig, Environment, load_config
from bot.content import MAX_DIGEST_FILE_BYTES, load_content
from bot.domain.parsing import parse_digest
from bot.store.content_repo import export_store, ingest
from bot.store.library import Library
from bot.store.search import make_search
from tests.conftest import ROOT
from tests.seed_papers import SEED_PAPERS

COUNTS = {"2024-w09": 15, "2024-w16": 9, "2024-w21": 17}


def run_ingest(config: BotConfig, factory: sessionmaker[Session]):
    return ingest(factory, load_content(config), config.taxonomy)


def papers_by_title(factory: sessionmaker[Session]) -> dict[str, dict]:
    return {p["title_en"]: p for d in export_store(factory)["digests"] for p in d["papers"]}


def reload(config: BotConfig) -> BotConfig:
    return load_config(config.path, Environment(database_url=config.database_url))


def unlist(config: BotConfig, digest_id: str) -> str:
    """Take ``digest_id``'s entry out of digests.yaml; returns the listing as it was."""
    listing = config.digests_path.read_text(encoding="utf-8")
    start = listing.index(f"- id: {digest_id}")
    end = listing.index("- id:", start + 1)
    config.digests_path.write_text(listing[:start] + listing[end:], encoding="utf-8")
    return listing


def test_ingest_stores_every_seed_paper_with_topics(config: BotConfig, factory):
    report = run_ingest(config, factory)
    assert sorted(report.added) == sorted(COUNTS) and report.problems == []
    exported = export_store(factory)
    assert {d["id"]: len(d["papers"]) for d in exported["digests"]} == COUNTS
    stored = papers_by_title(factory)
    for _week, title_en, title_zh, arxiv_id, section, _abstract in SEED_PAPERS:
        paper = stored[title_en]
        assert (paper["title_zh"], paper["arxiv_id"], paper["section"]) == (
            title_zh,
            arxiv_id,
            section,
        )
        assert paper["topics"], f"{title_en} has no topic"
        assert paper["abstract"]
    w09 = next(d for d in exported["digests"] if d["id"] == "2024-w09")
    assert (w09["week_start"], w09["week_end"]) == ("2024-02-26", "2024-03-01")


def test_reingest_unchanged_changes_nothing(config: BotConfig, factory):
    run_ingest(config, factory)
    before = export_store(factory)
    report = run_ingest(config, factory)
    assert not report.changed and sorted(report.unchanged) == sorted(COUNTS)
    assert report.lines() == ["nothing changed (3 digests up to date)"]
    assert export_store(factory) == before


def test_edited_file_updates_in_place_and_keeps_paper_ids(config: BotConfig, factory):
    run_ingest(config, factory)
    ids = {t: p["id"] for t, p in papers_by_title(factory).items()}
    path = next(e.file for e in config.digests if e.id == "2024-w16")
    text = path.read_text(encoding="utf-8")
    first_title = next(p[1] for p in SEED_PAPERS if p[0] == "2024-04-15")
    # fix a typo in the first paper's summary and drop the last paper
    last_title = [p[1] for p in SEED_PAPERS if p[0] == "2024-04-15"][-1]
    edited = text[: text.index(last_title)].rstrip() + "\n"
    path.write_text(edited.replace("。", "。 ", 1), encoding="utf-8")
    report = run_ingest(reload(config), factory)
    assert report.updated == ["2024-w16"] and report.added == []
    after = papers_by_title(factory)
    assert last_title not in after
    assert after[first_title]["id"] == ids[first_title]
    kept = [t for t in ids if t in after]
    assert all(after[t]["id"] == ids[t] for t in kept)
    assert len(after) == len(ids) - 1


def test_digest_removed_from_config_is_retired_not_deleted(config: BotConfig, factory):
    run_ingest(config, factory)
    listing = unlist(config, "2024-w16")
    report = run_ingest(reload(config), factory)
    assert report.retired == ["2024-w16"]
    exported = {d["id"]: d for d in export_store(factory)["digests"]}
    assert exported["2024-w16"]["retired"] is True and len(exported["2024-w16"]["papers"]) == 9
    config.digests_path.write_text(listing, encoding="utf-8")
    assert run_ingest(reload(config), factory).restored == ["2024-w16"]


def test_broken_file_is_refused_with_file_and_line_and_old_version_kept(config: BotConfig, factory):
    run_ingest(config, factory)
    path = next(e.file for e in config.digests if e.id == "2024-w21")
    path.write_bytes(b"\xff\xfe garbage \x00\x01")
    report = run_ingest(reload(config), factory)
    [problem] = report.problems
    assert problem.startswith(f"{path}:1: ") and "2024-w21" in problem
    exported = {d["id"]: d for d in export_store(factory)["digests"]}
    assert len(exported["2024-w21"]["papers"]) == 17 and not exported["2024-w21"]["retired"]
    assert len(exported["2024-w09"]["papers"]) == 15


def test_missing_file_is_refused_alone(config: BotConfig, factory):
    path = next(e.file for e in config.digests if e.id == "2024-w16")
    path.unlink()
    report = run_ingest(config, factory)
    assert report.problems == [f"{path}:1: file not found (digest 2024-w16 refused)"]
    assert sorted(report.added) == ["2024-w09", "2024-w21"]


def test_oversized_file_is_refused_before_parsing(config: BotConfig, factory, monkeypatch):
    path = next(e.file for e in config.digests if e.id == "2024-w16")
    path.write_bytes(b"x" * (MAX_DIGEST_FILE_BYTES + 1))
    parsed: list[str] = []

    def spy(text: str, source: str, **options: object):
        parsed.append(source)
        return parse_digest(text, source, **options)

    monkeypatch.setattr(content, "parse_digest", spy)
    report = run_ingest(config, factory)
    assert str(path) not in parsed and len(parsed) == 2
    assert report.problems == [
        f"{path}:1: file is 2.0 MB, over the 2 MB limit (digest 2024-w16 refused)"
    ]
    assert sorted(report.added) == ["2024-w09", "2024-w21"]


def test_new_digest_is_added_incrementally(config: BotConfig, factory):
    run_ingest(config, factory)
    content = config.path.parent.parent / "content"
    (content / "2024-06-03_extra.md").write_text(
        "## Week of June 3\n\n"
        "1. **Tiny Recursive Models for Sudoku**\n极小递归模型\n\n用很小的网络解数独。\n\n"
        "2. **A Second Paper on Agents**\n\nAgents that plan.\n",
        encoding="utf-8",
    )
    with config.digests_path.open("a", encoding="utf-8") as fh:
        fh.write("- id: 2024-w23\n  file: ../content/2024-06-03_extra.md\n  week: 2024-06-03\n")
    report = run_ingest(reload(config), factory)
    assert report.added == ["2024-w23"] and sorted(report.unchanged) == sorted(COUNTS)
    stored = papers_by_title(factory)
    assert stored["Tiny Recursive Models for Sudoku"]["title_zh"] == "极小递归模型"


# ------------------------------------------------------------------ CLI


def cli(*args: str, config_dir: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args, "--config", str(config_dir / "bot.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def test_cli_check_ingest_export(config_dir: Path, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    checked = cli("check", config_dir=config_dir, database_url=url)
    assert checked.returncode == 0, checked.stderr
    assert "3 digests, 41 papers, 0 problems" in checked.stdout
    assert "2024-w09: 15 papers" in checked.stdout
    ingested = cli("ingest", config_dir=config_dir, database_url=url)
    assert ingested.returncode == 0 and "added: 2024-w21 (17 papers)" in ingested.stdout
    again = cli("ingest", config_dir=config_dir, database_url=url)
    assert again.stdout.strip() == "nothing changed (3 digests up to date)"
    exported = json.loads(cli("export", config_dir=config_dir, database_url=url).stdout)
    paper = exported["digests"][0]["papers"][0]
    assert set(paper) >= {"id", "title_en", "title_zh", "abstract", "arxiv_id", "url", "section"}
    assert sum(len(d["papers"]) for d in exported["digests"]) == 41


def test_cli_check_reports_a_broken_file_and_exits_non_zero(config_dir: Path, tmp_path: Path):
    (config_dir.parent / "content" / "2024-04-15_ai-papers.txt").write_text(
        "Share this:\n\nSubscribe\n", encoding="utf-8"
    )
    result = cli("check", config_dir=config_dir, database_url=f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 1
    assert "2024-04-15_ai-papers.txt:" in result.stdout and "2024-w16 refused" in result.stdout
    assert "2 digests, 32 papers, 1 problem" in result.stdout


def test_cli_run_without_token_is_one_line_and_exit_2(config_dir: Path, tmp_path: Path):
    result = cli("run", config_dir=config_dir, database_url=f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "TELEGRAM_BOT_TOKEN" in result.stderr


def test_sync_parses_only_what_changed(config: BotConfig, factory):
    from bot.services.ingestion import sync
    from bot.store.content_repo import stored_hashes

    first = sync(factory, config)
    assert sorted(first.added) == sorted(COUNTS)
    again = load_content(config, stored_hashes(factory))
    assert again.digests == () and again.unchanged_ids == frozenset(COUNTS)
    path = next(e.file for e in config.digests if e.id == "2024-w09")
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    edited = load_content(reload(config), stored_hashes(factory))
    assert [d.entry.id for d in edited.digests] == ["2024-w09"]
    report = sync(factory, reload(config))
    assert report.updated == ["2024-w09"] and sorted(report.unchanged) == ["2024-w16", "2024-w21"]
    assert sync(factory, reload(config)).lines() == ["nothing changed (3 digests up to date)"]


def test_a_cards_digest_size_is_remembered_until_the_library_forgets(
    config: BotConfig, engine: Engine, factory: sessionmaker[Session]
):
    # cards show their digest's paper count; the library keeps the counts with the cards
    # (content, changed only by an ingest) and forgets both when told (reload, ingest)
    run_ingest(config, factory)
    library = Library(factory, make_search(engine))
    first_title = next(p[1] for p in SEED_PAPERS if p[0] == "2024-04-15")
    last_title = [p[1] for p in SEED_PAPERS if p[0] == "2024-04-15"][-1]
    ids = {t: p["id"] for t, p in papers_by_title(factory).items()}
    [card, _] = library.papers([ids[first_title], ids[last_title]])
    assert card.digest.id == "2024-w16" and card.digest.paper_count == 9
    path = next(e.file for e in config.digests if e.id == "2024-w16")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(last_title)].rstrip() + "\n", encoding="utf-8")
    run_ingest(reload(config), factory)
    library.invalidate()
    [card] = library.papers([ids[first_title]])
    assert card.digest.paper_count == 8
    assert library.digest("2024-w16") == card.digest  # the same count as the digest's own


def test_cards_are_the_stored_papers_with_topics_best_first_and_no_retired_ones(
    config: BotConfig, engine: Engine, factory: sessionmaker[Session]
):
    run_ingest(config, factory)
    library = Library(factory, make_search(engine))
    stored = {d["id"]: d for d in export_store(factory)["digests"]}["2024-w16"]["papers"]
    cards = library.digest_papers("2024-w16")
    fields = ("id", "title_en", "title_zh", "abstract", "arxiv_id", "url", "authors", "venue")
    assert [{f: getattr(c, f) for f in fields} for c in cards] == [
        {f: p[f] for f in fields} for p in stored
    ]
    assert [[t.id for t in c.topics] for c in cards] == [p["topics"] for p in stored]
    assert {c.digest.paper_count for c in cards} == {9}
    assert library.papers([p["id"] for p in reversed(stored)]) == list(reversed(cards))
    unlist(config, "2024-w16")
    run_ingest(reload(config), factory)
    library.invalidate()
    assert library.paper(stored[0]["id"]) is None and library.papers([stored[1]["id"]]) == []


def test_topic_counts_are_remembered_until_the_library_forgets(
    config: BotConfig, engine: Engine, factory: sessionmaker[Session]
):
    # /topic and /topics show per-topic counts; counting reads every topic link, so the
    # library keeps them with the cards and forgets them on reload or ingest
    run_ingest(config, factory)
    library = Library(factory, make_search(engine))
    before = {topic.id: topic.paper_count for topic in library.topics()}
    retired = {d["id"]: d for d in export_store(factory)["digests"]}["2024-w16"]["papers"]
    unlist(config, "2024-w16")
    run_ingest(reload(config), factory)
    assert {topic.id: topic.paper_count for topic in library.topics()} == before
    library.invalidate()
    after = {topic.id: topic.paper_count for topic in library.topics()}
    gone = [topic for paper in retired for topic in paper["topics"]]
    assert after == {tid: n - gone.count(tid) for tid, n in before.items()}
