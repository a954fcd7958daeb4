"""Unbound extensions, bound to an app in ``create_app``; imports only the leaf writer_lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .writer_lock import WriterLock

csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL for concurrent readers, foreign keys enforced, and a busy wait instead of lock errors."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets its pragmas and a write lock taken at the first write."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        _lock_at_first_write(engine, _writer_lock(engine))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_WRITER_LOCKS: dict[str, WriterLock] = {}
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _writer_lock(engine: Engine) -> WriterLock:
    path = engine.url.database
    lock_file = f"{path}.writer-lock" if path and path != ":memory:" else None
    return _WRITER_LOCKS.setdefault(str(engine.url), WriterLock(lock_file))


def _lock_at_first_write(engine: Engine, lock: WriterLock) -> None:
    """Transactions begin deferred (readers never wait) and queue for the lock at their first write.

    SQLite allows one writer. A deferred transaction that has read and then writes fails at
    once with "database is locked" when another writer committed in between, so at the first
    write statement the read-only transaction is ended and an immediate one begins, after
    queueing on ``lock``. The lock is held only while writing, not while the request reads,
    validates and renders. Reads made before the first write may be older than the write
    transaction: the same "read committed" rule as on PostgreSQL, and the checks that matter
    are in the writes themselves (version columns, constraints, conditional updates).
    """

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _first_write(conn, cursor, statement, _params, _context, _many):
        if "writer_lock" in conn.info or statement.lstrip()[:7].upper().startswith(_READS):
            return
        if not conn.in_transaction():
            return
        if lock.acquire(timeout=30):
            conn.info["writer_lock"] = lock
        cursor.connection.execute("COMMIT")
        cursor.connection.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _release(_dbapi_conn, record):
        held = record.info.pop("writer_lock", None)
        if held is not None:
            held.release()


class Database:
    """One engine per app and one session per app context, closed at teardown."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's ``DATABASE_URL``; connecting happens lazily on first use."""
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["annotator_db"] = self
        app.teardown_appcontext(self._remove)

    @property
    def session(self) -> Session:
        """The app context's session, opened on first use."""
        if "db_session" not in g:
            g.db_session = self.factory()
        return g.db_session

    def _remove(self, exc: BaseException | None) -> None:
        s = g.pop("db_session", None)
        if s is not None:
            if exc is not None:
                s.rollback()
            s.close()

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session outside the request's unit of work (CLI batches, benchmarks)."""
        with self.factory() as s:
            yield s


db = Database()
