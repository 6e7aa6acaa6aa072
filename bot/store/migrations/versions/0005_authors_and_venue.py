"""Authors and venue of a paper, stored and searchable.

Adds ``papers.authors`` and ``papers.venue`` (as the digest writes them) and
``papers.byline_tokens``, their search tokens (``bot.domain.search_tokens.byline_tokens``),
and puts the byline into the word index between title and abstract in weight:

* SQLite: ``papers_fts`` gets a third column, so the table and the triggers that feed it
  are recreated (FTS5 tables cannot gain columns) and rebuilt from ``papers``.
* PostgreSQL: the generated ``search_vector`` is recreated with the byline at weight C
  (title A, abstract D); a generated column's expression cannot be altered in place.

Existing papers have no authors yet (ingestion fills them when their digest is re-read),
so there is nothing to backfill.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS papers_search_au_tokens",
    "DROP TRIGGER IF EXISTS papers_search_ad",
    "DROP TRIGGER IF EXISTS papers_search_ai",
    "DROP TABLE IF EXISTS papers_fts",
]


def _sqlite_create(columns: list[str]) -> list[str]:
    """``papers_fts`` over ``columns`` and the triggers of 0002 keeping it (and the title
    and trigram tables) in sync with ``papers``."""
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    watched = ", ".join(["id", *columns])
    return [
        f"""CREATE VIRTUAL TABLE papers_fts USING fts5(
            {names},
            content='papers', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
        )""",
        f"""CREATE TRIGGER papers_search_ai AFTER INSERT ON papers BEGIN
            INSERT INTO papers_fts(rowid, {names}) VALUES (new.id, {new});
            INSERT INTO papers_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
            INSERT INTO papers_trgm(rowid, title_en, title_zh)
                VALUES (new.id, new.title_en, new.title_zh);
        END""",
        f"""CREATE TRIGGER papers_search_ad AFTER DELETE ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO papers_title_fts(papers_title_fts, rowid, title_tokens)
                VALUES ('delete', old.id, old.title_tokens);
            INSERT INTO papers_trgm(papers_trgm, rowid, title_en, title_zh)
                VALUES ('delete', old.id, old.title_en, old.title_zh);
        END""",
        f"""CREATE TRIGGER papers_search_au_tokens AFTER UPDATE OF {watched} ON papers BEGIN
            INSERT INTO papers_fts(papers_fts, rowid, {names}) VALUES ('delete', old.id, {old});
            INSERT INTO papers_fts(rowid, {names}) VALUES (new.id, {new});
            INSERT INTO papers_title_fts(papers_title_fts, rowid, title_tokens)
                VALUES ('delete', old.id, old.title_tokens);
            INSERT INTO papers_title_fts(rowid, title_tokens) VALUES (new.id, new.title_tokens);
        END""",
        "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
    ]


_WITH_BYLINE = ["title_tokens", "abstract_tokens", "byline_tokens"]
_WITHOUT_BYLINE = ["title_tokens", "abstract_tokens"]


def _pg_search_vector(with_byline: bool) -> list[str]:
    byline = (
        "|| setweight(to_tsvector('simple'::regconfig, coalesce(byline_tokens, '')), 'C')"
        if with_byline
        else ""
    )
    return [
        "ALTER TABLE papers DROP COLUMN IF EXISTS search_vector",  # drops its index too
        f"""ALTER TABLE papers ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, coalesce(title_tokens, '')), 'A')
            || setweight(to_tsvector('simple'::regconfig, coalesce(abstract_tokens, '')), 'D')
            {byline}
        ) STORED""",
        "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    ]


def upgrade() -> None:
    """Add the columns and index the byline."""
    op.add_column("papers", sa.Column("authors", sa.Text(), nullable=True))
    op.add_column("papers", sa.Column("venue", sa.Text(), nullable=True))
    op.add_column(
        "papers", sa.Column("byline_tokens", sa.Text(), nullable=False, server_default="")
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in [*_SQLITE_DROP, *_sqlite_create(_WITH_BYLINE)]:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_search_vector(with_byline=True):
            op.execute(statement)


def downgrade() -> None:
    """Index title and abstract only again, then drop the columns."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in [*_SQLITE_DROP, *_sqlite_create(_WITHOUT_BYLINE)]:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _pg_search_vector(with_byline=False):
            op.execute(statement)
    op.drop_column("papers", "byline_tokens")
    op.drop_column("papers", "venue")
    op.drop_column("papers", "authors")
