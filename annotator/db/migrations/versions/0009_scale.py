"""scale: indexes for the hot queries; full-text search over statements

Revision ID: 0009
Revises: 0005

SQLite gets an FTS5 table over the statements' title and text (external content: it stores
only the index, the text stays in ``statements``); rows are indexed in bulk after each
import (``statements/search.py``), not by an insert trigger, which measured at half the
import rate. A delete trigger keeps the index free of deleted statements. PostgreSQL gets a
stored generated ``search_vector`` column (the ``tsvector`` of title and text) with a GIN
index: with an expression index alone, a page of common words went through the project's
id index and recomputed the vector of every row it filtered (186 ms for 51 rows of 10 kB).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_statements_project_id", "statements", ["project_id", "id"]),
    ("ix_assignments_annotator_statement", "assignments", ["annotator_id", "statement_id"]),
    ("ix_stances_owner_statement", "stances", ["annotator_id", "statement_id"]),
    ("ix_stances_label_statement", "stances", ["label_id", "statement_id"]),
)

PG_DOCUMENT = "to_tsvector('simple', coalesce(title, '') || ' ' || text)"
PG_SEARCH = (
    f"ALTER TABLE statements ADD COLUMN search_vector tsvector "
    f"GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    "CREATE INDEX ix_statements_fts ON statements USING gin (search_vector)",
)

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
        for sql in PG_SEARCH:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_fts_delete")
        op.execute("DROP TABLE IF EXISTS statements_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_statements_fts")
        op.execute("ALTER TABLE statements DROP COLUMN IF EXISTS search_vector")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
