"""messages answer messages

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 00:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite rebuilds the table to add the foreign key: keep its AUTOINCREMENT.
    with op.batch_alter_table(
        "messages", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("reply_to_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_reply_to_id"), ["reply_to_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_reply_to_id_messages"), "messages", ["reply_to_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "messages", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_reply_to_id_messages"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_messages_reply_to_id"))
        batch_op.drop_column("reply_to_id")
