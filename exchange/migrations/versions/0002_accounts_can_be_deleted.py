"""accounts can be deleted

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:23:40.519093
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deleted_at", exchange.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
