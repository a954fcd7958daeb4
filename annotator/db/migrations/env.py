"""Alembic environment: runs migrations on the engine handed over by ``annotator.migrate``.

On SQLite, ``ALTER TABLE`` can do little, so Alembic's batch mode rebuilds a table: it copies
the rows to a new table, drops the old one and renames the new. With foreign keys enforced
(the engine turns them on for every connection), dropping ``projects`` would cascade and
delete every label, statement, stance and relation type of every project. So foreign keys
are off while migrations run (the pragma only takes effect outside a transaction), every
reference is checked with ``PRAGMA foreign_key_check`` before the migration commits, and
they are on again afterwards, as SQLite's documentation prescribes for schema changes.
"""

from alembic import context
from sqlalchemy import Connection

from annotator.models import Base

config = context.config
engine = config.attributes["engine"]


def _migrate(connection: Connection) -> None:
    with connection.begin():
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"a migration left broken references: {broken[:5]}")


def _foreign_keys(connection: Connection, on: bool) -> None:
    """On the driver's connection, outside any transaction (SQLAlchemy's would begin one)."""
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    if connection.dialect.name != "sqlite":
        _migrate(connection)
    else:
        _foreign_keys(connection, False)
        try:
            _migrate(connection)
        finally:
            _foreign_keys(connection, True)
