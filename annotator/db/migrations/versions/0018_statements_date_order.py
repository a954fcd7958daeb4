"""statements in date order: an index on (project, coalesce(date, ''), id)

Revision ID: 0018
Revises: 0017

The statement browser's date sorts page by ``coalesce(date, '')`` then id (undated statements
first). Without an index in that order every such page sorted the project's statements (or,
with a search, every match), so a page's cost grew with the project. The index serves the
plain list in both directions and the search's walk in date order on SQLite
(annotator/statements/search.py). Its expression is written as the browser writes the sort
key, with the literal ``''``: neither database uses an expression index for a query that
passes the ``''`` as a parameter.
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
