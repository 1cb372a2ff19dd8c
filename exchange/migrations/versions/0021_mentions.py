"""mentions

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column("mentions_room", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("by_name", sa.Boolean(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_mentions_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_mentions_room_id_rooms"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_mentions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
        sa.UniqueConstraint("message_id", "user_id", name="uq_mentions_message_id_user_id"),
    )
    op.create_index(
        "ix_mentions_user_id_room_id_message_id",
        "mentions",
        ["user_id", "room_id", "message_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_user_id_room_id_message_id", table_name="mentions")
    op.drop_table("mentions")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("mentions_room")
