"""accessibility feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 01:12:16.960207
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accessibility_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("page", sa.String(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("handled_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accessibility_feedback")),
    )


def downgrade() -> None:
    op.drop_table("accessibility_feedback")
