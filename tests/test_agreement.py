"""Agreement figures against published worked examples, hand computations and invariants."""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.agreement import stances as agreement
from annotator.agreement.coefficients import cohen_kappa, fleiss_kappa, nominal_alpha
from annotator.agreement.stances import Mark, Unit, compute_agreement, stance_agreement_by_statement


def mark(annotator, start, end, label="claim", target=None, holder=None, statement="s1"):
    """A Mark with the usual defaults."""
    return Mark(statement, annotator, start, end, label, target, holder)


def coded(columns: dict[str, list], width: int = 5) -> list[Mark]:
    """A span [10k, 10k + width) per item k, labelled with each annotator's value; None: no mark."""
    return [
        mark(annotator, 10 * k, 10 * k + width, str(value))
        for annotator, values in columns.items()
        for k, value in enumerate(values)
        if value is not None
    ]


def near(x: float):
    """Equal to x up to the 4-decimal rounding of compute_agreement."""
    return pytest.approx(x, abs=1e-4)


def table_pairs(table: list[list[int]], values=("yes", "no")) -> list[tuple[str, str]]:
    """(a, b) value pairs from a contingency table, rows rater A and columns rater B."""
    return [
        (values[r], values[c])
        for r, row in enumerate(table)
        for c, count in enumerate(row)
        for _ in range(count)
    ]


# Cohen's kappa: the examples of https://en.wikipedia.org/wiki/Cohen%27s_kappa


@pytest.mark.parametrize(
    ("table", "kappa"),
    [([[20, 5], [10, 15]], 0.4), ([[45, 15], [25, 15]], 0.1304), ([[25, 35], [5, 35]], 0.2593)],
)
def test_cohen_kappa_published_tables(table, kappa):
    assert cohen_kappa(table_pairs(table)) == pytest.approx(kappa, abs=5e-4)


def test_cohen_kappa_from_marks():
    a, b = zip(*table_pairs([[20, 5], [10, 15]]), strict=True)
    result = compute_agreement([Unit("s1", 500, ("A", "B"))], coded({"A": a, "B": b}))
    assert result["cohen_kappa"] == pytest.approx(0.4, abs=5e-4)
    assert result["pairs"][0]["cohen_kappa"] == pytest.approx(0.4, abs=5e-4)
    assert result["pairs"][0]["n_matched"] == 50


def test_cohen_kappa_undefined():
    assert cohen_kappa([]) is None
    assert cohen_kappa([("yes", "yes")] * 4) is None


# Fleiss' kappa: Fleiss (1971) style example of https://en.wikipedia.org/wiki/Fleiss%27_kappa

FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_fleiss_kappa_published_table():
    assert fleiss_kappa(FLEISS) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_from_marks():
    raters = {f"r{k:02}": [] for k in range(14)}
    for row in FLEISS:
        values = [category for category, count in enumerate(row) for _ in range(count)]
        for rater, value in zip(raters.values(), values, strict=True):
            rater.append(value)
    result = compute_agreement([Unit("s1", 100, tuple(raters))], coded(raters))
    assert result["fleiss_kappa"] == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_undefined():
    assert fleiss_kappa([]) is None
    assert fleiss_kappa([[2, 0], [1, 0]]) is None  # raters per item differ
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category only


def test_fleiss_counts_only_items_of_the_modal_size():
    marks = coded({"A": ["x", "y", "x"], "B": ["x", "y", None], "C": ["x", "x", "y"]})
    result = compute_agreement([Unit("s1", 100, ("A", "B", "C"))], marks)
    assert result["fleiss_kappa"] == near(fleiss_kappa([[3, 0], [1, 2]]))


# Krippendorff's alpha: Krippendorff (2011), "Computing Krippendorff's alpha-reliability", C.

