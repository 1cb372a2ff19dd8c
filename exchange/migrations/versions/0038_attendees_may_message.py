"""users.attendees_may_message: whether attendees may start a conversation with a person

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 08:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column(
                "attendees_may_message", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("attendees_may_message")
