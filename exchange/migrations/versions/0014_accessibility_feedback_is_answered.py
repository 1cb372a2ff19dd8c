"""accessibility feedback is answered by an organizer

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 21:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accessibility_feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_accessibility_feedback_handled_by_id_users"),
            "users",
            ["handled_by_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("accessibility_feedback", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_accessibility_feedback_handled_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("handled_by_id")
