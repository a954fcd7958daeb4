"""A gold relation changed in place in review: its type, its direction; 409 on a stale version,
refusals that write nothing, and the change in the statement's history."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.annotation.versions import RowEdit
from annotator.errors import Conflict, Invalid
from annotator.models import AuditEvent, Relation, RelationDecision
from annotator.review import relation_adjudication as radj

from .conftest import csrf_from
from .test_review_relations import _count, _disagreeing, _page


def gold_of(session, project, st, rev, r1):
    """r1 (ann1: IRAN supports USA) accepted into gold with its ends; review version now 1."""
    gold = radj.accept_relation(session, project, st, rev, 0, r1.id, 1, with_ends=True)
    session.commit()
    return gold


def test_type_and_direction_change_in_place_and_are_in_the_history(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    gold = gold_of(session, project, st, rev, r1)
    ends = (gold.from_stance_id, gold.to_stance_id)
    edit = RowEdit(project, st, rev, row_id=gold.id, version=1)
    radj.edit_gold_relation(session, edit, review_version=1, type="attacks", reason="it objects")
    radj.edit_gold_relation(
        session,
        RowEdit(project, st, rev, row_id=gold.id, version=2),
        review_version=2,
        reverse=True,
    )
    session.commit()
    session.expire_all()
    edited = session.get(Relation, gold.id)
    assert (edited.type.key, edited.from_stance_id, edited.to_stance_id) == (
        "attacks", ends[1], ends[0],
    )  # fmt: skip
    assert edited.version == 3 and edited.is_gold and edited.deleted_at is None
    assert _count(session, Relation) == 4  # three annotators' relations and the one gold, edited
    decisions = session.scalars(select(RelationDecision).order_by(RelationDecision.id)).all()
    assert [(d.decision, d.gold_relation_id, d.reason) for d in decisions[1:]] == [
        ("edit", gold.id, "it objects"), ("edit", gold.id, ""),
    ]  # fmt: skip
    updated = (AuditEvent.entity == "gold_relation", AuditEvent.action == "update")
    updates = session.scalars(select(AuditEvent).where(*updated)).all()
    assert [e.data["after"]["from_stance_id"] for e in updates] == [ends[0], ends[1]]


def _edit(session, project, st, rev, gold, version: int, review_version: int, type: str):
    """The reviewer changes the gold relation's type, having seen these versions."""
    edit = RowEdit(project, st, rev, row_id=gold.id, version=version)
    return radj.edit_gold_relation(session, edit, review_version=review_version, type=type)


def test_a_stale_version_or_nothing_to_change_writes_nothing(app, session):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    gold = gold_of(session, project, st, rev, r1)
    with pytest.raises(Conflict):
        _edit(session, project, st, rev, gold, 7, 1, "attacks")
    session.rollback()
    with pytest.raises(Conflict, match="Another reviewer"):
        _edit(session, project, st, rev, gold, 1, 0, "attacks")
    session.rollback()
    with pytest.raises(Invalid, match="Nothing to change"):
        _edit(session, project, st, rev, gold, 1, 1, "supports")
    session.rollback()
    assert _count(session, RelationDecision) == 1 and session.get(Relation, gold.id).version == 1


def test_a_stale_version_is_a_conflict_even_when_nothing_would_change(app, session):
    """The version check comes first: a stale page learns it is stale, not "nothing to do"."""
    project, st, s, (r1, *_), rev = _disagreeing(session)
    gold = gold_of(session, project, st, rev, r1)
    with pytest.raises(Conflict):
        _edit(session, project, st, rev, gold, 7, 1, "supports")


def test_a_change_into_a_relation_gold_holds_is_refused(app, session):
    project, st, s, (r1, r2, r3), rev = _disagreeing(session)
    gold = gold_of(session, project, st, rev, r1)  # IRAN -> USA supports
    back = radj.add_relation(
        session, project, st, rev, 1, gold.to_stance_id, gold.from_stance_id, "supports"
    )  # fmt: skip  USA -> IRAN supports
    session.commit()
    with pytest.raises(Conflict, match="Gold already holds this relation"):
        radj.edit_gold_relation(
            session,
            RowEdit(project, st, rev, row_id=back.id, version=1),
            review_version=2,
            reverse=True,
        )
    session.rollback()
    assert session.get(Relation, back.id).from_stance_id == gold.to_stance_id


def test_the_board_changes_a_gold_relation_and_answers_409_when_stale(app, session, client, login):
    project, st, s, (r1, *_), rev = _disagreeing(session)
    gold = gold_of(session, project, st, rev, r1)
    login("rev")
    body, token, version = _page(client, st)
    url = f"/p/rev/review/s/{st.id}/relations/{gold.id}/update"
    assert f'formaction="{url}"' in body and ">Change</button>" in body
    data = {"csrf_token": token, "review_version": version, "version": 1, "type": "attacks",
            "reverse": "y", "reason": "other way"}  # fmt: skip
    changed = client.post(url, data=data)
    assert changed.status_code == 303
    session.expire_all()
    assert session.get(Relation, gold.id).type.key == "attacks"
    assert '<option value="">keep the type</option>' in body  # reverse alone keeps the type
    ends = (gold.from_stance_id, gold.to_stance_id)
    back = data | {"review_version": version + 1, "version": 2, "type": ""}
    assert client.post(url, data=back).status_code == 303
    session.expire_all()
    turned = session.get(Relation, gold.id)
    assert (turned.to_stance_id, turned.from_stance_id) == ends and turned.type.key == "attacks"
    version += 1
    stale = client.post(url, data=data | {"review_version": version + 1})
    assert stale.status_code == 409 and "changed elsewhere" in stale.get_data(as_text=True)
    missing = client.post(url.replace(f"/{gold.id}/", "/999999/"), data=data | {
        "review_version": version + 1})  # fmt: skip
    assert missing.status_code == 404
    history = client.get(f"/p/rev/review/s/{st.id}/history").get_data(as_text=True)
    assert "reason: other way" in history and "attacks: stance" in history
    assert session.scalar(select(func.count()).select_from(RelationDecision)) == 3
    login("ann1")
    token = csrf_from(client.get("/"))
    as_annotator = data | {"csrf_token": token, "review_version": version + 1, "version": 3}
    assert client.post(url, data=as_annotator).status_code == 403
    assert session.scalar(select(func.count()).select_from(RelationDecision)) == 3
