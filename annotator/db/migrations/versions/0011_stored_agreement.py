"""stored agreement: runs of the project's agreement job and per-statement parts

Revision ID: 0011
Revises: 0009

``agreement_runs`` is both the job (state, stage, progress) and, once done, its result.
``statement_agreements`` keeps each statement's relation counts and own stance agreement
under a hash of what they depend on, so a recomputation compares changed statements only.
Indexes on ``updated_at`` let the page ask cheaply whether anything changed since a result.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPDATED = (
    ("ix_stances_updated_at", "stances"),
    ("ix_relations_updated_at", "relations"),
    ("ix_assignments_updated_at", "assignments"),
)


def upgrade() -> None:
    op.create_table(
        "agreement_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("include_unfinished", sa.Boolean(), nullable=False),
        sa.Column("resamples", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("recomputed", sa.Integer(), nullable=True),
        sa.Column("reused", sa.Integer(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_agreement_runs_state"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_agreement_runs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_agreement_runs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_runs")),
    )
    op.create_index(
        "ix_agreement_runs_project_scope",
        "agreement_runs",
        ["project_id", "include_unfinished", "state"],
    )
    op.create_table(
        "statement_agreements",
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("include_unfinished", sa.Boolean(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("stance_agreement", sa.Float(), nullable=True),
        sa.Column("n_relations", sa.Integer(), nullable=False),
        sa.Column("relation_counts", sa.JSON(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_agreements_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_statement_agreements_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "statement_id", "include_unfinished", name=op.f("pk_statement_agreements")
        ),
    )
    op.create_index(
        "ix_statement_agreements_project",
        "statement_agreements",
        ["project_id", "include_unfinished"],
    )
    for name, table in UPDATED:
        op.create_index(name, table, ["updated_at"])


def downgrade() -> None:
    for name, table in UPDATED:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_statement_agreements_project", table_name="statement_agreements")
    op.drop_table("statement_agreements")
    op.drop_index("ix_agreement_runs_project_scope", table_name="agreement_runs")
    op.drop_table("agreement_runs")
