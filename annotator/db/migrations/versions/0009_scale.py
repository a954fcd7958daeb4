"""scale: indexes for the hot queries; full-text search over statements

Revision ID: 0009
Revises: 0005

SQLite gets an FTS5 table over the statements' title and text (external content: it stores
only the index, the text stays in ``statements``); rows are indexed in bulk after each
import (``statements/search.py``), not by an insert trigger, which measured at half the
import rate. A delete trigger keeps the index free of deleted statements. PostgreSQL gets a
GIN index on the ``tsvector`` expression the search queries use.
"""

from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_statements_project_id", "statements", ["project_id", "id"]),
    ("ix_assignments_annotator_statement", "assignments", ["annotator_id", "statement_id"]),
    ("ix_stances_owner_statement", "stances", ["annotator_id", "statement_id"]),
    ("ix_stances_label_statement", "stances", ["label_id", "statement_id"]),
)

# The expression is repeated verbatim in statements/search.py: PostgreSQL uses the index
# only for a query whose expression matches it.
PG_DOCUMENT = "to_tsvector('simple', coalesce(title, '') || ' ' || text)"

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE statements_fts USING fts5(title, text, content='statements', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END",
    "INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        for sql in SQLITE_FTS:
            op.execute(sql)
    else:
        op.execute(f"CREATE INDEX ix_statements_fts ON statements USING gin ({PG_DOCUMENT})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_fts_delete")
        op.execute("DROP TABLE IF EXISTS statements_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_statements_fts")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
