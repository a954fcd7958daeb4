"""Reviewer pages: roles, the queue, agreement charts, side by side, forms, conflicts, history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from annotator.models import GoldDecision, Stance

from .conftest import csrf_from
from .test_review_helpers import done, mark, setup

PAGES = ("/", "/agreement", "/s/{id}", "/s/{id}/history", "/s/{id}/gold/new")


def _ready(session, hide=False):
    project, (st,) = setup(session, hide=hide)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    b = mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    mark(session, project, st, "ann1", "Russia claims victory", label="claim", target=None)
    mark(session, project, st, "ann2", "Russia claims victory", label="claim", target=None)
    done(session, project, st, "ann1", "ann2")
    return project, st, a, b


def _gold_count(session):
    session.commit()
    return session.scalar(select(func.count()).select_from(Stance).where(Stance.is_gold))


@pytest.mark.parametrize("path", PAGES)
def test_annotators_get_403_and_strangers_404(app, session, client, login, path):
    _, st, _, _ = _ready(session)
    from .factories import make_user

    make_user(session, "stranger")
    session.commit()
    url = "/p/rev/review" + path.format(id=st.id)
    login("ann1")
    assert client.get(url).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})
    login("stranger")
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("user", ["rev", "boss"])
@pytest.mark.parametrize("path", PAGES)
def test_reviewers_and_leads_see_every_page(app, session, client, login, user, path):
    _, st, _, _ = _ready(session)
    login(user)
    response = client.get("/p/rev/review" + path.format(id=st.id))
    assert response.status_code == 200
    assert 'style="' not in response.get_data(as_text=True)  # the CSP forbids inline styles


def test_posts_need_the_reviewer_role(app, session, client, login):
    _, st, a, _ = _ready(session)
    login("ann1")
    token = csrf_from(client.get(f"/p/rev/s/{st.id}"))
    data = {"csrf_token": token, "review_version": 0, "stance": f"{a.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/accept", data=data).status_code == 403
    assert _gold_count(session) == 0


def test_queue_shows_ready_statements_and_filters(app, session, client, login):
    _, st, _, _ = _ready(session)
    login("rev")
    page = client.get("/p/rev/review/").get_data(as_text=True)
    assert f"/p/rev/review/s/{st.id}" in page and "50 %" in page
    empty = client.get("/p/rev/review/?label=support").get_data(as_text=True)
    assert f"/review/s/{st.id}" not in empty and "No statement is ready" in empty


def test_agreement_page_has_svg_charts_per_label_and_pair(app, session, client, login):
    _ready(session)
    login("rev")
    page = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert page.count("<svg") == 3  # two labels, one pair
    assert "ann1 / ann2" in page and "<script" not in page.split("</head>")[1]


def test_agreement_page_without_finished_statements_explains(app, session, client, login):
    setup(session)
    login("rev")
    response = client.get("/p/rev/review/agreement")
    assert response.status_code == 200
    assert "No statement qualifies" in response.get_data(as_text=True)


def test_side_by_side_shows_lanes_and_differences(app, session, client, login):
    _, st, a, b = _ready(session)
    login("rev")
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert page.count(st.text[:20]) == 1 or "Iran condemns Israel" in page
    assert "ann1" in page and "ann2" in page
    assert "target differs" in page and "unanimous" in page
    assert "label differs" not in page


def test_hidden_names_become_letters_for_reviewers_not_leads(app, session, client, login):
    _, st, _, _ = _ready(session, hide=True)
    login("rev")
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "Annotator A" in page and "ann1" not in page
    history = client.get(f"/p/rev/review/s/{st.id}/history").get_data(as_text=True)
    assert "Annotator B" in history and "ann2" not in history
    agreement = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Annotator A / Annotator B" in agreement


def _form(client, st):
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    version = re.search(r'name="review_version" value="(\d+)"', page).group(1)
    return csrf_from(client.get(f"/p/rev/review/s/{st.id}")), int(version)


def test_accept_with_full_page_load_redirects_and_records(app, session, client, login):
    _, st, a, _ = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1"}
    response = client.post(f"/p/rev/review/s/{st.id}/accept", data=data | {"reason": "ok"})
    assert response.status_code == 303
    assert _gold_count(session) == 1
    assert session.scalar(select(GoldDecision.reason)) == "ok"


def test_accept_with_htmx_returns_the_board(app, session, client, login):
    _, st, a, _ = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1"}
    response = client.post(
        f"/p/rev/review/s/{st.id}/accept", data=data, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="board"')
    assert 'name="review_version" value="1"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_two_reviewers_on_one_statement_second_gets_409(app, session, client, login):
    _, st, a, b = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    first = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/accept", data=first).status_code == 303
    second = first | {
        "stance": f"{b.id}:1"
    }  # a second reviewer's page, loaded before the first save
    response = client.post(f"/p/rev/review/s/{st.id}/accept", data=second)
    assert response.status_code == 409
    assert "Another reviewer changed this statement" in response.get_data(as_text=True)
    assert _gold_count(session) == 1


def test_missing_csrf_or_version_changes_nothing(app, session, client, login):
    _, st, a, _ = _ready(session)
    login("rev")
    token, _ = _form(client, st)
    no_csrf = {"review_version": 0, "stance": f"{a.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/accept", data=no_csrf).status_code == 400
    no_version = {"csrf_token": token, "stance": f"{a.id}:1"}
    response = client.post(f"/p/rev/review/s/{st.id}/accept", data=no_version)
    assert response.status_code == 422 and "review version" in response.get_data(as_text=True)
    assert _gold_count(session) == 0


def test_reject_and_unanimous_buttons(app, session, client, login):
    _, st, a, b = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "sources": f"{a.id}:1 {b.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/reject", data=data).status_code == 303
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv}
    assert client.post(f"/p/rev/review/s/{st.id}/unanimous", data=data).status_code == 303
    session.commit()
    decisions = sorted(session.scalars(select(GoldDecision.decision)))
    assert decisions == ["auto", "reject"] and _gold_count(session) == 1
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "Accept all unanimous (0 stances, 0 relations)" in page and "reject" in page


def test_edit_into_gold_form_and_validation(app, session, client, login):
    _, st, a, b = _ready(session)
    login("rev")
    form_page = client.get(f"/p/rev/review/s/{st.id}/gold/new?from={b.id}")
    body = form_page.get_data(as_text=True)
    assert f'value="{b.id}:1"' in body and 'value="usa"' in body
    token = csrf_from(form_page)
    data = {"csrf_token": token, "review_version": 0, "source": f"{b.id}:1", "start": a.start,
            "end": a.end, "label": "condemnation", "target": "", "holder": ""}  # fmt: skip
    bad = client.post(f"/p/rev/review/s/{st.id}/gold", data=data)
    assert bad.status_code == 422 and "needs a target" in bad.get_data(as_text=True)
    assert _gold_count(session) == 0
    ok = client.post(f"/p/rev/review/s/{st.id}/gold", data=data | {"target": "Israel"})
    assert ok.status_code == 303 and _gold_count(session) == 1
    assert session.scalar(select(GoldDecision.decision)) == "edit"


def test_add_a_stance_nobody_made_with_htmx(app, session, client, login):
    _, st, _, _ = _ready(session)
    login("rev")
    token = csrf_from(client.get(f"/p/rev/review/s/{st.id}/gold/new"))
    start = st.text.index("The USA")
    data = {"csrf_token": token, "review_version": 0, "start": start, "end": start + 22,
            "label": "support", "target": "israel", "holder": "usa"}  # fmt: skip
    response = client.post(
        f"/p/rev/review/s/{st.id}/gold", data=data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 204 and "HX-Location" in response.headers
    assert session.scalar(select(GoldDecision.decision)) == "add"


def _accepted_gold(session, client, login):
    """ann1's condemnation accepted into gold by the reviewer: (statement, source, token, gold)."""
    _, st, a, _ = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/accept", data=data).status_code == 303
    session.commit()
    return st, a, token, session.scalar(select(Stance).where(Stance.is_gold))


