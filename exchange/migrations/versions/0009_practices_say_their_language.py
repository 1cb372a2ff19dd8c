"""practices say their language

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: The list in one language, newest first, and the probe for which languages are used.
LANGUAGE_INDEX = ["language", "status", "published_at", "id", "hidden_at"]
#: Searches check thousands of practices by id against the filters: the language filter
#: must be answered from this index too, or each of them would read its row.
ID_FILTERS = [
    "id",
    "status",
    "published_at",
    "theme_id",
    "administration_id",
    "year_from",
    "year_to",
]


def upgrade() -> None:
    # Plain ALTERs, never a batch: rebuilding practices on SQLite would drop the
    # triggers that keep its full-text index current (see practices/models.py).
    op.add_column("practices", sa.Column("language", sa.String(length=8), nullable=True))
    op.create_index("ix_practices_language_status", "practices", LANGUAGE_INDEX)
    op.drop_index("ix_practices_id_filters", table_name="practices")
    op.create_index("ix_practices_id_filters", "practices", [*ID_FILTERS, "language", "hidden_at"])


def downgrade() -> None:
    op.drop_index("ix_practices_id_filters", table_name="practices")
    op.create_index("ix_practices_id_filters", "practices", [*ID_FILTERS, "hidden_at"])
    op.drop_index("ix_practices_language_status", table_name="practices")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), again without a rebuild.
    op.drop_column("practices", "language")
