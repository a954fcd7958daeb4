"""Time the bootstrap intervals of the agreement page against one compute_agreement call.

Run from the repository root: ``python bench/intervals_bench.py [--statements N ...]
[--resamples R]``. Data come from agreement_bench's seeded generator (3 of 5 annotators per
statement, 20 stances each), plus two relations per annotator and statement. The baseline is
one compute_agreement + compute_relation_agreement, measured in the same run.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement_bench import generate  # noqa: E402

from annotator.agreement.bootstrap import relation_intervals, stance_intervals  # noqa: E402
from annotator.agreement.relations import Link, Node, compute_relation_agreement  # noqa: E402
from annotator.agreement.stances import compute_agreement  # noqa: E402


def relations_of(marks, seed: int = 1):
    """Nodes for every mark and two relations per (statement, annotator)."""
    rnd = random.Random(seed)
    nodes = [Node(k, m.statement, m.annotator, m.start, m.end) for k, m in enumerate(marks)]
    by_owner: dict = {}
    for n in nodes:
        by_owner.setdefault((n.statement, n.annotator), []).append(n.id)
    links = []
    for ids in by_owner.values():
        for _ in range(2):
            a, b = rnd.sample(ids, 2)
            links.append(Link(a, b, rnd.choice(("supports", "attacks"))))
    return nodes, links


def run(n_statements: int, resamples: int) -> None:
    units, marks = generate(n_statements, 7)
    nodes, links = relations_of(marks)
    t0 = time.perf_counter()
    stances = compute_agreement(units, marks)
    relations = compute_relation_agreement(units, nodes, links)
    base = time.perf_counter() - t0
    t0 = time.perf_counter()
    stance_intervals(units, marks, stances, resamples=resamples)
    relation_intervals(units, nodes, links, relations, resamples=resamples)
    took = time.perf_counter() - t0
    print(
        f"{n_statements:>6} statements, {len(marks):>7} stances, {len(links):>6} relations: "
        f"figures {base * 1000:8.1f} ms, intervals ({resamples} resamples) {took:8.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, nargs="+", default=[1, 20, 200, 1000])
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--spread", action="store_true", help="bound spread over 5 seeds")
    args = parser.parse_args()
    for n in args.statements:
        run(n, args.resamples)
        if args.spread:
            print(f"       largest bound spread over 5 seeds: {spread(n, args.resamples):.4f}")


def spread(n_statements: int, resamples: int, seeds: int = 5) -> float:
    """Largest difference of an interval bound between seeds: the Monte Carlo error."""
    units, marks = generate(n_statements, 7)
    result = compute_agreement(units, marks)
    runs = [
        stance_intervals(units, marks, result, resamples=resamples, seed=s) for s in range(seeds)
    ]
    worst = 0.0
    for metric in runs[0]["project"]:
        lows = [r["project"][metric][0] for r in runs]
        highs = [r["project"][metric][1] for r in runs]
        worst = max(worst, max(lows) - min(lows), max(highs) - min(highs))
    return worst


if __name__ == "__main__":
    main()
