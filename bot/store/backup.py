"""Backup and restore of the whole store in an engine-neutral file (``python -m bot backup``,
``restore``, ``move-to``).

Table-driven: every table of :data:`bot.store.models.Base.metadata` is written unless it is
named in :data:`SKIPPED_TABLES` with the reason, so a table added later is backed up without
anyone remembering to. Rows that are only a cache (paging keys: result lists behind "Next ▶"
buttons, expired within a day) are left out by :data:`SKIPPED_ROWS`.

The format (JSON lines, UTF-8, one JSON value per line; version 1):

1. a header: ``{"format": "paper-digest-bot backup", "version": 1, "schema": REVISION}``,
   ``REVISION`` being the Alembic revision of the database written;
2. per table, in foreign-key order: ``{"table": NAME, "columns": [{"name": N, "kind": K},
   ...]}``, then one JSON array per row (values in the column order), rows ordered by
   primary key. ``K`` says how a value is written: ``int``, ``float``, ``bool``, ``text``,
   ``json`` (as the JSON value), ``date`` (``2024-02-26``), ``datetime`` (ISO 8601 in UTC,
   ``2024-02-26T01:00:00+00:00``), ``bytes`` (base64); ``null`` is a missing value;
3. any number of ``{"file": PATH, "text": TEXT}``: config and digest files, ``PATH``
   relative to the folder above the config folder (a restore is self-contained);
4. a trailer ``{"end": {"rows": {TABLE: COUNT, ...}, "files": COUNT}}``: a file without
   it was cut short and is refused.

The same database gives the same bytes (nothing in the file depends on when it was
written), so a restored store backs up to an identical file.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, Final

from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
    delete,
    func,
    literal,
    not_,
    select,
    text,
)

from bot.store.models import Base, KeyValue
from bot.store.shared_state import RESULTS_PREFIX

FORMAT: Final = "paper-digest-bot backup"
VERSION: Final = 1
BATCH: Final = 1000  # rows per INSERT on restore

# table → why it is not in a backup; a table added to the models and not named here is
# backed up (tests/test_backup.py fails for a table that is neither)
SKIPPED_TABLES: Final[dict[str, str]] = {}

# rows left out of a table that is backed up: caches, not state
SKIPPED_ROWS: Final[dict[str, ColumnElement[bool]]] = {
    KeyValue.__tablename__: KeyValue.key.startswith(RESULTS_PREFIX, autoescape=True),
}


class BackupError(Exception):
    """A backup file that cannot be restored, or a database that must not receive one."""


class NotEmpty(BackupError):
    """The target database holds rows already (``tables`` say where)."""

    def __init__(self, tables: list[str]) -> None:
        self.tables = tables
        super().__init__(f"the database is not empty ({', '.join(tables)} hold rows)")


@dataclass(frozen=True, slots=True)
class BackupFile:
    """A config or content file carried in a backup (``path`` relative to the project)."""

    path: str
    text: str


@dataclass
class Counts:
    """Rows per table and files, as written to or read from a backup."""

    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def total(self) -> int:
        """All rows together."""
        return sum(self.rows.values())


def backed_up_tables() -> list[Table]:
    """Every table a backup holds, parents before the tables that refer to them."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def column_kind(column: Column[Any]) -> str:
    """How ``column``'s values are written (see the module docstring)."""
    kind = column.type
    for sql_type, name in (
        (Boolean, "bool"),
        (DateTime, "datetime"),
        (Date, "date"),
        (LargeBinary, "bytes"),
        (JSON, "json"),
        (Integer, "int"),
        (Float, "float"),
        (Numeric, "float"),
        (String, "text"),
    ):
        if isinstance(kind, sql_type):
            return name
    raise BackupError(f"{column.table.name}.{column.name}: no backup kind for {kind!r}")


def _encode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        # SQLite hands back naive datetimes; every time the bot stores is UTC
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.isoformat()
    if kind == "date":
        return value.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    return value


