"""practices carry a licence

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 21:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER, never a batch: rebuilding practices on SQLite would drop the
    # triggers that keep its full-text index current (see practices/models.py).
    # Practices stored before are published under the default licence.
    op.add_column(
        "practices",
        sa.Column("licence", sa.String(length=20), server_default="CC-BY-4.0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("practices", "licence")
