"""Benchmark statement import: JSONL -> SQLite (or any URL) through the real service.

Run from the repository root: ``python bench/import_bench.py [--count N] [--size CHARS]
[--database-url URL]``. Targets (issue 4): >= 10,000 statements/s and peak RSS < 300 MB for
100,000 statements of about 2 KB on SQLite.

The import's figures are the import and its commit; the search index job that follows the
commit (annotator/jobs/search_index.py) is timed apart, as a worker would run it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

VOCABULARY = (
    "the regime Iran Teheran claims strikes Pakistan Iraq Erbil condemn support workers "
    "oppressed imperialism solidarity missile Mossad headquarter Pröbsting “terrorist” "
    "don’t داعش Kurdish Baloch government rebels Syria Idlib 🙂 résistance"
)
WORDS = VOCABULARY.split()
ORGANIZATIONS = ("RCIT", "Revolutionary Communist International Tendency", "Unknown group", None)


def make_text(rng: random.Random, size: int) -> str:
    """A statement of about ``size`` characters with non-ASCII words and paragraph breaks."""
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS) + ("\n\n" if rng.random() < 0.01 else "")
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def write_corpus(path: Path, count: int, size: int) -> int:
    """Write ``count`` distinct statements as JSONL, one line at a time; return the bytes."""
    rng = random.Random(0)
    pool = [make_text(rng, size) for _ in range(500)]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            row = {
                "id": f"s{n:07d}",
                "title": f"Statement {n}",
                "organization": ORGANIZATIONS[n % len(ORGANIZATIONS)],
                "date": f"20{10 + n % 15}-0{1 + n % 9}-1{n % 10}",
                "url": f"https://example.org/s/{n}",
                "lang": "en",
                "text": f"{n}: {pool[n % len(pool)]}",  # the number keeps every text distinct
                "source": "bench",
            }
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path.stat().st_size


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_import(url: str, corpus: Path) -> tuple[int, int, float, float, float, float]:
    """Import in one transaction as the CLI does, then run the search index job; return
    (imported, skipped, wall s, CPU s, job wall s, job CPU s)."""
    from annotator import create_app
    from annotator.actors.registry import import_actors
    from annotator.db.migrate import upgrade_schema
    from annotator.extensions import db
    from annotator.formats.actor_csv import iter_actor_rows
    from annotator.formats.statement_readers import iter_statements
    from annotator.jobs.search_index import index_all
    from annotator.projects.projects import create_project
    from annotator.statements.statements import import_statements

    queue = corpus.parent / "jobs.sqlite3"  # the commit puts the index job here
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "QUEUE_FILE": str(queue)})
    with app.app_context():
        upgrade_schema(db.engine)
        session = db.session
        project = create_project(session, "bench", "Bench")
        actors = Path(__file__).resolve().parent.parent / "annotator" / "demo" / "actors.csv"
        with actors.open("rb") as fh:
            import_actors(session, project, iter_actor_rows("actors.csv", fh))
        session.commit()
        start, cpu = time.perf_counter(), time.process_time()
        with corpus.open("rb") as fh:
            report = import_statements(session, project, iter_statements(corpus.name, fh))
        session.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        job_start, job_cpu = time.perf_counter(), time.process_time()
        index_all(app)
        job_elapsed, job_cpu = time.perf_counter() - job_start, time.process_time() - job_cpu
        db.engine.dispose()
    return report.imported, len(report.skipped), elapsed, cpu, job_elapsed, job_cpu


def main() -> None:
    """Generate the corpus, import it, print the figures and whether the targets are met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--size", type=int, default=1_750, help="characters of text (about 2 KB a line)"
    )
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "statements.jsonl"
        size = write_corpus(corpus, args.count, args.size)
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        rss_before = peak_rss_mb()
        imported, skipped, elapsed, cpu, job_elapsed, job_cpu = run_import(url, corpus)
        rate = imported / elapsed
        peak = peak_rss_mb()
        print(f"corpus: {args.count} statements, {size / 1e6:.1f} MB JSONL")
        print(f"database: {url.split(':', 1)[0]}")
        print(f"imported: {imported} (skipped {skipped}) in {elapsed:.1f} s, {cpu:.1f} s CPU")
        print(f"throughput: {rate:,.0f} statements/s (target >= 10,000)")
        print(f"search index job after the commit: {job_elapsed:.1f} s, {job_cpu:.1f} s CPU")
        print(f"CPU-bound rate: {imported / cpu:,.0f} statements per CPU second")
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"peak RSS: {peak:.0f} MB (before import {rss_before:.0f} MB; target < 300 MB)")
        ok = rate >= 10_000 and peak < 300
        print("targets met" if ok else "TARGETS MISSED")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
