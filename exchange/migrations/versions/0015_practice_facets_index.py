"""an index for counting the library's filter choices

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 22:00:00.000000
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: Grouped by theme, administration and language, with the years the filter tests.
FACETS = [
    "status",
    "theme_id",
    "administration_id",
    "language",
    "year_from",
    "year_to",
    "hidden_at",
]


def upgrade() -> None:
    # A plain CREATE INDEX, never a batch: rebuilding practices on SQLite would drop
    # the triggers that keep its full-text index current (see practices/models.py).
    op.create_index("ix_practices_facets", "practices", FACETS)


def downgrade() -> None:
    op.drop_index("ix_practices_facets", table_name="practices")
