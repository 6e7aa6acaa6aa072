"""Ingestion: digest files and config in, what changed in the store out.

The store takes plain loaded values (:func:`bot.store.content_repo.ingest`); reading the
files (:func:`bot.content.load_content`) happens here, the one place that joins the two.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.content import load_content
from bot.domain.clock import Clock, system_clock
from bot.store.config_files import content_folder
from bot.store.content_repo import (
    IngestReport,
    chat_added,
    forget_chat_added,
    ingest,
    stored_hashes,
)
from bot.store.db import make_engine, make_session_factory, migrate


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
    return report


def sync_content(config: BotConfig) -> IngestReport:
    """Migrate the database, then ingest whatever changed in content (blocking)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        return sync(make_session_factory(engine), config)
    finally:
        engine.dispose()
