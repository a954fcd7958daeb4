"""Relation agreement (pure): worked examples computed by hand, and hypothesis properties."""

from __future__ import annotations

import random

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement.relations import (
    METRICS,
    Link,
    Node,
    align_spans,
    compute_relation_agreement,
)
from annotator.agreement.stances import Mark, Unit, compute_agreement

# The worked example. Statement "s", annotators A and B (C, where used, copies A).
#   A: a1 [0,10)  a2 [12,20)  a3 [22,30)
#   B: b1 [0,10)  b2 [12,19)  b3 [22,30)  b4 [31,35)
#   A: a1->a2 supports, a3->a1 attacks, a2->a3 supports, a2->a1 attacks
#   B: b1->b2 supports, b3->b1 supports, b4->b3 attacks, b2->b1 attacks
SPANS = {"a1": (0, 10), "a2": (12, 20), "a3": (22, 30)}
SPANS |= {"b1": (0, 10), "b2": (12, 19), "b3": (22, 30), "b4": (31, 35)}
LINKS_A = [("a1", "a2", "supports"), ("a3", "a1", "attacks")]
LINKS_A += [("a2", "a3", "supports"), ("a2", "a1", "attacks")]
LINKS_B = [("b1", "b2", "supports"), ("b3", "b1", "supports")]
LINKS_B += [("b4", "b3", "attacks"), ("b2", "b1", "attacks")]


def example(with_c: bool = False):
    annotators = ("A", "B", "C") if with_c else ("A", "B")
    nodes = [Node(i, "s", i[0].upper(), *span) for i, span in SPANS.items()]
    links = [Link(*link) for link in LINKS_A + LINKS_B]
    if with_c:  # C: A's work under other ids
        nodes += [Node("c" + i[1:], "s", "C", *SPANS[i]) for i in ("a1", "a2", "a3")]
        links += [Link("c" + f[1:], "c" + t[1:], kind) for f, t, kind in LINKS_A]
    return [Unit("s", 40, annotators)], nodes, links


def test_worked_example_two_annotators():
    result = compute_relation_agreement(*example())
    # Exact ends: only (22,30)->(0,10) is in both: matched 1 of 4 + 4 -> 2*1/8.
    # Its types differ (A attacks, B supports), so no typed exact match.
    # Overlap alignment: a1-b1 (overlap 10), a3-b3 (8), a2-b2 (7); b4 stays alone. A's
    # relations become b1->b2 S, b3->b1 A, b2->b3 S, b2->b1 A; B has b1->b2, b3->b1 and b2->b1:
    # matched 3 -> 6/8. Same type too: b1->b2 (S, S) and b2->b1 (A, A): 2 -> 4/8.
    assert result["relation_f1_exact"] == 0.25 and result["typed_f1_exact"] == 0.0
    assert result["relation_f1_overlap"] == 0.75 and result["typed_f1_overlap"] == 0.5
    # Type items (A, B): (S, S), (A, S), (A, A). p_o = 2/3; A gives S 1/3, A 2/3; B gives
    # S 2/3, A 1/3; p_e = 1/3 * 2/3 + 2/3 * 1/3 = 4/9; kappa = (2/3 - 4/9) / (5/9) = 0.4.
    assert result["type_kappa"] == 0.4
    # Alpha: 6 values, 3 S and 3 A; one disagreeing item: D_o = 2/6; D_e = 2*3*3 / (6*5) = 0.6;
    # alpha = 1 - (1/3) / 0.6 = 4/9.
    assert result["type_alpha"] == 0.4444
    # supports: A 2, B 2, typed overlap match b1->b2 only: 2*1/4; exact none. attacks alike.
    for kind in ("supports", "attacks"):
        figures = result["per_type"][kind]
        assert (figures["typed_f1_exact"], figures["typed_f1_overlap"]) == (0.0, 0.5)
        assert figures["type_kappa"] == 0.4  # one-vs-rest of two types is the same coding
    (row,) = result["pairs"]
    assert (row["a"], row["b"], row["n_relations"], row["n_type_items"]) == ("A", "B", 8, 3)
    assert result["n_relations"] == 8 and result["notes"] == []


