"""Load: 50 concurrent annotators create, edit and delete stances; nothing acknowledged is lost.

Starts ``annotator serve --workers 4`` on a free loopback port over a fresh database (the
data of bench/workspace_bench.py: a 20,000-character statement, now with 50 annotators),
then runs 50 keep-alive HTTP clients for ``--seconds`` (default 60). Five pairs of clients
are two browser tabs of one annotator editing the same stances, so stale versions (409) do
happen; the other 40 work alone and must never see one. Every client records each
acknowledged write (stance id, version, content). Afterwards the script checks that every
acknowledged write is in the database with the acknowledged content (the highest acknowledged
version of each stance is the stored one) and that the only errors were designed 409s.

Usage:  python bench/load.py [--database-url URL] [--seconds 60] [--workers 4] [--threads 2]
PostgreSQL: a scratch database only (its public schema is dropped), e.g.
  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE annotator_load'
  python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1/annotator_load
Exit status 1 when a check fails.
"""

from __future__ import annotations

import random
import re
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workspace_bench as wb  # noqa: E402

CLIENTS = 50
PAIRS = 5  # clients 0..9 are five pairs of tabs sharing one annotator
ITEM = re.compile(r'<li id="stance-(\d+)"[^>]*>.*?name="version" value="(\d+)"', re.S)
LABELS = ("claim", "condemnation", "support")


@dataclass
class Ack:
    """One write the server acknowledged: what the annotator was told is stored."""

    kind: str
    stance_id: int
    version: int
    content: tuple | None  # (start, end, label, note); None for a delete


@dataclass
class Tally:
    acks: list[Ack] = field(default_factory=list)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class LoadClient(wb.Client):
    """The benchmark client, answering with the status instead of raising on it."""

    def send(self, method: str, path: str, body: str | None, headers: dict) -> tuple[int, str]:
        headers = dict(headers, Cookie=self.cookie)
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read().decode()


def user_of(n: int) -> str:
    """Clients 2k and 2k+1 (k < PAIRS) share one annotator; the rest have their own."""
    return f"bench{n // 2 + 1 if n < 2 * PAIRS else n - PAIRS + 1}"


def run_client(port: int, n: int, statement_id: int, text: str, until: float, tally: Tally):
    """Create, edit and delete stances until ``until``; record acknowledgements."""
    client = LoadClient(port, user_of(n))
    path = f"/p/demo/s/{statement_id}"
    page = client.request("GET", path)
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf(page)}
    spans, rnd = wb.words(text), random.Random(n)
    known: dict[int, int] = {}  # stance id -> the version this client last saw
    seq = 0
    while time.perf_counter() < until:
        seq += 1
        if seq % 10 == 0:  # like a reload: learn the partner tab's stances and versions
            known = {int(i): int(v) for i, v in ITEM.findall(client.request("GET", path))}
        kind = rnd.choices(("create", "update", "delete"), (4, 4, 2))[0] if known else "create"
        content = _content(text, spans, rnd, f"c{n}-{seq}")
        target = rnd.choice(sorted(known)) if kind != "create" else None
        url, body = _request(path, kind, target, known.get(target), content)
        started = time.perf_counter()
        status, data = client.send("POST", url, body, headers)
        tally.times[kind].append((time.perf_counter() - started) * 1000)
        tally.statuses[(kind, status)] += 1
        _record(tally, kind, status, data, target, content, known, n)


def _content(text: str, spans, rnd, note: str) -> tuple:
    i = rnd.randrange(len(spans) - 10)
    start, end = spans[i][0], spans[i + rnd.randint(0, 8)][1]
    return (start, end, rnd.choice(LABELS), note)


def _request(path, kind, stance_id, version, content) -> tuple[str, str]:
    start, end, label, note = content
    if kind == "delete":
        return f"{path}/stances/{stance_id}/delete", urlencode({"version": version})
    form = {"start": start, "end": end, "label": label, "target": "iran", "note": note}
    form["text"] = TEXT[0][start:end]
    if kind == "update":
        form["version"] = version
        return f"{path}/stances/{stance_id}", urlencode(form)
    return f"{path}/stances", urlencode(form)


TEXT: list[str] = [""]  # the statement's text, shared by the request builders


