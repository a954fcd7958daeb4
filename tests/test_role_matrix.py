"""Access matrix generated from the URL map: every route, method and role gets what it declares.

A view without ``required_role`` (set by the decorators in annotator/views/access.py) fails,
so a new route cannot ship without an access rule.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.annotation.relations import RelationInput, create_relation
from annotator.annotation.stances import StanceInput, create_stance
from annotator.models import Actor, Suggestion, SuggestionDecision
from annotator.projects.assignments import set_assignment_state
from annotator.projects.guidelines import save_guidelines
from annotator.review.adjudication import accept_version
from annotator.review.stored_agreement import request_run
from annotator.suggestions.proposals import Proposal, store_suggestions
from annotator.suggestions.recommenders import RecommenderInput, create_recommender

from .conftest import csrf_from
from .factories import make_user
from .workspace_helpers import demo

RANK = {"annotator": 1, "reviewer": 2, "lead": 3}
WHO = ("anonymous", "outsider", "annotator1", "reviewer", "lead", "admin")
WHO_RANK = {"outsider": 0, "annotator1": 1, "reviewer": 2, "lead": 3, "admin": 3}
GRANTED = {200, 201, 204, 302, 303, 400, 409, 422}
# Stances belong to their annotator: others are told "not yours" (404) or "not assigned" (403)
# by the service after the role check passed; that is the privacy rule, not a role denial.
OWNED = {"stances.create", "stances.edit", "stances.update", "stances.delete", "stances.restore"}
OWNED |= {"workspace.state", "api.stances_create_stance", "api.stances_update_stance"}
OWNED |= {"suggestions.accept", "suggestions.edit", "suggestions.reject", "suggestions.accept_all"}
OWNED |= {"relations.create", "relations.edit", "relations.update", "relations.delete"}
OWNED |= {"relations.restore"}
OWNED |= {"api.stances_delete_stance", "api.relations_list_relations"}
OWNED |= {"api.relations_create_relation", "api.relations_update_relation"}
OWNED |= {"api.relations_delete_relation"}
OWNED |= {
    f"api.suggestions_{n}" for n in ("list_suggestions", "accept_suggestion", "reject_suggestion")
}
DENIALS = ("This needs the", "Unknown project", "This needs a site admin")
SKIP = {"static"}

A1_PHRASE = "condemns the reactionary aggression of Iran"


def _world(session) -> dict[str, object]:
    """The demo with two annotators' stances, a gold stance, guidelines; the URL variables."""
    project, st = demo(session)
    a1, a2 = find_user(session, "annotator1"), find_user(session, "annotator2")
    start = st.text.index(A1_PHRASE)
    data = StanceInput(start, start + len(A1_PHRASE), A1_PHRASE, "condemnation", "iran")
    mine = create_stance(session, project, st, a1, data)
    theirs = create_stance(
        session, project, st, a2, StanceInput(**{**data.__dict__, "note": "SECRET-OF-A2"})
    )
    at = st.text.index("Teheran claims")
    claim = StanceInput(at, at + len("Teheran claims"), "Teheran claims", "claim")
    claim = create_stance(session, project, st, a1, claim)
    relation = create_relation(
        session, project, st, a1, RelationInput(claim.id, mine.id, "supports")
    )
    for user in (a1, a2):
        set_assignment_state(session, project, st, user, "done")
    gold = accept_version(session, project, st, find_user(session, "reviewer"), 0, mine.id, 1)
    save_guidelines(session, project, "Mark every **condemnation**.")
    make_user(session, "outsider")
    make_user(session, "admin", admin=True)
    actor = session.scalar(select(Actor).where(Actor.project_id == project.id).limit(1))
    suggestion = _a_decided_suggestion(session, project, st, a1)
    bearer, spare = {}, {}
    for who in WHO[1:]:
        user = find_user(session, who)
        bearer[who] = create_token(session, user, "matrix")[1]
        spare[who] = create_token(session, user, "to revoke")[0].id
    run = request_run(session, project, None)  # a queued agreement run
    session.commit()
    values = {
        "slug": "demo",
        "statement_id": st.id,
        "stance_id": mine.id,
        "relation_id": relation.id,
        "gold_id": gold.id,
        "actor_id": actor.id,
        "key": "support",
        "action": "move",
        "version": 1,
        "username": "annotator2",
        "rid": suggestion.recommender_id,
        "suggestion_id": suggestion.id,
        "run_id": run.id,
    }
    return {"values": values, "theirs": theirs.id, "bearer": bearer, "spare": spare,
            "claim": claim.id}  # fmt: skip


