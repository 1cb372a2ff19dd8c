"""announcements from the web

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("rooms", sa.JSON(), nullable=False),
        sa.Column("banner_until", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_announcements_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_author_id"), ["author_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_announcements_banner_until"), ["banner_until"], unique=False
        )

    op.create_table(
        "announcement_dismissals",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_dismissals_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_announcement_dismissals_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "announcement_id", "user_id", name=op.f("pk_announcement_dismissals")
        ),
    )
    with op.batch_alter_table("announcement_dismissals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_announcement_dismissals_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement_dismissals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_dismissals_user_id"))
    op.drop_table("announcement_dismissals")
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcements_banner_until"))
        batch_op.drop_index(batch_op.f("ix_announcements_author_id"))
    op.drop_table("announcements")
