"""the event's location in every language

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 22:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "events",
        sa.Column("locations", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    # What was loaded before said its location in English only.
    op.execute(
        "UPDATE events SET locations = "
        + (
            "json_object('en', location)"
            if op.get_bind().dialect.name == "sqlite"
            else "json_build_object('en', location)"
        )
        + " WHERE location <> ''"
    )


def downgrade() -> None:
    op.drop_column("events", "locations")
