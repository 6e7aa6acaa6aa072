"""Engine creation and schema migration (Alembic, applied automatically on start)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (commands) run while the broadcast writes; busy_timeout makes two
    # processes on one file wait for each other instead of failing with "database is locked"
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class DatabaseUnavailable(Exception):
    """The database cannot be opened for a reason outside SQLAlchemy (e.g. its folder)."""


def normalise_database_url(url: str) -> str:
    """``postgres://`` (Heroku-style) and ``postgresql://`` → ``postgresql+psycopg://``.

    psycopg 3 is the driver we ship; SQLAlchemy would look for psycopg2 under
    ``postgresql://`` and knows no dialect called ``postgres`` at all.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; a SQLite file's folder is created on first run."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    f"cannot create the folder {folder}: {exc.strerror}"
                ) from exc
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine) -> AlembicConfig:
    """Alembic config pointing at our migrations folder, independent of the cwd."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    return cfg


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when anything was applied."""
    cfg = alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return False
        cfg.attributes["connection"] = connection
        log.info("migrating database schema from %s to %s", current or "empty", head)
        command.upgrade(cfg, "head")
    return True


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """The session factory the store's functions use; objects stay usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
