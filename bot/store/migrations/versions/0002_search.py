"""paper search index

Adds the precomputed search token columns of ``papers`` (``bot.domain.search_tokens``),
backfills them for existing rows, and builds the engine's full-text machinery:

* SQLite: FTS5 external-content tables ``papers_fts`` (title + abstract tokens),
  ``papers_title_fts`` (title tokens only, so title look-ups do not wade through abstract
  postings) and ``papers_trgm`` (raw titles, trigram tokenizer, for typos), kept in sync
  by triggers on ``papers``.
* PostgreSQL: a generated ``search_vector`` tsvector (title weight A, abstract D) with a
  GIN index, a GIN index on the title tokens' tsvector, C-collation indexes for title
  prefix ranges, and ``pg_trgm`` with a trigram GIN index on ``title_en`` (skipped with a
  warning when the extension cannot be created; search then has no typo tolerance).

Note: a later migration that rebuilds ``papers`` on SQLite (batch "move and copy") drops
its triggers; it must recreate them (see ``_SQLITE_UP``) and rebuild the FTS tables.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from bot.domain.search_tokens import search_columns

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

_BATCH = 500

_SQLITE_UP = [
    """CREATE VIRTUAL TABLE papers_fts USING fts5(
        title_tokens, abstract_tokens,
        content='papers', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE VIRTUAL TABLE papers_title_fts USING fts5(
        title_tokens, content='papers', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
    )""",
    """CREATE VIRTUAL TABLE papers_trgm USING fts5(
        title_en, title_zh, content='papers', content_rowid='id', tokenize='trigram'
    )""",
    """CREATE TRIGGER papers_search_ai AFTER INSERT ON papers BEGIN
        INSERT INTO papers_fts(rowid, title_tokens, abstract_tokens)
            VALUES (new.id, new.title_tokens, new.abstract_tokens);
        INSERT INTO papers_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
        INSERT INTO papers_trgm(rowid, title_en, title_zh)
            VALUES (new.id, new.title_en, new.title_zh);
    END""",
    """CREATE TRIGGER papers_search_ad AFTER DELETE ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title_tokens, abstract_tokens)
            VALUES ('delete', old.id, old.title_tokens, old.abstract_tokens);
        INSERT INTO papers_title_fts(papers_title_fts, rowid, title_tokens)
            VALUES ('delete', old.id, old.title_tokens);
        INSERT INTO papers_trgm(papers_trgm, rowid, title_en, title_zh)
            VALUES ('delete', old.id, old.title_en, old.title_zh);
    END""",
    """CREATE TRIGGER papers_search_au_tokens
    AFTER UPDATE OF id, title_tokens, abstract_tokens ON papers BEGIN
        INSERT INTO papers_fts(papers_fts, rowid, title_tokens, abstract_tokens)
            VALUES ('delete', old.id, old.title_tokens, old.abstract_tokens);
        INSERT INTO papers_fts(rowid, title_tokens, abstract_tokens)
            VALUES (new.id, new.title_tokens, new.abstract_tokens);
        INSERT INTO papers_title_fts(papers_title_fts, rowid, title_tokens)
            VALUES ('delete', old.id, old.title_tokens);
        INSERT INTO papers_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
    END""",
    """CREATE TRIGGER papers_search_au_titles AFTER UPDATE OF id, title_en, title_zh ON papers
    BEGIN
        INSERT INTO papers_trgm(papers_trgm, rowid, title_en, title_zh)
            VALUES ('delete', old.id, old.title_en, old.title_zh);
        INSERT INTO papers_trgm(rowid, title_en, title_zh)
            VALUES (new.id, new.title_en, new.title_zh);
    END""",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
    "INSERT INTO papers_title_fts(papers_title_fts) VALUES ('rebuild')",
    "INSERT INTO papers_trgm(papers_trgm) VALUES ('rebuild')",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS papers_search_au_titles",
    "DROP TRIGGER IF EXISTS papers_search_au_tokens",
    "DROP TRIGGER IF EXISTS papers_search_ad",
    "DROP TRIGGER IF EXISTS papers_search_ai",
    "DROP TABLE IF EXISTS papers_trgm",
    "DROP TABLE IF EXISTS papers_title_fts",
    "DROP TABLE IF EXISTS papers_fts",
]

_PG_UP = [
    """ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, coalesce(title_tokens, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig, coalesce(abstract_tokens, '')), 'D')
    ) STORED""",
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    """CREATE INDEX ix_papers_title_vector ON papers
        USING gin (to_tsvector('simple'::regconfig, title_tokens))""",
    'CREATE INDEX ix_papers_title_compact_c ON papers (title_compact COLLATE "C")',
    'CREATE INDEX ix_papers_title_zh_compact_c ON papers (title_zh_compact COLLATE "C")',
]

_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_papers_title_trgm",
    "DROP INDEX IF EXISTS ix_papers_title_zh_compact_c",
    "DROP INDEX IF EXISTS ix_papers_title_compact_c",
    "DROP INDEX IF EXISTS ix_papers_title_vector",
    "DROP INDEX IF EXISTS ix_papers_search_vector",
    "ALTER TABLE papers DROP COLUMN IF EXISTS search_vector",
]


def _backfill(bind: sa.engine.Connection) -> None:
    """Compute the token columns of existing papers with the same pure tokeniser."""
    rows = bind.execute(sa.text("SELECT id, title_en, title_zh, abstract FROM papers")).all()
    update = sa.text(
        "UPDATE papers SET title_tokens = :tt, abstract_tokens = :at, title_zh_compact = :zc "
        "WHERE id = :id"
    )
    for start in range(0, len(rows), _BATCH):
        params = []
        for paper_id, title_en, title_zh, abstract in rows[start : start + _BATCH]:
            derived = search_columns(title_en or "", title_zh, abstract or "")
            params.append(
                {
                    "id": paper_id,
                    "tt": derived.title_tokens,
                    "at": derived.abstract_tokens,
                    "zc": derived.title_zh_compact,
                }
            )
        bind.execute(update, params)


def _pg_trgm_schema(bind: sa.engine.Connection) -> str | None:
    """The schema of pg_trgm, creating the extension (in ``public`` if it exists) if needed.

    The extension is database-wide, so it goes to ``public`` rather than to whatever
    schema happens to be first on the search path (a schema that may be dropped later).
    """
    find = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    schema = bind.execute(find).scalar()
    if schema:
        return str(schema)
    has_public = bind.execute(
        sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")
    ).scalar()
    target = ' WITH SCHEMA "public"' if has_public else ""
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{target}"))
        savepoint.commit()
    except sa.exc.DBAPIError as exc:  # no privilege, not installed, or a concurrent create
        savepoint.rollback()
        log.warning("pg_trgm unavailable, search will not tolerate typos: %s", exc.orig)
    found = bind.execute(find).scalar()
    return str(found) if found else None


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("papers", sa.Column("title_tokens", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "papers", sa.Column("abstract_tokens", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "papers",
        sa.Column("title_zh_compact", sa.String(length=1000), nullable=False, server_default=""),
    )
    op.create_index("ix_papers_title_zh_compact", "papers", ["title_zh_compact"], unique=False)
    _backfill(bind)
    if bind.dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        for statement in _PG_UP:
            op.execute(statement)
        schema = _pg_trgm_schema(bind)
        if schema:
            quoted = bind.dialect.identifier_preparer.quote_identifier(schema)
            op.execute(
                f"CREATE INDEX ix_papers_title_trgm ON papers "
                f"USING gin (title_en {quoted}.gin_trgm_ops)"
            )


def downgrade() -> None:
    # pg_trgm is left installed: other objects of the database may use it
    bind = op.get_bind()
    statements = {"sqlite": _SQLITE_DOWN, "postgresql": _PG_DOWN}.get(bind.dialect.name, [])
    for statement in statements:
        op.execute(statement)
    op.drop_index("ix_papers_title_zh_compact", table_name="papers")
    op.drop_column("papers", "title_zh_compact")
    op.drop_column("papers", "abstract_tokens")
    op.drop_column("papers", "title_tokens")