def _decode(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "bytes":
        return base64.b64decode(value)
    return value


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def schema_revision(connection: Connection) -> str | None:
    """The Alembic revision of the database on ``connection``."""
    return MigrationContext.configure(connection).get_current_revision()


def _snapshot(connection: Connection) -> None:
    """Read every table from one moment, while the bot may be writing (PostgreSQL: the
    connection's isolation level, set by :func:`write_backup`)."""
    if connection.dialect.name == "sqlite":
        # the driver opens no transaction for reads: without BEGIN each SELECT sees its
        # own moment (in WAL mode a read transaction is a snapshot)
        connection.exec_driver_sql("BEGIN")


def table_rows(connection: Connection, table: Table) -> Iterator[list[Any]]:
    """``table``'s backed-up rows, encoded, in primary-key order."""
    kinds = [column_kind(c) for c in table.columns]
    query = select(*table.columns).order_by(*table.primary_key.columns)
    skipped = SKIPPED_ROWS.get(table.name)
    if skipped is not None:
        query = query.where(not_(skipped))
    for row in connection.execute(query):
        yield [_encode(kind, value) for kind, value in zip(kinds, row, strict=True)]


def write_backup(engine: Engine, out: IO[str], files: Iterable[BackupFile] = ()) -> Counts:
    """Write the whole store (and ``files``) to ``out``; what was written."""
    counts = Counts()
    with engine.connect() as plain:
        connection = plain
        if plain.dialect.name == "postgresql":
            connection = plain.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            _snapshot(connection)
            header = {"format": FORMAT, "version": VERSION, "schema": schema_revision(connection)}
            out.write(_line(header))
            for table in backed_up_tables():
                columns = [{"name": c.name, "kind": column_kind(c)} for c in table.columns]
                out.write(_line({"table": table.name, "columns": columns}))
                count = 0
                for row in table_rows(connection, table):
                    out.write(_line(row))
                    count += 1
                counts.rows[table.name] = count
    for item in sorted(files, key=lambda f: f.path):
        out.write(_line({"file": item.path, "text": item.text}))
        counts.files += 1
    out.write(_line({"end": {"rows": counts.rows, "files": counts.files}}))
    return counts


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per backed-up table now (skipped rows not counted), to check a copy."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in backed_up_tables():
            query = select(func.count()).select_from(table)
            skipped = SKIPPED_ROWS.get(table.name)
            if skipped is not None:
                query = query.where(not_(skipped))
            counts[table.name] = connection.execute(query).scalar_one()
    return counts


def non_empty_tables(connection: Connection) -> list[str]:
    """The backed-up tables that hold any row (a restore target must have none)."""
    return [
        table.name
        for table in backed_up_tables()
        if connection.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
    ]


@dataclass
class _Reader:
    """Parses a backup file line by line, with the line number for error messages."""

    source: IO[str]
    number: int = 0

    def next(self) -> Any:
        line = self.source.readline()
        self.number += 1
        if not line:
            raise BackupError("the file ends early (cut short?): no end line")
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            raise BackupError(f"line {self.number}: not JSON ({exc.msg})") from exc


def read_header(source: IO[str]) -> dict[str, Any]:
    """The header line of a backup file, checked."""
    reader = _Reader(source)
    try:
        header = reader.next()
    except BackupError:
        raise BackupError("not a backup of this bot (the first line is no backup header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError("not a backup of this bot (the first line is no backup header)")
    if header.get("version") != VERSION:
        raise BackupError(
            f"backup format version {header.get('version')!r}; this bot reads version {VERSION}"
        )
    return header


def restore_backup(
    engine: Engine, source: IO[str], *, replace: bool = False
) -> tuple[Counts, list[BackupFile]]:
    """Load a backup into ``engine``'s database (migrated already), in one transaction.

    The database must hold no row in any backed-up table, unless ``replace``: then its
    rows are deleted first. Returns what was loaded and the files the backup carries.
    """
    read_header(source)
    reader = _Reader(source, number=1)
    tables = {t.name: t for t in Base.metadata.tables.values()}
    counts = Counts()
    files: list[BackupFile] = []
    with engine.begin() as connection:
        full = non_empty_tables(connection)
        if full and not replace:
            raise NotEmpty(full)
        if full:
            for table in reversed(backed_up_tables()):
                connection.execute(delete(table))
        item = reader.next()
        while True:
            if isinstance(item, dict) and "table" in item:
                item = _restore_table(connection, reader, tables, item, counts)
            elif isinstance(item, dict) and "file" in item:
                files.append(BackupFile(str(item["file"]), str(item["text"])))
                item = reader.next()
            elif isinstance(item, dict) and "end" in item:
                _check_end(item["end"], counts, len(files))
                break
            else:
                raise BackupError(f"line {reader.number}: expected a table, a file or the end")
        counts.files = len(files)
        if connection.dialect.name == "postgresql":
            _fix_sequences(connection)
    return counts, files


def _restore_table(
    connection: Connection,
    reader: _Reader,
    tables: dict[str, Table],
    section: dict[str, Any],
    counts: Counts,
) -> Any:
    """Insert one table's rows; returns the first item after them."""
    name = str(section["table"])
    table = tables.get(name)
    if table is None:
        raise BackupError(f"line {reader.number}: table {name!r} does not exist in this bot")
    columns = [(str(c["name"]), str(c["kind"])) for c in section["columns"]]
    unknown = [c for c, _ in columns if c not in table.c]
    if unknown:
        raise BackupError(
            f"line {reader.number}: {name} has no column {', '.join(unknown)} in this bot "
            "(a backup of a newer version?)"
        )
    batch: list[dict[str, Any]] = []
    count = 0
    while isinstance(item := reader.next(), list):
        if len(item) != len(columns):
            raise BackupError(
                f"line {reader.number}: {len(item)} values, {name} has {len(columns)}"
            )
        batch.append({c: _decode(k, v) for (c, k), v in zip(columns, item, strict=True)})
        count += 1
        if len(batch) >= BATCH:
            connection.execute(table.insert(), batch)
            batch = []
    if batch:
        connection.execute(table.insert(), batch)
    counts.rows[name] = counts.rows.get(name, 0) + count
    return item


def _check_end(end: Any, counts: Counts, files: int) -> None:
    if not isinstance(end, dict) or end.get("rows") != counts.rows or end.get("files") != files:
        raise BackupError("the end line does not match the rows read (a damaged file?)")


def _fix_sequences(connection: Connection) -> None:
    """PostgreSQL: set each id sequence past the restored ids (rows were inserted with their
    ids, so the sequences never moved)."""
    for table in backed_up_tables():
        for column in table.primary_key.columns:
            if not (column.autoincrement is True and isinstance(column.type, Integer)):
                continue
            connection.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:table, :column), "
                    f'coalesce((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, false)'
                ),
                {"table": table.name, "column": column.name},
            )