def _record(tally, kind, status, data, target, content, known, n) -> None:
    """Keep what was acknowledged; a 409 is designed only for tabs sharing an annotator."""
    if status == 200:
        item = ITEM.search(data)
        stance_id, version = int(item.group(1)), int(item.group(2))
        if kind == "delete":
            known.pop(stance_id, None)
            tally.acks.append(Ack(kind, stance_id, version, None))
        else:
            known[stance_id] = version
            tally.acks.append(Ack(kind, stance_id, version, content))
    elif status == 409 and n < 2 * PAIRS:
        known.pop(target, None)
    else:
        tally.errors.append(f"client {n} {kind} {target}: {status} {data[:200]!r}")


def verify(url: str, tally: Tally) -> list[str]:
    """Every acknowledged write is stored as acknowledged; nothing stored was unacknowledged."""
    from sqlalchemy import text as sql

    from annotator.db.engine import make_engine

    query = (
        'SELECT s.id, s.version, s.start, s."end", l.key, s.note, s.deleted_at IS NOT NULL '
        "FROM stances s JOIN labels l ON l.id = s.label_id JOIN users u ON u.id = s.annotator_id "
        "WHERE u.username <> 'bench0' AND u.username LIKE 'bench%'"
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = {row[0]: row[1:] for row in conn.execute(sql(query))}
    engine.dispose()
    latest: dict[int, Ack] = {}
    problems = []
    for ack in tally.acks:
        row = stored.get(ack.stance_id)
        if row is None:
            problems.append(f"acknowledged stance {ack.stance_id} is missing")
        elif row[0] < ack.version:
            problems.append(f"stance {ack.stance_id} is at v{row[0]}, acknowledged v{ack.version}")
        if ack.stance_id not in latest or latest[ack.stance_id].version < ack.version:
            latest[ack.stance_id] = ack
    for stance_id, ack in latest.items():
        row = stored.get(stance_id)
        if row is None:
            continue
        expected = (ack.version, True) if ack.content is None else (ack.version, *ack.content)
        got = (row[0], row[5]) if ack.content is None else row[:5]
        if got != expected:
            problems.append(f"stance {stance_id}: stored {got}, last acknowledged {expected}")
    created = {a.stance_id for a in tally.acks if a.kind == "create"}
    if set(stored) - created:
        problems.append(f"{len(set(stored) - created)} stored stances were never acknowledged")
    return problems


def run(url: str, seconds: float, workers: int, threads: int) -> int:
    wb.CLIENTS = CLIENTS  # build() creates bench0..bench50, each assigned the statement
    statement_id = wb.build(url)
    TEXT[0] = _statement_text(url, statement_id)
    port = wb.free_port()
    server = wb.serve(url, port, workers, threads)
    tally = Tally()
    try:
        started = time.perf_counter()
        until = started + seconds
        pool = [
            threading.Thread(target=_guard, args=(port, n, statement_id, until, tally))
            for n in range(CLIENTS)
        ]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(30)
    problems = tally.errors + verify(url, tally)
    report(url, workers, threads, elapsed, tally, problems)
    return 1 if problems else 0


def _guard(port, n, statement_id, until, tally):
    try:
        run_client(port, n, statement_id, TEXT[0], until, tally)
    except Exception as exc:  # noqa: BLE001 - a dead client is reported, not hidden
        tally.errors.append(f"client {n} stopped: {exc!r}")


def _statement_text(url: str, statement_id: int) -> str:
    from sqlalchemy import text as sql

    from annotator.db.engine import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.execute(sql("SELECT text FROM statements WHERE id = :i"), {"i": statement_id})
        text = value.scalar()
    engine.dispose()
    return text


def report(url, workers, threads, elapsed, tally: Tally, problems: list[str]) -> None:
    db = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    total = sum(len(t) for t in tally.times.values())
    print(f"{db}: {CLIENTS} clients ({PAIRS} pairs of tabs), {workers} workers x {threads} threads")
    print(f"  {total:,} writes in {elapsed:.0f} s = {total / elapsed:,.1f}/s")
    for kind in ("create", "update", "delete"):
        times = tally.times[kind]
        if times:
            print(
                f"  {kind:>6}: {len(times) / elapsed:7.1f}/s  p50 {wb.pct(times, 50):6.1f} ms"
                f"  p99 {wb.pct(times, 99):7.1f} ms"
            )
    statuses = ", ".join(f"{k} {s}: {c}" for (k, s), c in sorted(tally.statuses.items()))
    print(f"  statuses: {statuses}")
    print(f"  acknowledged writes verified: {len(tally.acks):,}; problems: {len(problems)}")
    for problem in problems[:20]:
        print(f"    {problem}")


def main() -> None:
    args = wb.options(__doc__, workers=4, seconds=60.0)
    sys.exit(run(args.url, args.seconds, args.workers, args.threads))


if __name__ == "__main__":
    main()
