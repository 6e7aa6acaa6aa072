"""Authors and venue of papers on SQLite and PostgreSQL: stored, exported, re-ingested
without changes, shown by the library, searchable by name and venue, and migrated."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.content import LoadResult, load_content
from bot.store.content_repo import export_store, ingest
from bot.store.db import alembic_config, make_engine, migrate
from bot.store.library import Library
from bot.store.models import Paper
from bot.store.search import make_search
from tests.authored import (
    BYLINE_DIGEST_ID,
    HINTON_AUTHORS,
    HINTON_TITLE,
    HINTON_VENUE,
    LI_AUTHORS,
    LI_TITLE,
    LI_VENUE,
    MENTION_TITLE,
    byline_digest,
    byline_papers,
)


def ingest_with_seeds(config: BotConfig, factory: sessionmaker[Session], digest):
    """The seed digests from the config plus ``digest``, as one ingestion."""
    seeds = load_content(config)
    content = LoadResult((*seeds.digests, digest), seeds.problems)
    return ingest(factory, content, config.taxonomy)


def exported_byline(factory: sessionmaker[Session]) -> dict[str, dict]:
    [digest] = [d for d in export_store(factory)["digests"] if d["id"] == BYLINE_DIGEST_ID]
    return {p["title_en"]: p for p in digest["papers"]}


def titles(engine: Engine, query: str) -> list[str]:
    with Session(engine) as session:
        hits = make_search(engine).search(session, query)
        names = dict(session.execute(select(Paper.id, Paper.title_en)).all())
    return [names[hit.paper_id] for hit in hits]


def test_authors_and_venue_are_stored_and_exported(config: BotConfig, factory, tmp_path: Path):
    report = ingest_with_seeds(config, factory, byline_digest(tmp_path))
    assert BYLINE_DIGEST_ID in report.added
    papers = exported_byline(factory)
    assert (papers[HINTON_TITLE]["authors"], papers[HINTON_TITLE]["venue"]) == (
        HINTON_AUTHORS,
        HINTON_VENUE,
    )
    assert papers[LI_TITLE]["authors"] == LI_AUTHORS  # Chinese and brackets kept as written
    assert (papers[MENTION_TITLE]["authors"], papers[MENTION_TITLE]["venue"]) == (None, None)
    seed_paper = export_store(factory)["digests"][0]["papers"][0]
    assert "authors" in seed_paper and seed_paper["authors"] is None


def test_reingest_is_idempotent_and_an_edit_updates_in_place(
    config: BotConfig, engine: Engine, factory, tmp_path: Path
):
    ingest_with_seeds(config, factory, byline_digest(tmp_path))
    before = export_store(factory)
    again = ingest_with_seeds(config, factory, byline_digest(tmp_path))
    assert not again.changed and BYLINE_DIGEST_ID in again.unchanged
    assert export_store(factory) == before

    edited = tuple(
        dataclasses.replace(p, authors="Yoshua Bengio", venue=None) if p.title_en == LI_TITLE else p
        for p in byline_papers()
    )
    report = ingest_with_seeds(config, factory, byline_digest(tmp_path, edited))
    assert report.updated == [BYLINE_DIGEST_ID]
    after = exported_byline(factory)
    old = {p["title_en"]: p for d in before["digests"] for p in d["papers"]}
    assert after[LI_TITLE]["id"] == old[LI_TITLE]["id"]
    assert (after[LI_TITLE]["authors"], after[LI_TITLE]["venue"]) == ("Yoshua Bengio", None)
    # the index follows the edit: the old author and venue no longer find the paper
    assert titles(engine, "bengio") == [LI_TITLE]
    assert LI_TITLE not in titles(engine, "socher")
    assert LI_TITLE not in titles(engine, "cvpr")


def test_search_finds_papers_by_author_and_venue(
    config: BotConfig, engine: Engine, factory, tmp_path
):
    ingest_with_seeds(config, factory, byline_digest(tmp_path))
    assert titles(engine, "hinton")[:2] == [HINTON_TITLE, MENTION_TITLE]  # author before mention
    assert titles(engine, "Geoffrey Hinton")[0] == HINTON_TITLE
    assert titles(engine, "rumelhart williams") == [HINTON_TITLE]
    assert titles(engine, "李飞飞")[0] == LI_TITLE
    assert titles(engine, "fei-fei li")[0] == LI_TITLE
    assert titles(engine, "cvpr")[0] == LI_TITLE
    assert titles(engine, "nature 323") == [HINTON_TITLE]


def test_a_title_match_ranks_above_an_author_match(
    config: BotConfig, engine: Engine, factory, tmp_path
):
    titled = dataclasses.replace(
        byline_papers()[2], title_en="Hinton Diagrams for Weight Matrices", position=3
    )
    ingest_with_seeds(config, factory, byline_digest(tmp_path, (*byline_papers(), titled)))
    assert titles(engine, "hinton")[:3] == [titled.title_en, HINTON_TITLE, MENTION_TITLE]


def test_library_views_carry_authors_and_venue(
    config: BotConfig, engine: Engine, factory, tmp_path
):
    ingest_with_seeds(config, factory, byline_digest(tmp_path))
    library = Library(factory, make_search(engine))
    [hit] = library.search("rumelhart williams", 5)
    view = library.paper(hit.paper_id)
    assert view is not None and (view.authors, view.venue) == (HINTON_AUTHORS, HINTON_VENUE)
    listed = {p.title_en: p for p in library.digest_papers(BYLINE_DIGEST_ID)}
    assert listed[MENTION_TITLE].authors is None and listed[LI_TITLE].venue == LI_VENUE


def _alembic(engine: Engine, action: str, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, action)(cfg, revision)


def test_migration_adds_the_columns_and_downgrades(db_url: str, config: BotConfig, tmp_path):
    engine = make_engine(db_url)
    try:
        migrate(engine)
        factory = sessionmaker(engine, expire_on_commit=False)
        ingest_with_seeds(config, factory, byline_digest(tmp_path))
        _alembic(engine, "downgrade", "0004")
        columns = {c["name"] for c in inspect(engine).get_columns("papers")}
        assert not {"authors", "venue", "byline_tokens"} & columns
        with engine.begin() as conn:  # the 0004 schema still takes writes (triggers intact)
            conn.execute(text("UPDATE papers SET title_tokens = title_tokens || ' x'"))
            conn.execute(text("DELETE FROM papers WHERE title_en = :t"), {"t": MENTION_TITLE})
        assert titles(engine, "genie")  # the word index still answers
        assert migrate(engine) is True
        assert titles(engine, "hinton") == []  # authors come back with the next ingestion
        digest = byline_digest(tmp_path)
        ingest_with_seeds(config, factory, dataclasses.replace(digest, content_hash="edited"))
        assert titles(engine, "hinton")[0] == HINTON_TITLE
    finally:
        engine.dispose()
