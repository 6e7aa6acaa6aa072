"""Store each publication's rendered post and count the parts resent after a crash.

A delivery resumed after a restart sends the render it started with, even if the digest
was edited meanwhile; ``parts_resent`` counts parts whose fate was unknown and went again.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``publication_posts`` and ``deliveries.parts_resent``."""
    op.create_table(
        "publication_posts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "publication_id", sa.BigInteger(), sa.ForeignKey("publications.id"), nullable=False
        ),
        sa.Column("post_key", sa.String(1100), nullable=False),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.UniqueConstraint("publication_id", "post_key", name="uq_publication_post"),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("parts_resent", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("parts_resent")
    op.drop_table("publication_posts")
