"""suggestion views: when a suggestion was first shown to a user (acceptance rate)

Revision ID: 0007
Revises: 0005

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suggestion_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["suggestions.id"],
            name=op.f("fk_suggestion_views_suggestion_id_suggestions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_suggestion_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion_views")),
        sa.UniqueConstraint(
            "suggestion_id", "user_id", name=op.f("uq_suggestion_views_suggestion_id")
        ),
    )
    with op.batch_alter_table("suggestion_views", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suggestion_views_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suggestion_views", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_views_user_id"))
    op.drop_table("suggestion_views")
