"""Export 100,000 and 1,000,000 stances from SQLite as jsonl and csv; print stances/s and peak RSS.

Run from the repository root: ``python bench/export_bench.py [--sizes 100000,1000000]``.
"bundles" is the database side alone (records built, no writer), to show where time goes.
A format with ``@download`` (``jsonl@download``) is pulled as the download page and the API
stream it (``requests.stream_export``: UTF-8 chunks), rather than written to a file object.
Each size gets its own SQLite file, generated with bulk Core inserts (statements of 50
stances: 40 by four annotators, 10 gold with a decision each). Each export then runs in a
fresh process, so its peak RSS (``resource.getrusage``) belongs to that export alone. The
one-minute load average after each export tells whether other work shared the machine.
Targets (issue 5): >= 100,000 stances/s and < 200 MB peak at 1,000,000, flat in the size.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, insert, select  # noqa: E402

from annotator.models import Actor, GoldDecision, Label, Stance, Statement, User  # noqa: E402

PER_STATEMENT = 50
GOLD_PER_STATEMENT = 10
BATCH = 20_000
WORDS = ("the", "regime", "condemns", "support", "claims", "Teheran", "Daesh", "rebels", "war")


def generate(path: Path, stances: int, seed: int = 0) -> None:
    """A migrated SQLite database holding one project with ``stances`` stances."""
    from annotator.db.migrate import upgrade_schema
    from annotator.models import Project
    from annotator.projects.projects import DEFAULT_LABELS

    engine = create_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    rnd = random.Random(seed)
    now = datetime(2024, 2, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Project), [{"slug": "bench", "name": "Bench"}])
        labels = [dict(spec, project_id=1, position=i) for i, spec in enumerate(DEFAULT_LABELS)]
        conn.execute(insert(Label), labels)
        conn.execute(
            insert(User), [{"username": f"annotator{k}", "password_hash": "x"} for k in range(4)]
        )
        actors = [{"project_id": 1, "key": f"actor-{k}", "name": f"Actor {k}", "type": "state",
                   "wikidata": f"Q{k + 1}"} for k in range(200)]  # fmt: skip
        conn.execute(insert(Actor), actors)
        label_ids = list(conn.scalars(select(Label.id)))
    n_statements = stances // PER_STATEMENT
    for first in range(0, n_statements, BATCH // PER_STATEMENT):
        count = min(BATCH // PER_STATEMENT, n_statements - first)
        _insert_batch(engine, rnd, first, count, label_ids, now)
    engine.dispose()


def _insert_batch(engine, rnd, first, count, label_ids, now) -> None:
    statements, stance_rows = [], []
    for k in range(first, first + count):
        text = " ".join(rnd.choice(WORDS) for _ in range(120)) + " 🇮🇷 داعش."
        statements.append({"id": k + 1, "project_id": 1, "external_id": f"s{k}", "text": text,
                           "text_sha256": f"{k:064d}", "title": f"Statement {k}",
                           "organization": "RCIT", "date": "2024-01-19", "meta": {}})  # fmt: skip
        for j in range(PER_STATEMENT):
            start = rnd.randint(0, len(text) - 40)
            end = start + rnd.randint(5, 39)
            gold = j >= PER_STATEMENT - GOLD_PER_STATEMENT
            stance_rows.append({"statement_id": k + 1, "is_gold": gold,
                                "annotator_id": None if gold else j % 4 + 1, "start": start,
                                "end": end, "text": text[start:end],
                                "label_id": rnd.choice(label_ids),
                                "target_id": rnd.randint(1, 200), "holder_id": None, "note": "",
                                "guidelines_version": 1, "version": 1,
                                "created_at": now, "updated_at": now})  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(Statement), statements)
        conn.execute(insert(Stance), stance_rows)
        gold = conn.execute(
            select(Stance.id, Stance.statement_id).where(
                Stance.is_gold, Stance.statement_id > first
            )
        ).all()
        conn.execute(insert(GoldDecision), [
            {"statement_id": statement_id, "gold_stance_id": i, "decision": "accept",
             "source_stance_ids": [i - 10, i - 20]} for i, statement_id in gold
        ])  # fmt: skip


def run_export(path: Path, format_name: str) -> dict:
    """One export (scope all) to the null device; the figures of this process."""
    from annotator import create_app
    from annotator.exchange.export import ExportRequest, request_bundles, write_export
    from annotator.exchange.requests import stream_export
    from annotator.extensions import db
    from annotator.formats import Counts
    from annotator.projects.projects import get_project

    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context(), db.factory() as session, open(os.devnull, "w") as out:
        project = get_project(session, "bench")
        began, cpu = time.perf_counter(), time.process_time()
        if format_name == "bundles":  # the database side alone, without a writer
            counts = Counts()
            for bundle in request_bundles(session, project, ExportRequest("jsonl", "all")):
                counts.add_bundle(bundle["stances"])
        elif format_name.endswith("@download"):  # as the page and the API stream it
            request = ExportRequest(format_name.removesuffix("@download"), "all")
            size = 0
            for chunk in stream_export(db.factory, project.id, request):
                size += len(chunk)
            counts = Counts(records=_count_stances(session))
        else:
            counts, _ = write_export(session, project, ExportRequest(format_name, "all"), out)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": format_name, "stances": counts.records, "seconds": round(seconds, 2),
            "stances_per_s": round(counts.records / seconds),
            "per_cpu_s": round(counts.records / cpu), "peak_rss_mb": round(peak_mb, 1)}  # fmt: skip


def _count_stances(session) -> int:
    """Stances a scope-all export holds (a download reports no counts)."""
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).select_from(Stance).where(Stance.deleted_at.is_(None))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="bundles,jsonl,csv,jsonl@download,csv@download")
    parser.add_argument(
        "--keep", metavar="DIR", help="keep the databases in DIR and reuse them (before/after runs)"
    )
    parser.add_argument("--run", nargs=2, metavar=("DB", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_export(Path(args.run[0]), args.run[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db_path = Path(args.keep or tmp) / f"bench-{size}.sqlite"
            if not db_path.exists():
                began = time.perf_counter()
                generate(db_path, size)
                took = time.perf_counter() - began
                print(f"generated {size:,} stances in {took:.1f} s", flush=True)
            for format_name in args.formats.split(","):
                cmd = [sys.executable, __file__, "--run", str(db_path), format_name]
                figures = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
                print(
                    f"{figures['format']:>14} {figures['stances']:>9,} stances  "
                    f"{figures['seconds']:>6.2f} s  {figures['stances_per_s']:>8,} stances/s "
                    f"({figures['per_cpu_s']:,} per CPU second)  "
                    f"peak RSS {figures['peak_rss_mb']:.0f} MB  "
                    f"load average {os.getloadavg()[0]:.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
