"""Watches (saved queries per chat), watches-only subscriptions, personalised posts.

``watches`` holds each chat's saved queries (``/watch``); ``subscriptions.watches_only``
marks a chat that gets only the papers its watches match (``/subscribe watches``);
``deliveries.post_tag`` names the chat's own rendering of a post (its watches and what
it saves put first), stored like the others in ``publication_posts``.

Revision ID: 0011_watches
Revises: 0010_search_speed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_watches"
down_revision = "0010_search_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``watches``, ``subscriptions.watches_only`` and ``deliveries.post_tag``."""
    op.create_table(
        "watches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("query", sa.String(300), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("chat_id", "query", name="uq_watch_chat_query"),
    )
    # plain ADD COLUMNs (see 0009): a batch copy would rebuild tables others refer to
    op.add_column(
        "subscriptions",
        sa.Column("watches_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "deliveries",
        sa.Column("post_tag", sa.String(40), nullable=False, server_default=""),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_column("deliveries", "post_tag")
    op.drop_column("subscriptions", "watches_only")
    op.drop_table("watches")