def test_gold_edit_and_delete_use_the_stance_version(app, session, client, login):
    st, a, token, gold = _accepted_gold(session, client, login)
    edit = client.get(f"/p/rev/review/s/{st.id}/gold/{gold.id}/edit")
    assert edit.status_code == 200 and "Edit gold stance" in edit.get_data(as_text=True)
    upd = {"csrf_token": token, "review_version": 1, "version": 1, "start": gold.start,
           "end": gold.end, "label": "condemnation", "target": "usa"}  # fmt: skip
    assert client.post(f"/p/rev/review/s/{st.id}/gold/{gold.id}", data=upd).status_code == 303
    stale = client.post(f"/p/rev/review/s/{st.id}/gold/{gold.id}", data=upd)
    assert stale.status_code == 409
    delete = {"csrf_token": token, "version": 1}
    assert (
        client.post(f"/p/rev/review/s/{st.id}/gold/{gold.id}/delete", data=delete).status_code
        == 409
    )
    delete["version"] = 2
    assert (
        client.post(f"/p/rev/review/s/{st.id}/gold/{gold.id}/delete", data=delete).status_code
        == 303
    )
    assert _gold_count(session) == 1  # soft delete keeps the row
    session.refresh(gold)
    assert gold.deleted_at is not None


def test_history_lists_annotator_and_gold_changes(app, session, client, login):
    _, st, a, _ = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1",
            "reason": "clear case"}  # fmt: skip
    client.post(f"/p/rev/review/s/{st.id}/accept", data=data)
    page = client.get(f"/p/rev/review/s/{st.id}/history").get_data(as_text=True)
    assert "ann1" in page and "create" in page and "accept" in page
    assert "gold stance" in page and "reason: clear case" in page


def test_unknown_statement_is_404(app, session, client, login):
    _ready(session)
    login("rev")
    assert client.get("/p/rev/review/s/999999").status_code == 404


def test_queue_answers_with_and_without_trailing_slash(app, session, client, login):
    _ready(session)
    login("rev")
    assert client.get("/p/rev/review").status_code == 200
    assert client.get("/p/rev/review/").status_code == 200


