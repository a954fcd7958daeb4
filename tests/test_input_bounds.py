"""NUL characters and integers no database holds: a 404 or a 422 naming the field, never a 500.

Runs on SQLite and on PostgreSQL (ANNOTATOR_TEST_DATABASE_URL): PostgreSQL refuses both at
the driver, SQLite stores them, and the answers must be the same on both.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.models import Actor, Label
from annotator.projects.guidelines import save_guidelines
from annotator.review.adjudication import accept_version

from .hostile_helpers import digest, logged_in
from .workspace_helpers import demo

HUGE = ("2147483648", "9223372036854775808", "1" + "0" * 40)


@pytest.fixture
def world(app):
    """The demo with a gold stance and guidelines; ids the URLs need. No app context stays open."""
    from annotator.annotation.stances import StanceInput, create_stance

    with app.app_context():
        project, st = demo(db.session)
        a1 = find_user(db.session, "annotator1")
        start = st.text.index("condemns")
        data = StanceInput(start, start + 8, "condemns", "condemnation", "iran")
        stance = create_stance(db.session, project, st, a1, data)
        from annotator.projects.assignments import set_assignment_state

        set_assignment_state(db.session, project, st, a1, "done")
        reviewer = find_user(db.session, "reviewer")
        gold = accept_version(db.session, project, st, reviewer, 0, stance.id, 1)
        save_guidelines(db.session, project, "Mark every condemnation.")
        actor_id = db.session.scalar(select(Actor.id).limit(1))
        db.session.commit()
        return {"st": st.id, "stance": stance.id, "gold": gold.id, "actor": actor_id}


def _status(response) -> int:
    assert response.status_code != 500, response.get_data(as_text=True)[:2000]
    return response.status_code


# --- 5. integers ----------------------------------------------------------------------------


def test_ids_beyond_the_database_are_not_found(app, world):
    client, _ = logged_in(app, "lead")
    w = world
    for n in HUGE:
        paths = [
            f"/p/demo/s/{n}",
            f"/p/demo/actors/{n}",
            f"/p/demo/s/{w['st']}/stances/{n}/edit",
            f"/p/demo/review/s/{n}",
            f"/p/demo/guidelines/v/{n}",
            f"/p/demo/review/s/{w['st']}/gold/{n}/edit",
            f"/api/v1/projects/demo/statements/{n}",
        ]
        for path in paths:
            assert _status(client.get(path)) == 404, path
    assert _status(client.get(f"/p/demo/s/{w['st']}")) == 200  # the converter still matches ids


def test_query_arguments_beyond_the_database_count_as_absent(app, world):
    client, _ = logged_in(app, "lead")
    for n in HUGE:
        assert _status(client.get(f"/p/demo/next?after={n}")) == 303
        new = client.get(f"/p/demo/review/s/{world['st']}/gold/new?from={n}")
        assert _status(new) == 200
        assert _status(client.get(f"/p/demo/review/?annotator={n}")) == 200
        assert _status(client.get(f"/p/demo/progress?page={n}")) == 200
        assert _status(client.get(f"/p/demo/actors/?page={n}")) == 200


def test_form_integers_beyond_the_database_are_a_422_on_the_field(app, world):
    client, token = logged_in(app, "lead")
    before = digest(app)
    for n in HUGE:
        form = {"statement_id": n, "from_user": "annotator1", "csrf_token": token}
        response = client.post("/p/demo/assignments/reassign", data=form)
        assert _status(response) == 422 and "out of range" in response.get_data(True)
        gold = {
            "review_version": n,
            "start": "0",
            "end": "5",
            "label": "claim",
            "csrf_token": token,
        }
        response = client.post(f"/p/demo/review/s/{world['st']}/gold", data=gold)
        assert _status(response) == 422 and "out of range" in response.get_data(True)
        stance = {"version": n, "csrf_token": token}
        url = f"/p/demo/review/s/{world['st']}/gold/{world['gold']}/delete"
        assert _status(client.post(url, data=stance)) == 422
        settings = {"name": "Demo", "annotators_per_statement": n, "csrf_token": token}
        assert _status(client.post("/p/demo/settings", data=settings)) == 422
    assert digest(app) == before


# --- 4. NUL characters ----------------------------------------------------------------------

NUL = "bad\x00value"


def _posts(w, token):
    """(who, path, form, the field the answer must name) for every form a user can fill."""
    c = {"csrf_token": token}
    stances = f"/p/demo/s/{w['st']}/stances"
    return [
        ("annotator1", stances, c | {"start": "0", "end": "3", "label": "claim",
                                     "note": NUL}, "note"),
        ("annotator1", stances, c | {"quote": "x", "label": "claim", "target_q": NUL,
                                     "propose_target": "y"}, "target_q"),
        ("annotator1", "/account/tokens", c | {"name": NUL}, "name"),
        ("annotator1", "/account/password", c | {"current": NUL, "password": "x" * 9,
                                                 "confirm": "x" * 9}, "current"),
        ("lead", "/p/demo/actors/new", c | {"name": NUL, "type": "state"}, "name"),
        ("lead", "/p/demo/labels", c | {"key": "k", "name": NUL, "color": "#000000"}, "name"),
        ("lead", "/p/demo/labels/claim", c | {"name": "Claim", "color": "#000000",
                                              "definition": NUL}, "definition"),
        ("lead", "/p/demo/guidelines/edit", c | {"body": NUL}, "body"),
        ("lead", "/p/demo/settings", c | {"name": NUL, "annotators_per_statement": "2"}, "name"),
        ("lead", "/p/demo/team", c | {"username": NUL, "role": "annotator"}, "username"),
        ("lead", f"/p/demo/actors/{w['actor']}", c | {"name": "X", "aliases": NUL}, "aliases"),
    ]  # fmt: skip


def test_nul_in_any_form_field_is_a_422_naming_it(app, world):
    clients = {who: logged_in(app, who) for who in ("annotator1", "lead")}
    before = digest(app)
    for who, path, form, field in _posts(world, "TOKEN"):
        client, token = clients[who]
        response = client.post(path, data=form | {"csrf_token": token})
        assert _status(response) == 422, (path, field)
        assert f"{field}: NUL characters are not allowed" in response.get_data(True), path
        htmx = client.post(path, data=form | {"csrf_token": token}, headers={"HX-Request": "1"})
        assert _status(htmx) == 422
    assert digest(app) == before


def test_nul_in_the_login_name_is_a_422(app, world):
    client, token = logged_in(app, None)
    before = digest(app)
    response = client.post("/login", data={"username": NUL, "password": "x", "csrf_token": token})
    assert _status(response) == 422 and "username: NUL" in response.get_data(True)
    assert digest(app) == before


@pytest.mark.parametrize(
    "path",
    [
        "/p/demo/actors/?q=%00",
        "/p/demo/actors/suggest?q=%00",
        "/p/demo/actors/suggest?field=holder&holder_q=a%00b",
        "/p/demo/actors/options?into=%00",
        "/p/demo/review/?label=%00",
        "/p/demo/export/download?format=%00",
        "/p/demo/team/a%00b/role",
        "/p/demo/labels/a%00b",
        "/p/a%00b/",
        "/api/v1/projects/demo/actors?q=%00",
    ],
)
def test_nul_in_a_query_or_path_is_a_422(app, world, path):
    client, token = logged_in(app, "lead")
    method = client.post if path.endswith("/role") else client.get
    response = method(path, data={"csrf_token": token, "role": "lead"})
    assert _status(response) == 422


def test_the_database_guard_refuses_what_one_database_would_store(app, session):
    """Below every entry point: a service handed a NUL or a huge id gets Invalid on both."""
    from .factories import make_user

    user = make_user(session, "ann")
    session.commit()
    with pytest.raises(Invalid, match="NUL"):
        create_token(session, user, "a\x00b")
    session.rollback()
    with pytest.raises(Invalid, match="out of range"):
        session.get(Label, 2**31)
    session.rollback()
    with pytest.raises(Invalid, match="surrogates"):
        create_token(session, user, "a\ud800b")
    session.rollback()
    assert create_token(session, user, "fine ✓")[0].id


def test_a_too_large_id_is_404_for_every_method_never_405(app):
    """The bound is in the converter's regex: a rule of another method must not match it."""
    urls = app.url_map.bind("localhost")
    for method in ("GET", "POST", "PUT", "DELETE"):
        for path in (
            "/api/v1/projects/demo/statements/5161915115/stances",
            "/api/v1/projects/demo/statements/1/stances/2147483648",
            "/p/demo/s/9223372036854775808/stances",
        ):
            with pytest.raises(Exception) as refused:
                urls.match(path, method=method)
            assert type(refused.value).__name__ == "NotFound", (method, path)
    assert urls.match("/api/v1/projects/demo/statements/2147483647/stances", method="POST")
