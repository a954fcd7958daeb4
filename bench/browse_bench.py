"""In-process cost of the statement browser's pages (``browse()``: its queries and Python).

Runs against a database built by ``bench/scale.py`` (its ``build``), in the project ``scale``
unless told otherwise: every statement there holds ``regime`` and ``strikes``, and the number
of statement ``k`` (``Statement 1234.``) is a word of that statement alone. ``--markers`` first
appends marker words to the project's texts (SQLite only; the FTS5 index is rebuilt), as the
PostgreSQL figures of the README's *Search per project* had them: ``midfreq`` in every tenth
statement, ``rarefreq`` in every hundredth, ``clusterfreq`` in the last 600. Apply it to each
copy being compared, never to a database in use.

The ``annotator`` imported is whichever is first on the path: to compare two trees, run this
file with ``PYTHONPATH`` set to each in turn, on copies of one database, alternating.

Usage:  PYTHONPATH=TREE python bench/browse_bench.py sqlite:////tmp/x.sqlite [--runs 30]
        [--project scale] [--markers] [--only 'by date,plain']
Prints per case: wall p50 / p95 and CPU p50 (ms) of ``--runs`` calls after two warm-ups.
"""

from __future__ import annotations

import argparse
import statistics
import time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from annotator.db.engine import make_engine
from annotator.models import Project
from annotator.statements.browser import Filters, browse

MID = "2017-06-15,0"  # a cursor in the middle of the date order: (date, id) after it
CASES = {
    "regime strikes, import order": Filters(q="regime strikes"),
    "regime strikes, by date": Filters(q="regime strikes", sort="date"),
    "regime strikes, latest date first": Filters(q="regime strikes", sort="-date"),
    "regime strikes, by date, mid cursor": Filters(q="regime strikes", sort="date", after=MID),
    "1234 (one statement), by date": Filters(q="1234", sort="date"),
    "midfreq (10 %), by date": Filters(q="midfreq", sort="date"),
    "rarefreq (1 %), by date": Filters(q="rarefreq", sort="date"),
    "clusterfreq (last 600), by date": Filters(q="clusterfreq", sort="date"),
    "plain list, by date": Filters(sort="date"),
    "plain list, latest date first": Filters(sort="-date"),
    "plain list, by date, mid cursor": Filters(sort="date", after=MID),
}
MARKERS = (("midfreq", 10), ("rarefreq", 100))


def add_markers(session: Session, project_id: int) -> None:
    """Marker words in a tenth, a hundredth and the last 600 of the project (SQLite)."""
    where = "project_id = :p"
    for word, every in MARKERS:
        sql = f"UPDATE statements SET text = text || ' {word}' WHERE {where} AND id % {every} = 0"
        session.execute(text(sql), {"p": project_id})
    last = "id > (SELECT max(id) - 600 FROM statements WHERE project_id = :p)"
    session.execute(
        text(f"UPDATE statements SET text = text || ' clusterfreq' WHERE {where} AND {last}"),
        {"p": project_id},
    )
    session.execute(text("INSERT INTO statements_fts(statements_fts) VALUES ('rebuild')"))
    session.commit()


def measure(session: Session, project: Project, filters: Filters, runs: int) -> dict:
    walls, cpus = [], []
    for k in range(runs + 2):
        wall, cpu = time.perf_counter(), time.thread_time()
        page = browse(session, project, filters, own=None)
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        session.rollback()  # each page is a request: a transaction of its own
        if k >= 2:
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
    walls.sort()
    return {
        "rows": len(page.rows),
        "p50": statistics.median(walls),
        "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "cpu": statistics.median(cpus),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--project", default="scale")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--markers", action="store_true")
    parser.add_argument("--only", help="comma-separated parts of case names")
    args = parser.parse_args()
    engine = make_engine(args.url)
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == args.project))
        if args.markers:
            add_markers(session, project.id)
            return
        parts = args.only.split(",") if args.only else [""]
        for name, filters in CASES.items():
            if any(p in name for p in parts):
                r = measure(session, project, filters, args.runs)
                print(
                    f"{name:<40} rows {r['rows']:>3}  p50 {r['p50']:7.2f}  p95 {r['p95']:7.2f}"
                    f"  cpu {r['cpu']:7.2f} ms",
                    flush=True,
                )
    engine.dispose()


if __name__ == "__main__":
    main()
