"""practices can be hidden and reported

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 02:23:59.549076
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# The full-text triggers of practices on SQLite, as revision 0007 created them.
_FTS_COLUMNS = (
    "title, summary, challenge, actions, results, funding, failures, lessons, transferability"
)
_FTS_NEW = ", ".join(f"new.{column.strip()}" for column in _FTS_COLUMNS.split(","))
_FTS_OLD = ", ".join(f"old.{column.strip()}" for column in _FTS_COLUMNS.split(","))
SQLITE_FTS_TRIGGERS = (
    "CREATE TRIGGER practices_fts_after_insert AFTER INSERT ON practices BEGIN "
    f"INSERT INTO practices_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_FTS_NEW}); END",
    "CREATE TRIGGER practices_fts_after_delete AFTER DELETE ON practices BEGIN "
    f"INSERT INTO practices_fts(practices_fts, rowid, {_FTS_COLUMNS}) "
    f"VALUES ('delete', old.id, {_FTS_OLD}); END",
    f"CREATE TRIGGER practices_fts_after_update AFTER UPDATE OF {_FTS_COLUMNS} ON practices "
    f"BEGIN INSERT INTO practices_fts(practices_fts, rowid, {_FTS_COLUMNS}) "
    f"VALUES ('delete', old.id, {_FTS_OLD}); "
    f"INSERT INTO practices_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, {_FTS_NEW}); END",
)

#: The practices' list indexes, which gain hidden_at so that they still answer
#: "visible?" without reading rows.
INDEXES = {
    "ix_practices_status_published_at": ["status", "published_at", "id"],
    "ix_practices_theme_id_status": ["theme_id", "status", "published_at", "id"],
    "ix_practices_administration_id_status": [
        "administration_id",
        "status",
        "published_at",
        "id",
    ],
    "ix_practices_status_year_from": ["status", "year_from", "year_to"],
    "ix_practices_id_filters": [
        "id",
        "status",
        "published_at",
        "theme_id",
        "administration_id",
        "year_from",
        "year_to",
    ],
}


def upgrade() -> None:
    # Plain ALTERs, never a batch: rebuilding practices on SQLite would drop the
    # triggers that keep its full-text index current (see practices/models.py).
    op.add_column(
        "practices", sa.Column("hidden_at", exchange.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column("practices", sa.Column("hidden_reason", sa.String(length=500), nullable=True))
    op.add_column(
        "practices",
        sa.Column("hidden_by_author", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    if op.get_bind().dialect.name == "sqlite":  # SQLite adds a reference only inline
        op.execute(
            "ALTER TABLE practices ADD COLUMN hidden_by_id INTEGER "
            "CONSTRAINT fk_practices_hidden_by_id_users REFERENCES users (id)"
        )
    else:
        op.add_column("practices", sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_practices_hidden_by_id_users", "practices", "users", ["hidden_by_id"], ["id"]
        )
    op.create_index("ix_practices_hidden_at", "practices", ["hidden_at"])
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="practices")
        op.create_index(name, "practices", [*columns, "hidden_at"])

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("practice_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reports_practice_id"), ["practice_id"], unique=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_reports_reporter_id_practice_id"), ["reporter_id", "practice_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_reports_practice_id_practices"), "practices", ["practice_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_reports_practice_id_practices"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_reports_reporter_id_practice_id"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_reports_practice_id"))
        batch_op.drop_column("practice_id")

    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="practices")
        op.create_index(name, "practices", columns)
    op.drop_index("ix_practices_hidden_at", table_name="practices")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("practices", schema=None) as batch_op:
        if not sqlite:  # SQLite does not name the inline reference; the rebuild drops it
            batch_op.drop_constraint("fk_practices_hidden_by_id_users", type_="foreignkey")
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_by_author")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")
    if sqlite:
        # The batch rebuilt practices, which drops its triggers: put them back.
        for statement in SQLITE_FTS_TRIGGERS:
            op.execute(statement)
