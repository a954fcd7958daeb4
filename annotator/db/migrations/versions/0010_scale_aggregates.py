"""scale: indexes for the paginated, SQL-aggregated lead and reviewer pages

Revision ID: 0010
Revises: 0009

A partial index of live annotator stances by (label, annotator) lets the progress page count
stances per annotator and per label without reading a stance row; a covering index of
assignments by (statement, annotator, active, state) lets the review queue find the statements
whose active assignments are all done, and the assignment lists page by statement, without
reading an assignment row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    live = sa.text(
        "deleted_at IS NULL AND is_gold IS "
        + ("0" if op.get_bind().dialect.name == "sqlite" else "false")
    )
    op.create_index(
        "ix_stances_live_label_owner",
        "stances",
        ["label_id", "annotator_id"],
        sqlite_where=live,
        postgresql_where=live,
    )
    op.create_index(
        "ix_assignments_statement_state",
        "assignments",
        ["statement_id", "annotator_id", "active", "state"],
    )


def downgrade() -> None:
    op.drop_index("ix_assignments_statement_state", table_name="assignments")
    op.drop_index("ix_stances_live_label_owner", table_name="stances")
