"""Benchmark the statement readers: throughput and peak memory on a generated corpus.

Run from the repository root: ``python bench/readers_bench.py [--count N] [--size BYTES]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

VOCABULARY = (
    "the regime Iran Teheran claims strikes Pakistan Iraq Erbil condemn support workers "
    "oppressed imperialism solidarity missile Mossad headquarter Pröbsting “terrorist” "
    "don’t داعش Kurdish Baloch government rebels Syria Idlib 🙂 résistance"
)
WORDS = VOCABULARY.split()


def make_text(rng: random.Random, size: int) -> str:
    """Build a statement of about size characters with some non-ASCII and paragraph breaks."""
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS) + ("\n\n" if rng.random() < 0.01 else "")
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def write_corpus(folder: Path, count: int, size: int) -> tuple[Path, Path]:
    """Write the same statements as JSONL and CSV, one at a time."""
    rng = random.Random(0)
    pool = [make_text(rng, size) for _ in range(200)]
    jsonl, csv_path = folder / "statements.jsonl", folder / "statements.csv"
    with jsonl.open("w", encoding="utf-8") as j, csv_path.open("w", encoding="utf-8") as c:
        writer = csv.writer(c)
        writer.writerow(["id", "title", "organization", "date", "text", "source"])
        for n in range(count):
            row = {"id": f"s{n}", "title": f"Statement {n}", "organization": "RCIT"}
            row |= {"date": "2024-01-19", "text": pool[n % len(pool)], "source": "bench"}
            j.write(json.dumps(row, ensure_ascii=False) + "\n")
            writer.writerow(row.values())
    return jsonl, csv_path


def timed(path: Path) -> tuple[int, float]:
    """Read every statement of a file; return the count and the seconds taken."""
    from annotator.formats.statement_readers import iter_statements

    start = time.perf_counter()
    with path.open("rb") as stream:
        count = sum(1 for _ in iter_statements(path.name, stream))
    return count, time.perf_counter() - start


def traced_peak(path: Path) -> int:
    """Read the file again under tracemalloc; return the peak bytes allocated."""
    from annotator.formats.statement_readers import iter_statements

    tracemalloc.start()
    with path.open("rb") as stream:
        for _ in iter_statements(path.name, stream):
            pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    """Generate the corpus in a temporary folder and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--size", type=int, default=2_000, help="characters per statement")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryDirectory() as folder:
        for path in write_corpus(Path(folder), args.count, args.size):
            megabytes = path.stat().st_size / 1e6
            count, seconds = timed(path)
            print(
                f"{path.suffix:7} {count} statements, {megabytes:.0f} MB in {seconds:.2f} s: "
                f"{count / seconds:,.0f} statements/s, {megabytes / seconds:.0f} MB/s, "
                f"traced peak {traced_peak(path) / 1e6:.2f} MB"
            )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KB on Linux
    print(f"process max RSS {max_rss:.0f} MB (includes generating the corpus)")


if __name__ == "__main__":
    main()
