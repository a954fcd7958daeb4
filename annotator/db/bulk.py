"""Bulk inserts that reach PostgreSQL as multi-row statements."""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` into ``table`` in the caller's transaction, as few statements as can be.

    psycopg's ``executemany`` sends one INSERT a row, and on PostgreSQL the stored counters'
    statement-level triggers (migration 0013) then ran once a row: the full-size bench's
    200,000 assignments took over 20 minutes, each batch slower than the last, and a lead's
    "assign all" or a big import paid the same. With ``RETURNING`` SQLAlchemy sends 1,000 rows
    per statement instead ("insertmanyvalues"): 1 s per 5,000 assignments, flat. SQLite's
    triggers run per row either way, and its ``executemany`` is the fastest path there.
    """
    statement = insert(table)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.returning(*table.primary_key.columns)
    session.execute(statement, rows)
