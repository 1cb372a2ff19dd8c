"""messages keep their earlier words

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("edited_at", exchange.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "message_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("written_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name="fk_message_revisions_message_id_messages",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_message_revisions"),
    )
    op.create_index(
        "ix_message_revisions_message_id", "message_revisions", ["message_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_message_revisions_message_id", table_name="message_revisions")
    op.drop_table("message_revisions")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("edited_at")