def _a_decided_suggestion(session, project, st, user):
    """A file recommender's suggestion on the statement, rejected by ``user`` (so the
    recommender cannot be deleted while the matrix walks its routes)."""
    label = next(lab for lab in project.labels if lab.key == "claim")
    rec = create_recommender(session, project, None, RecommenderInput(name="file", kind="file"))
    store_suggestions(session, rec, st, "v1", [Proposal(0, 4, label.id, 0.9)])
    suggestion = session.scalar(select(Suggestion).where(Suggestion.recommender_id == rec.id))
    session.add(SuggestionDecision(suggestion_id=suggestion.id, user_id=user.id, decision="reject"))
    session.flush()
    return suggestion


# These end the client's session (a valid CSRF token makes them succeed): requested last.
SESSION_ENDING = {"auth.logout", "profile.sign_out_everywhere"}


def _requests(app) -> list[tuple[str, str, object]]:
    """(method, endpoint, rule) for every route; logout last, since it ends the session."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, rule.endpoint, rule))
    return sorted(out, key=lambda r: (r[1] in SESSION_ENDING, r[0] != "GET", r[1]))


def _client(app, who: str):
    """A cookie client logged in as ``who`` (or anonymous) and the CSRF token of its session.

    The token is read after the login: a login starts a new session, so one from before
    it no longer works.
    """
    from .factories import PASSWORD

    client = app.test_client()
    token = csrf_from(client.get("/login"))
    if who != "anonymous":
        form = {"username": who, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=form).status_code == 302
        token = csrf_from(client.get("/account/tokens"))
    return client, token


def _call(client, token, method, path, bearer: str | None):
    """One request as a browser (cookie + form token) or an API client (bearer token, JSON)."""
    if bearer is not None:
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        api = client.application.test_client()  # no cookie: the API must not accept one
        return api.open(path, method=method, json=None if method == "GET" else {}, headers=headers)
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data={"csrf_token": token})


def _declared(required: str | None, api: bool) -> str | None:
    """API roles read "token" / "token:<role>": the same rules, with a bearer token for a cookie."""
    if required is None or not api:
        return required
    if not required.startswith("token"):
        return required if required == "public" else None
    return required.partition(":")[2] or "login"


def _headers(response) -> str | None:
    """Every HTML page: a CSP without inline script, nosniff and no framing."""
    if response.mimetype != "text/html":
        return None
    csp = response.headers.get("Content-Security-Policy", "")
    script = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    if "'self'" not in script or "unsafe-inline" in csp or "frame-ancestors 'none'" not in csp:
        return f"weak Content-Security-Policy: {csp!r}"
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        return "no X-Content-Type-Options: nosniff"
    if response.headers.get("X-Frame-Options") != "DENY":
        return "no X-Frame-Options: DENY"
    return None


def _to_login(response, api: bool) -> bool:
    if api or response.status_code == 401:
        return response.status_code == 401
    return response.status_code == 302 and "/login" in response.headers.get("Location", "")


def _verdict(required, who, endpoint, response, api) -> str | None:
    """None when the response matches the declared access, else what is wrong."""
    status = response.status_code
    body = response.get_data(as_text=True)
    if required is None:
        return "declares no required_role (use the decorators in views/access.py)"
    if required == "public":
        return None if status not in (401, 403) and not _to_login(response, api) else "denied"
    if who == "anonymous":
        return None if _to_login(response, api) else "anonymous was not sent to log in"
    if required == "login":
        return None if status in GRANTED else f"logged-in user got {status}"
    if required == "admin":
        wanted = status in GRANTED if who == "admin" else status == 403
        return None if wanted else f"admin route gave {who} {status}"
    rank = WHO_RANK[who]
    if rank == 0:
        return None if status == 404 else f"non-member got {status}, not 404"
    if rank < RANK[required]:
        return None if status == 403 else f"{who} below {required} got {status}, not 403"
    if status in GRANTED:
        return None
    owned = endpoint in OWNED and status in (403, 404)
    if owned and not any(d in body for d in DENIALS):
        return None
    return f"{who} (enough for {required}) got {status}"


@pytest.mark.parametrize("who", WHO)
def test_every_route_answers_each_role_as_declared(app, session, who):
    world = _world(session)
    values = {**world["values"], "token_id": world["spare"].get(who, 1)}
    client, token = _client(app, who)
    wrong = []
    for method, endpoint, rule in _requests(app):
        path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        api = rule.rule.startswith("/api/")
        bearer = world["bearer"].get(who, "") if api else None
        response = _call(client, token, method, path, bearer)
        required = _declared(getattr(app.view_functions[endpoint], "required_role", None), api)
        problem = _verdict(required, who, endpoint, response, api) or _headers(response)
        if problem:
            wrong.append(f"{method} {rule.rule} [{endpoint}, {required}]: {problem}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_route(app):
    endpoints = {endpoint for _, endpoint, _ in _requests(app)}
    assert {"stances.create", "review.accept", "lead.settings", "auth.login"} <= endpoints
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]
    assert len(endpoints) == len(rules)


def _as(app, who):
    return _client(app, who)[0]


def _stance_links(html: str) -> set[int]:
    """Stance ids a page refers to: links, list items and the highlight segments."""
    found = set(re.findall(r"/stances/(\d+)", html)) | set(re.findall(r'id="stance-(\d+)"', html))
    for ids in re.findall(r'data-stances="([\d ]+)"', html):
        found.update(ids.split())
    return {int(i) for i in found}


def test_an_annotator_never_sees_another_annotators_stances(app, session):
    world = _world(session)
    v, theirs = world["values"], world["theirs"]
    client = _as(app, "annotator1")
    base = f"/p/demo/s/{v['statement_id']}"
    pages = [
        client.get(base),
        client.get(base, headers={"HX-Request": "true"}),
        client.get(f"{base}/stances/{v['stance_id']}/edit", headers={"HX-Request": "true"}),
        client.get("/p/demo/"),
        client.get("/p/demo/next", follow_redirects=True),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert "SECRET-OF-A2" not in html
        assert theirs not in _stance_links(html)
    assert v["stance_id"] in _stance_links(pages[0].get_data(as_text=True))
    assert client.get(f"{base}/stances/{theirs}/edit").status_code == 404
    saved = _save_fragment(app, session, client, base, v)
    assert saved.status_code == 200 and v["stance_id"] in _stance_links(saved.get_data(True))
    assert theirs not in _stance_links(saved.get_data(True))
    assert "SECRET-OF-A2" not in saved.get_data(True)


def _save_fragment(app, session, client, base, v):
    """An htmx save over the span both annotators marked: its re-rendered text is blind too."""
    from annotator.projects.projects import get_project
    from annotator.statements.statements import get_statement

    project = get_project(session, "demo")
    st = get_statement(session, project, v["statement_id"])
    set_assignment_state(
        session, project, st, find_user(session, "annotator1"), "reopen", confirm=True
    )
    session.commit()
    start = st.text.index(A1_PHRASE)
    form = {"start": start, "end": start + len(A1_PHRASE), "text": A1_PHRASE}
    form |= {"label": "claim", "target": "iran", "csrf_token": csrf_from(client.get(base))}
    return client.post(f"{base}/stances", data=form, headers={"HX-Request": "true"})


def test_an_annotator_cannot_reach_exports_or_review(app, session):
    v = _world(session)["values"]
    client = _as(app, "annotator1")
    for path in ("/p/demo/export/", "/p/demo/export/download", "/p/demo/review"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "SECRET-OF-A2" not in response.get_data(as_text=True)
    review = client.get(f"/p/demo/review/s/{v['statement_id']}")
    assert review.status_code == 403


def test_a_reviewer_does_see_both_versions(app, session):
    """The other side of the rule: after the role check, review shows every annotator's work."""
    v = _world(session)["values"]
    html = _as(app, "reviewer").get(f"/p/demo/review/s/{v['statement_id']}").get_data(True)
    assert "annotator1" in html and "annotator2" in html


