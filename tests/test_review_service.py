"""Review services: agreement scope and figures from the database, queue, alignment."""

from __future__ import annotations

from annotator.accounts.users import find_user
from annotator.agreement.stances import METRICS
from annotator.annotation.stances import delete_stance
from annotator.annotation.versions import RowEdit
from annotator.review.agreement_input import AN, load_input
from annotator.review.review import (
    NO_STATEMENT,
    agreement_scope,
    annotator_names,
    letter,
    project_agreement,
)
from annotator.review.side_by_side import load_side_by_side

from .test_review_helpers import done, mark, setup, whole_queue


def _names(session, project, hide=False):
    return annotator_names(session, project, hide=hide)


def test_letters_run_like_spreadsheet_columns():
    assert [letter(k) for k in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def test_no_finished_statement_gives_nulls_and_a_message(app, session):
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel")
    session.commit()
    result = project_agreement(session, project, _names(session, project))
    assert result["n_statements"] == 0
    assert all(result[m] is None for m in METRICS)
    assert result["notes"][0] == NO_STATEMENT


def test_default_scope_needs_two_done_and_unfinished_needs_two_marking(app, session):
    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel")
    done(session, project, st, "ann1")
    assert agreement_scope(session, project) == {}
    ids = {find_user(session, n).id for n in ("ann1", "ann2")}
    assert agreement_scope(session, project, include_unfinished=True) == {st.id: ids}
    read = load_input(session, project, True)  # the agreement job's own reading of that rule
    assert {u.statement: set(u.annotators) for u in read.units} == {st.id: ids}
    done(session, project, st, "ann3")  # done with no stances still counts as an annotator
    scope = agreement_scope(session, project)
    assert scope == {st.id: {find_user(session, n).id for n in ("ann1", "ann3")}}


def test_deleted_and_gold_stances_never_count(app, session):
    from annotator.models import Stance

    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann1", "Russia claims victory", label="claim", target=None)
    mark(session, project, st, "ann2", "Iran condemns Israel")
    delete_stance(
        session, RowEdit(project, st, find_user(session, "ann1"), row_id=a.id + 1, version=1)
    )
    session.add(
        Stance(statement_id=st.id, is_gold=True, start=0, end=4, text="Iran", label_id=a.label_id)
    )
    session.commit()
    done(session, project, st, "ann1", "ann2")
    data = load_input(session, project, False)
    assert [u.statement for u in data.units] == [st.id]
    ids = {find_user(session, n).id for n in ("ann1", "ann2")}
    assert set(data.stances[:, AN].tolist()) == ids and len(data.stances) == 2
    result = project_agreement(session, project, _names(session, project))
    assert result["n_stances"] == 2
    assert result["span_f1_exact"] == 1.0 and result["stance_agreement"] == 1.0
    assert result["pairs"][0]["a"] == "ann1" and result["pairs"][0]["b"] == "ann2"


def test_figures_reflect_disagreement(app, session):
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    mark(session, project, st, "ann1", "The USA supports Israel", label="support")
    done(session, project, st, "ann1", "ann2")
    result = project_agreement(session, project, _names(session, project))
    assert result["span_f1_exact"] == round(2 * 1 / 3, 4)
    assert result["target_agreement"] == 0.0
    assert result["stance_agreement"] == 0.0
    assert set(result["per_label"]) == {"condemnation", "support"}
    assert (
        "per_label.support.target_agreement: no overlapping stances between annotators"
        in (result["notes"])
    )
    assert not any(n.startswith("per_label.1") for n in result["notes"])


def test_hidden_names_are_stable_letters(app, session):
    project, (st,) = setup(session, annotators=("ann1", "ann2"))
    names = _names(session, project, hide=True)
    assert sorted(names.values()) == ["Annotator A", "Annotator B"]
    assert names[find_user(session, "ann1").id] == "Annotator A"


def test_queue_lists_finished_statements_most_disagreement_first(app, session):
    project, (s0, s1, s2) = setup(session, statements=3)
    for st in (s0, s1, s2):
        mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, s0, "ann2", "Iran condemns Israel")
    mark(session, project, s1, "ann2", "Iran condemns Israel", target="usa")
    done(session, project, s0, "ann1", "ann2")
    done(session, project, s1, "ann1", "ann2")
    done(session, project, s2, "ann1")  # ann2 not done: not in the queue
    names = _names(session, project)
    rows = whole_queue(session, project, names)
    assert [r.statement_id for r in rows] == [s1.id, s0.id]
    assert rows[0].agreement == 0.0 and rows[0].open_groups == 1
    assert rows[1].agreement == 1.0 and rows[1].open_groups == 0
    assert whole_queue(session, project, names, label="support") == []
    ann1 = find_user(session, "ann1").id
    assert len(whole_queue(session, project, names, annotator_id=ann1)) == 2
    assert whole_queue(session, project, names, annotator_id=-1) == []


def test_queue_agreement_pools_pairs_like_the_project_figures(app, session):
    """ann1 and ann2 agree, ann3 marks nothing: pooled 2*1 / (2+1+1) = 0.5, mean of pairs 1/3."""
    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel")
    done(session, project, st, "ann1", "ann2", "ann3")
    names = _names(session, project)
    (row,) = whole_queue(session, project, names)
    assert row.agreement == 0.5
    assert row.agreement == project_agreement(session, project, names)["stance_agreement"]


