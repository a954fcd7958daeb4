"""htmx answers: every GET that answers differently to ``HX-Request`` says so in ``Vary``."""

from __future__ import annotations

import re

import pytest

from .test_role_matrix import _client, _requests, _world

TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")  # CSRF tokens: signed and timed


def _answer(response) -> tuple:
    """What a client sees, CSRF tokens aside (they carry the second they were signed in)."""
    hx = sorted((k, v) for k, v in response.headers.items() if k.startswith("HX-"))
    body = TOKEN.sub("TOKEN", response.get_data(as_text=True))
    return response.status_code, response.headers.get("Location"), hx, body


def _get(client, path: str, headers=None) -> tuple[tuple, bool]:
    """The answer (read at once: a streamed one holds its request open) and whether it varies."""
    response = client.get(path, headers=headers or {})
    return _answer(response), _varies(response)


def _varies(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


@pytest.mark.parametrize("who", ["anonymous", "annotator1", "lead"])
def test_every_page_that_differs_for_htmx_sends_vary(app, session, who):
    values = _world(session)["values"] | {"token_id": 1}
    client = _client(app, who)[0]
    differing, missing = [], []
    for method, endpoint, rule in _requests(app):
        if method != "GET":
            continue  # caches keep answers to GET only
        path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        client.get("/", follow_redirects=True)  # shows (so drops) a flash the last page left
        page, fragment = _get(client, path), _get(client, path, {"HX-Request": "true"})
        if page[0] != fragment[0]:
            differing.append(endpoint)
            if not (page[1] and fragment[1]):
                missing.append(f"GET {rule.rule} [{endpoint}]")
    assert not missing, "no Vary: HX-Request on\n" + "\n".join(missing)
    assert differing, "no page answered htmx differently: the walk checked nothing"


def test_the_stance_edit_form_varies_on_htmx(app, session):
    values = _world(session)["values"]
    client = _client(app, "annotator1")[0]
    path = f"/p/demo/s/{values['statement_id']}/stances/{values['stance_id']}/edit"
    page, fragment = client.get(path), client.get(path, headers={"HX-Request": "true"})
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert _varies(page) and _varies(fragment)


def test_a_page_that_never_asks_about_htmx_does_not_vary(app, session):
    _world(session)
    client = _client(app, "lead")[0]
    assert not _varies(client.get("/p/demo/settings"))


def test_an_expired_session_tells_htmx_to_reload(app, session):
    _world(session)
    response = app.test_client().get("/p/demo/", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"].startswith("/login")
    assert _varies(response)
