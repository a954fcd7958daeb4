"""Benchmark assignments and the progress dashboard on a large project (SQLite file).

Run from the repository root: ``python bench/assign_bench.py [--statements N] [--annotators K]``.
Prints the time of a first ``assign`` run, of an idempotent re-run, and of the dashboard queries.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from annotator.accounts.users import create_user
from annotator.db.engine import make_engine
from annotator.db.migrate import upgrade_schema
from annotator.models import Statement
from annotator.projects.assignments import assign_project, assignment_summary
from annotator.projects.progress import project_progress
from annotator.projects.projects import create_project, set_member


def seed(session: Session, statements: int, annotators: int):
    """A project with ``statements`` short statements and ``annotators`` annotators."""
    project = create_project(session, "bench", "Bench")
    for i in range(annotators):
        user = create_user(session, f"ann{i}", "bench password", method="pbkdf2:sha256:1000")
        set_member(session, project, user, "annotator")
    for start in range(0, statements, 10_000):
        rows = [
            {"project_id": project.id, "external_id": f"s{i}", "text": f"text {i}",
             "text_sha256": hashlib.sha256(f"text {i}".encode()).hexdigest(), "meta": {}}
            for i in range(start, min(start + 10_000, statements))
        ]  # fmt: skip
        session.execute(insert(Statement), rows)
    session.commit()
    return project


def timed(label: str, fn):
    """Run fn, print how long it took, return its result."""
    began = time.perf_counter()
    result = fn()
    print(f"{label:<34} {time.perf_counter() - began:8.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        upgrade_schema(engine)
        with Session(engine) as session:
            project = seed(session, args.statements, args.annotators)
            print(f"{args.statements:,} statements, {args.annotators} annotators, N=2")
            report = timed("assign (first run)", lambda: assign_project(session, project))
            session.commit()
            print(f"  {report.created:,} assignments, {report.short} short")
            again = timed(
                "assign (re-run, tops up nothing)", lambda: assign_project(session, project)
            )
            print(f"  {again.created} assignments")
            timed("assignment summary", lambda: assignment_summary(session, project))
            timed("progress dashboard (page 1)", lambda: project_progress(session, project, 1))
            timed(
                "progress dashboard (last page)", lambda: project_progress(session, project, 10**9)
            )
        engine.dispose()


if __name__ == "__main__":
    main()
