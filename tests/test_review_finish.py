"""Finish review: decisions do not mark a statement reviewed, Finish does; queue states; next."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import find_user
from annotator.errors import Conflict
from annotator.models import AuditEvent, GoldDecision, Stance
from annotator.review.adjudication import accept_version
from annotator.review.finish import finish_review, reopen_review
from annotator.review.unanimous import adjudicate_auto

from .conftest import csrf_from
from .test_review_helpers import done, mark, setup, whole_queue

PHRASE = "Iran condemns Israel"


def _ready(session, statements=1):
    project, sts = setup(session, statements=statements)
    for st in sts:
        for who in ("ann1", "ann2"):
            mark(session, project, st, who, PHRASE)
        done(session, project, st, "ann1", "ann2")
    return project, sts, find_user(session, "rev")


def _states(session, project) -> dict[int, str]:
    session.expire_all()
    return {r.statement_id: r.state for r in whole_queue(session, project, {})}


def test_finish_not_the_first_decision_marks_reviewed(app, session):
    project, (st,), rev = _ready(session)
    assert _states(session, project) == {st.id: "open"}
    a = session.scalars(select(Stance).order_by(Stance.id)).first()
    accept_version(session, project, st, rev, 0, a.id, 1)
    session.commit()
    assert st.reviewed_at is None and _states(session, project) == {st.id: "in review"}
    finish_review(session, project, st, rev, 1)
    session.commit()
    assert st.reviewed_at is not None and st.reviewed_by_id == rev.id
    assert _states(session, project) == {st.id: "reviewed"}
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "review"))
    assert (event.action, event.user_id) == ("finish", rev.id)


def test_finished_review_locks_gold_until_reopened(app, session):
    project, (st,), rev = _ready(session)
    a, b = session.scalars(select(Stance).order_by(Stance.id)).all()
    finish_review(session, project, st, rev, 0)
    session.commit()
    with pytest.raises(Conflict, match="review of this statement is finished"):
        accept_version(session, project, st, rev, 1, a.id, 1)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(GoldDecision)) == 0
    with pytest.raises(Conflict, match="already finished"):
        finish_review(session, project, st, rev, 1)
    session.rollback()
    reopen_review(session, project, st, rev, 1)
    accept_version(session, project, st, rev, 2, a.id, 1)
    session.commit()
    assert st.reviewed_at is None and _states(session, project) == {st.id: "in review"}


def test_stale_finish_is_a_conflict(app, session):
    project, (st,), rev = _ready(session)
    a = session.scalars(select(Stance)).first()
    accept_version(session, project, st, rev, 0, a.id, 1)
    session.commit()
    with pytest.raises(Conflict, match="Another reviewer"):
        finish_review(session, project, st, rev, 0)  # the page was loaded before the accept
    session.rollback()
    session.refresh(st)
    assert st.reviewed_at is None


def test_auto_leaves_finished_statements_alone(app, session):
    project, (s0, s1), rev = _ready(session, statements=2)
    finish_review(session, project, s0, rev, 0)
    session.commit()
    assert adjudicate_auto(session, project).created == 1
    session.commit()
    gold = session.scalars(select(Stance.statement_id).where(Stance.is_gold)).all()
    assert gold == [s1.id]


# --- the pages ------------------------------------------------------------------------------


def _version(client, st) -> tuple[str, int]:
    response = client.get(f"/p/rev/review/s/{st.id}")
    body = response.get_data(as_text=True)
    return csrf_from(response), int(
        re.search(r'name="review_version" value="(\d+)"', body).group(1)
    )


def test_finish_button_queue_state_and_next(app, session, client, login):
    project, (s0, s1), rev = _ready(session, statements=2)
    login("rev")
    queue = client.get("/p/rev/review/").get_data(as_text=True)
    assert queue.count(">open</span>") == 2 and "Next statement to review" in queue
    page = client.get(f"/p/rev/review/s/{s0.id}").get_data(as_text=True)
    assert "Finish review" in page and 'id="review-state">open<' in page
    token, version = _version(client, s0)
    data = {"csrf_token": token, "review_version": version}
    assert client.post(f"/p/rev/review/s/{s0.id}/finish", data=data).status_code == 303
    queue = client.get("/p/rev/review/").get_data(as_text=True)
    assert ">reviewed</span>" in queue and ">open</span>" in queue
    history = client.get(f"/p/rev/review/s/{s0.id}/history").get_data(as_text=True)
    assert "review finished" in history
    response = client.get(f"/p/rev/review/next?after={s0.id}")
    assert response.status_code == 303 and response.location.endswith(f"/review/s/{s1.id}")
    token, version = _version(client, s1)
    client.post(f"/p/rev/review/s/{s1.id}/finish", data={"csrf_token": token,
                                                         "review_version": version})  # fmt: skip
    response = client.get(f"/p/rev/review/next?after={s1.id}")
    assert response.status_code == 303 and response.location.endswith("/p/rev/review/")


def test_finish_refusals_are_409_with_a_message(app, session, client, login):
    project, (st,), rev = _ready(session)
    login("rev")
    token, version = _version(client, st)
    stale = {"csrf_token": token, "review_version": version + 1}
    response = client.post(f"/p/rev/review/s/{st.id}/finish", data=stale)
    assert response.status_code == 409 and "Another reviewer" in response.get_data(as_text=True)
    data = {"csrf_token": token, "review_version": version}
    assert client.post(f"/p/rev/review/s/{st.id}/finish", data=data).status_code == 303
    token, version = _version(client, st)
    a = session.scalars(select(Stance)).first()
    accept = {"csrf_token": token, "review_version": version, "stance": f"{a.id}:1"}
    response = client.post(f"/p/rev/review/s/{st.id}/accept", data=accept)
    assert response.status_code == 409 and "reopen" in response.get_data(as_text=True)
    assert "Reopen review" in response.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(GoldDecision)) == 0


def test_annotators_cannot_finish(app, session, client, login):
    project, (st,), rev = _ready(session)
    login("ann1")
    data = {"csrf_token": csrf_from(client.get("/")), "review_version": 0}
    assert client.post(f"/p/rev/review/s/{st.id}/finish", data=data).status_code == 403
    assert client.get("/p/rev/review/next").status_code == 403
