"""A stream export written by several processes side by side, each a range of statements.

One process builds about 70,000 records/s on a 2-core machine of December 2026 (issue 15
asks 100,000): the records are made in Python, so one core is the limit, whatever the
database. A format whose output is its statements' outputs one after the other, with no
header, footer or numbering across statements (``Exporter.splittable``: jsonl, relations,
statements-jsonl, doccano), can instead be built in ranges of statements by worker processes
while this one writes their text in order, as ``pg_dump --jobs`` dumps tables side by side.
The output is byte for byte the one-process output (tests/test_split_export.py).

Memory stays bounded: at most ``2 * jobs`` ranges (``BATCH`` statements each) are built or
waiting at any time, however large the project. On PostgreSQL every worker reads the
snapshot of the exporting transaction (``pg_export_snapshot``), so the dataset is one
moment of the project, as pg_dump's workers do; SQLite cannot share a snapshot between
connections, so there each range is read in its own transaction (the one-process export
reads all in one).

The workers are forked (they inherit the request, the code and the engine; nothing is
pickled but the ranges and their text), and each starts with an empty connection pool
(``Engine.dispose(close=False)``, as SQLAlchemy advises for forked processes): a connection
is never used across a fork.
"""

from __future__ import annotations

import codecs
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from annotator.formats import Chunks, Counts, write_chunks

# What a worker runs for a range of statement ids: the format's chunks, read in ``session``.
ShareChunks = Callable[[Session, tuple[int, int]], Chunks]

_worker: dict[str, Any] = {}  # the forked worker's engine, snapshot and ShareChunks


def write_split(
    session: Session,
    share_chunks: ShareChunks,
    shares: Iterable[tuple[int, int]],
    out: TextIO,
    jobs: int,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Write the chunks of each range of ``shares`` to ``out`` in order, built by ``jobs``
    worker processes; the counts of all of them. ``session``'s transaction stays open
    until the end (on PostgreSQL the workers read its snapshot)."""
    engine = session.connection().engine
    snapshot = _export_snapshot(session) if engine.dialect.name == "postgresql" else None
    counts, write = Counts(), _byte_writer(out)
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, _start, (engine, snapshot, share_chunks)) as pool:
        for data, part in _in_order(pool, shares, 2 * jobs):
            write(data)
            counts.add(part)
            if progress is not None:
                progress(part.records)
    return counts


def _in_order(pool, shares: Iterable[tuple[int, int]], window: int) -> Iterator[tuple]:
    """The workers' results in the order of ``shares``, with at most ``window`` asked for
    and not yet written: the bound on memory (``Pool.imap`` would queue every range and
    keep every finished text until its turn, however slowly ``out`` drains)."""
    pending: deque = deque()
    for ids in shares:
        pending.append(pool.apply_async(_share, (ids,)))
        if len(pending) >= window:
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _byte_writer(out: TextIO) -> Callable[[bytes], Any]:
    """Write a worker's UTF-8 bytes as they are where ``out`` is a UTF-8 file without newline
    translation (the CLI's file and standard output): sending text instead cost this process
    half a core at 1,000,000 stances (decoding 13 MB strings from the pipe, encoding them
    again to write). Other text files (a test's StringIO) get the decoded text."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None and codecs.lookup(out.encoding).name == "utf-8":
        out.flush()
        return buffer.write
    return lambda data: out.write(data.decode())


def _export_snapshot(session: Session) -> str:
    return session.connection().exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()


def _start(engine: Engine, snapshot: str | None, share_chunks: ShareChunks) -> None:
    """In each worker: a new pool, so the parent's connections stay the parent's."""
    engine.dispose(close=False)
    _worker.update(engine=engine, snapshot=snapshot, share_chunks=share_chunks)


def _share(ids: tuple[int, int]) -> tuple[bytes, Counts]:
    """One range of statements, built in a worker: its text (UTF-8) and its counts."""
    engine: Engine = _worker["engine"]
    with Session(engine) as session:
        if _worker["snapshot"] is not None:
            _import_snapshot(session, _worker["snapshot"])
        parts: list[str] = []
        counts = write_chunks(_worker["share_chunks"](session, ids), _Collect(parts))
    return "".join(parts).encode(), counts


def _import_snapshot(session: Session, snapshot: str) -> None:
    """Read what the exporting transaction sees (its first statement must be this)."""
    conn = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    quoted = snapshot.replace("'", "''")  # an id PostgreSQL made, quoted all the same
    conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{quoted}'")


class _Collect:
    """The ``write`` that ``write_chunks`` calls, into a list joined once."""

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append
