"""SQLite: an ``fts5vocab`` view of the title trigram index, so typo search can learn how
common each trigram is with one look-up instead of a count query per trigram.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``papers_trgm_vocab`` (SQLite only; PostgreSQL uses pg_trgm)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE papers_trgm_vocab USING fts5vocab(papers_trgm, row)")


def downgrade() -> None:
    """Drop ``papers_trgm_vocab``."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS papers_trgm_vocab")
