"""moderation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:38:52.239888
"""

import sqlalchemy as sa
from alembic import op

import exchange.db

APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "hide",
                "restore",
                "delete_own",
                "dismiss",
                "mute",
                "unmute",
                "ban",
                "unban",
                "slow_mode",
                "role_change",
                name="auditaction",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_log_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_audit_log_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_subject_id"), ["subject_id"], unique=False)

    # The audit log is append-only, enforced by the database itself
    # (the same statements as exchange/moderation/models.py, frozen here).
    for statement in APPEND_ONLY_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notices_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_user_id"), ["user_id"], unique=False)

    op.create_table(
        "moderation_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_moderation_changes_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_moderation_changes_room_id_rooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moderation_changes")),
    )
    with op.batch_alter_table("moderation_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_moderation_changes_room_id"), ["room_id"], unique=False
        )

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", exchange.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "open", "hidden", "dismissed", name="reportstate", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("resolved_at", exchange.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_reports_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"], ["users.id"], name=op.f("fk_reports_reporter_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_reports_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "reporter_id", "message_id", name=op.f("uq_reports_reporter_id_message_id")
        ),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reports_state"), ["state"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hidden_at", exchange.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("hidden_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("hidden_by_author", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_hidden_at"), ["hidden_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_hidden_by_id_users"), "users", ["hidden_by_id"], ["id"]
        )

    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("slow_mode_seconds", sa.Integer(), nullable=False, server_default="0")
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("muted_until", exchange.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("mute_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("banned_at", exchange.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("ban_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("ban_reason")
        batch_op.drop_column("banned_at")
        batch_op.drop_column("mute_reason")
        batch_op.drop_column("muted_until")

    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_column("slow_mode_seconds")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_messages_hidden_by_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_messages_hidden_at"))
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_by_author")
        batch_op.drop_column("hidden_reason")
        batch_op.drop_column("hidden_at")

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_state"))
        batch_op.drop_index(batch_op.f("ix_reports_message_id"))

    op.drop_table("reports")
    with op.batch_alter_table("moderation_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_moderation_changes_room_id"))

    op.drop_table("moderation_changes")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_user_id"))

    op.drop_table("notices")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
