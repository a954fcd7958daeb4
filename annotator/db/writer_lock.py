"""The queue SQLite writers wait in: a mutex for threads, a file lock for processes."""

from __future__ import annotations

import fcntl
import os
import threading
import time


class WriterLock:
    """Serialises SQLite writers of all threads and all processes using one database file.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between attempts, so a
    writer of one gunicorn worker could starve while the other worker's threads took turns.
    Threads of a process queue on a mutex; the one at the head then takes an exclusive
    ``flock`` on ``path`` (beside the database), which the kernel hands over between
    processes without those sleeps. The lock file's descriptor is opened per process, so a
    forked worker never shares its parent's.
    """

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.mutex = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; False means go on without it (SQLite still waits)."""
        deadline = time.monotonic() + timeout
        if not self.mutex.acquire(timeout=timeout):
            return False
        if self.path is None or self._flock(deadline):
            return True
        self.mutex.release()
        return False

    def release(self) -> None:
        if self.path is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.mutex.release()

    def _flock(self, deadline: float) -> bool:
        """Poll without blocking (a blocking flock could not time out), at most 0.5 ms apart.

        A write holds the lock for well under a millisecond, so a longer pause would leave
        it idle; a waiting thread's polls cost about 1 % of a core.
        """
        fd, pause = self._descriptor(), 0.0001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 1.5, 0.0005)

    def _descriptor(self) -> int:
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd
