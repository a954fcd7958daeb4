"""The review queue's note "N statements changed since the stored figures", before and after.

The queue ordered by stored agreement says how many statements changed since the agreement
run it reads. It used to count them on every page request over every project's edits since
the run (``baseline`` below is that code, kept here to measure against in the same run); now
the first page counts them, capped (``stored_agreement.CHANGED_CAP``), and later pages not
at all. Builds (or reuses) the yardstick project of ``scale.py`` in a SQLite file, runs the
agreement job of finished statements once, then touches the stances of ``--changed``
statements of the big project and times, alternating old and new in rounds so both see the
same load: the old note, the new note of the first page, and of a later page. Also the
demo project's first page, whose own statements did not change: the scan still reads the
other project's edits (the cap cannot stop it early).

Usage:  python bench/queue_note_bench.py [--db /tmp/x/scale.sqlite3] [--scale 0.1]
        [--changed 5000] [--rounds 15]
Figures are CPU milliseconds of the process (SQLite runs in it), median over rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402


def baseline(session, project, when) -> int:
    """The count as the queue made it before: uncapped, on every page."""
    from sqlalchemy import func, select

    from annotator.models import Assignment, Relation, Stance, Statement

    changed: set[int] = set()
    for model in (Stance, Relation, Assignment):
        rows = session.execute(select(model.statement_id).where(model.updated_at > when))
        changed.update(rows.scalars())
    ids = list(changed)
    return sum(
        session.scalar(
            select(func.count()).where(
                Statement.id.in_(ids[k : k + 500]), Statement.project_id == project.id
            )
        )
        for k in range(0, len(ids), 500)
    )


def prepare(session, project, changed: int) -> None:
    """A finished-scope run stored, then the stances of ``changed`` statements edited after it."""
    from sqlalchemy import select, update

    from annotator.models import AgreementRun, Stance, Statement, utcnow
    from annotator.review import stored_agreement as sa
    from annotator.review.agreement_jobs import run_now

    run = sa.latest_run(session, project, False)
    if run is None:
        job = sa.request_run(session, project, None, resamples=0)
        session.commit()
        began = time.perf_counter()
        run_now(session, job.id)
        run = session.get(AgreementRun, job.id, populate_existing=True)
        print(f"agreement run: {run.state} in {time.perf_counter() - began:.0f} s")
    if not changed:
        return
    ids = select(Statement.id).where(Statement.project_id == project.id).limit(changed)
    later = max(run.started_at, utcnow()) + timedelta(seconds=1)
    touched = session.execute(
        update(Stance).where(Stance.statement_id.in_(ids)).values(updated_at=later)
    ).rowcount
    session.commit()
    print(f"touched {touched} stances of {changed} statements after the run")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/queue-note/scale.sqlite3")
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--changed", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    app = scale.scale_app(Path(args.db), args.scale)
    from sqlalchemy import select

    from annotator.extensions import db
    from annotator.models import Project
    from annotator.review import queue_order as qo
    from annotator.review.stored_agreement import latest_run

    with app.app_context():
        session = db.session
        big = session.scalars(select(Project).where(Project.slug == "scale")).one()
        demo = session.scalars(select(Project).where(Project.slug == "demo")).one()
        prepare(session, demo, 0)  # its run comes before the big project's edits
        prepare(session, big, args.changed)
        when = latest_run(session, big, False).started_at
        demo_when = latest_run(session, demo, False).started_at
        cases = {
            "before (every page)": lambda: baseline(session, big, when),
            "after, first page": lambda: qo.stored_note(session, big, count_changes=True),
            "after, later page": lambda: qo.stored_note(session, big, count_changes=False),
            "before, demo (other project)": lambda: baseline(session, demo, demo_when),
            "after, demo first page": lambda: qo.stored_note(session, demo, count_changes=True),
        }
        print(f"counts: before {baseline(session, big, when)}, after",
              qo.stored_note(session, big, count_changes=True)["changed"])  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, fn in cases.items():
                times[name].append(scale.cpu_ms(fn))
                session.rollback()
    print(f"{time.strftime('%Y-%m-%d %H:%M')} UTC, load average {os.getloadavg()[0]:.1f}")
    for name, ms in times.items():
        print(f"{name}: median {statistics.median(ms):.1f} ms CPU (min {min(ms):.1f})")


if __name__ == "__main__":
    main()
