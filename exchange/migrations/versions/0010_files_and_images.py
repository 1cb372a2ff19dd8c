"""files and images

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:45:24.993997
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uploader_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("thumbnail_size", sa.BigInteger(), nullable=True),
        sa.Column("alt_text", sa.String(length=500), nullable=True),
        sa.Column("storage", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner_type", sa.String(length=20), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("attached_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hidden_reason", sa.String(length=500), nullable=True),
        sa.Column("hidden_by_author", sa.Boolean(), nullable=False),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["hidden_by_id"], ["users.id"], name="fk_files_hidden_by_id_users"),
        sa.ForeignKeyConstraint(["uploader_id"], ["users.id"], name="fk_files_uploader_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_files"),
        sa.UniqueConstraint("storage_key", name="uq_files_storage_key"),
    )
    op.create_index("ix_files_hidden_at", "files", ["hidden_at"])
    op.create_index("ix_files_owner_type_owner_id", "files", ["owner_type", "owner_id"])
    op.create_index("ix_files_uploader_id_created_at", "files", ["uploader_id", "created_at"])
    op.create_table(
        "file_chunks",
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["files.id"], name="fk_file_chunks_file_id_files", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("file_id", "variant", "seq", name="pk_file_chunks"),
    )


def downgrade() -> None:
    op.drop_table("file_chunks")
    op.drop_index("ix_files_uploader_id_created_at", table_name="files")
    op.drop_index("ix_files_owner_type_owner_id", table_name="files")
    op.drop_index("ix_files_hidden_at", table_name="files")
    op.drop_table("files")
