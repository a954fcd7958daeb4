"""The engine and the per-app-context session; SQLite gets WAL, a writer queue and group commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple, TypeVar

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from annotator.db import guard
from annotator.db.wal_sync import DurableConnection, WalSync
from annotator.db.writer_lock import WriterLock

T = TypeVar("T")


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    """WAL for concurrent readers, foreign keys enforced, a busy wait instead of lock errors.

    In WAL mode commits are made durable by the group fsync of ``wal_sync`` (so SQLite's own
    per-commit fsync is off: ``synchronous=NORMAL``); in any other mode SQLite syncs (FULL).
    """
    cur = dbapi_conn.cursor()
    wal = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute(f"PRAGMA synchronous={'NORMAL' if wal else 'FULL'}")
    cur.close()
    path = dbapi_conn.execute("PRAGMA database_list").fetchone()[2]
    dbapi_conn.wal_sync = _wal_sync(path) if wal and path else None


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets its pragmas and a write lock taken at the first write.

    Either way the parameters of every statement pass ``guard`` first, so a value one
    database would refuse (NUL, lone surrogate, huge integer) is a 422 on both.
    """
    if url.startswith("sqlite"):
        args = {"timeout": 30, "check_same_thread": False, "factory": DurableConnection}
        engine = create_engine(url, connect_args=args)
        event.listen(engine, "connect", _sqlite_pragmas)
        _lock_at_first_write(engine, _writer_lock(engine))
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    guard.install(engine)
    return engine


_WRITER_LOCKS: dict[str, WriterLock] = {}
_WAL_SYNCS: dict[str, WalSync] = {}
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def _writer_lock(engine: Engine) -> WriterLock:
    path = engine.url.database
    lock_file = f"{path}.writer-lock" if path and path != ":memory:" else None
    return _WRITER_LOCKS.setdefault(str(engine.url), WriterLock(lock_file))


def _wal_sync(path: str) -> WalSync:
    """One per database file and process, so its threads share their fsyncs."""
    return _WAL_SYNCS.setdefault(path, WalSync(path))


def _lock_at_first_write(engine: Engine, lock: WriterLock) -> None:
    """Transactions begin deferred (readers never wait) and queue for the lock at their first write.

    SQLite allows one writer. A deferred transaction that has read and then writes fails at
    once with "database is locked" when another writer committed in between, so at the first
    write statement the read-only transaction is ended and an immediate one begins, after
    queueing on ``lock``. The lock is held only while writing, not while the request reads,
    validates and renders. Reads made before the first write may be older than the write
    transaction: the same "read committed" rule as on PostgreSQL, and the checks that matter
    are in the writes themselves (version columns, constraints, conditional updates). The lock
    goes with the DBAPI connection (``DurableConnection.wrote``), which releases it at COMMIT
    before waiting for the WAL fsync, or at ROLLBACK; check-in releases it if neither came.
    """

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # On the driver's connection: SQLAlchemy's execution path (compile cache, cursor
        # events, result) cost 1 % of a save's CPU for a statement with nothing to read
        # (a save begins twice), and none of the cursor hooks acts on BEGIN.
        conn.connection.dbapi_connection.execute("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _first_write(conn, cursor, statement, _params, _context, _many):
        dbapi_conn = cursor.connection
        if dbapi_conn.wrote is not None or statement.lstrip()[:7].upper().startswith(_READS):
            return
        if not conn.in_transaction():
            return
        dbapi_conn.wrote = lock if lock.acquire(timeout=30) else True
        dbapi_conn.execute("COMMIT")
        dbapi_conn.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _release(dbapi_conn, _record):
        if dbapi_conn is not None:
            dbapi_conn.leave_queue()  # the pool's reset (ROLLBACK) has normally done it already


class _Bound(NamedTuple):
    """One app's engine and session factory."""

    engine: Engine
    factory: sessionmaker[Session]


class Database:
    """One engine per app and one session per app context, closed at teardown.

    ``engine`` and ``factory`` are the current app's (outside an app context: the app set up
    last). One process may hold several apps (the tests make one per test), and a thread
    that outlives its request, such as a job consumer, must keep writing to its own app's
    database, never to whichever app was set up after it.
    """

    def __init__(self) -> None:
        self._last: _Bound | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's ``DATABASE_URL``; connecting happens lazily on first use."""
        engine = make_engine(app.config["DATABASE_URL"])
        self._last = _Bound(engine, sessionmaker(engine, expire_on_commit=False))
        app.extensions["annotator_db"] = self._last
        app.teardown_appcontext(self._remove)

    def _bound(self) -> _Bound:
        if has_app_context():
            return current_app.extensions["annotator_db"]
        if self._last is None:
            raise RuntimeError("no app has been set up with the database yet")
        return self._last

    @property
    def engine(self) -> Engine:
        return self._bound().engine

    @property
    def factory(self) -> sessionmaker[Session]:
        return self._bound().factory

    @property
    def session(self) -> Session:
        """The app context's session, opened on first use."""
        try:  # one look-up of ``g`` where a test and a read took two: a request asks ~10 times
            return g.db_session
        except AttributeError:
            g.db_session = session = self.factory()
            return session

    def _remove(self, exc: BaseException | None) -> None:
        s = g.pop("db_session", None)
        if s is not None:
            if exc is not None:
                s.rollback()
            s.close()

    def commit_and_read(self, read: Callable[[], T]) -> T:
        """Commit the request's writes and return ``read()``, which must see them.

        SQLite has one writer at a time: reading inside the write transaction would keep
        every other writer waiting, so there the read follows the commit (a new read
        transaction costs nothing). PostgreSQL queues no writers but charges a network round
        trip per statement, and reading after the commit would add three (pool ping, BEGIN,
        final ROLLBACK), so there the read comes just before the commit.
        """
        if self.engine.dialect.name == "sqlite":
            self.session.commit()
            return read()
        result = read()
        self.session.commit()
        return result

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session outside the request's unit of work (CLI batches, benchmarks)."""
        with self.factory() as s:
            yield s
