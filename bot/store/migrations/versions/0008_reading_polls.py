"""The weekly reading poll: the per-chat opt-in, the polls sent and the votes they got.

* ``subscriptions.poll`` — the chat asked for a poll after each weekly post
  (``/subscribe poll``); off for every existing chat.
* ``reading_polls`` — one poll per chat (and forum topic) per publication; the unique key
  is what makes a resumed or resent delivery never send a second poll. It keeps the paper
  behind each option, when the poll closes (so a restart reschedules the close) and the
  winner once it has closed.
* ``reading_poll_votes`` — each voter's current choice (a retracted vote is deleted), from
  ``poll_answer`` updates.

Revision ID: 0008_reading_polls
Revises: 0009_pending_uploads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_reading_polls"
down_revision = "0009_pending_uploads"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Add ``subscriptions.poll``, ``reading_polls`` and ``reading_poll_votes``."""
    with op.batch_alter_table("subscriptions") as batch:
        batch.add_column(sa.Column("poll", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "reading_polls",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("publication_id", sa.BigInteger(), sa.ForeignKey("publications.id")),
        sa.Column("digest_id", sa.String(40), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("language", sa.String(10), nullable=False, server_default="en"),
        sa.Column("message_id", sa.BigInteger()),
        sa.Column("poll_id", sa.String(100), unique=True),
        sa.Column("paper_ids", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON()),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("winner_paper_id", sa.BigInteger()),
        sa.Column("error", sa.String(500)),
        sa.UniqueConstraint("publication_id", "chat_id", "thread_id", name="uq_reading_poll_once"),
    )
    op.create_index("ix_reading_polls_chat", "reading_polls", ["chat_id", "thread_id"])
    op.create_table(
        "reading_poll_votes",
        sa.Column(
            "poll_row_id",
            sa.BigInteger(),
            sa.ForeignKey("reading_polls.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.BigInteger(), primary_key=True),
        sa.Column("option_ids", sa.JSON(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("reading_poll_votes")
    op.drop_index("ix_reading_polls_chat", table_name="reading_polls")
    op.drop_table("reading_polls")
    with op.batch_alter_table("subscriptions") as batch:
        batch.drop_column("poll")
