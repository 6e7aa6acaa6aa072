"""Digests sent in the chat wait in ``pending_uploads``; ``digests.skipped`` for ``skip:``.

A preview's buttons (✅ Add, 🗓 Week, 🆔 Id, ❌ Discard) act on a row here, so a restart or
another instance can finish an upload. ``skipped`` mirrors ``skip: true`` in digests.yaml:
the publisher passes such a digest over.

Revision ID: 0009_pending_uploads
Revises: 0007_reading_list
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_pending_uploads"
down_revision = "0007_reading_list"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``pending_uploads`` and ``digests.skipped``."""
    op.create_table(
        "pending_uploads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("suffix", sa.String(8), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("digest_id", sa.String(40), nullable=False),
        sa.Column("week", sa.Date(), nullable=True),
        sa.Column("awaiting", sa.String(8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pending_uploads_admin_id", "pending_uploads", ["admin_id"])
    # a plain ADD/DROP COLUMN (SQLite has both since 3.35): a batch "move and copy" would
    # rebuild ``digests``, which the papers' foreign keys and the search triggers refer to
    op.add_column(
        "digests", sa.Column("skipped", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_column("digests", "skipped")
    op.drop_index("ix_pending_uploads_admin_id", "pending_uploads")
    op.drop_table("pending_uploads")
