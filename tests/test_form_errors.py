"""Every refused browser form announces one alert and marks the input it is about."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import pytest

from annotator.actors.registry import get_actor

from .conftest import csrf_from
from .factories import make_user
from .workspace_helpers import demo, stance_data


class _Invalid(HTMLParser):
    """The ids of the inputs marked ``aria-invalid``, and how many alerts the page has."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.alerts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.alerts += attrs.get("role") == "alert"
        if attrs.get("aria-invalid") == "true":
            self.ids.add(attrs.get("id") or attrs.get("name"))


def _refused(client, form_url: str, post_url: str, data: dict, headers=None):
    token = csrf_from(client.get(form_url))
    response = client.post(post_url, data={"csrf_token": token, **data}, headers=headers or {})
    assert response.status_code in (409, 422), response.status_code
    return _Invalid(response.get_data(as_text=True))


def _csv(text: str):
    return (io.BytesIO(text.encode()), "registry.csv")


LEAD_FORMS = [  # (form page, where it posts, what it sends, the input that is wrong)
    ("/p/demo/settings", "/p/demo/settings", {"name": "D", "annotators_per_statement": "0"},
     "annotators_per_statement"),
    ("/p/demo/labels", "/p/demo/labels", {"key": "claim", "name": "Again", "color": "#123456",
     "hotkey": "", "polarity": "", "semeval": "NONE"}, "key"),
    ("/p/demo/labels/claim", "/p/demo/labels/claim", {"name": "", "color": "#123456",
     "hotkey": "", "polarity": "", "semeval": "NONE"}, "name"),
    ("/p/demo/guidelines/edit", "/p/demo/guidelines/edit", {"body": ""}, "body"),
    ("/p/demo/team", "/p/demo/team", {"username": "nobody", "role": "annotator"}, "username"),
    ("/p/demo/assignments", "/p/demo/assignments", {"per_statement": "99"}, "per_statement"),
    ("/p/demo/assignments", "/p/demo/assignments/reassign",
     {"statement_id": "1", "from_user": "annotator1", "to_user": "annotator1"}, "to_user"),
    ("/p/demo/actors/new", "/p/demo/actors/new", {"name": "", "type": "state"}, "name"),
    ("/p/demo/actors/new", "/p/demo/actors/new", {"name": "X", "type": "state",
     "wikidata": "Z1"}, "wikidata"),
    ("/p/demo/actors/import", "/p/demo/actors/import", {"file": _csv("id,name\n,\n")}, "file"),
    ("/p/demo/import/", "/p/demo/import/", {}, "files"),
    ("/account/tokens", "/account/tokens", {"name": "x" * 81}, "token-name"),
    ("/account/", "/account/password", {"current": "wrong-password", "password": "abcdefgh1",
     "confirm": "abcdefgh1"}, "current"),
    ("/account/", "/account/password", {"current": "x", "password": "abcdefgh1",
     "confirm": "other-one"}, "confirm"),
]  # fmt: skip


@pytest.mark.parametrize("form_url, post_url, data, wrong", LEAD_FORMS)
def test_a_refused_form_alerts_once_and_marks_its_input(
    session, login, form_url, post_url, data, wrong
):
    demo(session)
    page = _refused(login("lead"), form_url, post_url, data)
    assert page.alerts == 1 and wrong in page.ids


def test_a_new_project_with_a_bad_slug_marks_it(session, login):
    make_user(session, "admin", admin=True)
    session.commit()
    page = _refused(login("admin"), "/projects/new", "/projects/new", {"slug": "Bad!", "name": "X"})
    assert page.alerts == 1 and page.ids == {"slug"}


def test_an_actor_edit_and_a_merge_mark_their_inputs(session, login):
    project, _ = demo(session)
    iran = get_actor(session, project, "iran")
    client = login("lead")
    url = f"/p/demo/actors/{iran.id}"
    edit = _refused(client, url, url, {"name": "Iran", "type": "state", "wikidata": "Q0"})
    assert edit.alerts == 1 and edit.ids == {"wikidata"}
    merge = _refused(client, url, f"{url}/merge", {"into": "no such actor"})
    assert merge.alerts == 1 and merge.ids == {"into"}
    preview = _Invalid(client.get(f"{url}/merge?into=no+such+actor").get_data(as_text=True))
    assert preview.alerts == 1 and preview.ids == {"into"}


@pytest.mark.parametrize("htmx", [False, True])
def test_the_stance_form_marks_the_type_ahead_box(session, login, htmx):
    _, st = demo(session)
    url = f"/p/demo/s/{st.id}"
    headers = {"HX-Request": "true"} if htmx else {}
    page = _refused(login("annotator1"), url, f"{url}/stances", stance_data(st, target=""), headers)
    assert page.alerts == 1 and page.ids == {"target_q"}


def test_a_login_with_a_missing_field_marks_it(client):
    page = _refused(client, "/login", "/login", {"username": "lead", "password": ""})
    assert page.alerts == 1 and page.ids == {"password"}


def test_a_wrong_password_alerts_once_and_names_no_field(session, client):
    demo(session)
    page = _refused(client, "/login", "/login", {"username": "lead", "password": "wrong pass"})
    assert page.alerts == 1 and page.ids == set()  # which one is wrong is not said
