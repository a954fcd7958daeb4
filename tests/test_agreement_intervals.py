"""Bootstrap intervals (pure): hand-computed and degenerate cases, and hypothesis properties."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import relations as ra
from annotator.agreement.bootstrap import (
    bounds,
    draws,
    flatten,
    relation_intervals,
    stance_intervals,
)
from annotator.agreement.reading import band, plural
from annotator.agreement.relations import Link, Node, compute_relation_agreement
from annotator.agreement.resampling import RelationParts, StanceParts
from annotator.agreement.stances import METRICS, Mark, Unit, compute_agreement
from tests.test_relation_agreement import annotations as relation_annotations

LABELS = ("claim", "support", "condemnation")


def same_work(n: int = 6):
    """Two annotators who mark exactly the same stances (labels and targets vary)."""
    units = [Unit(f"s{k}", 60, ("A", "B")) for k in range(n)]
    marks = [
        Mark(f"s{k}", who, 10 * j, 10 * j + 5, LABELS[(k + j) % 3], f"t{j % 2}", None)
        for k in range(n)
        for j in range(3)
        for who in "AB"
    ]
    return units, marks


def test_identical_annotators_give_the_interval_1_1():
    units, marks = same_work()
    found = stance_intervals(units, marks)
    project = found["project"]
    for metric in ("cohen_kappa", "krippendorff_alpha", "span_f1_exact", "span_f1_overlap"):
        assert project[metric] == [1.0, 1.0], metric
    assert project["stance_agreement"] == project["target_alpha"] == [1.0, 1.0]
    assert found["pairs"]["A", "B"]["span_f1_exact"] == [1.0, 1.0]
    assert project["fleiss_kappa"] == [1.0, 1.0]
    # Unitized alpha is not a sum over statements: no interval.
    assert "unitized_alpha" not in project


def test_hand_computed_two_statements_half_agreeing():
    # s1: A and B mark the same span; s2: they mark spans that never overlap. Each statement
    # holds 2 of the 4 stances, so a draw's span F1 is the share of s1 among the draw: 0 (both
    # s2, p = 1/4), 0.5 (p = 1/2) or 1 (p = 1/4). Both tails hold more than 2.5 %: [0, 1].
    units = [Unit("s1", 20, ("A", "B")), Unit("s2", 20, ("A", "B"))]
    marks = [Mark("s1", w, 0, 5, "claim", None, None) for w in "AB"]
    marks += [
        Mark("s2", "A", 0, 5, "claim", None, None),
        Mark("s2", "B", 10, 15, "claim", None, None),
    ]
    assert compute_agreement(units, marks)["span_f1_exact"] == 0.5
    assert stance_intervals(units, marks)["project"]["span_f1_exact"] == [0.0, 1.0]


def test_bounds_percentiles_and_widening():
    values = list(range(101))  # 0..100: the 2.5th and 97.5th percentiles are 2.5 and 97.5
    assert bounds(50, values) == [2.5, 97.5]
    assert bounds(99.0, [0.0] * 100) == [0.0, 99.0]  # widened to hold the estimate


def test_draws_are_seeded_and_sum_to_the_statement_count():
    a, b = draws(7, 50, seed=3), draws(7, 50, seed=3)
    assert np.array_equal(a, b) and (a.sum(axis=1) == 7).all()
    assert not np.array_equal(a, draws(7, 50, seed=4))
    assert draws(0, 50, seed=0).size == 0


def test_no_statement_gives_no_interval():
    assert stance_intervals([], []) == {"project": {}}
    assert relation_intervals([], [], []) == {"project": {}}


def test_relations_identical_work_interval_1_1():
    units = [Unit(f"s{k}", 40, ("A", "B")) for k in range(4)]
    nodes, links = [], []
    for k in range(4):
        for who in "AB":
            ids = [f"{who}{k}-{j}" for j in range(3)]
            nodes += [Node(i, f"s{k}", who, 10 * j, 10 * j + 5) for j, i in enumerate(ids)]
            links += [Link(ids[0], ids[1], "supports"), Link(ids[2], ids[0], "attacks")]
    found = relation_intervals(units, nodes, links)["project"]
    assert found["relation_f1_exact"] == found["typed_f1_overlap"] == [1.0, 1.0]
    assert found["type_kappa"] == found["type_alpha"] == [1.0, 1.0]


MARK = st.builds(
    lambda s, a, start, n, lab, tgt: Mark(s, a, start, start + n, lab, tgt, None),
    st.sampled_from(["s1", "s2", "s3", "s4"]),
    st.sampled_from("ABC"),
    st.integers(0, 40),
    st.integers(1, 10),
    st.sampled_from(LABELS),
    st.sampled_from(["x", "y", None]),
)


def _units(annotators=("A", "B", "C")):
    return [Unit(f"s{k}", 50, annotators) for k in range(1, 5)]


@settings(max_examples=60, deadline=None)
@given(st.lists(MARK, max_size=30))
def test_weights_of_one_reproduce_compute_agreement(marks):
    units = _units()
    expected = flatten(compute_agreement(units, marks), METRICS, "per_label")
    got = StanceParts(units, marks).figures(np.ones((1, 4)))
    for key, value in expected.items():
        if key in got:
            drawn = got[key][0]
            assert (value is None) == np.isnan(drawn), key
            if value is not None:
                assert abs(drawn - value) < 1e-4, key


@settings(max_examples=60, deadline=None)
@given(relation_annotations(annotators=("A", "B", "C")))
def test_weights_of_one_reproduce_relation_agreement(data):
    units, nodes, links = data
    expected = flatten(compute_relation_agreement(units, nodes, links), ra.METRICS, "per_type")
    got = RelationParts(units, nodes, links).figures(np.ones((1, 2)))
    for key, value in expected.items():
        if key in got:
            assert (value is None) == np.isnan(got[key][0]), key
            if value is not None:
                assert abs(got[key][0] - value) < 1e-4, key


@settings(max_examples=40, deadline=None)
@given(st.lists(MARK, max_size=30), st.integers(0, 2**16))
def test_estimate_lies_in_its_ordered_interval(marks, seed):
    units = _units()
    result = compute_agreement(units, marks)
    found = stance_intervals(units, marks, result, resamples=40, seed=seed)
    estimate = flatten(result, METRICS, "per_label")
    for part, section in found.items():
        rows = {"": section} if part == "project" else section
        for name, figures in rows.items():
            for metric, (low, high) in figures.items():
                value = estimate[part, name, metric]
                assert low <= value <= high, (part, name, metric)


@settings(max_examples=30, deadline=None)
@given(st.lists(MARK, max_size=25), st.randoms(use_true_random=False))
def test_same_data_in_another_order_give_the_same_intervals(marks, rnd: random.Random):
    units = _units()
    shuffled_units, shuffled_marks = units[:], marks[:]
    rnd.shuffle(shuffled_units)
    rnd.shuffle(shuffled_marks)
    assert stance_intervals(units, marks, resamples=30) == stance_intervals(
        shuffled_units, shuffled_marks, resamples=30
    )


def test_bands_and_plurals():
    assert (
        band("cohen_kappa", 0.81) == "almost perfect" and band("cohen_kappa", 0.8) == "substantial"
    )
    assert band("cohen_kappa", 0.1) == "slight" and band("cohen_kappa", -0.1) == "poor"
    assert band("krippendorff_alpha", 0.8) == "reliable"
    assert band("unitized_alpha", 0.7) == "tentative" and band("type_alpha", 0.5) == "unreliable"
    assert band("span_f1_exact", 0.9) == "" and band("cohen_kappa", None) == ""
    assert plural(1, "statement") == "1 statement" and plural(2, "statement") == "2 statements"
    assert plural(0, "matched pair") == "0 matched pairs"
