"""questions get written answers, and practices remember the question they came from

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_body", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("answer_html", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_questions_answered_by_id", ["answered_by_id"])
        batch_op.create_foreign_key(
            "fk_questions_answered_by_id_users", "users", ["answered_by_id"], ["id"]
        )
    # A practice comes from a chat message or from a question (with its answer).
    with op.batch_alter_table("practice_sources", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("question_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_practice_sources_question_id", ["question_id"])
        batch_op.create_foreign_key(
            "fk_practice_sources_question_id_questions", "questions", ["question_id"], ["id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM practice_sources WHERE message_id IS NULL")
    with op.batch_alter_table("practice_sources", schema=None) as batch_op:
        batch_op.drop_constraint("fk_practice_sources_question_id_questions", type_="foreignkey")
        batch_op.drop_index("ix_practice_sources_question_id")
        batch_op.drop_column("question_id")
        batch_op.alter_column("message_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_questions_answered_by_id_users", type_="foreignkey")
        batch_op.drop_index("ix_questions_answered_by_id")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answer_html")
        batch_op.drop_column("answer_body")
