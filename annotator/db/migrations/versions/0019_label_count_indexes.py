"""label count indexes: drop the live (label, annotator) index, add live gold by label

Revision ID: 0019
Revises: 0018

``ix_stances_live_label_owner`` (0010) let Progress count live annotator stances per label
and annotator in an index; since 0013 those counts are stored (``stance_counts``) and no
query of the application uses it (EXPLAIN of the hot queries on SQLite and PostgreSQL: only
the tests' recount did), while every stance write paid for it. The Labels page now reads the
stored counters too, and counts gold stances, which have no counter, in a partial index of
live gold stances by label: a row per gold stance, not a read of every stance of a label.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _where(gold: bool) -> sa.TextClause:
    """The partial index condition as the queries write it (SQLite compares with 0/1)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    value = ("1" if gold else "0") if sqlite else ("true" if gold else "false")
    if gold:
        return sa.text(f"is_gold IS {value} AND deleted_at IS NULL")
    return sa.text(f"deleted_at IS NULL AND is_gold IS {value}")


def upgrade() -> None:
    op.drop_index("ix_stances_live_label_owner", table_name="stances")
    gold = _where(True)
    op.create_index(
        "ix_stances_live_gold_label",
        "stances",
        ["label_id"],
        sqlite_where=gold,
        postgresql_where=gold,
    )


def downgrade() -> None:
    op.drop_index("ix_stances_live_gold_label", table_name="stances")
    live = _where(False)
    op.create_index(
        "ix_stances_live_label_owner",
        "stances",
        ["label_id", "annotator_id"],
        sqlite_where=live,
        postgresql_where=live,
    )
