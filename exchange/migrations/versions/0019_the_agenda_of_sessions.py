"""the agenda of sessions

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agenda_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("starts_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("speakers", sa.JSON(), nullable=False),
        sa.Column("practice_refs", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_agenda_sessions_event_id_events"
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_agenda_sessions_room_id_rooms"),
        sa.PrimaryKeyConstraint("id", name="pk_agenda_sessions"),
        sa.UniqueConstraint("slug", name="uq_agenda_sessions_slug"),
    )
    op.create_index("ix_agenda_sessions_room_id", "agenda_sessions", ["room_id"])
    op.create_index("ix_agenda_sessions_starts_at", "agenda_sessions", ["starts_at"])


def downgrade() -> None:
    op.drop_index("ix_agenda_sessions_starts_at", table_name="agenda_sessions")
    op.drop_index("ix_agenda_sessions_room_id", table_name="agenda_sessions")
    op.drop_table("agenda_sessions")
