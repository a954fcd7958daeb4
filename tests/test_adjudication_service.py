"""Adjudication services: gold stances, decisions, audit, idempotent auto, version conflicts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.accounts.users import find_user
from annotator.annotation.stances import StanceInput, update_stance
from annotator.annotation.versions import RowEdit
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import AuditEvent, GoldDecision, Stance
from annotator.review.adjudication import (
    GoldInput,
    accept_version,
    delete_gold,
    reject_versions,
    save_gold,
    update_gold,
)
from annotator.review.unanimous import accept_unanimous, adjudicate_auto

from .test_review_helpers import done, mark, setup


def _gold(session, st):
    return list(
        session.scalars(
            select(Stance).where(Stance.statement_id == st.id, Stance.is_gold).order_by(Stance.id)
        )
    )


def _two_versions(session):
    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    b = mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    done(session, project, st, "ann1", "ann2")
    return project, st, a, b, find_user(session, "rev")


def test_accept_copies_the_version_into_gold_with_a_decision(app, session):
    project, st, a, b, rev = _two_versions(session)
    gold = accept_version(session, project, st, rev, 0, a.id, a.version, "ann1 is right")
    session.commit()
    assert gold.is_gold and gold.annotator_id is None
    assert (gold.start, gold.end, gold.target_id) == (a.start, a.end, a.target_id)
    decision = session.scalar(select(GoldDecision))
    assert decision.decision == "accept" and decision.source_stance_ids == [a.id]
    assert decision.reviewer_id == rev.id and decision.reason == "ann1 is right"
    # a decision moves the review version; only "Finish review" marks it reviewed
    assert st.review_version == 1 and st.reviewed_by_id is None and st.reviewed_at is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "gold_stance"))
    assert event.data["sources"] == [{"id": a.id, "version": 1, "annotator_id": a.annotator_id}]


def test_stale_review_version_is_a_conflict_and_saves_nothing(app, session):
    project, st, a, b, rev = _two_versions(session)
    accept_version(session, project, st, rev, 0, a.id, a.version)
    session.commit()
    with pytest.raises(Conflict, match="Another reviewer"):
        accept_version(session, project, st, rev, 0, b.id, b.version)
    session.rollback()
    assert len(_gold(session, st)) == 1


def test_stale_source_version_is_a_conflict(app, session):
    project, st, a, b, rev = _two_versions(session)
    with pytest.raises(Conflict, match="annotator changed"):
        accept_version(session, project, st, rev, 0, a.id, a.version + 1)
    with pytest.raises(NotFound):
        accept_version(session, project, st, rev, 0, 999_999, 1)


def test_accepting_the_same_content_twice_is_refused(app, session):
    project, st, a, b, rev = _two_versions(session)
    accept_version(session, project, st, rev, 0, a.id, a.version)
    with pytest.raises(Invalid, match="already holds"):
        accept_version(session, project, st, rev, 1, a.id, a.version)


def test_edit_and_add_make_gold_and_validate(app, session):
    project, st, a, b, rev = _two_versions(session)
    data = GoldInput(a.start, a.end, "condemnation", "Israel", None)
    gold = save_gold(session, project, st, rev, 0, data, source=(b.id, b.version), reason="fix")
    assert gold.target.key == "israel"
    added = save_gold(session, project, st, rev, 1, GoldInput(54, 60, "claim"))
    assert added.text == st.text[54:60]
    decisions = [
        d.decision for d in session.scalars(select(GoldDecision).order_by(GoldDecision.id))
    ]
    assert decisions == ["edit", "add"]
    with pytest.raises(Invalid, match="needs a target"):
        save_gold(session, project, st, rev, 2, GoldInput(0, 4, "support"))
    with pytest.raises(Invalid, match="outside"):
        save_gold(session, project, st, rev, 2, GoldInput(0, 999, "claim"))
    with pytest.raises(Invalid, match="No actor"):
        save_gold(session, project, st, rev, 2, GoldInput(0, 4, "support", "Atlantis"))


def test_reject_records_a_decision_without_gold(app, session):
    project, st, a, b, rev = _two_versions(session)
    decision = reject_versions(session, project, st, rev, 0, [(a.id, 1), (b.id, 1)], "no stance")
    assert decision.decision == "reject" and decision.gold_stance_id is None
    assert sorted(decision.source_stance_ids) == sorted([a.id, b.id])
    assert _gold(session, st) == []
    with pytest.raises(Invalid):
        reject_versions(session, project, st, rev, 1, [], "")


def test_gold_edit_and_delete_check_the_stance_version(app, session):
    project, st, a, b, rev = _two_versions(session)
    gold = accept_version(session, project, st, rev, 0, a.id, 1)
    session.commit()
    data = GoldInput(gold.start, gold.end, "condemnation", "usa")
    update_gold(session, RowEdit(project, st, rev, row_id=gold.id, version=1), data)
    session.commit()
    assert gold.version == 2 and gold.target.key == "usa"
    with pytest.raises(Conflict, match="Another reviewer changed this gold"):
        update_gold(session, RowEdit(project, st, rev, row_id=gold.id, version=1), data)
    session.rollback()
    delete_gold(session, RowEdit(project, st, rev, row_id=gold.id, version=2))
    session.commit()
    assert gold.deleted_at is not None
    with pytest.raises(Conflict, match="deleted"):
        delete_gold(session, RowEdit(project, st, rev, row_id=gold.id, version=3))


def test_unanimous_needs_identical_span_label_target_and_holder(app, session):
    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    for name in ("ann1", "ann2", "ann3"):
        mark(session, project, st, name, "Russia claims victory", label="claim", target=None)
        mark(
            session,
            project,
            st,
            name,
            "Iran condemns Israel",
            holder="iran" if name != "ann3" else None,
        )
    done(session, project, st, "ann1", "ann2", "ann3")
    rev = find_user(session, "rev")
    assert accept_unanimous(session, project, st, rev, 0) == 1
    session.commit()
    (gold,) = _gold(session, st)
    assert gold.text == "Russia claims victory"
    decision = session.scalar(select(GoldDecision))
    assert decision.decision == "auto" and len(decision.source_stance_ids) == 3


def test_unanimous_needs_two_done_annotators(app, session):
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    done(session, project, st, "ann1")
    with pytest.raises(Invalid, match="two or more"):
        accept_unanimous(session, project, st, find_user(session, "rev"), 0)


def test_auto_is_idempotent_and_respects_rejections(app, session):
    project, (s0, s1) = setup(session, statements=2)
    for st in (s0, s1):
        for name in ("ann1", "ann2"):
            mark(session, project, st, name, "Iran condemns Israel")
        done(session, project, st, "ann1", "ann2")
    s1_ids = [
        (s.id, s.version)
        for s in session.scalars(select(Stance).where(Stance.statement_id == s1.id))
    ]
    reject_versions(session, project, s1, find_user(session, "rev"), 0, s1_ids)
    session.commit()
    report = adjudicate_auto(session, project)
    session.commit()
    assert (report.statements, report.created) == (2, 1)
    assert len(_gold(session, s0)) == 1 and _gold(session, s1) == []
    assert adjudicate_auto(session, project).created == 0
    assert s0.review_version == 1


def test_auto_with_unfinished_counts_everyone_who_annotated(app, session):
    project, (st,) = setup(session)
    for name in ("ann1", "ann2"):
        mark(session, project, st, name, "Iran condemns Israel")
    session.commit()
    assert adjudicate_auto(session, project).created == 0
    assert adjudicate_auto(session, project, include_unfinished=True).created == 1


def test_an_annotator_edit_after_loading_makes_accept_stale(app, session):
    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    session.commit()
    data = StanceInput(a.start, a.end, a.text, "condemnation", "usa")
    update_stance(
        session, RowEdit(project, st, find_user(session, "ann1"), row_id=a.id, version=1), data
    )
    session.commit()
    with pytest.raises(Conflict):
        accept_version(session, project, st, find_user(session, "rev"), 0, a.id, 1)


def test_racing_reviewers_on_two_connections_second_gets_conflict(app, session):
    """Both saw review version 0; the second waits for the first commit, then gets a conflict."""
    import threading
    import time

    from annotator.extensions import db
    from annotator.models import Statement

    project, st, a, b, rev = _two_versions(session)
    session.close()
    outcome = {}

    def second_reviewer():
        with db.factory() as s2:
            try:
                accept_version(s2, project, s2.get(Statement, st.id), rev, 0, b.id, 1)
                s2.commit()
                outcome["saved"] = True
            except Conflict as exc:
                s2.rollback()
                outcome["conflict"] = exc.message

    with db.factory() as s1:
        accept_version(s1, project, s1.get(Statement, st.id), rev, 0, a.id, 1)
        thread = threading.Thread(target=second_reviewer)
        thread.start()
        time.sleep(0.5)  # the second reviewer is now waiting on the first one's lock
        s1.commit()
    thread.join(30)
    assert "Another reviewer" in outcome.get("conflict", ""), outcome
    with db.factory() as check:
        gold = check.scalars(select(Stance).where(Stance.is_gold)).all()
        assert [g.target_id for g in gold] == [a.target_id]


def test_editing_gold_into_another_gold_stance_is_refused(app, session):
    project, st, a, b, rev = _two_versions(session)
    accept_version(session, project, st, rev, 0, a.id, a.version)
    second = accept_version(session, project, st, rev, 1, b.id, b.version)
    session.commit()
    twin = GoldInput(a.start, a.end, "condemnation", "israel")  # a's content exactly
    with pytest.raises(Invalid, match="Gold already holds"):
        update_gold(
            session, RowEdit(project, st, rev, row_id=second.id, version=second.version), twin
        )
    session.rollback()
    assert [g.target.key for g in _gold(session, st)] == ["israel", "usa"]


def test_accepting_unanimous_with_nothing_left_changes_nothing(app, session):
    project, st, a, b, rev = _two_versions(session)  # a and b differ in target
    with pytest.raises(Invalid, match="Nothing unanimous"):
        accept_unanimous(session, project, st, rev, 0)
    session.rollback()
    session.refresh(st)
    assert st.review_version == 0 and st.reviewed_at is None


@pytest.mark.parametrize(("statements", "batch", "queries"), [(2, 500, 5), (7, 500, 5), (7, 3, 11)])
def test_auto_reads_in_a_constant_number_of_queries(
    app, session, monkeypatch, statements, batch, queries
):
    """One query per statement (N+1) made the command crawl on big projects."""
    from sqlalchemy import event

    from annotator.extensions import db
    from annotator.review import unanimous

    monkeypatch.setattr(unanimous, "BATCH", batch)
    project, sts = setup(session, statements=statements)
    for st in sts:
        for name in ("ann1", "ann2"):
            mark(session, project, st, name, "Iran condemns Israel")
        done(session, project, st, "ann1", "ann2")
    selects = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        created = adjudicate_auto(session, project).created
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # the scope, then per batch of statement ids: stances, decisions, statements; then one
    # query for the statements with relations (none here)
    assert (created, len(selects)) == (statements, queries), selects
    assert {len(_gold(session, st)) for st in sts} == {1}
    assert {st.review_version for st in sts} == {1}


def test_labels_page_and_progress_count_stances_one_way_gold_apart(app, session):
    from annotator.projects.labels import list_label_rows
    from annotator.projects.progress import label_counts

    project, st, a, b, rev = _two_versions(session)
    accept_version(session, project, st, rev, 0, a.id, a.version, "")
    session.commit()
    rows = {row.label.key: row for row in list_label_rows(session, project)}
    progress = {lab.key: lab.count for lab in label_counts(session, project)}
    assert {key: row.stances for key, row in rows.items()} == progress
    assert rows[a.label.key].stances == 2 and rows[a.label.key].gold == 1
