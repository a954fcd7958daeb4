"""a partial index of the statements without a review

Revision ID: 0020
Revises: 0019

The review queue's "next" (``queue_page.next_unreviewed``) looks for the first ready
statement without a review. ``reviewed_at`` sits after ``text`` in the row, so checking it
read past each statement's text: 0.5 s warm and 9.5 s cold at 100,000 statements of 1-20 kB
on SQLite. ``ix_statements_unreviewed`` holds (project, id) of the unreviewed statements only,
so the walk never reads a row; a review removes its statement from the index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

UNREVIEWED = sa.text("reviewed_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_statements_unreviewed",
        "statements",
        ["project_id", "id"],
        sqlite_where=UNREVIEWED,
        postgresql_where=UNREVIEWED,
    )


def downgrade() -> None:
    op.drop_index("ix_statements_unreviewed", table_name="statements")
