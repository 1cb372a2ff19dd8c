"""invitations by email

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 01:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("administration_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["administration_id"],
            ["administrations.id"],
            name=op.f("fk_email_invitations_administration_id_administrations"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_email_invitations_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_invitations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_invitations")),
        sa.UniqueConstraint(
            "email", "administration_id", name=op.f("uq_email_invitations_email_administration_id")
        ),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_invitations_token_hash")),
    )
    with op.batch_alter_table("email_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_invitations_email"), ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_invitations_email"))
    op.drop_table("email_invitations")
