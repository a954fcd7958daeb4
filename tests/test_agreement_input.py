"""The agreement input read once as an integer array gives what Mark objects give.

The stored agreement job (and the direct computation) pass the project's stances to
``agreement.stances`` as one int64 array instead of a Mark per stance; the figures, the
intervals and each statement's own figure must not change by a digit.
"""

from __future__ import annotations

import json
import random

import numpy as np

from annotator.agreement.bootstrap import stance_intervals
from annotator.agreement.stances import Mark, Unit, compute_agreement, stance_agreement_by_statement


def _random_case(seed: int):
    """Statements 1..30 of random length, annotators 1..5, labels 7..9, actors 20..25 or none.

    Some marks lie on statements out of scope (40) or are by annotators not in scope there,
    some are duplicates; targets and holders appear in a random first-seen order.
    """
    rnd = random.Random(seed)
    units = [
        Unit(s, rnd.randint(30, 90), tuple(sorted(rnd.sample(range(1, 6), rnd.randint(1, 4)))))
        for s in rnd.sample(range(1, 31), 30)
    ]
    marks = []
    for _ in range(600):
        start = rnd.randint(0, 80)
        actor = lambda: rnd.choice([None, 20, 21, 22, 23, 24, 25])  # noqa: E731
        marks.append(
            Mark(
                rnd.choice([*range(1, 31), 40]),
                rnd.randint(1, 5),
                start,
                start + rnd.randint(0, 12),
                rnd.choice([7, 8, 9]),
                actor(),
                actor(),
            )
        )
    marks += rnd.sample(marks, 60)
    return units, marks


def _array(marks: list[Mark]) -> np.ndarray:
    """Marks as the job reads them: None as -1, then a stance id column."""
    rows = [
        (m.statement, m.annotator, m.start, m.end, m.label, _id(m.target), _id(m.holder), k)
        for k, m in enumerate(marks)
    ]
    return np.array(rows, np.int64).reshape(-1, 8)


def _id(value):
    return -1 if value is None else value


def test_an_array_of_marks_gives_the_figures_of_mark_objects():
    for seed in range(6):
        units, marks = _random_case(seed)
        array = _array(marks)
        objects = compute_agreement(units, marks)
        assert objects["n_stances"] > 100 and objects["per_label"]
        assert json.dumps(compute_agreement(units, array)) == json.dumps(objects)
        by_objects = stance_intervals(units, marks, objects, resamples=30)
        assert stance_intervals(units, array, objects, resamples=30) == by_objects
        own = stance_agreement_by_statement(units, marks)
        assert stance_agreement_by_statement(units, array) == own


def test_an_empty_array_is_an_empty_input():
    empty = np.zeros((0, 8), np.int64)
    assert compute_agreement([], empty) == compute_agreement([], [])
    units = [Unit(1, 10, (1, 2))]
    assert compute_agreement(units, empty) == compute_agreement(units, [])