def test_queue_without_any_stance_has_no_figure_and_comes_last(app, session):
    project, (s0, s1) = setup(session, statements=2)
    mark(session, project, s1, "ann1", "Iran condemns Israel")
    mark(session, project, s1, "ann2", "Iran condemns Israel")
    done(session, project, s0, "ann1", "ann2")
    done(session, project, s1, "ann1", "ann2")
    rows = whole_queue(session, project, _names(session, project))
    assert [(r.statement_id, r.agreement) for r in rows] == [(s1.id, 1.0), (s0.id, None)]


def test_queue_figures_equal_each_statements_side_by_side_figure(app, session):
    """One batched computation for the queue; each figure as compute_agreement on its own."""
    project, sts = setup(session, annotators=("ann1", "ann2", "ann3"), statements=5)
    iran, russia = "Iran condemns Israel", "Russia claims victory"
    for name in ("ann1", "ann2", "ann3"):  # sts[0]: all agree
        mark(session, project, sts[0], name, iran)
    mark(session, project, sts[1], "ann1", iran)  # sts[1]: none agree
    mark(session, project, sts[1], "ann2", iran, target="usa")
    mark(session, project, sts[1], "ann3", russia, label="claim", target=None)
    mark(session, project, sts[2], "ann1", iran)  # sts[2]: ann3 marks nothing
    mark(session, project, sts[2], "ann2", iran)
    for name in ("ann1", "ann3"):  # sts[4]: ann2 misses one; 2 * (1 + 2 + 1) / (3 + 4 + 3)
        mark(session, project, sts[4], name, iran)
        mark(session, project, sts[4], name, russia, label="claim", target=None)
    mark(session, project, sts[4], "ann2", iran)
    for st in sts:  # sts[3]: nobody marks anything
        done(session, project, st, "ann1", "ann2", "ann3")
    names = _names(session, project)
    rows = whole_queue(session, project, names)
    expected = [(sts[1], 0.0), (sts[2], 0.5), (sts[4], 0.8), (sts[0], 1.0), (sts[3], None)]
    assert [(r.statement_id, r.agreement) for r in rows] == [(s.id, x) for s, x in expected]
    for row, (st, _) in zip(rows, expected, strict=True):
        figures = load_side_by_side(session, st, names).figures
        assert row.agreement == figures["stance_agreement"]
    claims = whole_queue(session, project, names, label="claim")
    assert [(r.statement_id, r.agreement) for r in claims] == [(sts[1].id, 0.0), (sts[4].id, 0.8)]
    assert whole_queue(session, project, names, label="no-such-label") == []


def test_side_by_side_groups_say_what_differs(app, session):
    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    mark(session, project, st, "ann3", "condemns Israel")
    mark(session, project, st, "ann1", "Russia claims victory", label="claim", target=None)
    mark(session, project, st, "ann2", "Russia claims victory", label="claim", target=None)
    mark(session, project, st, "ann3", "Russia claims victory", label="claim", target=None)
    session.commit()
    view = load_side_by_side(session, st, _names(session, project))
    assert [lane.name for lane in view.lanes] == ["ann1", "ann2", "ann3"]
    first, last = view.groups
    assert first.differs == {"boundary": True, "label": False, "target": True, "holder": False}
    assert not first.unanimous and last.unanimous
    assert not any(last.differs.values())
    assert view.figures["n_statements"] == 1


def test_the_boards_unanimous_count_is_what_accept_all_would_take(app, session):
    """The board counts from its own rows and its statement's scope (not the project's),
    and builds the gold index from them; each step below changes the scope, gold or the
    decisions, and the board's figures must equal those read afresh."""
    from annotator.review.adjudication import accept_version, reject_versions
    from annotator.review.relation_groups import GoldIndex
    from annotator.review.unanimous import pending_count, pending_unanimous

    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    iran = {n: mark(session, project, st, n, "Iran condemns Israel") for n in ("ann1", "ann2")}
    russia = [
        mark(session, project, st, name, "Russia claims victory", label="claim", target=None)
        for name in ("ann1", "ann2", "ann3")
    ]
    rev = find_user(session, "rev")
    counts = []

    def check():
        view = load_side_by_side(session, st, _names(session, project))
        board = pending_count(session, view)[0]
        assert GoldIndex.of(view.stances, view.decisions) == GoldIndex.load(session, st.id)
        assert board == len(pending_unanimous(session, project, st))
        counts.append(board)

    check()  # nobody done: no scope
    done(session, project, st, "ann1")
    check()  # one done: still none
    done(session, project, st, "ann2")
    check()  # ann1 and ann2 done (ann3 working): both their stances
    accept_version(session, project, st, rev, 0, iran["ann1"].id, iran["ann1"].version)
    check()  # gold holds Iran: only Russia left
    versions = [(s.id, s.version) for s in russia[:2]]
    reject_versions(session, project, st, rev, st.review_version, versions)
    check()  # Russia rejected: nothing left
    assert counts == [0, 0, 2, 1, 0]
