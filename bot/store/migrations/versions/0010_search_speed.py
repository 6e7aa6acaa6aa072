"""search speed: a stored title tsvector, a trigram index of distinct title words (PostgreSQL)

PostgreSQL only (SQLite's FTS5 tables of 0002/0004 already store what its search reads):

* ``papers.title_vector``: the title tokens' tsvector as a stored generated column with a
  GIN index (``ix_papers_title_vec``), replacing 0002's expression index. With the
  expression index every row a plan filtered or ranked recomputed ``to_tsvector`` (a
  common title word took ~450 ms at 100k papers); a stored column is read, and ANALYZE
  keeps element statistics for it, so the planner knows a common word from a rare one.
* ``title_words``: every distinct Latin word of the titles, with a ``pg_trgm`` GIN index
  (``ix_title_words_trgm``), kept by a trigger on ``papers``. Typo search looks the
  misspelt word up among ~20k short words (``%`` operator, index-backed) and then finds the
  titles by exact words through ``title_vector``, instead of running ``word_similarity``
  over 100k whole titles. Words of deleted papers stay (a stale word only finds nothing).

Revision ID: 0010_search_speed
Revises: 0008_reading_polls (written against 0006; relinked to main's last migration)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_search_speed"
down_revision = "0008_reading_polls"
branch_labels = None
depends_on = None

# the Latin words of a title's tokens (CJK bigrams and digits are no typo material)
_WORDS_OF = (
    "SELECT DISTINCT w FROM {source} regexp_split_to_table({tokens}, ' ') AS w "
    "WHERE length(w) >= 3 AND w ~ '^[a-z][a-z0-9]*$'"
)

_PG_UP = [
    "DROP INDEX IF EXISTS ix_papers_title_vector",
    """ALTER TABLE papers ADD COLUMN title_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, coalesce(title_tokens, ''))
    ) STORED""",
    # fastupdate off: new entries go straight into the index instead of a pending list
    # that every search scans linearly and that makes the planner shun the index until a
    # vacuum (a freshly ingested vocabulary was scanned row by row: 24 ms a word, not 1 ms)
    "CREATE INDEX ix_papers_title_vec ON papers USING gin (title_vector) WITH (fastupdate = off)",
    "CREATE TABLE title_words (word text PRIMARY KEY)",
    f"""CREATE FUNCTION papers_title_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO title_words (word) {_WORDS_OF.format(source="", tokens="NEW.title_tokens")}
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER papers_title_words_ai AFTER INSERT OR UPDATE OF title_tokens ON papers
        FOR EACH ROW EXECUTE FUNCTION papers_title_words()""",
    "INSERT INTO title_words (word) "
    + _WORDS_OF.format(source="papers,", tokens="papers.title_tokens")
    + " ON CONFLICT DO NOTHING",
]

_PG_DOWN = [
    "DROP TRIGGER IF EXISTS papers_title_words_ai ON papers",
    "DROP FUNCTION IF EXISTS papers_title_words()",
    "DROP TABLE IF EXISTS title_words",
    "DROP INDEX IF EXISTS ix_papers_title_vec",
    "ALTER TABLE papers DROP COLUMN IF EXISTS title_vector",
    """CREATE INDEX ix_papers_title_vector ON papers
        USING gin (to_tsvector('simple'::regconfig, title_tokens))""",
]


def _trgm_schema(bind: sa.engine.Connection) -> str | None:
    """Where 0002 installed pg_trgm (None: not installed, no typo index)."""
    found = bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()
    return str(found) if found else None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in _PG_UP:
        op.execute(statement)
    schema = _trgm_schema(bind)
    if schema:
        quoted = bind.dialect.identifier_preparer.quote_identifier(schema)
        op.execute(
            "CREATE INDEX ix_title_words_trgm ON title_words "
            f"USING gin (word {quoted}.gin_trgm_ops) WITH (fastupdate = off)"
        )
    op.execute("ANALYZE title_words")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _PG_DOWN:
        op.execute(statement)
