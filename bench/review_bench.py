"""Benchmark the review services on SQLite (or any URL) through the real code paths.

Run from the repository root: ``python bench/review_bench.py [--statements N]
[--database-url URL]``. Targets (issue 6):
(a) agreement over 10,000 statements x 3 annotators x 20 stances loaded from the database
    in < 3 s (load and compute reported separately);
(b) the side-by-side page with 3 annotators x 200 stances rendered with p50 < 50 ms through
    the Flask test client;
(c) ``adjudicate --auto`` (``--auto-statements`` x 3 annotators x 20 stances): time and
    SQL statements by kind, which must not grow with the number of statements;
(d) the review queue's first page (``--queue-statements`` ready statements x 3 annotators x
    20 stances) in <= 0.8 s, wall and CPU, median of ``--queue-runs`` calls (the whole-queue
    computation it measured before is gone: the page reads only its own statements).
Data are generated from a fixed seed and bulk-inserted with Core (the set-up is not timed).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.accounts.users import create_user  # noqa: E402
from annotator.agreement.stances import compute_agreement  # noqa: E402
from annotator.db.migrate import upgrade_schema  # noqa: E402
from annotator.extensions import db  # noqa: E402
from annotator.models import Actor, Assignment, Label, Stance, Statement  # noqa: E402
from annotator.projects.projects import create_project, set_member  # noqa: E402
from annotator.review import review  # noqa: E402
from annotator.review.agreement_input import load_input  # noqa: E402
from annotator.review.queue_page import review_queue_page  # noqa: E402
from annotator.review.unanimous import adjudicate_auto  # noqa: E402

HASH = "pbkdf2:sha256:1000"
PASSWORD = "bench password"
WORDS = [
    "Iran",
    "condemns",
    "the",
    "aggression",
    "of",
    "Israel",
    "while",
    "the",
    "USA",
    "supports",
    "its",
    "ally",
    "and",
    "Russia",
]


def make_text(rng: random.Random, size: int) -> str:
    words, length = [], 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    return " ".join(words)[:size]


def seed(session, slug: str, n_statements: int, per_statement: int, rng: random.Random):
    """A project, 3 done annotators on every statement, ``per_statement`` stances each."""
    project = create_project(session, slug, slug)
    users = [create_user(session, f"{slug}-a{k}", PASSWORD, method=HASH) for k in range(3)]
    for user in users:
        set_member(session, project, user, "annotator")
    reviewer = create_user(session, f"{slug}-rev", PASSWORD, method=HASH)
    set_member(session, project, reviewer, "reviewer")
    actors = [Actor(project_id=project.id, key=f"actor-{k}", name=f"Actor {k}") for k in range(50)]
    session.add_all(actors)
    session.flush()
    labels = list(session.scalars(select(Label.id).where(Label.project_id == project.id)))
    size = max(2000, per_statement * 12)
    text = make_text(rng, size)
    rows = [
        dict(
            project_id=project.id, external_id=f"s{k}", text=text, text_sha256=f"{k:064d}", meta={}
        )
        for k in range(n_statements)
    ]
    for k in range(0, len(rows), 5000):
        session.execute(insert(Statement), rows[k : k + 5000])
    ids = list(session.scalars(select(Statement.id).where(Statement.project_id == project.id)))
    session.execute(
        insert(Assignment),
        [dict(statement_id=s, annotator_id=u.id, state="done") for s in ids for u in users],
    )
    stances = []
    for sid in ids:
        reference = _reference(rng, size, per_statement, labels, actors)
        for user in users:
            stances.extend(_copy(rng, sid, user.id, text, reference))
    for k in range(0, len(stances), 20000):
        session.execute(insert(Stance), stances[k : k + 20000])
    session.commit()
    return project, ids, reviewer


def _reference(rng, size, n, labels, actors):
    slot = size // n
    out = []
    for k in range(n):
        start = k * slot + rng.randint(0, slot // 3)
        end = start + rng.randint(3, slot // 2)
        out.append((start, end, rng.choice(labels), rng.choice(actors).id))
    return out


def _copy(rng, sid, uid, text, reference):
    for start, end, label, target in reference:
        if rng.random() < 0.3:
            start = max(0, start + rng.randint(-2, 2))
        if rng.random() < 0.1:
            label = label + 1 if label % 3 else label - 1
        yield dict(
            statement_id=sid,
            annotator_id=uid,
            start=start,
            end=end,
            text=text[start:end],
            label_id=label,
            target_id=target,
            version=1,
        )


def bench_agreement(app, n_statements: int) -> None:
    with app.app_context():
        project, _, _ = seed(db.session, "agree", n_statements, 20, random.Random(6))
        began, cpu0 = time.perf_counter(), time.process_time()
        data = load_input(db.session, project, False)
        units, marks = data.units, data.stances
        loaded, cpu1 = time.perf_counter(), time.process_time()
        result = compute_agreement(units, marks)
        done, cpu2 = time.perf_counter(), time.process_time()
    print(
        f"(a) agreement: {len(units)} statements, {len(marks)} stances: load {loaded - began:.2f} s"
        f" + compute {done - loaded:.2f} s = {done - began:.2f} s wall (target < 3 s); "
        f"CPU {cpu1 - cpu0:.2f} + {cpu2 - cpu1:.2f} s"
    )
    print("    ", {k: result[k] for k in ("cohen_kappa", "span_f1_overlap", "unitized_alpha")})


def bench_side_by_side(app, runs: int) -> None:
    with app.app_context():
        project, (sid,), reviewer = seed(db.session, "sbs", 1, 200, random.Random(7))
        username = reviewer.username
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    url = f"/p/sbs/review/s/{sid}"
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    times, cpu = [], []
    for _ in range(runs):
        began, cpu0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        cpu.append(time.process_time() - cpu0)
        assert response.status_code == 200
    p50, p90 = statistics.median(times), sorted(times)[int(0.9 * len(times))]
    print(
        f"(b) side by side, 3 x 200 stances, {len(first.data) // 1024} KiB: "
        f"p50 {1000 * p50:.1f} ms, p90 {1000 * p90:.1f} ms over {runs} runs (target p50 < 50 ms);"
        f" CPU p50 {1000 * statistics.median(cpu):.1f} ms"
    )
    print(f"    machine load average: {os.getloadavg()[0]:.1f}")


def bench_auto(app, n_statements: int) -> None:
    """Accept the unanimous stances of n statements; count SQL statements by their first word."""
    with app.app_context():
        project, _, _ = seed(db.session, "auto", n_statements, 20, random.Random(8))
        kinds: Counter = Counter()

        def count(conn, cursor, statement, *args):
            kinds[statement.split(None, 1)[0].upper()] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        began = time.perf_counter()
        report = adjudicate_auto(db.session, project)
        db.session.commit()
        took = time.perf_counter() - began
        event.remove(db.engine, "before_cursor_execute", count)
    print(
        f"(c) adjudicate --auto: {report.statements} statements, {report.created} gold stances "
        f"in {took:.2f} s; SQL statements: {dict(sorted(kinds.items()))}"
    )


def bench_queue(app, n_statements: int, runs: int) -> None:
    """The first page of the review queue of n ready statements; CPU time too (shared machine)."""
    with app.app_context():
        project, _, _ = seed(db.session, "queue", n_statements, 20, random.Random(9))
        names = review.annotator_names(db.session, project, hide=False)
        walls, cpus = [], []
        for _ in range(runs):
            began, cpu0 = time.perf_counter(), time.process_time()
            rows = review_queue_page(db.session, project, names).rows
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu0)
            db.session.rollback()
    print(
        f"(d) review queue, first page: {len(rows)} statements, "
        f"{sum(r.stances for r in rows)} stances: "
        f"median {statistics.median(walls):.2f} s wall (min {min(walls):.2f}), "
        f"CPU {statistics.median(cpus):.2f} s over {runs} runs (target <= 0.8 s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--auto-statements", type=int, default=2_000)
    parser.add_argument("--queue-statements", type=int, default=2_000)
    parser.add_argument("--queue-runs", type=int, default=5)
    parser.add_argument("--only", choices=["agreement", "side-by-side", "auto", "queue"])
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
        app.instance_path = tmp
        upgrade_schema(db.engine)
        if args.only in (None, "agreement"):
            bench_agreement(app, args.statements)
        if args.only in (None, "side-by-side"):
            bench_side_by_side(app, args.runs)
        if args.only in (None, "auto"):
            bench_auto(app, args.auto_statements)
        if args.only in (None, "queue"):
            bench_queue(app, args.queue_statements, args.queue_runs)


if __name__ == "__main__":
    main()
