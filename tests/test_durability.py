"""SQLite group commit: a write is acknowledged only after an fsync of the WAL that began after
its COMMIT, the writer queue is free while that fsync runs, and concurrent commits share one.

These run on a SQLite file of their own on every suite (PostgreSQL syncs its own log).
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from annotator.db import engine as extensions
from annotator.db.engine import make_engine
from annotator.db.wal_sync import WalSync


class SlowWalSync(WalSync):
    """The real fsync, made slow and recorded, so the tests can see its timing."""

    def __init__(self, path: str, pause: float) -> None:
        super().__init__(path)
        self.pause = pause
        self.spans: list[tuple[float, float]] = []

    def _flush(self) -> None:
        begun = time.monotonic()
        time.sleep(self.pause)
        super()._flush()
        self.spans.append((begun, time.monotonic()))


@pytest.fixture
def slow_engine(tmp_path):
    """An engine whose connections share a SlowWalSync (registered before the first connect)."""
    path = str(tmp_path / "durable.sqlite")
    sync = SlowWalSync(path, pause=0.2)
    extensions._WAL_SYNCS[path] = sync
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    sync.spans.clear()
    sync.flushes = 0
    yield engine, sync
    engine.dispose()
    extensions._WAL_SYNCS.pop(path, None)


def test_write_commit_waits_for_a_wal_fsync_begun_after_it(slow_engine):
    engine, sync = slow_engine
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: we sync
        conn.execute(text("INSERT INTO t (who) VALUES ('a')"))
        committing = time.monotonic()
        conn.commit()
        returned = time.monotonic()
    assert len(sync.spans) == 1
    begun, ended = sync.spans[0]
    assert committing <= begun and ended <= returned


def test_read_only_transaction_does_not_sync(slow_engine):
    engine, sync = slow_engine
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
    assert sync.spans == [] and sync.flushes == 0


def test_next_writer_proceeds_while_the_previous_commit_syncs(slow_engine):
    """The writer lock is released at COMMIT, before the fsync, so writers do not queue on it."""
    engine, sync = slow_engine
    inserted: dict[str, float] = {}

    def write(who: str) -> None:
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": who})
            inserted[who] = time.monotonic()
            conn.commit()

    first = threading.Thread(target=write, args=("a",))
    first.start()
    while not sync.running:  # wait until a's fsync is under way
        time.sleep(0.005)
    write("b")
    first.join()
    a_begun, a_ended = sync.spans[0]
    assert a_begun < inserted["b"] < a_ended
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_concurrent_commits_share_fsyncs():
    """Eight threads committing at once need fewer fsyncs than commits, and each waits for one
    that began after its own call."""
    sync = SlowWalSync("/nonexistent/never", pause=0.05)  # no WAL file: the flush is only the pause
    calls: list[tuple[float, float]] = []
    lock = threading.Lock()

    def commit() -> None:
        called = time.monotonic()
        sync.durable()
        with lock:
            calls.append((called, time.monotonic()))

    threads = [threading.Thread(target=commit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 8
    assert 2 <= len(sync.spans) < 8
    for called, returned in calls:
        assert any(called <= b and e <= returned for b, e in sync.spans), (called, sync.spans)


def test_commit_and_read_sees_the_writes_without_holding_sqlite_writers(session):
    """A save's fragments see the save; on SQLite they are read after the commit, when the
    writer queue is free again, and on PostgreSQL just before it (no queue there)."""
    from sqlalchemy import func, select

    from annotator.extensions import db
    from annotator.models import User
    from tests.factories import make_user

    before = session.scalar(select(func.count()).select_from(User))
    make_user(session, "writer")
    session.flush()  # the INSERT: on SQLite this connection now holds the writer lock
    sqlite = db.engine.dialect.name == "sqlite"
    lock = extensions._writer_lock(db.engine)

    def read():
        queue_free = lock.mutex.acquire(blocking=False)
        if queue_free:
            lock.mutex.release()
        return queue_free, db.session.scalar(select(func.count()).select_from(User))

    queue_free, count = db.commit_and_read(read)
    assert count == before + 1
    if sqlite:
        assert queue_free  # read after the commit: no other writer waited for it
