"""Unbound extensions, bound to an app in ``create_app``; a leaf module importing none of ours."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_request_context, request
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

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
    """Create an engine; SQLite gets its pragmas and immediate transactions so writers queue."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        _begin_immediate(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


_WRITER_LOCKS: dict[str, threading.Lock] = {}


def _begin_immediate(engine: Engine) -> None:
    """Writers take SQLite's lock at BEGIN so they queue instead of failing.

    A deferred transaction that reads and then writes can fail at once with "database is
    locked" when another writer got in between; BEGIN IMMEDIATE waits instead. Readers keep a
    deferred BEGIN so they never wait for a writer (WAL snapshot). Threads of one process queue
    on a lock that wakes the next writer as soon as the previous one returns its connection,
    rather than on SQLite's busy handler, which sleeps up to 100 ms between attempts.
    """
    lock = _WRITER_LOCKS.setdefault(str(engine.url), threading.Lock())

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_conn, _record):
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        if not _wants_write_lock(conn):
            conn.exec_driver_sql("BEGIN")
            return
        if "writer_lock" not in conn.info and lock.acquire(timeout=30):
            conn.info["writer_lock"] = lock
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _release(_dbapi_conn, record):
        held = record.info.pop("writer_lock", None)
        if held is not None:
            held.release()


def _wants_write_lock(conn) -> bool:
    """Writer sessions lock, except for the reads a request makes after it has committed."""
    if not conn.get_execution_options().get("sqlite_immediate", False):
        return False
    return not (has_request_context() and g.get("db_committed"))


def _mark_committed(_session) -> None:
    if has_request_context():
        g.db_committed = True


class Database:
    """One engine per app and one session per app context, closed at teardown."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.factory: sessionmaker[Session] | None = None
        self.read_factory: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind to the app's ``DATABASE_URL``; connecting happens lazily on first use."""
        self.engine = make_engine(app.config["DATABASE_URL"])
        writer = self.engine.execution_options(sqlite_immediate=True)
        self.factory = sessionmaker(writer, expire_on_commit=False)
        event.listen(self.factory, "after_commit", _mark_committed)
        self.read_factory = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["annotator_db"] = self
        app.teardown_appcontext(self._remove)

    @property
    def session(self) -> Session:
        """The app context's session: a reader for GET/HEAD requests, else a writer."""
        if "db_session" not in g:
            reading = has_request_context() and request.method in ("GET", "HEAD")
            g.db_session = (self.read_factory if reading else self.factory)()
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
