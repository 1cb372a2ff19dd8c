"""questions and their votes

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "rooms",
        sa.Column("questions_moderated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("approved_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("pinned_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("hidden_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("hidden_by_author", sa.Boolean(), nullable=False),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_questions_author_id_users"),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"], ["users.id"], name="fk_questions_hidden_by_id_users"
        ),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_questions_room_id_rooms"),
        sa.ForeignKeyConstraint(
            ["session_id"], ["agenda_sessions.id"], name="fk_questions_session_id_agenda_sessions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
        sa.UniqueConstraint("author_id", "client_id", name="uq_questions_author_id_client_id"),
    )
    op.create_index("ix_questions_author_id", "questions", ["author_id"])
    op.create_index("ix_questions_hidden_at", "questions", ["hidden_at"])
    op.create_index("ix_questions_room_id", "questions", ["room_id"])
    op.create_index("ix_questions_session_id", "questions", ["session_id"])
    op.create_table(
        "question_votes",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name="fk_question_votes_question_id_questions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_question_votes_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("question_id", "user_id", name="pk_question_votes"),
    )
    op.create_index("ix_question_votes_user_id", "question_votes", ["user_id"])


def downgrade() -> None:
    op.drop_table("question_votes")
    op.drop_table("questions")
    op.drop_column("rooms", "questions_moderated")
