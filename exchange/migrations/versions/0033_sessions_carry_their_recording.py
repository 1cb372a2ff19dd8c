"""sessions carry their recording

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 01:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "agenda_sessions",
        sa.Column("recording_url", sa.String(length=500), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_column("agenda_sessions", "recording_url")
