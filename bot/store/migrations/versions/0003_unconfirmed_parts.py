"""Count the parts of a delivery skipped after a crash (sent or not, never resent).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``deliveries.parts_unconfirmed``."""
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("parts_unconfirmed", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop ``deliveries.parts_unconfirmed``."""
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("parts_unconfirmed")
