"""room_versions: a number per room that grows whenever what its messages show changes

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 14:00:00.000000

Kept by triggers (rooms/models.py, ROOM_VERSION_TRIGGERS, builds the same; a test
checks that both give the same triggers), so that a join may send a page it already
encoded while nothing in it changed (rooms/pages.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

# As rooms/models.py builds them: (table, event, rooms touched, condition or None).
ROOMS_OF_MESSAGE = "SELECT {row}.room_id AS room_id"
ROOMS_OF_MESSAGE_PART = "SELECT room_id FROM messages WHERE id = {row}.message_id"
ROOMS_OF_FILE = (
    "SELECT room_id FROM messages WHERE {row}.owner_type = 'message' AND id = {row}.owner_id"
)
ROOMS_OF_PRACTICE = "SELECT room_id FROM messages WHERE practice_id = {row}.id"
ROOMS_OF_ROOM = "SELECT {row}.id AS room_id"
EVERY_ROOM = "SELECT 0 AS room_id"
EVERY_EVENT = ("INSERT", "UPDATE", "DELETE")

TRIGGERS = (
    *(("messages", event, ROOMS_OF_MESSAGE, None) for event in EVERY_EVENT),
    *(("reactions", event, ROOMS_OF_MESSAGE_PART, None) for event in EVERY_EVENT),
    *(("mentions", event, ROOMS_OF_MESSAGE_PART, None) for event in EVERY_EVENT),
    *(("files", event, ROOMS_OF_FILE, None) for event in EVERY_EVENT),
    *(("practices", event, ROOMS_OF_PRACTICE, None) for event in ("UPDATE", "DELETE")),
    ("rooms", "UPDATE", ROOMS_OF_ROOM, "old.slug {ne} new.slug"),
    (
        "users",
        "UPDATE",
        EVERY_ROOM,
        "old.name {ne} new.name OR old.role {ne} new.role"
        " OR old.administration_id {ne} new.administration_id"
        " OR old.deleted_at {ne} new.deleted_at",
    ),
    ("users", "DELETE", EVERY_ROOM, None),
    (
        "administrations",
        "UPDATE",
        EVERY_ROOM,
        "old.slug {ne} new.slug OR old.name {ne} new.name OR old.country {ne} new.country",
    ),
    ("administrations", "DELETE", EVERY_ROOM, None),
)


def _name(table: str, event: str) -> str:
    return f"room_versions_after_{table}_{event.lower()}"


def _touched(event: str, rooms: str) -> str:
    rows = [row for row, there in (("new", event != "DELETE"), ("old", event != "INSERT")) if there]
    return " UNION ".join(rooms.format(row=row) for row in rows)


def _sqlite(table: str, event: str, rooms: str, when: str | None) -> list[str]:
    touched = f"SELECT room_id FROM ({_touched(event, rooms)}) WHERE room_id IS NOT NULL"
    condition = f" WHEN {when.format(ne='IS NOT')}" if when else ""
    return [
        f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table}{condition} BEGIN "
        "INSERT OR IGNORE INTO room_versions (room_id, version) "
        f"SELECT room_id, 0 FROM ({touched}); "
        f"UPDATE room_versions SET version = version + 1 WHERE room_id IN ({touched}); END"
    ]


def _postgresql(table: str, event: str, rooms: str, when: str | None) -> list[str]:
    name = _name(table, event)
    condition = f" WHEN ({when.format(ne='IS DISTINCT FROM')})" if when else ""
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN INSERT INTO room_versions (room_id, version) "
        f"SELECT DISTINCT room_id, 1 FROM ({_touched(event, rooms)}) AS touched "
        "WHERE room_id IS NOT NULL "
        "ON CONFLICT (room_id) DO UPDATE SET version = room_versions.version + 1; "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW"
        f"{condition} EXECUTE FUNCTION {name}()",
    ]


def upgrade() -> None:
    op.create_table(
        "room_versions",
        sa.Column("room_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_room_versions")),
    )
    build = _sqlite if op.get_bind().dialect.name == "sqlite" else _postgresql
    for trigger in TRIGGERS:
        for statement in build(*trigger):
            op.execute(statement)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, event, _rooms, _when in TRIGGERS:
        name = _name(table, event)
        if sqlite:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("room_versions")
