"""practice autosaves

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 01:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "practice_autosaves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("saved_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_autosaves_practice_id_practices"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_practice_autosaves_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_autosaves")),
    )
    with op.batch_alter_table("practice_autosaves", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_autosaves_practice_id"), ["practice_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_practice_autosaves_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("practice_autosaves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_autosaves_user_id"))
        batch_op.drop_index(batch_op.f("ix_practice_autosaves_practice_id"))
    op.drop_table("practice_autosaves")