KRIPPENDORFF = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def test_nominal_alpha_published_example():
    items = [
        [v for v in unit if v is not None] for unit in zip(*KRIPPENDORFF.values(), strict=True)
    ]
    assert nominal_alpha(items) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_from_marks_matches_the_package():
    result = compute_agreement([Unit("s1", 200, tuple(KRIPPENDORFF))], coded(KRIPPENDORFF))
    data = [[np.nan if v is None else v for v in row] for row in KRIPPENDORFF.values()]
    package = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert result["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)
    assert result["krippendorff_alpha"] == near(package)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from("abcd") | st.none(), min_size=3, max_size=3),
        min_size=2,
        max_size=15,
    )
)
def test_nominal_alpha_agrees_with_the_package(units):
    codes = {"a": 0, "b": 1, "c": 2, "d": 3}
    data = np.array([[np.nan if v is None else codes[v] for v in u] for u in units]).T
    items = [[v for v in u if v is not None] for u in units]
    ours = nominal_alpha(items)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            theirs = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    except ValueError:  # the package refuses data without two values or a pairable unit
        theirs = np.nan
    if ours is None:
        assert not np.isfinite(theirs) or theirs == pytest.approx(0.0, abs=1e-9)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


# Unitized alpha (alpha_U)


def test_unitized_alpha_krippendorff_2004_example():
    # Krippendorff, Content Analysis (2nd ed., 2004): two observers unitize the continuum
    # 150..450 into categories c and k; as reproduced in DKPro Statistics' Krippendorff2004Test
    # (D_o(c) = 0.0144, D_e(c) = 0.0532, alpha_c = 0.7286, alpha_k = 1, all categories 0.859).
    spans = {
        "i": [(225, 70, "c"), (370, 30, "c"), (180, 60, "k"), (300, 50, "k")],
        "j": [(220, 80, "c"), (355, 20, "c"), (400, 20, "c"), (180, 60, "k"), (300, 50, "k")],
    }
    marks = [
        mark(observer, begin - 150, begin - 150 + length, label)
        for observer, units in spans.items()
        for begin, length, label in units
    ]
    result = compute_agreement([Unit("s1", 300, ("i", "j"))], marks)
    assert result["per_label"]["c"]["unitized_alpha"] == near(0.7286)
    assert result["per_label"]["k"]["unitized_alpha"] == near(1.0)
    assert result["unitized_alpha"] == pytest.approx(0.859, abs=5e-4)


def test_unitized_alpha_hand_computed():
    # L = 10, m = 2. A marks [2, 6), B marks [3, 6).
    # Units: A (b=2, l=4); B (b=3, l=3).  Gaps: A 2 and 4; B 3 and 4.
    # Observed: the units overlap, delta^2 = (2 - 3)^2 + (6 - 6)^2 = 1, counted for (A, B) and
    #   (B, A): D_o = 2 / (m (m - 1) L^2) = 2 / 200 = 0.01.
    # Expected, per unit: (N - 1)(2l^3 - 3l^2 + l) / 3 + l^2 * sum over gaps >= l of (gap - l + 1)
    #   l = 4: (128 - 48 + 4) / 3 = 28, gaps 4, 4 -> 16 * 2 = 32; 60
    #   l = 3: (54 - 27 + 3) / 3 = 10, gaps 3, 4, 4 -> 9 * (1 + 2 + 2) = 45; 55
    #   D_e = (2 / L) * 115 / (mL (mL - 1) - sum l (l - 1)) = 23 / (380 - 18) = 23 / 362
    # alpha_U = 1 - 0.01 * 362 / 23 = 0.842609
    units = [Unit("s1", 10, ("A", "B"))]
    result = compute_agreement(units, [mark("A", 2, 6), mark("B", 3, 6)])
    assert result["unitized_alpha"] == near(1 - 0.01 * 362 / 23)
    merged = compute_agreement(units, [mark("A", 2, 4), mark("A", 3, 6), mark("B", 3, 6)])
    assert merged["unitized_alpha"] == result["unitized_alpha"]  # overlapping marks merge first


