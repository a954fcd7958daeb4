"""Export 100,000 and 1,000,000 stances with half as many relations as ``relations`` and
``statements-jsonl``; print records/s and peak RSS.

Run from the repository root: ``python bench/relation_export_bench.py [--sizes 100000,1000000]
[--jobs 1,2]`` (each format once per number of worker processes, ``annotator export --jobs``).
The database is ``export_bench.generate``'s (statements of 50 stances: 40 by four
annotators, 10 gold) plus, with bulk Core inserts, 25 relations per statement: each
annotator links five pairs of their own ten stances, gold five pairs of its ten, types
alternating ``supports``/``attacks``. Each export runs in a fresh process (scope all, to the
null device), so its peak RSS belongs to it alone. Records: relations for ``relations``;
stances plus relations for ``statements-jsonl``; ``jsonl`` (stances alone, no relation
query) is the baseline measured in the same run.
Target (issue 15): >= 100,000 records/s, peak memory flat between the sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from export_bench import PER_STATEMENT, generate  # noqa: E402
from sqlalchemy import create_engine, func, insert, select  # noqa: E402

from annotator.models import Relation, RelationType, Statement  # noqa: E402

PAIRS = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9))  # within one owner's ten stances
BATCH_STATEMENTS = 2_000


def add_relations(path: Path) -> int:
    """25 relations per statement; stance ids are consecutive per statement (fresh file)."""
    engine = create_engine(f"sqlite:///{path}")
    now = datetime(2024, 2, 2, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(RelationType), [
            {"project_id": 1, "key": "supports", "name": "supports", "aif": "RA", "position": 0},
            {"project_id": 1, "key": "attacks", "name": "attacks", "aif": "CA", "position": 1},
        ])  # fmt: skip
        types = list(conn.scalars(select(RelationType.id).order_by(RelationType.id)))
        n = conn.scalar(select(func.count()).select_from(Statement))
    total = 0
    for first in range(0, n, BATCH_STATEMENTS):
        rows = [row for k in range(first, min(n, first + BATCH_STATEMENTS))
                for row in _statement_relations(k, types, now)]  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(Relation), rows)
        total += len(rows)
    engine.dispose()
    return total


def _statement_relations(k: int, types: list[int], now: datetime) -> list[dict]:
    base = k * PER_STATEMENT + 1  # the id of the statement's first stance
    owners = [([a + 4 * i for i in range(10)], a + 1, False) for a in range(4)]
    owners.append(([40 + i for i in range(10)], None, True))
    rows = []
    for positions, annotator, gold in owners:
        for n, (x, y) in enumerate(PAIRS):
            rows.append({"statement_id": k + 1, "annotator_id": annotator, "is_gold": gold,
                         "type_id": types[n % 2], "from_stance_id": base + positions[x],
                         "to_stance_id": base + positions[y], "note": "", "version": 1,
                         "created_at": now, "updated_at": now})  # fmt: skip
    return rows


def run_export(path: Path, format_name: str, jobs: int = 1) -> dict:
    """One export (scope all) to the null device; the figures of this process (and, with
    ``jobs`` > 1, of its worker processes: CPU summed, the largest worker's peak RSS)."""
    from annotator import create_app
    from annotator.exchange.export import ExportRequest, write_export
    from annotator.extensions import db
    from annotator.projects.projects import get_project

    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench"})
    with app.app_context(), db.factory() as session, open(os.devnull, "w") as out:
        project = get_project(session, "bench")
        began, cpu = time.perf_counter(), time.process_time()
        request = ExportRequest(format_name, "all")
        counts, _ = write_export(session, project, request, out, jobs=jobs)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += children.ru_utime + children.ru_stime
    relations = counts.records if format_name == "relations" else 0
    stances = 0 if format_name == "relations" else counts.records
    if format_name == "statements-jsonl":
        relations = _count_relations(path)
    records = stances + relations
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"format": format_name, "jobs": jobs, "stances": stances, "relations": relations,
            "records": records, "seconds": round(seconds, 2),
            "records_per_s": round(records / seconds), "per_cpu_s": round(records / cpu),
            "peak_rss_mb": round(peak_mb, 1),
            "worker_rss_mb": round(children.ru_maxrss / 1024, 1)}  # fmt: skip


def _count_relations(path: Path) -> int:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        n = conn.scalar(select(func.count()).select_from(Relation))
    engine.dispose()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--formats", default="jsonl,relations,statements-jsonl")
    parser.add_argument("--keep", metavar="DIR", help="keep the databases in DIR and reuse them")
    parser.add_argument("--jobs", default="1,2", help="worker processes to compare (--jobs)")
    parser.add_argument("--run", nargs=3, metavar=("DB", "FORMAT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_export(Path(args.run[0]), args.run[1], int(args.run[2]))))
        return
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db_path = Path(args.keep or tmp) / f"relbench-{size}.sqlite"
            db_path.parent.mkdir(parents=True, exist_ok=True)
            if not db_path.exists():
                began = time.perf_counter()
                generate(db_path, size)
                links = add_relations(db_path)
                took = time.perf_counter() - began
                print(f"generated {size:,} stances, {links:,} relations in {took:.1f} s",
                      flush=True)  # fmt: skip
            for format_name, jobs in product(args.formats.split(","), args.jobs.split(",")):
                cmd = [sys.executable, __file__, "--run", str(db_path), format_name, jobs]
                figures = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
                workers = f", workers {figures['worker_rss_mb']:.0f} MB" if int(jobs) > 1 else ""
                print(
                    f"{figures['format']:>16} jobs {jobs} {figures['stances']:>9,} stances "
                    f"{figures['relations']:>8,} relations  {figures['seconds']:>6.2f} s  "
                    f"{figures['records_per_s']:>8,} records/s "
                    f"({figures['per_cpu_s']:,} per CPU second)  "
                    f"peak RSS {figures['peak_rss_mb']:.0f} MB{workers}  "
                    f"load average {os.getloadavg()[0]:.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