def test_worked_example_three_annotators_pools_pairs():
    result = compute_relation_agreement(*example(with_c=True))
    rows = {(r["a"], r["b"]): r for r in result["pairs"]}
    assert rows["A", "C"]["relation_f1_exact"] == rows["A", "C"]["typed_f1_overlap"] == 1.0
    assert rows["B", "C"]["relation_f1_overlap"] == rows["A", "B"]["relation_f1_overlap"] == 0.75
    # Micro F1 over pairs: overlap matched 3 + 4 + 3 of 8 + 8 + 8 -> 20/24.
    assert result["relation_f1_overlap"] == 0.8333
    # Kappa: mean of the pairs' 0.4, 1.0 and 0.4.
    assert result["type_kappa"] == 0.6
    # Alpha over the 10 pooled items (20 values, 10 S and 10 A), 2 of them disagree:
    # D_o = 4/20 = 0.2; D_e = 2*10*10 / (20*19) = 10/19; alpha = 1 - 0.2 * 19/10 = 0.62.
    assert result["type_alpha"] == 0.62


def test_alpha_agrees_with_the_krippendorff_package():
    _, nodes, links = example(with_c=True)
    units = [Unit("s", 40, ("A", "B"))]
    result = compute_relation_agreement(units, nodes, links)
    # the three items as a coders x units table: S = 0, A = 1
    table = np.array([[0, 1, 1], [0, 0, 1]], dtype=float)
    expected = krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")
    assert result["type_alpha"] == round(expected, 4)


def test_missing_figures_say_why():
    units = [Unit("s", 40, ("A",))]
    result = compute_relation_agreement(units, [Node(1, "s", "A", 0, 3)], [])
    assert result["relation_f1_exact"] is None and result["pairs"] == []
    assert "relation_f1_exact: fewer than two annotators on any statement" in result["notes"]
    units = [Unit("s", 40, ("A", "B"))]
    nodes = [Node(1, "s", "A", 0, 3), Node(2, "s", "A", 4, 6), Node(3, "s", "B", 0, 3)]
    result = compute_relation_agreement(units, nodes, [Link(1, 2, "supports")])
    assert result["relation_f1_overlap"] == 0.0 and result["type_kappa"] is None
    assert "type_kappa: no relation linked by two annotators" in result["notes"]


def test_out_of_scope_work_is_ignored_and_bad_links_are_refused():
    units = [Unit("s", 40, ("A", "B"))]
    nodes = [Node(1, "s", "A", 0, 3), Node(2, "s", "A", 4, 6), Node(3, "t", "A", 0, 2)]
    nodes += [Node(4, "t", "A", 3, 5), Node(5, "s", "Z", 0, 3), Node(6, "s", "Z", 4, 6)]
    links = [Link(1, 2, "supports"), Link(3, 4, "supports"), Link(5, 6, "supports")]
    assert compute_relation_agreement(units, nodes, links)["n_relations"] == 1
    with pytest.raises(ValueError, match="two statements or owners"):
        compute_relation_agreement(units, nodes, [Link(1, 3, "supports")])
    with pytest.raises(ValueError, match="not given"):
        compute_relation_agreement(units, nodes, [Link(1, 99, "supports")])
    with pytest.raises(ValueError, match="twice"):
        compute_relation_agreement(units, nodes + [Node(1, "s", "B", 0, 1)], [])


def test_alignment_is_largest_overlap_first_then_position():
    # (0,10) overlaps (0,4) by 4 and (3,10) by 7: it takes (3,10); (0,4) is left alone.
    assert align_spans([(0, 10)], [(0, 4), (3, 10)]) == {(0, 10): (3, 10)}
    # Equal overlaps: the pair whose spans come first wins.
    assert align_spans([(2, 6)], [(0, 4), (4, 8)]) == {(2, 6): (0, 4)}
    assert align_spans([(0, 3)], [(3, 6)]) == {}  # touching is not overlapping


# ---- properties ----

SPAN = st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda p: (p[0], p[0] + p[1]))
TYPES = st.sampled_from(["supports", "attacks", "rebuts"])


@st.composite
def annotations(draw, annotators=("A", "B")):
    """Units, nodes and links on two statements; a few stances and relations per owner."""
    nodes, links, next_id = [], [], 0
    for statement in ("s", "t"):
        for annotator in annotators:
            spans = draw(st.lists(SPAN, max_size=5))
            ids = []
            for span in spans:
                nodes.append(Node(next_id, statement, annotator, *span))
                ids.append(next_id)
                next_id += 1
            if len(ids) >= 2:
                pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids), TYPES)
                for source, target, kind in draw(st.lists(pairs, max_size=6)):
                    if source != target:
                        links.append(Link(source, target, kind))
    units = [Unit(s, 40, annotators) for s in ("s", "t")]
    return units, nodes, links


