"""suggestions: recommenders, suggestions, decisions, trained models, runs, jobs; stance origin

Revision ID: 0005
Revises: 0004

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommenders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("min_precision", sa.Float(), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("token", sa.String(length=500), nullable=True),
        sa.Column("active_version", sa.String(length=100), nullable=True),
        sa.Column("event_cursor", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('span_memory', 'classifier', 'external', 'file')",
            name=op.f("ck_recommenders_kind"),
        ),
        sa.CheckConstraint(
            "threshold >= 0 AND threshold <= 1", name=op.f("ck_recommenders_threshold")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_recommenders_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_recommenders_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommenders")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_recommenders_project_id")),
    )
    op.create_table(
        "recommender_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommender_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("training_size", sa.Integer(), nullable=False),
        sa.Column("stance_count", sa.Integer(), nullable=False),
        sa.Column("precision", sa.Float(), nullable=True),
        sa.Column("recall", sa.Float(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("artefact", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommender_id"],
            ["recommenders.id"],
            name=op.f("fk_recommender_models_recommender_id_recommenders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommender_models")),
        sa.UniqueConstraint(
            "recommender_id", "version", name=op.f("uq_recommender_models_recommender_id")
        ),
    )
    op.create_table(
        "suggestion_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("recommender_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('train', 'predict', 'webhooks')", name=op.f("ck_suggestion_jobs_kind")
        ),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_suggestion_jobs_state"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_suggestion_jobs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommender_id"],
            ["recommenders.id"],
            name=op.f("fk_suggestion_jobs_recommender_id_recommenders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_suggestion_jobs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_jobs")),
    )
    op.create_index(
        "ix_suggestion_jobs_project_state", "suggestion_jobs", ["project_id", "state"], unique=False
    )
    op.create_table(
        "suggestion_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommender_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommender_id"],
            ["recommenders.id"],
            name=op.f("fk_suggestion_runs_recommender_id_recommenders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_suggestion_runs_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_runs")),
        sa.UniqueConstraint(
            "recommender_id",
            "statement_id",
            "model_version",
            name=op.f("uq_suggestion_runs_recommender_id"),
        ),
    )
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommender_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('"start" >= 0 AND "start" < "end"', name=op.f("ck_suggestions_span")),
        sa.CheckConstraint("score >= 0 AND score <= 1", name=op.f("ck_suggestions_score")),
        sa.ForeignKeyConstraint(
            ["holder_id"],
            ["actors.id"],
            name=op.f("fk_suggestions_holder_id_actors"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["label_id"],
            ["labels.id"],
            name=op.f("fk_suggestions_label_id_labels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recommender_id"],
            ["recommenders.id"],
            name=op.f("fk_suggestions_recommender_id_recommenders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_suggestions_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["actors.id"],
            name=op.f("fk_suggestions_target_id_actors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
        sa.UniqueConstraint(
            "recommender_id",
            "statement_id",
            "start",
            "end",
            "label_id",
            "model_version",
            name=op.f("uq_suggestions_recommender_id"),
        ),
    )
    op.create_index(
        "ix_suggestions_statement_recommender",
        "suggestions",
        ["statement_id", "recommender_id"],
        unique=False,
    )
    op.create_table(
        "suggestion_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("stance_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accept', 'reject')", name=op.f("ck_suggestion_decisions_decision")
        ),
        sa.ForeignKeyConstraint(
            ["stance_id"],
            ["stances.id"],
            name=op.f("fk_suggestion_decisions_stance_id_stances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["suggestions.id"],
            name=op.f("fk_suggestion_decisions_suggestion_id_suggestions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_suggestion_decisions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_decisions")),
        sa.UniqueConstraint(
            "suggestion_id", "user_id", name=op.f("uq_suggestion_decisions_suggestion_id")
        ),
    )
    op.create_index(
        op.f("ix_suggestion_decisions_user_id"), "suggestion_decisions", ["user_id"], unique=False
    )
    _add_stance_origin()


def _add_stance_origin() -> None:
    """A plain nullable column (no foreign key: see ``Stance.origin_suggestion_id``)."""
    with op.batch_alter_table("stances") as batch:
        batch.add_column(sa.Column("origin_suggestion_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stances") as batch:
        batch.drop_column("origin_suggestion_id")
    for table in (
        "suggestion_decisions",
        "suggestions",
        "suggestion_runs",
        "suggestion_jobs",
        "recommender_models",
        "recommenders",
    ):
        op.drop_table(table)
