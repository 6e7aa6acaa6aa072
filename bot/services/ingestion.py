"""Ingestion: digest files and config in, what changed in the store out.

The store takes plain loaded values (:func:`bot.store.content_repo.ingest`); reading the
files (:func:`bot.content.load_content`) happens here, the one place that joins the two.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.config import BotConfig
from bot.content import load_content
from bot.domain.clock import Clock, system_clock
from bot.store.content_repo import IngestReport, ingest, stored_hashes
from bot.store.db import make_engine, make_session_factory, migrate


def sync(
    factory: sessionmaker[Session], config: BotConfig, clock: Clock = system_clock
) -> IngestReport:
    """Load what changed in config and content (unchanged files are not parsed) and store it."""
    content = load_content(config, stored_hashes(factory))
    return ingest(factory, content, config.taxonomy, clock)


def sync_content(config: BotConfig) -> IngestReport:
    """Migrate the database, then ingest whatever changed in content (blocking)."""
    engine = make_engine(config.database_url)
    try:
        migrate(engine)
        return sync(make_session_factory(engine), config)
    finally:
        engine.dispose()
