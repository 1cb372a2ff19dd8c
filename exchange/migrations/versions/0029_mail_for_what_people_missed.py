"""mail for what people missed

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 01:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_choices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "missed",
            sa.Enum("off", "batched", "digest", name="missedmail", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("checked_until", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_mail_choices_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_mail_choices"),
    )


def downgrade() -> None:
    op.drop_table("mail_choices")
