"""label count indexes: drop the live (label, annotator) index of 0010

Revision ID: 0019
Revises: 0017

``ix_stances_live_label_owner`` (0010) let Progress count live annotator stances per label
and annotator in an index; since 0013 those counts are stored (``stance_counts``) and no
query of the application uses it (EXPLAIN of the hot queries on SQLite and PostgreSQL: only
the tests' recount did), while every stance write paid for it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_stances_live_label_owner", table_name="stances")


def downgrade() -> None:
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
