"""Suggestions on the statement page over HTTP: accept, reject, accept-then-edit, accept all."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from annotator.models import Project, Stance, SuggestionDecision
from annotator.suggestions import suggestions as svc
from annotator.suggestions.training import refresh_statement, train_recommender

from .conftest import csrf_from
from .factories import make_user
from .suggestion_helpers import SECOND_TEXT, add_statements, demo, get_user, recommender, stance

HX = {"HX-Request": "true"}


@pytest.fixture
def world(session):
    """Statement B holds two span-memory suggestions for annotator2 (learned on A)."""
    project, a = demo(session)
    b = add_statements(session, project, {"b": SECOND_TEXT})["b"]
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator1", "Mullah regime", "condemnation", "iran")
    mem = recommender(session, project)
    train_recommender(session, project, mem)
    refresh_statement(session, project, b)
    session.commit()
    shown = svc.list_suggestions(session, project, b, get_user(session, "annotator2"))
    return project, b, {s.text: s.id for s in shown}


def page_url(b) -> str:
    return f"/p/demo/s/{b.id}"


def base(b) -> str:
    return f"/p/demo/s/{b.id}/suggestions"


def stances_of(session, b, username="annotator2") -> list[Stance]:
    session.commit()
    session.expire_all()
    user = get_user(session, username)
    query = select(Stance).where(Stance.statement_id == b.id, Stance.annotator_id == user.id)
    return list(session.scalars(query.where(Stance.deleted_at.is_(None))))


def opened(login, b, username="annotator2"):
    """Log in and open statement B; returns (client, page text, CSRF token)."""
    client = login(username)
    page = client.get(page_url(b))
    assert page.status_code == 200
    return client, page.get_data(as_text=True), csrf_from(page)


def test_the_page_lists_the_suggestions_with_their_offsets(session, login, world):
    _, b, ids = world
    _, html, _ = opened(login, b)
    start = SECOND_TEXT.index("Teheran claims")
    item = re.search(rf'<li id="sugg-{ids["Teheran claims"]}"[^>]*>', html).group(0)
    assert f'data-start="{start}"' in item and f'data-end="{start + 14}"' in item
    assert 'data-score="1.00"' in item and "lbl-claim" in item
    row = html[html.index(item) : html.index("</li>", html.index(item))]
    assert '<b class="t">Iran</b>' in row and "score 1.00 · memory" in row
    assert f'formaction="{base(b)}/{ids["Teheran claims"]}/accept"' in row
    assert 'id="sugg-count">2<' in html and "suggestions.js" in html
    assert 'id="stance-count">0<' in html  # suggestions are nobody's stances


def test_accept_over_htmx_makes_one_stance_and_redraws(session, login, world):
    _, b, ids = world
    client, _, token = opened(login, b)
    sid = ids["Teheran claims"]
    answer = client.post(f"{base(b)}/{sid}/accept", data={"csrf_token": token}, headers=HX)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_data(as_text=True)
    assert answer.headers["HX-Reswap"] == "none"
    assert 'id="stance-count" hx-swap-oob="true">1<' in body
    assert 'id="suggestions"' in body and f'id="sugg-{sid}"' not in body
    assert f'id="sugg-{ids["Mullah regime"]}"' in body
    [made] = stances_of(session, b)
    assert (made.text, made.label.key, made.target.key, made.origin_suggestion_id) == (
        "Teheran claims",
        "claim",
        "iran",
        sid,
    )
    again = client.post(f"{base(b)}/{sid}/accept", data={"csrf_token": token}, headers=HX)
    assert again.status_code == 409
    assert "You already accepted this suggestion." in again.get_data(as_text=True)
    assert len(stances_of(session, b)) == 1
    assert f'id="sugg-{sid}"' not in client.get(page_url(b)).get_data(as_text=True)


def test_accept_without_script_goes_back_to_the_page(session, login, world):
    _, b, ids = world
    client, _, token = opened(login, b)
    sid = ids["Mullah regime"]
    answer = client.post(f"{base(b)}/{sid}/accept", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(page_url(b))
    second = client.post(f"{base(b)}/{sid}/accept", data={"csrf_token": token})
    assert second.status_code == 303
    html = client.get(page_url(b)).get_data(as_text=True)
    assert "Suggestion accepted." in html and "You already accepted this suggestion." in html
    assert len(stances_of(session, b)) == 1


def test_rejected_is_not_listed_again(session, login, world):
    project, b, ids = world
    client, _, token = opened(login, b)
    sid = ids["Teheran claims"]
    answer = client.post(f"{base(b)}/{sid}/reject", data={"csrf_token": token}, headers=HX)
    assert answer.status_code == 200
    assert f'id="sugg-{sid}"' not in answer.get_data(as_text=True)
    assert f'id="sugg-{sid}"' not in client.get(page_url(b)).get_data(as_text=True)
    refresh_statement(session, project, b)  # the recommender running again brings nothing back
    session.commit()
    assert f'id="sugg-{sid}"' not in client.get(page_url(b)).get_data(as_text=True)
    assert stances_of(session, b) == []
    other = opened(login, b, "annotator1")[1]  # blind: annotator1 still sees it
    assert f'id="sugg-{sid}"' in other


def test_accept_then_edit(session, login, world):
    _, b, ids = world
    client, _, token = opened(login, b)
    sid = ids["Teheran claims"]
    form = client.get(f"{base(b)}/{sid}/edit", headers=HX).get_data(as_text=True)
    assert f'action="{base(b)}/{sid}/accept"' in form and "Accept suggestion" in form
    assert re.search(r'value="claim" checked', form)
    assert 'id="target" value="iran"' in form and 'value="Iran"' in form
    start = SECOND_TEXT.index("Teheran claims")
    assert f'value="{start}"' in form
    data = {"csrf_token": token, "start": start, "end": start + 14, "text": "Teheran claims"}
    data |= {"label": "condemnation", "target": "", "target_q": "", "holder": "", "note": ""}
    refused = client.post(f"{base(b)}/{sid}/accept", data=data, headers=HX)
    assert refused.status_code == 422  # condemnation needs a target: the form shows why
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert stances_of(session, b) == []
    data |= {"target": "israel", "note": "edited"}
    saved = client.post(f"{base(b)}/{sid}/accept", data=data, headers=HX)
    assert saved.status_code == 200
    assert 'id="stance-form"' in saved.get_data(as_text=True)  # back to a new-stance form
    [made] = stances_of(session, b)
    assert (made.label.key, made.target.key, made.note, made.origin_suggestion_id) == (
        "condemnation",
        "israel",
        "edited",
        sid,
    )
    page = client.get(f"{base(b)}/{sid}/edit")  # decided: no form for it any more
    assert page.status_code == 404


def test_accept_then_edit_without_script_has_its_own_page(session, login, world):
    _, b, ids = world
    client, _, _ = opened(login, b)
    page = client.get(f"{base(b)}/{ids['Mullah regime']}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Back to the statement" in html and 'name="label"' in html


def test_someone_not_assigned_cannot_decide(session, login, world):
    project, b, ids = world
    sid = ids["Teheran claims"]
    client = login("reviewer")  # a member, but the statement is not assigned to them
    token = csrf_from(client.get("/"))
    for action in ("accept", "reject"):
        answer = client.post(f"{base(b)}/{sid}/{action}", data={"csrf_token": token}, headers=HX)
        assert answer.status_code == 403
        assert "not assigned to you" in answer.get_data(as_text=True)
    assert client.get(f"{base(b)}/{sid}/edit").status_code == 403
    assert "sugg-list" not in client.get(page_url(b)).get_data(as_text=True)
    make_user(session, "stranger")
    session.commit()
    client.post("/logout", data={"csrf_token": token})
    stranger = login("stranger")
    token = csrf_from(stranger.get("/"))
    answer = stranger.post(f"{base(b)}/{sid}/accept", data={"csrf_token": token})
    assert answer.status_code == 404  # not a member: the project is not even named
    assert stances_of(session, b, "annotator2") == []
    assert session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


def test_unknown_suggestion_is_404(session, login, world):
    _, b, _ = world
    client, _, token = opened(login, b)
    answer = client.post(f"{base(b)}/999999/accept", data={"csrf_token": token}, headers=HX)
    assert answer.status_code == 404


def test_csrf_is_required(session, login, world):
    _, b, ids = world
    client, _, _ = opened(login, b)
    sid = ids["Teheran claims"]
    for path in (f"{sid}/accept", f"{sid}/reject", ""):
        answer = client.post(f"{base(b)}/{path}".rstrip("/"), data={"min_score": "0"})
        assert answer.status_code == 400, path
    assert stances_of(session, b) == []
    assert session.scalar(select(func.count()).select_from(SuggestionDecision)) == 0


def test_accept_all_needs_the_lead_setting(session, login, world):
    project, b, ids = world
    client, html, token = opened(login, b)
    assert "Accept all" not in html
    refused = client.post(base(b), data={"csrf_token": token, "min_score": "0"}, headers=HX)
    assert refused.status_code == 403 and "not allowed" in refused.get_data(as_text=True)
    assert stances_of(session, b) == []
    session.get(Project, project.id).bulk_accept = True
    session.commit()
    html = client.get(page_url(b)).get_data(as_text=True)
    assert "Accept all" in html
    bad = client.post(base(b), data={"csrf_token": token, "min_score": "2"}, headers=HX)
    assert bad.status_code == 422 and stances_of(session, b) == []
    done = client.post(base(b), data={"csrf_token": token, "min_score": "0.5"}, headers=HX)
    assert done.status_code == 204 and done.headers["HX-Refresh"] == "true"
    made = stances_of(session, b)
    assert sorted((s.text, s.origin_suggestion_id) for s in made) == sorted(
        (text, sid) for text, sid in ids.items()
    )
    html = client.get(page_url(b)).get_data(as_text=True)
    assert "Accepted 2 suggestions." in html and 'id="sugg-count">0<' in html


def test_accept_all_skips_what_the_stance_rules_refuse(session, login, world):
    project, b, ids = world
    project.bulk_accept, project.allow_overlap = True, False
    stance(session, project, b, "annotator2", "hit a new", "claim")
    session.commit()
    client, _, token = opened(login, b)
    answer = client.post(base(b), data={"csrf_token": token, "min_score": "0"})
    assert answer.status_code == 303
    assert len(stances_of(session, b)) == 3


def test_the_lead_sets_bulk_accept(session, login, world):
    project, _, _ = world
    client = login("lead")
    page = client.get("/p/demo/settings")
    assert "accept all suggestions above a score" in page.get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "Demo", "annotators_per_statement": "2"}
    data |= {"allow_overlap": "y", "bulk_accept": "y"}
    assert client.post("/p/demo/settings", data=data).status_code == 303
    session.expire_all()
    assert session.get(Project, project.id).bulk_accept is True


def test_done_statement_shows_suggestions_read_only(session, login, world):
    project, b, ids = world
    from annotator.projects.assignments import set_assignment_state

    set_assignment_state(session, project, b, get_user(session, "annotator2"), "done")
    session.commit()
    client, html, token = opened(login, b)
    assert f'id="sugg-{ids["Teheran claims"]}"' in html and "read only" in html
    assert "/accept" not in html and "Reject" not in html
    answer = client.post(
        f"{base(b)}/{ids['Teheran claims']}/accept", data={"csrf_token": token}, headers=HX
    )
    assert answer.status_code == 409 and "reopen it" in answer.get_data(as_text=True)
    assert stances_of(session, b) == []


def test_opening_the_page_records_what_was_shown_once(session, login, world):
    """The acceptance rate's denominator: the page notes each suggestion shown, a reload adds
    no row, and another annotator's view is counted for them alone."""
    from annotator.models import SuggestionView

    project, b, ids = world

    def views(username):
        session.commit()
        user = get_user(session, username)
        query = select(SuggestionView.suggestion_id).where(SuggestionView.user_id == user.id)
        return sorted(session.scalars(query))

    assert views("annotator2") == []
    client, _, _ = opened(login, b)
    assert views("annotator2") == sorted(ids.values())
    assert client.get(page_url(b)).status_code == 200
    assert views("annotator2") == sorted(ids.values())  # a reload writes nothing new
    assert views("annotator1") == []
