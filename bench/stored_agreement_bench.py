"""Time the stored agreement on the yardstick project of ``scale.py``.

Builds (or reuses) the scale project in a SQLite file, then measures in one run:

* baseline: the direct computation the page made before (``agreement_report`` with 200
  bootstrap resamples), every statement of the project (``include_unfinished``);
* a full run (no stored statement yet), a run with nothing changed, and an incremental run
  after one stance of one statement moved;
* the agreement page reading the stored result (p50/p95 over ``--requests`` GETs, logged in
  as the lead, through the Flask test client).

Each run prints a digest of its stored result, so two versions of the code can be shown to
store the same figures on the same file. An existing file is first upgraded to the newest
schema (``--skip-direct`` leaves out the baseline, for quick before/after comparisons).
Times are wall clock and the process's CPU time: on a shared machine the CPU time is the
steadier figure (the job is single-threaded; the database reads count in it, on SQLite).

Usage: python bench/stored_agreement_bench.py [--scale 0.1] [--db /tmp/x/scale.sqlite3]
(run from the repository root; --scale 1 builds 100,000 statements, 1,000,000 stances).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402
from workspace_bench import PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--db", default="/tmp/agree-scale/scale.sqlite3")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--skip-direct", action="store_true")
    args = parser.parse_args()
    path = Path(args.db)
    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        scale.build(url, scale.sizes(args.scale))
        print(f"built in {time.perf_counter() - began:.0f} s", file=sys.stderr)
    else:
        upgrade(url)
    measure(url, args.requests, direct=not args.skip_direct)


def upgrade(url: str) -> None:
    """Bring a file built by an older version to the newest schema (timed: a backfill)."""
    from sqlalchemy import create_engine

    from annotator.db.migrate import upgrade_schema

    began = time.perf_counter()
    engine = create_engine(url)
    upgrade_schema(engine)
    engine.dispose()
    print(f"schema upgrade: {time.perf_counter() - began:.1f} s", file=sys.stderr)


def digest(result: dict) -> str:
    """A short digest of a stored result: equal digests, equal figures."""
    text = json.dumps(result, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def measure(url: str, requests: int, direct: bool = True) -> None:
    from sqlalchemy import select

    from annotator import create_app
    from annotator.extensions import db
    from annotator.models import AgreementRun, Project, Stance, Statement
    from annotator.review import stored_agreement as sa
    from annotator.review.agreement_jobs import run_now

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        session = db.session
        project = session.scalars(select(Project).where(Project.slug == "scale")).one()
        if direct:
            baseline(session, project)

        def run(name: str) -> None:
            job = sa.request_run(session, project, None, include_unfinished=True)
            session.commit()
            began, cpu = time.perf_counter(), time.process_time()
            run_now(session, job.id)
            took, cpu = time.perf_counter() - began, time.process_time() - cpu
            job = session.get(AgreementRun, job.id, populate_existing=True)
            assert job.state == "done", job.error
            print(
                f"{name}: {took:.1f} s, CPU {cpu:.1f} s ({job.recomputed} compared afresh,"
                f" {job.reused} reused; result {digest(job.result)})"
            )

        run("full run (nothing stored)")
        run("run, nothing changed")
        stance = session.scalars(
            select(Stance)
            .join(Statement)
            .where(Statement.project_id == project.id, Stance.is_gold.is_(False))
            .limit(1)
        ).one()
        stance.end = stance.end + 3
        session.commit()
        run("incremental run after one stance moved")
    page(app, requests)


def baseline(session, project) -> None:
    """The direct computation the page made before, with intervals."""
    from annotator.review.agreement_report import agreement_report

    began, cpu = time.perf_counter(), time.process_time()
    direct = agreement_report(session, project, {}, include_unfinished=True, intervals=True)
    print(
        f"data: {direct['n_statements']} statements, {direct['n_stances']} stances, "
        f"{direct['relations']['n_relations']} relations (every statement of the project)"
    )
    took, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"baseline direct computation (200 resamples): {took:.1f} s, CPU {cpu:.1f} s")


def page(app, requests: int) -> None:
    """The agreement page with the stored result, as the lead sees it."""
    client = app.test_client()
    login = client.post("/login", data={"username": "lead", "password": PASSWORD})
    assert login.status_code == 302, login.status_code
    path = "/p/scale/review/agreement?include_unfinished=1"
    times = []
    for _ in range(requests + 1):
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200 and b"Stored result of" in response.data
    times = sorted(times[1:])  # the first request warms the template cache
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    print(f"page with the stored result: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
