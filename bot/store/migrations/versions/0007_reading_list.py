"""The chats' reading lists: ``reading_entries``, one row per (chat, saved paper).

Revision ID: 0007_reading_list
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_reading_list"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``reading_entries``."""
    op.create_table(
        "reading_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "paper_id",
            sa.BigInteger(),
            sa.ForeignKey("papers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("saved_by", sa.BigInteger(), nullable=True),
        sa.Column("saved_by_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("chat_id", "paper_id", name="uq_reading_chat_paper"),
    )
    op.create_index("ix_reading_chat_saved", "reading_entries", ["chat_id", "saved_at"])
    op.create_index("ix_reading_entries_paper_id", "reading_entries", ["paper_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_reading_entries_paper_id", table_name="reading_entries")
    op.drop_index("ix_reading_chat_saved", table_name="reading_entries")
    op.drop_table("reading_entries")
