"""people directory

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 00:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        # Nobody is listed until they say so.
        batch_op.add_column(
            sa.Column("listed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("topics", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("bio", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE users SET languages = '[]', topics = '[]'")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("languages", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("topics", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("bio")
        batch_op.drop_column("topics")
        batch_op.drop_column("languages")
        batch_op.drop_column("listed")
