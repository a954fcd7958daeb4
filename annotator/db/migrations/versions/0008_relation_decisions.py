"""relation decisions: the review of relations into gold (accept, edit, add, reject, auto)

Revision ID: 0008
Revises: 0005

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "relation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("gold_relation_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("source_relation_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accept', 'edit', 'add', 'reject', 'auto')",
            name=op.f("ck_relation_decisions_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["gold_relation_id"],
            ["relations.id"],
            name=op.f("fk_relation_decisions_gold_relation_id_relations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_relation_decisions_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_relation_decisions_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_decisions")),
    )
    with op.batch_alter_table("relation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relation_decisions_statement_id"), ["statement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relation_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relation_decisions_statement_id"))
    op.drop_table("relation_decisions")
