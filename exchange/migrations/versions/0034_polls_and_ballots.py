"""polls, their options, ballots and the choices of ballots that are not anonymous

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ballot_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_polls_author_id_users"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_polls_room_id_rooms"),
        sa.PrimaryKeyConstraint("id", name="pk_polls"),
        sa.UniqueConstraint("author_id", "client_id", name="uq_polls_author_id_client_id"),
    )
    op.create_index("ix_polls_author_id", "polls", ["author_id"])
    op.create_index("ix_polls_closed_at", "polls", ["closed_at"])
    op.create_index("ix_polls_room_id", "polls", ["room_id"])
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name="fk_poll_options_poll_id_polls", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_poll_options"),
        sa.UniqueConstraint("poll_id", "position", name="uq_poll_options_poll_id_position"),
    )
    op.create_table(
        "poll_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name="fk_poll_ballots_poll_id_polls", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_poll_ballots_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_poll_ballots"),
        sa.UniqueConstraint("poll_id", "user_id", name="uq_poll_ballots_poll_id_user_id"),
    )
    op.create_index("ix_poll_ballots_user_id", "poll_ballots", ["user_id"])
    op.create_table(
        "poll_choices",
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["poll_ballots.id"],
            name="fk_poll_choices_ballot_id_poll_ballots",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["poll_options.id"],
            name="fk_poll_choices_option_id_poll_options",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ballot_id", "option_id", name="pk_poll_choices"),
    )
    op.create_index("ix_poll_choices_option_id", "poll_choices", ["option_id"])


def downgrade() -> None:
    op.drop_table("poll_choices")
    op.drop_table("poll_ballots")
    op.drop_table("poll_options")
    op.drop_table("polls")
