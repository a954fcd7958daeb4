"""Group commit for SQLite: one fsync of the write-ahead log makes many commits durable.

With ``synchronous=FULL`` SQLite fsyncs the WAL inside every COMMIT, while the writer still
holds the write lock, so writers queue behind each other's disk flushes (about 0.2 ms each,
longer when the thread must then wait for the GIL). With ``synchronous=NORMAL`` a COMMIT only
writes the WAL, and SQLite itself fsyncs it before each checkpoint. This module supplies the
missing step: after a write transaction commits and the write lock is released, the committing
thread waits for an fsync of the WAL file that *started after* its COMMIT returned. Threads
that commit while an fsync runs share the next one, so a busy process flushes once for several
saves. A save is acknowledged only after that, so it is as durable as under FULL.

The WAL file is the same file for every connection, so an fsync by one connection flushes the
frames of all. When it does not exist, the last connection closed and checkpointed it into the
database file, which SQLite synced. A new WAL file (new inode) also gets its directory synced
once, as SQLite does for files it creates.
"""

from __future__ import annotations

import os
import sqlite3
import threading


class WalSync:
    """Coalesces the fsyncs of one database's WAL file among the threads of a process."""

    def __init__(self, database_path: str) -> None:
        self.path = f"{database_path}-wal"
        self.cond = threading.Condition()
        self.started = 0  # fsyncs begun in this process
        self.finished = 0  # the number of the last one completed
        self.running = False
        self._inode: int | None = None
        self.flushes = 0  # fsyncs actually issued, for tests and benchmarks

    def durable(self) -> None:
        """Return once an fsync that began after this call has completed."""
        with self.cond:
            needed = self.started + 1
            while self.finished < needed:
                if self.running:
                    self.cond.wait()
                    continue
                self.running = True
                self.started += 1
                mine = self.started
                self.cond.release()
                try:
                    self._flush()
                finally:
                    self.cond.acquire()
                    self.running = False
                    self.cond.notify_all()
                self.finished = mine  # only on success: after a failure the next waiter retries

    def _flush(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed into the database file and removed: already durable
        try:
            os.fsync(fd)
            inode = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        self.flushes += 1
        if inode != self._inode:
            _sync_directory(os.path.dirname(self.path) or ".")
            self._inode = inode


def _sync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableConnection(sqlite3.Connection):
    """A sqlite3 connection that, after committing a write, leaves the writer queue and syncs.

    ``wrote`` is set (to the writer lock held, or True) by the engine's first-write hook. On
    COMMIT the lock is released first, so the next writer starts while this one waits for its
    fsync; on ROLLBACK or close it is only released.
    """

    wal_sync: WalSync | None = None
    wrote: object = None

    def commit(self) -> None:
        super().commit()
        wrote = self.wrote
        self.leave_queue()
        if wrote is not None and self.wal_sync is not None:
            self.wal_sync.durable()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        """Closing (also when the pool invalidates the connection) rolls back: leave the queue."""
        try:
            super().close()
        finally:
            self.leave_queue()

    def leave_queue(self) -> None:
        """Release the writer lock if this connection holds it."""
        wrote, self.wrote = self.wrote, None
        _release(wrote)


def _release(held: object) -> None:
    release = getattr(held, "release", None)
    if release is not None:
        release()
