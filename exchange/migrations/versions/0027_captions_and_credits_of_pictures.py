"""captions and credits of pictures

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 01:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("caption", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("credit", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("credit")
        batch_op.drop_column("caption")
