"""messages can be searched

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 01:30:00.000000
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

# As rooms/models.py builds them (a test checks that both give the same schema).
MESSAGE_FTS_TABLE = "messages_fts"

SQLITE_MESSAGE_SEARCH_DDL = (
    f"CREATE VIRTUAL TABLE {MESSAGE_FTS_TABLE} USING fts5(body, "
    "content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_insert AFTER INSERT ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_delete AFTER DELETE ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}({MESSAGE_FTS_TABLE}, rowid, body) "
    "VALUES ('delete', old.id, old.body); END",
    f"CREATE TRIGGER {MESSAGE_FTS_TABLE}_after_update AFTER UPDATE OF body ON messages BEGIN "
    f"INSERT INTO {MESSAGE_FTS_TABLE}({MESSAGE_FTS_TABLE}, rowid, body) "
    "VALUES ('delete', old.id, old.body); "
    f"INSERT INTO {MESSAGE_FTS_TABLE}(rowid, body) VALUES (new.id, new.body); END",
)
POSTGRESQL_MESSAGE_SEARCH_DDL = (
    "ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple'::regconfig, exchange_unaccent(body))) STORED",
    "CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_MESSAGE_SEARCH_DDL:
            op.execute(statement)
        # Index the messages already written.
        op.execute(f"INSERT INTO {MESSAGE_FTS_TABLE}({MESSAGE_FTS_TABLE}) VALUES ('rebuild')")
    else:
        for statement in POSTGRESQL_MESSAGE_SEARCH_DDL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {MESSAGE_FTS_TABLE}_after_{event}")
        op.execute(f"DROP TABLE IF EXISTS {MESSAGE_FTS_TABLE}")
    else:
        op.execute("DROP INDEX IF EXISTS ix_messages_search_vector")
        op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS search_vector")
