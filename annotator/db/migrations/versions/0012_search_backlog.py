"""search backlog: the full-text index is filled by a job after the import commits

Revision ID: 0012
Revises: 0009

An import used to index its statements inside its own transaction (SQLite: one bulk insert
into FTS5; PostgreSQL: a stored generated ``search_vector`` column under a GIN index), which
cost 20-25 % of the import's CPU on SQLite and tripled its INSERT time on PostgreSQL. Now the
import only notes the new ids in ``search_backlog``; the index job (annotator/jobs/) indexes
them after the commit and empties the backlog. PostgreSQL's ``search_vector`` becomes a plain
column the job fills (NULL until then). On SQLite the delete trigger leaves a statement the
index never held alone (an FTS5 'delete' of a row it does not hold corrupts the index).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

PG_DOCUMENT = "to_tsvector('simple', coalesce(title, '') || ' ' || text)"

SQLITE_TRIGGER = (
    "CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
    "SELECT 'delete', old.id, old.title, old.text "
    "WHERE NOT EXISTS (SELECT 1 FROM search_backlog WHERE statement_id = old.id); "
    "DELETE FROM search_backlog WHERE statement_id = old.id; END"
)
SQLITE_OLD_TRIGGER = (
    "CREATE TRIGGER statements_fts_delete AFTER DELETE ON statements BEGIN "
    "INSERT INTO statements_fts(statements_fts, rowid, title, text) "
    "VALUES ('delete', old.id, old.title, old.text); END"
)


def upgrade() -> None:
    op.create_table(
        "search_backlog",
        sa.Column("statement_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_search_backlog")),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_fts_delete")
        op.execute(SQLITE_TRIGGER)
        return
    op.execute("DROP INDEX IF EXISTS ix_statements_fts")
    op.execute("ALTER TABLE statements DROP COLUMN IF EXISTS search_vector")
    op.execute("ALTER TABLE statements ADD COLUMN search_vector tsvector")
    op.execute(f"UPDATE statements SET search_vector = {PG_DOCUMENT}")
    op.execute("CREATE INDEX ix_statements_fts ON statements USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS statements_fts_delete")
        op.execute(
            "INSERT INTO statements_fts(rowid, title, text) SELECT s.id, s.title, s.text "
            "FROM statements s JOIN search_backlog b ON b.statement_id = s.id"
        )
        op.execute(SQLITE_OLD_TRIGGER)
    else:
        op.execute("DROP INDEX IF EXISTS ix_statements_fts")
        op.execute("ALTER TABLE statements DROP COLUMN IF EXISTS search_vector")
        op.execute(
            f"ALTER TABLE statements ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED"
        )
        op.execute("CREATE INDEX ix_statements_fts ON statements USING gin (search_vector)")
    op.drop_table("search_backlog")
