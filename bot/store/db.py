"""Engine creation and schema migration (Alembic, applied automatically on start).

Several instances (and ``ingest`` runs) may start at the same moment on one database:
:func:`exclusive` serialises the writers that must not interleave (migrating, ingesting)
with a PostgreSQL advisory lock, or on SQLite by taking the write lock up front.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# advisory lock keys (any 64-bit numbers, the same in every instance)
MIGRATE_LOCK: Final = 0x5061_7065_7201
INGEST_LOCK: Final = 0x5061_7065_7202
# how long a writer waits for another instance's migration or ingest on SQLite (ms)
SQLITE_LOCK_WAIT_MS: Final = 120_000


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


def exclusive(connection: Connection, key: int) -> None:
    """Hold the database's lock ``key`` until ``connection``'s transaction ends.

    PostgreSQL: a transaction-level advisory lock, so a second instance waits here instead
    of failing on a half-created table. SQLite has one write lock per file: take it now
    (``BEGIN IMMEDIATE``) rather than on the first write, where a reader that wants to
    write gets "database is locked" at once whatever the busy timeout.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(key)))
    elif connection.dialect.name == "sqlite":
        # the driver opens transactions lazily: nothing is open yet, so BEGIN is ours
        connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_MS}")
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def migrate(engine: Engine) -> bool:
    """Bring the schema to the newest revision; returns True when anything was applied.

    Safe to call from several processes at once: one migrates, the others wait for it and
    then find the schema up to date.
    """
    cfg = alembic_config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.begin() as connection:
        exclusive(connection, MIGRATE_LOCK)
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


def engine_of(factory: sessionmaker[Session]) -> Engine:
    """The engine ``factory`` opens its sessions on.

    The reads and writes a person's reply waits on (cards, subscription, reading-list
    marks, paging keys) use a plain connection of it: a Session's set-up and tear-down cost
    more than those statements themselves.
    """
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("the session factory is not bound to an engine")
    return bind
