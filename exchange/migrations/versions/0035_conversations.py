"""conversations: rooms of kind direct and their members

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rooms",
        sa.Column(
            "kind",
            sa.Enum("public", "direct", name="roomkind", native_enum=False, length=16),
            nullable=False,
            server_default="public",
        ),
    )
    op.create_table(
        "room_members",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name="fk_room_members_room_id_rooms", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_room_members_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("room_id", "user_id", name="pk_room_members"),
    )
    op.create_index("ix_room_members_user_id", "room_members", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_room_members_user_id", table_name="room_members")
    op.drop_table("room_members")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("kind")