def test_unitized_alpha_identical_and_symmetric():
    units = [Unit("s1", 40, ("A", "B")), Unit("s2", 30, ("A", "B"))]
    same = [mark(a, 3, 9) for a in "AB"] + [mark(a, 5, 20, statement="s2") for a in "AB"]
    assert compute_agreement(units, same)["unitized_alpha"] == 1.0
    marks = [mark("A", 3, 9), mark("B", 4, 12), mark("B", 30, 35), mark("A", 0, 5, statement="s2")]
    swapped = [m.__class__(m.statement, "AB".replace(m.annotator, ""), *_rest(m)) for m in marks]
    one, two = compute_agreement(units, marks), compute_agreement(units, swapped)
    assert one["unitized_alpha"] == two["unitized_alpha"]
    assert one["unitized_alpha"] < 1


def _rest(m: Mark) -> tuple:
    return m.start, m.end, m.label, m.target, m.holder


def _alpha_u_reference(length: int, coders: list[list[tuple[int, int]]]) -> float | None:
    """alpha_U for one category straight from Krippendorff's formula, with plain loops."""
    m, sections = len(coders), []
    for units in coders:  # (begin, length, is_unit) sections covering the continuum
        pos, secs = 0, []
        for b, e in sorted(units):
            secs += [(pos, b - pos, False)] if b > pos else []
            secs.append((b, e - b, True))
            pos = e
        sections.append(secs + ([(pos, length - pos, False)] if pos < length else []))

    def delta(g, h):
        (bg, lg, ug), (bh, lh, uh) = g, h
        if ug and uh and -lg < bg - bh < lh:
            return (bg - bh) ** 2 + (bg + lg - bh - lh) ** 2
        if ug and not uh and lh - lg >= bg - bh >= 0:
            return lg**2
        if uh and not ug and lg - lh >= bh - bg >= 0:
            return lh**2
        return 0

    pairs = [(a, b) for i, a in enumerate(sections) for j, b in enumerate(sections) if i != j]
    observed = sum(delta(g, h) for a, b in pairs for g in a for h in b) / (m * (m - 1) * length**2)
    units = [n for secs in sections for _, n, unit in secs if unit]
    gaps = [n for secs in sections for _, n, unit in secs if not unit]
    total = sum(
        (len(units) - 1) * (2 * n**3 - 3 * n**2 + n) / 3
        + n**2 * sum(g - n + 1 for g in gaps if g >= n)
        for n in units
    )
    expected = (
        2 / length * total / (m * length * (m * length - 1) - sum(n * (n - 1) for n in units))
    )
    return 1 - observed / expected if expected > 0 else None