def test_gold_by_typed_words_instead_of_offsets(app, session, client, login):
    _, st, _, _ = _ready(session)
    login("rev")
    token = csrf_from(client.get(f"/p/rev/review/s/{st.id}/gold/new"))
    data = {"csrf_token": token, "review_version": 0, "label": "claim", "quote": "claims victory"}
    missing = client.post(f"/p/rev/review/s/{st.id}/gold", data=data | {"quote": "no such words"})
    assert missing.status_code == 422 and "do not occur" in missing.get_data(as_text=True)
    neither = client.post(f"/p/rev/review/s/{st.id}/gold", data=data | {"quote": ""})
    assert neither.status_code == 422 and "exact words" in neither.get_data(as_text=True)
    body = neither.get_data(as_text=True)
    assert body.count('role="alert"') == 1  # the form's message; the field's is not re-announced
    assert (
        'aria-describedby="quote-error" aria-invalid="true" autocomplete="off" id="quote"' in body
    )
    assert client.post(f"/p/rev/review/s/{st.id}/gold", data=data).status_code == 303
    session.commit()
    gold = session.scalar(select(Stance).where(Stance.is_gold))
    assert gold.text == "claims victory"


def test_leads_see_usernames_even_when_names_are_hidden(app, session, client, login):
    _, st, _, _ = _ready(session, hide=True)
    login("boss")
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "ann1" in page and "Annotator A" not in page


def test_board_counts_what_accept_unanimous_takes(app, session, client, login):
    project, (st,) = setup(session, annotators=("ann1", "ann2", "ann3"))
    for name in ("ann1", "ann2"):
        mark(session, project, st, name, "Iran condemns Israel")
    done(session, project, st, "ann1", "ann2")  # ann3 is still working
    session.commit()
    login("rev")
    page = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "Accept all unanimous (1 stance, 0 relations)" in page
    token = csrf_from(client.get(f"/p/rev/review/s/{st.id}"))
    data = {"csrf_token": token, "review_version": 0}
    assert client.post(f"/p/rev/review/s/{st.id}/unanimous", data=data).status_code in (200, 303)
    assert _gold_count(session) == 1


def test_a_gold_edit_that_loses_a_race_is_a_409_not_a_500(app, session, client, login):
    """Another reviewer's save lands between this request's read and its write."""
    from sqlalchemy import event, update
    from sqlalchemy.orm import Session

    from annotator.extensions import db

    st, a, token, gold = _accepted_gold(session, client, login)
    raced = []

    def meanwhile(flushing, _context, _instances):
        if gold in flushing.dirty and not raced:
            raced.append(True)
            with db.engine.begin() as conn:
                conn.execute(update(Stance).where(Stance.id == gold.id).values(version=2))

    upd = {"csrf_token": token, "review_version": 1, "version": 1, "start": gold.start,
           "end": gold.end, "label": "condemnation", "target": "usa", "reason": "late"}  # fmt: skip
    event.listen(Session, "before_flush", meanwhile)
    try:
        response = client.post(f"/p/rev/review/s/{st.id}/gold/{gold.id}", data=upd)
    finally:
        event.remove(Session, "before_flush", meanwhile)
    assert raced
    assert response.status_code == 409, response.get_data(as_text=True)[:300]
    assert "nothing was overwritten" in response.get_data(as_text=True)
    session.rollback()
    session.expire_all()
    stored = session.get(Stance, gold.id)
    assert (stored.version, stored.target_id) == (2, a.target_id)


def test_reopening_an_adjudicated_statement_warns_needs_confirm_and_shows_on_review(
    app, session, client, login
):
    from annotator.models import AuditEvent

    _, st, a, _ = _ready(session)
    login("rev")
    token, rv = _form(client, st)
    data = {"csrf_token": token, "review_version": rv, "stance": f"{a.id}:1"}
    assert client.post(f"/p/rev/review/s/{st.id}/accept", data=data).status_code == 303
    token, rv = _form(client, st)  # a decision alone does not mark it reviewed: Finish does
    finish = {"csrf_token": token, "review_version": rv}
    assert client.post(f"/p/rev/review/s/{st.id}/finish", data=finish).status_code == 303
    review = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "changed this statement after it was reviewed" not in review
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})

    login("ann1")
    page = client.get(f"/p/rev/s/{st.id}")
    assert "A reviewer adjudicated this statement" in page.get_data(as_text=True)
    token = csrf_from(page)
    state = f"/p/rev/s/{st.id}/state"
    refused = client.post(state, data={"action": "reopen", "csrf_token": token})
    assert refused.status_code == 409 and "already adjudicated" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "reopen")) == 0  # fmt: skip
    ok = client.post(state, data={"action": "reopen", "confirm": "y", "csrf_token": token})
    assert ok.status_code == 303
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "reopen"))
    assert event.data == {"from": "done", "to": "in_progress", "after_review": True}
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/"))})

    login("rev")
    review = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "changed this statement after it was reviewed" in review
