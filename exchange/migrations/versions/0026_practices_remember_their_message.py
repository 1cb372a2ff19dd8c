"""practices remember the message they were developed from

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 01:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A table of its own: rebuilding practices on SQLite would drop its full-text triggers.
    op.create_table(
        "practice_sources",
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_practice_sources_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_sources_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("practice_id", name=op.f("pk_practice_sources")),
    )
    with op.batch_alter_table("practice_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_practice_sources_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("practice_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_sources_message_id"))
    op.drop_table("practice_sources")
