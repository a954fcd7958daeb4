"""statements in date order: an index on (project, coalesce(date, ''), id)

Revision ID: 0018
Revises: 0017

The statement browser's date sorts page by ``coalesce(date, '')`` then id (undated statements
first). Without an index in that order every such page sorted the project's statements (or,
with a search, every match), so a page's cost grew with the project: 120-140 ms of CPU for
the plain list and 175-190 ms for a common word at 100,000 statements on SQLite, 2-4 and
9-14 ms with it (README, *Search in date order on SQLite*). The index serves the plain list
in both directions, and the search's pages in date order on both databases (SQLite's walk
and its read of the index against the set of matches, PostgreSQL's walk;
annotator/statements/search.py). Its expression is written as the browser writes the sort
key, with the literal ``''``: neither database uses an expression index for a query that
passes the ``''`` as a parameter (PostgreSQL once it plans the prepared query generically).
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_statements_project_date",
        "statements",
        ["project_id", sa.text("coalesce(date, '')"), "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_statements_project_date", table_name="statements")
