"""A lock held until the transaction ends, for work that must not interleave (imports).

PostgreSQL: a transaction-level advisory lock on (namespace, key), waited for at most
``WAIT_SECONDS``. SQLite allows one writer at a time: the transaction turns into a write
transaction at once (it queues for the writer lock as at any first write, see engine.py),
so everything it reads afterwards stays true until it commits. Either way a wait that runs
out is a Conflict (409) saying what was running, never a 500.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from annotator.errors import Conflict

WAIT_SECONDS = 30  # as long as a SQLite writer queues (engine.py) before giving up
IMPORTS = 1  # namespaces: one per kind of work


def hold(session: Session, namespace: int, key: int, *, busy: str) -> None:
    """Wait for the (namespace, key) lock and keep it until commit or rollback.

    ``busy`` says what holds it, for the 409 when the wait runs out.
    """
    conn = session.connection()
    try:
        if conn.dialect.name == "postgresql":
            _advisory_lock(conn, namespace, key)
        else:  # any statement that is not a read makes engine.py queue and BEGIN IMMEDIATE
            conn.exec_driver_sql("SAVEPOINT hold_lock")
            conn.exec_driver_sql("RELEASE hold_lock")
    except OperationalError:
        raise Conflict(f"{busy}; nothing was done. Try again when it has finished.") from None


def _advisory_lock(conn, namespace: int, key: int) -> None:
    before = conn.exec_driver_sql("SHOW lock_timeout").scalar()
    conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": f"{WAIT_SECONDS}s"})
    conn.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key})
    conn.execute(text("SELECT set_config('lock_timeout', :t, true)"), {"t": before})