def _runs_of(mask: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of True as (start, end)."""
    edges = [
        k for k in range(len(mask) + 1) if (k < len(mask) and mask[k]) != (k > 0 and mask[k - 1])
    ]
    return list(zip(edges[::2], edges[1::2], strict=True))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda m: st.lists(
            st.lists(st.booleans(), min_size=24, max_size=24), min_size=m, max_size=m
        )
    )
)
def test_unitized_alpha_equals_the_formula_computed_naively(masks):
    coders = [_runs_of(mask) for mask in masks]
    names = tuple("ABC"[: len(coders)])
    marks = [mark(a, s, e) for a, runs in zip(names, coders, strict=True) for s, e in runs]
    result = compute_agreement([Unit("s1", 24, names)], marks)["unitized_alpha"]
    reference = _alpha_u_reference(24, coders)
    assert (result is None) == (reference is None)
    if reference is not None:
        assert result == near(reference)


# Span, target and stance agreement on hand-made cases


def test_span_f1_exact_and_overlap():
    marks = [mark("A", 0, 10), mark("A", 20, 30), mark("B", 0, 10), mark("B", 22, 30)]
    marks.append(mark("B", 40, 45, "support"))
    result = compute_agreement([Unit("s1", 50, ("A", "B"))], marks)
    assert result["span_f1_exact"] == near(2 * 1 / 5)
    assert result["span_f1_overlap"] == near(2 * 2 / 5)
    assert result["per_label"]["claim"]["span_f1_exact"] == near(2 * 1 / 4)
    assert result["per_label"]["support"]["span_f1_overlap"] == 0.0


def test_overlap_matching_is_one_to_one_by_largest_overlap_then_position():
    largest = [
        mark("A", 0, 10, target="x"),
        mark("B", 0, 3, target="y"),
        mark("B", 2, 12, target="x"),
    ]
    result = compute_agreement([Unit("s1", 20, ("A", "B"))], largest)
    assert result["target_agreement"] == 1.0 and result["pairs"][0]["n_matched"] == 1
    # B's mark overlaps both of A's by 5 code points: the earlier one wins
    tie = [
        mark("A", 0, 10, target="x"),
        mark("A", 10, 20, target="y"),
        mark("B", 5, 15, target="x"),
    ]
    result = compute_agreement([Unit("s1", 20, ("A", "B"))], tie)
    assert result["target_agreement"] == 1.0 and result["span_f1_overlap"] == near(2 / 3)


def test_target_agreement_counts_no_target_as_a_value():
    marks = [mark("A", 0, 5), mark("B", 0, 5), mark("A", 10, 15, target="iran")]
    marks += [mark("B", 10, 14, target="iran"), mark("A", 20, 25, target="isis"), mark("B", 20, 25)]
    result = compute_agreement([Unit("s1", 30, ("A", "B"))], marks)
    assert result["target_agreement"] == near(2 / 3)
    assert result["target_alpha"] == near(nominal_alpha([[0, 0], [1, 1], [2, 0]]))


def test_stance_agreement_is_dice_over_whole_stances():
    marks = [mark("A", 0, 5, target="t", holder="h"), mark("B", 0, 5, target="t", holder="h")]
    marks += [mark("A", 10, 15, holder="h"), mark("B", 10, 15, holder="other")]  # holder differs
    marks += [mark("A", 20, 25), mark("B", 20, 26), mark("B", 40, 45)]  # span differs; extra
    result = compute_agreement([Unit("s1", 50, ("A", "B"))], marks)
    assert result["stance_agreement"] == near(2 * 1 / 7)
    assert result["pairs"][0]["stance_agreement"] == near(2 * 1 / 7)


def test_stance_agreement_by_statement_edge_cases():
    units = [Unit(s, 50, ("A", "B")) for s in ("none", "agree", "differ")]
    units += [Unit("one", 50, ("A",)), Unit("silent", 50, ("A", "B", "C"))]
    marks = [mark(a, 0, 5, statement="agree") for a in "AB"]
    marks += [mark("A", 0, 5, statement="differ"), mark("B", 0, 5, "support", statement="differ")]
    marks += [mark("A", 0, 5, statement="one")] + [mark(a, 0, 5, statement="silent") for a in "AB"]
    marks += [mark("A", 0, 5, statement="elsewhere"), mark("C", 0, 5, statement="agree")]
    figures = stance_agreement_by_statement(units, marks)
    expected = {"none": None, "agree": 1.0, "differ": 0.0, "one": None, "silent": 0.5}
    assert figures == expected  # a statement out of scope is left out, C on "agree" ignored
    for u in units:
        assert compute_agreement([u], marks)["stance_agreement"] == figures[u.statement]


def test_stance_agreement_by_statement_pools_pairs_and_counts_duplicates():
    """Pairs (A,B) 1/(2+1), (A,C) 2/(2+2), (B,C) 1/(1+2): pooled 2*4/10; A's copy is a multiset."""
    marks = [mark("A", 0, 5), mark("A", 0, 5), mark("B", 0, 5), mark("C", 0, 5), mark("C", 0, 5)]
    figures = stance_agreement_by_statement([Unit("s1", 10, ("A", "B", "C"))], marks)
    assert figures == {"s1": 0.8}


def test_one_annotator_gives_nulls_with_notes():
    result = compute_agreement([Unit("s1", 10, ("A",))], [mark("A", 0, 5)])
    assert all(result[key] is None for key in agreement.METRICS)
    assert "cohen_kappa: fewer than two annotators on any statement" in result["notes"]
    assert result["pairs"] == [] and result["n_stances"] == 1
    json.dumps(result)


def test_no_marks_gives_nulls_with_notes():
    result = compute_agreement([Unit("s1", 10, ("A", "B"))], [])
    assert all(result[key] is None for key in agreement.METRICS)
    assert "span_f1_exact: no stances on statements with two or more annotators" in result["notes"]
    assert result["per_label"] == {} and result["pairs"][0]["n_matched"] == 0


def test_no_label_variation_gives_null_kappa_with_note():
    result = compute_agreement([Unit("s1", 10, ("A", "B"))], [mark("A", 0, 5), mark("B", 1, 5)])
    assert result["cohen_kappa"] is None and result["span_f1_overlap"] == 1.0
    assert (
        "cohen_kappa: no variation in the values, so chance agreement is total" in result["notes"]
    )


def test_scope_ignores_other_statements_and_annotators():
    units = [Unit("s1", 20, ("A", "B"))]
    marks = [mark("A", 0, 5), mark("B", 0, 5), mark("C", 0, 5), mark("A", 0, 5, statement="s9")]
    result = compute_agreement(units, marks)
    assert result["n_stances"] == 2 and result["n_statements"] == 1
    assert [(p["a"], p["b"]) for p in result["pairs"]] == [("A", "B")]


def test_pairs_are_sorted_and_count_shared_statements_only():
    units = [Unit("s1", 20, ("C", "A", "B")), Unit("s2", 20, ("A", "C"))]
    marks = [mark(a, 0, 5) for a in "ABC"] + [mark("C", 5, 9, "support")]
    marks += [mark("A", 0, 5, statement="s2"), mark("B", 0, 5, statement="s2")]  # B not on s2
    result = compute_agreement(units, marks)
    assert [(p["a"], p["b"]) for p in result["pairs"]] == [("A", "B"), ("A", "C"), ("B", "C")]
    assert [p["n_matched"] for p in result["pairs"]] == [1, 1, 1]
    assert result["pairs"][1]["span_f1_exact"] == near(2 * 1 / (2 + 2))
    assert result["pairs"][0]["span_f1_exact"] == 1.0


def test_per_label_codings_are_one_vs_rest():
    a = ["claim", "claim", "support", "support", "claim", "support"]
    b = ["claim", "support", "support", "support", "claim", "claim"]
    result = compute_agreement([Unit("s1", 100, ("A", "B"))], coded({"A": a, "B": b}))
    assert set(result["per_label"]) == {"claim", "support"}
    expected = cohen_kappa([(x == "claim", y == "claim") for x, y in zip(a, b, strict=True)])
    assert result["per_label"]["claim"]["cohen_kappa"] == near(expected)
    assert result["per_label"]["claim"]["span_f1_exact"] == near(2 * 2 / 6)
    assert set(result["per_label"]["claim"]) == set(agreement.METRICS)


# Properties

ANNOTATORS = ("A", "B", "C")
marks_strategy = st.lists(
    st.builds(
        lambda a, s, n, lab, tgt, stmt: mark(a, s, s + n, lab, tgt, statement=stmt),
        st.sampled_from(ANNOTATORS),
        st.integers(0, 25),
        st.integers(1, 8),
        st.sampled_from(["claim", "support"]),
        st.sampled_from([None, "x", "y"]),
        st.sampled_from(["s1", "s2"]),
    ),
    max_size=25,
)
UNITS = [Unit("s1", 35, ANNOTATORS), Unit("s2", 35, ANNOTATORS[:2])]


def _figures(result: dict) -> dict:
    """Everything but the names in pairs, which depend on the annotators' names."""
    pairs = sorted(
        json.dumps({k: v for k, v in p.items() if k not in "ab"}) for p in result["pairs"]
    )
    return {k: v for k, v in result.items() if k != "pairs"} | {"pairs": pairs}


@settings(max_examples=150, deadline=None)
@given(marks_strategy, st.permutations(ANNOTATORS))
def test_figures_do_not_depend_on_annotator_names(marks, names):
    rename = dict(zip(ANNOTATORS, names, strict=True))
    units = [Unit(u.statement, u.length, tuple(rename[a] for a in u.annotators)) for u in UNITS]
    renamed = [Mark(m.statement, rename[m.annotator], *_rest(m)) for m in marks]
    one, two = compute_agreement(UNITS, marks), compute_agreement(units, renamed)
    assert _figures(one) == _figures(two)


@settings(max_examples=100, deadline=None)
@given(marks_strategy)
def test_identical_annotations_agree_fully(marks):
    copies = [Mark(m.statement, a, *_rest(m)) for m in marks if m.annotator == "A" for a in "AB"]
    result = compute_agreement([Unit(s, 35, ("A", "B")) for s in ("s1", "s2")], copies)
    if not copies:
        return
    assert result["span_f1_exact"] == result["stance_agreement"] == 1.0
    assert result["unitized_alpha"] == 1.0
    if len({m.label for m in copies}) > 1:
        assert result["krippendorff_alpha"] == result["cohen_kappa"] == 1.0


def _greedy_reference(t, i, j):
    """Sequential greedy over edges sorted by (-overlap, i, j): what _match must reproduce."""
    edges = sorted(
        (-(min(t.e[a], t.e[b]) - max(t.s[a], t.s[b])), a, b)
        for a, b in zip(i.tolist(), j.tolist(), strict=True)
    )
    taken, won = set(), set()
    for _, a, b in edges:
        if (a, t.an[b]) not in taken and (b, t.an[a]) not in taken:
            taken |= {(a, t.an[b]), (b, t.an[a])}
            won.add((a, b))
    return won


@settings(max_examples=150, deadline=None)
@given(marks_strategy)
def test_vectorised_matching_equals_sequential_greedy(marks):
    t = agreement._prepare(UNITS, marks)
    idx = np.arange(len(t.st))
    i, j = agreement.overlapping(t.st, t.s, t.e)
    i, j = i[t.an[i] != t.an[j]], j[t.an[i] != t.an[j]]
    mi, mj = agreement._match(t, idx)
    assert set(zip(mi.tolist(), mj.tolist(), strict=True)) == _greedy_reference(t, i, j)


TEAMS = st.permutations("ABCD").flatmap(
    lambda p: st.sampled_from(range(5)).map(lambda n: tuple(p[:n]))
)
SOME_UNITS = st.lists(  # a statement may be listed twice; 0 to 4 annotators, never E
    st.builds(Unit, st.sampled_from(["s1", "s2", "s3"]), st.integers(0, 30), TEAMS),
    min_size=1,
    max_size=4,
)
CONTENTS = st.tuples(  # negative and empty spans too: they are clamped before comparing
    st.integers(-2, 6),
    st.integers(-2, 8),
    st.sampled_from(["claim", "support"]),
    st.sampled_from([None, "x"]),
    st.sampled_from([None, "h"]),
)


@st.composite
def scopes(draw):
    """Units, and marks on and off them (s4, E) drawn from a few stances, so many are the same."""
    pool = draw(st.lists(CONTENTS, min_size=1, max_size=4))
    where = st.tuples(st.sampled_from(["s1", "s2", "s3", "s4"]), st.sampled_from("ABCDE"))
    picks = draw(st.lists(st.tuples(where, st.sampled_from(pool)), min_size=10, max_size=60))
    return draw(SOME_UNITS), [Mark(*at, *content) for at, content in picks]


@settings(max_examples=400, deadline=None)
@given(scopes())
def test_stance_agreement_by_statement_equals_compute_agreement_per_statement(scope):
    units, marks = scope
    figures = stance_agreement_by_statement(units, marks)
    assert list(figures) == list(dict.fromkeys(u.statement for u in units))
    for statement, figure in figures.items():
        own = [u for u in units if u.statement == statement]
        assert figure == compute_agreement(own, marks)["stance_agreement"], statement