def test_the_api_shows_an_annotator_only_their_own_stances(app, session):
    world = _world(session)
    v, theirs = world["values"], world["theirs"]
    api = app.test_client()
    auth = {"Authorization": f"Bearer {world['bearer']['annotator1']}"}
    base = f"/api/v1/projects/demo/statements/{v['statement_id']}/stances"
    listed = api.get(base, headers=auth)
    assert listed.status_code == 200
    body = listed.get_data(as_text=True)
    assert "SECRET-OF-A2" not in body and str(v["stance_id"]) in body
    ids = {item["id"] for item in _items(listed.get_json())}
    assert ids == {v["stance_id"], world["claim"]} and theirs not in ids
    assert api.get(f"{base}?annotator=annotator2", headers=auth).status_code in (403, 422, 200)
    other = api.get(f"{base}?annotator=annotator2", headers=auth).get_data(as_text=True)
    assert "SECRET-OF-A2" not in other
    assert api.get("/api/v1/projects/demo/export", headers=auth).status_code == 403


def _items(payload) -> list[dict]:
    if isinstance(payload, list):
        return payload
    return next(v for v in payload.values() if isinstance(v, list))


def test_a_new_route_without_a_declaration_is_reported(app, session):
    """The guard itself: an undecorated view (even one that checks login) cannot pass."""
    from flask_login import login_required

    app.add_url_rule("/p/<slug>/new-thing", "new_thing", login_required(lambda slug: "ok"))
    _world(session)
    client, token = _client(app, "lead")
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "new_thing")
    response = _call(client, token, "GET", "/p/demo/new-thing", None)
    required = getattr(app.view_functions[rule.endpoint], "required_role", None)
    assert "declares no required_role" in _verdict(required, "lead", "new_thing", response, False)
    assert ("GET", "new_thing", rule) in _requests(app)
