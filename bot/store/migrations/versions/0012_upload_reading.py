"""pending uploads remember the reading the admin picked in the preview

``pending_uploads.format``: the layout an admin chose with a 📖 button under an upload's
preview (None: the parser chooses). ✅ writes it as ``format:`` in the digests.yaml entry.

Revision ID: 0012_upload_reading
Revises: 0011_watches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_upload_reading"
down_revision = "0011_watches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pending_uploads") as batch:
        batch.add_column(sa.Column("format", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pending_uploads") as batch:
        batch.drop_column("format")
