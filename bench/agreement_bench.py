"""Time compute_agreement on 10,000 statements x 3 annotators x 20 stances (600,000 marks).

Run from the repository root: ``python bench/agreement_bench.py [--statements N] [--seed S]``.
The data are generated from a fixed seed, so runs are comparable across machines and commits.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotator.agreement.stances import Mark, Unit, compute_agreement  # noqa: E402

LABELS = ("claim", "condemnation", "support")
ANNOTATORS = tuple(f"annotator{k}" for k in range(5))
TARGETS = tuple(f"actor-{k}" for k in range(200)) + (None,)


def generate(n_statements: int, seed: int) -> tuple[list[Unit], list[Mark]]:
    """Statements with 20 reference stances, each annotator copying them with noise."""
    rnd = random.Random(seed)
    units, marks = [], []
    for k in range(n_statements):
        key, length = f"s{k}", rnd.randint(1500, 3000)
        annotators = tuple(rnd.sample(ANNOTATORS, 3))
        units.append(Unit(key, length, annotators))
        reference = _reference(rnd, length)
        for annotator in annotators:
            marks.extend(_copy(rnd, key, annotator, length, reference))
    return units, marks


def _reference(rnd: random.Random, length: int) -> list[tuple[int, int, str, str | None]]:
    """Twenty stances spread over the statement."""
    slot = length // 20
    return [
        (
            k * slot + (start := rnd.randint(0, slot // 2)),
            k * slot + start + rnd.randint(10, slot // 2),
        )
        + (rnd.choice(LABELS), rnd.choice(TARGETS))
        for k in range(20)
    ]


def _copy(rnd, key, annotator, length, reference):
    """One annotator's version: jittered boundaries, some other labels and targets."""
    for start, end, label, target in reference:
        if rnd.random() < 0.5:
            start, end = max(0, start + rnd.randint(-5, 5)), min(length, end + rnd.randint(-5, 5))
        label = rnd.choice(LABELS) if rnd.random() < 0.15 else label
        target = rnd.choice(TARGETS) if rnd.random() < 0.1 else target
        holder = "author" if rnd.random() < 0.9 else "quoted"
        yield Mark(key, annotator, start, end, label, target, holder)


def main() -> None:
    """Generate the data, time one computation and print the seconds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    units, marks = generate(args.statements, args.seed)
    began = time.perf_counter()
    result = compute_agreement(units, marks)
    seconds = time.perf_counter() - began
    print(f"{len(marks)} marks, {len(units)} statements: {seconds:.2f} s")
    print({k: result[k] for k in ("cohen_kappa", "span_f1_overlap", "unitized_alpha")})


if __name__ == "__main__":
    main()
