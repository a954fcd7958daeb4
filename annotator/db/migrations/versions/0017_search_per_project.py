"""search per project: the SQLite FTS5 index holds each statement's project as a token

Revision ID: 0017
Revises: 0016

The FTS5 table of 0009 held title and text only, so a search in one project streamed every
project's matches in rowid order and dropped the others' (74 ms for a one-statement project
beside a 10,000-statement one, whose statements all matched). The table gains a ``project``
column holding ``p<project id>``; a search asks for that token in that column as well, and FTS5
intersects the doclists, so a small project's search reads the small project's token list, not
the big one's matches. External content still: the content is the view
``statements_fts_source`` (the statements with ``'p' || project_id``), which FTS5 reads on
'rebuild' and never otherwise (the search reads rowids only).

Statements in ``search_backlog`` stay out of the rebuilt index (the index job adds them), and
the delete trigger keeps leaving them alone. PostgreSQL is unchanged.
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 2'"
NOT_QUEUED = "WHERE id NOT IN (SELECT statement_id FROM search_backlog)"
UNLESS_QUEUED = "WHERE NOT EXISTS (SELECT 1 FROM search_backlog WHERE statement_id = old.id)"
FORGET_QUEUED = "DELETE FROM search_backlog WHERE statement_id = old.id"

NEW = (
    "CREATE VIEW statements_fts_source AS "
    "SELECT id, 'p' || project_id AS project, title, text FROM statements",
    "CREATE VIRTUAL TABLE statements_fts USING fts5(project, title, text, "
    f"content='statements_fts_source', content_rowid='id', {TOKENIZE})",
    "INSERT INTO statements_fts(rowid, project, title, text) "
    f"SELECT id, 'p' || project_id, title, text FROM statements {NOT_QUEUED}",
    "CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, project, title, text) "
    f"SELECT 'delete', old.id, 'p' || old.project_id, old.title, old.text {UNLESS_QUEUED}; "
    f"{FORGET_QUEUED}; END",
)
OLD = (
    "CREATE VIRTUAL TABLE statements_fts USING fts5(title, text, content='statements', "
    f"content_rowid='id', {TOKENIZE})",
    f"INSERT INTO statements_fts(rowid, title, text) SELECT id, title, text FROM statements "
    f"{NOT_QUEUED}",
    "CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
    f"SELECT 'delete', old.id, old.title, old.text {UNLESS_QUEUED}; {FORGET_QUEUED}; END",
)


def _rebuild(layout) -> None:
    """Replace the FTS5 table, its content view and delete trigger by ``layout`` (SQLite)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS statements_fts_delete")
    op.execute("DROP TABLE IF EXISTS statements_fts")
    op.execute("DROP VIEW IF EXISTS statements_fts_source")
    for sql in layout:
        op.execute(sql)


def upgrade() -> None:
    _rebuild(NEW)


def downgrade() -> None:
    _rebuild(OLD)
