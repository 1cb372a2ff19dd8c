"""room notification choices

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "room_notification_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum("all", "mentions", "nothing", name="roomlevel", native_enum=False, length=20),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name="fk_room_notification_choices_room_id_rooms"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_room_notification_choices_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "room_id", name="pk_room_notification_choices"),
    )


def downgrade() -> None:
    op.drop_table("room_notification_choices")
