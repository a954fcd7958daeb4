"""Relations in review: groups by aligned ends, their tags, and every decision into gold."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import find_user
from annotator.annotation.relations import RelationInput, create_relation
from annotator.errors import Conflict
from annotator.models import AuditEvent, GoldDecision, Relation, RelationDecision, Stance
from annotator.review import relation_adjudication as radj
from annotator.review.adjudication import accept_version, reject_versions
from annotator.review.relation_groups import load_relation_groups
from annotator.review.side_by_side import load_side_by_side
from annotator.review.unanimous import accept_unanimous

from .conftest import csrf_from
from .test_review_helpers import done, mark, setup

IRAN, USA, RUSSIA = "Iran condemns Israel", "The USA supports Israel", "Russia claims victory"


def link(session, project, st, who, a, b, kind="supports"):
    user = find_user(session, who)
    return create_relation(session, project, st, user, RelationInput(a.id, b.id, kind))


def _board(session, st):
    view = load_side_by_side(session, st, {})
    lanes = [lane.annotator_id for lane in view.lanes]
    return load_relation_groups(session, st.id, view.groups, lanes)


def _disagreeing(session):
    """ann1: IRAN supports USA, IRAN attacks RUSSIA; ann2: USA attacks IRAN (the other way)."""
    project, (st,) = setup(session)
    s = {}
    for who in ("ann1", "ann2"):
        s[who] = [mark(session, project, st, who, p, target="israel") for p in (IRAN, USA)]
    russia = mark(session, project, st, "ann1", RUSSIA, label="claim", target=None)
    r1 = link(session, project, st, "ann1", s["ann1"][0], s["ann1"][1])
    r2 = link(session, project, st, "ann2", s["ann2"][1], s["ann2"][0], "attacks")
    r3 = link(session, project, st, "ann1", s["ann1"][0], russia, "attacks")
    done(session, project, st, "ann1", "ann2")
    rev = find_user(session, "rev")
    return project, st, s, (r1, r2, r3), rev


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_relations_group_by_aligned_ends_and_say_what_differs(app, session):
    project, st, s, (r1, r2, r3), rev = _disagreeing(session)
    groups = _board(session, st)
    assert [g.ends for g in groups] == [(0, 1), (0, 2)]
    both, alone = groups
    assert {r.id for r in both.sources} == {r1.id, r2.id}
    assert both.differs == {"presence": False, "type": True, "direction": True}
    assert not both.unanimous
    assert alone.differs["presence"] and alone.missing == [s["ann2"][0].annotator_id]
    assert [r.forward for r in both.sources] == [True, False]


def test_identical_relations_are_unanimous(app, session):
    project, (st,) = setup(session)
    for who in ("ann1", "ann2"):
        a, b = (mark(session, project, st, who, p) for p in (IRAN, USA))
        link(session, project, st, who, a, b)
    done(session, project, st, "ann1", "ann2")
    (group,) = _board(session, st)
    assert group.unanimous and not any(group.differs.values())


def test_accept_needs_gold_ends_and_writes_nothing_until_the_reviewer_agrees(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    with pytest.raises(Conflict, match="ends are not in gold yet") as refused:
        radj.accept_relation(session, project, st, rev, 0, r1.id, r1.version)
    assert refused.value.field == "ends"
    session.rollback()
    assert (_count(session, RelationDecision), _count(session, GoldDecision)) == (0, 0)

    gold = radj.accept_relation(session, project, st, rev, 0, r1.id, 1, with_ends=True)
    session.commit()
    assert gold.is_gold and gold.type.key == "supports"
    assert (gold.from_stance.start, gold.to_stance.start) == (
        s["ann1"][0].start,
        s["ann1"][1].start,
    )
    ends = session.scalars(select(GoldDecision).order_by(GoldDecision.id)).all()
    assert [(d.decision, d.source_stance_ids) for d in ends] == [
        ("accept", [s["ann1"][0].id]),
        ("accept", [s["ann1"][1].id]),
    ]
    decision = session.scalar(select(RelationDecision))
    assert (decision.decision, decision.source_relation_ids) == ("accept", [r1.id])
    assert decision.gold_relation_id == gold.id and decision.reviewer_id == rev.id
    assert st.review_version == 1  # one claim for the ends and the relation together


def test_accept_uses_the_gold_stances_already_there(app, session):
    project, st, s, (r1, r2, _), rev = _disagreeing(session)
    a, b = s["ann2"]  # ann2's identical stances are accepted; ann1's relation finds them
    accept_version(session, project, st, rev, 0, a.id, 1)
    accept_version(session, project, st, rev, 1, b.id, 1)
    gold = radj.accept_relation(session, project, st, rev, 2, r1.id, 1)
    session.commit()
    assert {gold.from_stance.id, gold.to_stance.id} == {
        g.id for g in session.scalars(select(Stance).where(Stance.is_gold))
    }
    assert _count(session, GoldDecision) == 2  # no end accepted twice


def test_a_relation_whose_end_was_rejected_is_refused(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    reject_versions(session, project, st, rev, 0, [(s["ann1"][1].id, 1), (s["ann2"][1].id, 1)])
    session.commit()
    with pytest.raises(Conflict, match="You rejected the stance"):
        radj.accept_relation(session, project, st, rev, 1, r1.id, 1, with_ends=True)
    session.rollback()
    assert _count(session, RelationDecision) == 0
    assert session.scalar(select(func.count()).where(Stance.is_gold)) == 0


def test_stale_versions_are_conflicts_and_save_nothing(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    with pytest.raises(Conflict, match="Another reviewer"):
        radj.accept_relation(session, project, st, rev, 7, r1.id, 1, with_ends=True)
    session.rollback()
    with pytest.raises(Conflict, match="annotator changed or deleted this relation"):
        radj.accept_relation(session, project, st, rev, 0, r1.id, 2, with_ends=True)
    session.rollback()
    assert _count(session, RelationDecision) == 0
    assert session.scalar(select(func.count()).where(Relation.is_gold)) == 0


def test_edit_reverses_and_retypes_then_reject_and_add(app, session):
    project, st, s, (r1, r2, r3), rev = _disagreeing(session)
    edited = radj.accept_relation(
        session, project, st, rev, 0, r1.id, 1, with_ends=True, type="attacks", reverse=True
    )
    assert edited.type.key == "attacks" and edited.from_stance.start == s["ann1"][1].start
    reject_versions(session, project, st, rev, 1, [(r3.id, 1)], "off topic", about=Relation)
    russia_gold = accept_version(session, project, st, rev, 2, r3.to_stance_id, 1)
    added = radj.add_relation(
        session, project, st, rev, 3, russia_gold.id, edited.to_stance_id, "supports"
    )
    session.commit()
    decisions = session.scalars(select(RelationDecision).order_by(RelationDecision.id)).all()
    assert [d.decision for d in decisions] == ["edit", "reject", "add"]
    assert decisions[1].reason == "off topic" and decisions[2].gold_relation_id == added.id
    groups = _board(session, st)
    # groups 1-2 and 1-3; on 1-3 the add came after the reject, so it is the latest decision
    assert [g.decision.decision for g in groups] == ["edit", "add"]


def test_adding_a_twin_of_a_gold_relation_is_refused(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    gold = radj.accept_relation(session, project, st, rev, 0, r1.id, 1, with_ends=True)
    session.commit()
    with pytest.raises(Conflict, match="Gold already holds this relation"):
        radj.add_relation(session, project, st, rev, 1, gold.from_stance_id, gold.to_stance_id,
                          "supports")  # fmt: skip
    session.rollback()
    assert _count(session, RelationDecision) == 1


def test_accept_all_unanimous_takes_relations_with_their_stances(app, session):
    project, (st,) = setup(session)
    for who in ("ann1", "ann2"):
        a, b = (mark(session, project, st, who, p) for p in (IRAN, USA))
        link(session, project, st, who, a, b)
    done(session, project, st, "ann1", "ann2")
    rev = find_user(session, "rev")
    assert accept_unanimous(session, project, st, rev, 0) == 3  # two stances, one relation
    session.commit()
    (gold,) = session.scalars(select(Relation).where(Relation.is_gold)).all()
    assert gold.from_stance.is_gold and gold.to_stance.is_gold
    decision = session.scalar(select(RelationDecision))
    assert decision.decision == "auto" and len(decision.source_relation_ids) == 2
    with pytest.raises(Exception, match="Nothing unanimous"):
        accept_unanimous(session, project, st, rev, 1)


def test_history_lists_every_relation_decision(app, session, client, login):
    project, st, s, (r1, r2, r3), rev = _disagreeing(session)
    radj.accept_relation(session, project, st, rev, 0, r1.id, 1, with_ends=True, reason="clear")
    reject_versions(session, project, st, rev, 1, [(r2.id, 1)], about=Relation)
    session.commit()
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "relation_decision")
    ).all()
    assert actions == ["accept", "reject"]
    login("rev")
    page = client.get(f"/p/rev/review/s/{st.id}/history").get_data(as_text=True)
    assert "relation decision" in page and "reason: clear" in page
    assert "supports: stance" in page  # the gold relation's own event


# --- the web pages ----------------------------------------------------------------------------


def _page(client, st):
    response = client.get(f"/p/rev/review/s/{st.id}")
    body = response.get_data(as_text=True)
    version = int(re.search(r'name="review_version" value="(\d+)"', body).group(1))
    return body, csrf_from(response), version


def test_board_shows_relation_groups_with_tags(app, session, client, login):
    project, st, s, rels, rev = _disagreeing(session)
    login("rev")
    body, _, _ = _page(client, st)
    assert 'id="r0"' in body and 'id="r1"' in body
    assert "type differs" in body and "direction differs" in body and "presence differs" in body
    assert "Accept…" in body and "ends not in gold yet" in body
    assert "rv-grp-diff" in body  # the text marks where annotators differ


def test_accept_offers_the_ends_then_takes_them(app, session, client, login):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    login("rev")
    _, token, version = _page(client, st)
    data = {"csrf_token": token, "review_version": version, "relation": f"{r1.id}:1"}
    offered = client.post(f"/p/rev/review/s/{st.id}/relations/accept", data=data)
    body = offered.get_data(as_text=True)
    assert offered.status_code == 409 and "not in gold yet" in body
    assert 'id="offer"' in body and 'name="with_ends" value="y"' in body
    assert _count(session, RelationDecision) == 0 and _count(session, GoldDecision) == 0
    taken = client.post(f"/p/rev/review/s/{st.id}/relations/accept", data=data | {"with_ends": "y"})
    assert taken.status_code == 303
    assert _count(session, RelationDecision) == 1 and _count(session, GoldDecision) == 2


def test_refusals_are_readable_and_write_nothing(app, session, client, login):
    project, st, s, (r1, r2, r3), rev = _disagreeing(session)
    login("rev")
    _, token, version = _page(client, st)
    url = f"/p/rev/review/s/{st.id}/relations"
    stale = {"csrf_token": token, "review_version": version + 3, "relation": f"{r1.id}:1",
             "with_ends": "y"}  # fmt: skip
    response = client.post(f"{url}/accept", data=stale)
    assert response.status_code == 409 and "Another reviewer" in response.get_data(as_text=True)
    bad = {"csrf_token": token, "review_version": version, "relation": "x"}
    assert client.post(f"{url}/accept", data=bad).status_code == 422
    unknown = {"csrf_token": token, "review_version": version, "from_stance": s["ann1"][0].id,
               "to_stance": s["ann1"][1].id, "type": "supports"}  # fmt: skip
    response = client.post(f"{url}/add", data=unknown)
    assert response.status_code == 422 and "is not a gold stance" in response.get_data(as_text=True)
    assert _count(session, RelationDecision) == 0
    assert session.scalar(select(func.count()).where(Stance.is_gold)) == 0


def test_annotators_cannot_decide_on_relations(app, session, client, login):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    login("ann1")
    token = csrf_from(client.get("/"))
    data = {"csrf_token": token, "review_version": 0, "relation": f"{r1.id}:1", "with_ends": "y"}
    assert client.post(f"/p/rev/review/s/{st.id}/relations/accept", data=data).status_code == 403
    assert _count(session, RelationDecision) == 0


def test_a_declined_end_is_409_without_an_offer(app, session, client, login):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    reject_versions(session, project, st, rev, 0, [(s["ann1"][1].id, 1), (s["ann2"][1].id, 1)])
    session.commit()
    login("rev")
    _, token, version = _page(client, st)
    data = {"csrf_token": token, "review_version": version, "relation": f"{r1.id}:1",
            "with_ends": "y"}  # fmt: skip
    response = client.post(f"/p/rev/review/s/{st.id}/relations/accept", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "You rejected the stance" in body
    assert 'id="offer"' not in body
    assert _count(session, RelationDecision) == 0
    assert session.scalar(select(func.count()).where(Stance.is_gold)) == 0


def test_adjudicate_auto_takes_unanimous_relations_too(app, session, runner):
    project, (st,) = setup(session)
    for who in ("ann1", "ann2"):
        a, b = (mark(session, project, st, who, p) for p in (IRAN, USA))
        link(session, project, st, who, a, b)
    done(session, project, st, "ann1", "ann2")
    first = runner.invoke(args=["adjudicate", "rev", "--auto"])
    assert first.exit_code == 0 and "2 unanimous stance(s) and 1 relation(s)" in first.output
    second = runner.invoke(args=["adjudicate", "rev", "--auto"])
    assert "0 unanimous stance(s) and 0 relation(s)" in second.output
    session.expire_all()
    (gold,) = session.scalars(select(Relation).where(Relation.is_gold)).all()
    assert gold.from_stance.is_gold and gold.to_stance.is_gold
    decision = session.scalar(select(RelationDecision))
    assert decision.decision == "auto" and decision.reviewer_id is None