def figures(result):
    """The numbers of a result, without the pair names."""
    rows = [{k: v for k, v in r.items() if k not in ("a", "b")} for r in result["pairs"]]
    return {k: result[k] for k in METRICS}, result["per_type"], rows


def swap(nodes, links):
    renamed = {"A": "B", "B": "A"}
    return [Node(n.id, n.statement, renamed[n.annotator], n.start, n.end) for n in nodes], links


@settings(max_examples=200, deadline=None)
@given(annotations())
def test_symmetric_in_the_two_annotators(data):
    units, nodes, links = data
    assert figures(compute_relation_agreement(units, nodes, links)) == figures(
        compute_relation_agreement(units, *swap(nodes, links))
    )


@settings(max_examples=200, deadline=None)
@given(annotations(annotators=("A",)), st.data())
def test_identical_work_agrees_fully(data, draw):
    units, nodes, links = data
    twin = {n.id: ("copy", n.id) for n in nodes}
    nodes += [Node(twin[n.id], n.statement, "B", n.start, n.end) for n in nodes]
    links += [Link(twin[k.source], twin[k.target], k.type) for k in links]
    units = [Unit(u.statement, u.length, ("A", "B")) for u in units]
    result = compute_relation_agreement(units, nodes, links)
    for key in METRICS:
        assert result[key] in ((1.0,) if key.endswith("f1_exact") and links else (1.0, None))
    if links:
        assert result["relation_f1_overlap"] == result["typed_f1_overlap"] == 1.0


@settings(max_examples=200, deadline=None)
@given(annotations(annotators=("A", "B", "C")))
def test_f1_lies_between_0_and_1(data):
    result = compute_relation_agreement(*data)
    rows = [result, *result["pairs"], *result["per_type"].values()]
    for row in rows:
        for key, value in row.items():
            if "f1" in key and value is not None:
                assert 0.0 <= value <= 1.0
    for row in result["pairs"]:
        assert row["typed_f1_overlap"] is None or (
            row["typed_f1_exact"] <= row["relation_f1_exact"] <= row["relation_f1_overlap"]
            and row["typed_f1_overlap"] <= row["relation_f1_overlap"]
        )


@settings(max_examples=200, deadline=None)
@given(annotations(), st.randoms(use_true_random=False))
def test_stance_ids_and_input_order_do_not_matter(data, rnd):
    units, nodes, links = data
    new_ids = list(range(1000, 1000 + len(nodes)))
    rnd.shuffle(new_ids)
    rename = {n.id: f"stance-{k}" for n, k in zip(nodes, new_ids, strict=True)}
    relabelled = [Node(rename[n.id], n.statement, n.annotator, n.start, n.end) for n in nodes]
    relinked = [Link(rename[k.source], rename[k.target], k.type) for k in links]
    rnd.shuffle(relabelled)
    rnd.shuffle(relinked)
    assert figures(compute_relation_agreement(units, nodes, links)) == figures(
        compute_relation_agreement(units, relabelled, relinked)
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(SPAN, max_size=8, unique=True), st.lists(SPAN, max_size=8, unique=True))
def test_alignment_matches_as_many_spans_as_stance_agreement(spans_a, spans_b):
    """align_spans applies the overlap matching of stance agreement to distinct spans."""
    marks = [Mark("s", "A", s, e, "claim", None, None) for s, e in spans_a]
    marks += [Mark("s", "B", s, e, "claim", None, None) for s, e in spans_b]
    (pair,) = compute_agreement([Unit("s", 40, ("A", "B"))], marks)["pairs"]
    aligned = align_spans(spans_a, spans_b)
    assert len(aligned) == pair["n_matched"]
    assert aligned == {v: k for k, v in align_spans(spans_b, spans_a).items()}


def test_a_large_random_case_runs_and_stays_in_range():
    rnd = random.Random(7)
    nodes, links = [], []
    for k in range(2000):
        statement, annotator = f"s{k % 50}", "AB"[k % 2]
        start = rnd.randrange(200)
        nodes.append(Node(k, statement, annotator, start, start + rnd.randrange(1, 30)))
    by_owner = {}
    for n in nodes:
        by_owner.setdefault((n.statement, n.annotator), []).append(n.id)
    for ids in by_owner.values():
        for _ in range(len(ids)):
            a, b = rnd.sample(ids, 2)
            links.append(Link(a, b, rnd.choice(["supports", "attacks"])))
    units = [Unit(f"s{k}", 300, ("A", "B")) for k in range(50)]
    result = compute_relation_agreement(units, nodes, links)
    assert 0 <= result["relation_f1_exact"] <= result["relation_f1_overlap"] <= 1
