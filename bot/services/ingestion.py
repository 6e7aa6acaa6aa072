"""Ingestion: digest files and config in, what changed in the store out.

The store takes plain loaded values (:func:`bot.store.content_repo.ingest`); reading the
files (:func:`bot.content.load_content`) happens here, the one place that joins the two.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.content import load_content
from bot.domain.clock import Clock, system_clock
from bot.services.relevance import Relevance
from bot.store.config_files import content_folder
from bot.store.content_repo import (
    IngestReport,
    chat_added,
    forget_chat_added,
    ingest,
    stored_hashes,
)
from bot.store.db import engine_of, make_engine, make_session_factory, migrate
from bot.store.library import Library
from bot.store.search import make_search
from bot.store.watches import WatchStore


def sync(
    factory: sessionmaker[Session], config: BotConfig, clock: Clock = system_clock
) -> IngestReport:
    """Load what changed in config and content (unchanged files are not parsed) and store it.

    A digest added from the chat on another instance (with its own config/ and content/)
    is in the database but not in this instance's files: it is kept, and the report says
    so. One whose file is here but whose entry is gone was removed by an admin: retired.
    """
    content = load_content(config, stored_hashes(factory))
    listed = {entry.id for entry in config.digests}
    folder = content_folder(config)
    added = {i: name for i, name in chat_added(factory).items() if i not in listed}
    removed_here = {i for i, name in added.items() if (folder / name).exists()}
    keep = frozenset(set(added) - removed_here)
    report = ingest(factory, content, config.taxonomy, clock, keep=keep)
    forget_chat_added(factory, removed_here)
    new = [*report.added, *report.updated]
    if new:
        report.watch_reach = watch_reach(factory, config, new)
    return report


def watch_reach(
    factory: sessionmaker[Session], config: BotConfig, digest_ids: list[str]
) -> dict[str, int]:
    """Per digest, how many chats' watches its papers match (the admin's answer says so)."""
    library = Library(factory, make_search(engine_of(factory)))
    relevance = Relevance(factory, WatchStore(factory), lambda: config.taxonomy)
    return {d: relevance.watch_reach(library.digest_papers(d)) for d in digest_ids}


def sync_content(config: BotConfig) -> IngestReport:
    """Migrate the database, then ingest whatever changed in content (blocking)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        return sync(make_session_factory(engine), config)
    finally:
        engine.dispose()
