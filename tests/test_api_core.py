"""API plumbing: tokens only, the JSON error shape everywhere, bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from annotator.accounts.tokens import hash_token, revoke_token
from annotator.models import ApiToken, AuditEvent, Stance, utcnow

from .conftest import csrf_from
from .test_api_helpers import api, api_demo, assert_error
from .workspace_helpers import stance_data


def _stances(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(Stance))


def test_no_token_is_401_json(client, session):
    api_demo(session)
    response = api(client, "GET", "/projects")
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_malformed_tokens_are_401(client, session):
    api_demo(session)
    for header in ("Bearer sa_nope", "Bearer ", "Basic abc", "Bearer " + "x" * 500):
        response = api(client, "GET", "/projects", headers={"Authorization": header})
        assert_error(response, 401)


def test_revoked_token_is_401(client, session):
    _, _, tokens = api_demo(session)
    token_id = session.scalar(
        select(ApiToken.id).where(ApiToken.token_hash == hash_token(tokens["lead"]))
    )
    assert api(client, "GET", "/projects", tokens["lead"]).status_code == 200
    session.commit()  # a new transaction sees the server's write of last_used_at
    revoke_token(session, token_id)
    session.commit()
    assert_error(api(client, "GET", "/projects", tokens["lead"]), 401)


def test_inactive_user_token_is_401(client, session):
    _, _, tokens = api_demo(session)
    from annotator.accounts.users import find_user

    find_user(session, "lead").active = False
    session.commit()
    assert_error(api(client, "GET", "/projects", tokens["lead"]), 401)


def test_cookie_session_is_refused(client, session, login):
    """A logged-in browser gets 401 on the API: CSRF exemption is safe only for tokens."""
    project, statement, _ = api_demo(session)
    login("annotator1")
    assert_error(api(client, "GET", "/projects"), 401)
    path = f"/projects/demo/statements/{statement.id}/stances"
    assert_error(api(client, "POST", path, json=stance_data(statement)), 401)
    assert _stances(session) == 0


def test_token_post_needs_no_csrf_token(client, session, app):
    app.config["WTF_CSRF_ENABLED"] = True
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    response = api(client, "POST", path, tokens["annotator1"], json=stance_data(statement))
    assert response.status_code == 201, response.get_json()
    assert _stances(session) == 1


def test_last_used_is_written_at_most_once_a_minute(client, session):
    _, _, tokens = api_demo(session)
    where = ApiToken.token_hash == hash_token(tokens["lead"])
    api(client, "GET", "/projects", tokens["lead"])
    session.commit()
    first = session.scalar(select(ApiToken.last_used_at).where(where))
    assert first is not None
    api(client, "POST", "/projects/demo/actors", tokens["lead"], json={"name": "Hamas"})
    session.commit()
    assert session.scalar(select(ApiToken.last_used_at).where(where)) == first
    session.get(ApiToken, session.scalar(select(ApiToken.id).where(where))).last_used_at = (
        utcnow() - timedelta(minutes=2)
    )
    session.commit()
    api(client, "GET", "/projects", tokens["lead"])
    session.commit()
    assert session.scalar(select(ApiToken.last_used_at).where(where)) > first


def test_unknown_path_and_method_are_json(client, session):
    _, _, tokens = api_demo(session)
    assert_error(api(client, "GET", "/nothing/here", tokens["lead"]), 404)
    assert_error(api(client, "GET", "/nothing/here"), 404)
    assert_error(api(client, "DELETE", "/projects", tokens["lead"]), 405)
    assert_error(api(client, "GET", "/projects/demo/statements/99999", tokens["lead"]), 404)


def test_malformed_json_is_400_and_writes_nothing(client, session):
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    for raw in (b"{", b"not json", b"\xff\xfe", b""):
        response = api(
            client, "POST", path, tokens["annotator1"], data=raw, content_type="application/json"
        )
        assert_error(response, 400)
    assert _stances(session) == 0


def test_a_body_not_sent_as_json_is_415_and_writes_nothing(client, session):
    """A form post is not read as an empty object: PATCH would otherwise change nothing, 200."""
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    as_form = api(client, "POST", path, tokens["annotator1"], data=stance_data(statement))
    assert assert_error(as_form, 415)["code"] == "unsupported_media_type"
    patch = api(client, "PATCH", "/projects/demo/actors/1", tokens["lead"], data={"name": "X"})
    assert_error(patch, 415)
    assert _stances(session) == 0


def test_wrong_types_missing_and_unknown_fields_are_422_with_field(client, session):
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    good = stance_data(statement)
    cases = [
        (good | {"start": "12"}, "start"),
        (good | {"start": 1.0}, "start"),
        (good | {"label": 3}, "label"),
        ({k: v for k, v in good.items() if k != "label"}, "label"),
        (good | {"colour": "red"}, "colour"),
        (good | {"note": "a\x00b"}, "note"),
        ([good], None),
    ]
    for body, field in cases:
        response = api(client, "POST", path, tokens["annotator1"], json=body)
        error = assert_error(response, 422, field)
        assert error["code"] == "invalid"
    assert _stances(session) == 0


def test_huge_body_is_413_and_writes_nothing(client, session):
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    body = b'{"note": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = api(
        client, "POST", path, tokens["annotator1"], data=body, content_type="application/json"
    )
    assert_error(response, 413)
    assert _stances(session) == 0


def test_invalid_cursor_is_400(client, session):
    _, _, tokens = api_demo(session)
    for cursor in ("!!!", "bm9wZQ", "czo", "czotMQ"):
        response = api(client, "GET", f"/projects/demo/statements?cursor={cursor}", tokens["lead"])
        assert_error(response, 400, "cursor")


def test_bad_query_values_are_422(client, session):
    _, _, tokens = api_demo(session)
    for query, field in (("limit=0", "limit"), ("limit=501", "limit"), ("limit=x", "limit")):
        response = api(client, "GET", f"/projects/demo/statements?{query}", tokens["lead"])
        assert_error(response, 422, field)
    assert_error(api(client, "GET", "/projects/demo/statements?state=odd", tokens["lead"]), 422)


def test_conflict_on_a_stale_version_returns_the_current_stance(client, session):
    _, statement, tokens = api_demo(session)
    base = f"/projects/demo/statements/{statement.id}/stances"
    created = api(client, "POST", base, tokens["annotator1"], json=stance_data(statement))
    stance = created.get_json()
    edit = stance_data(statement, label="claim") | {"version": stance["version"]}
    assert (
        api(client, "PUT", f"{base}/{stance['id']}", tokens["annotator1"], json=edit).status_code
        == 200
    )
    response = api(client, "PUT", f"{base}/{stance['id']}", tokens["annotator1"], json=edit)
    assert_error(response, 409)
    current = response.get_json()["current"]
    assert current["version"] == stance["version"] + 1 and current["label"] == "claim"


def test_server_error_is_json_and_rolls_back(app, client, session, monkeypatch):
    """An unexpected exception inside a handler answers 500 JSON and saves nothing."""
    from annotator.actors import curation

    _, _, tokens = api_demo(session)
    original = curation.create_actor

    def boom(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("boom")

    monkeypatch.setattr(curation, "create_actor", boom)
    response = api(client, "POST", "/projects/demo/actors", tokens["lead"], json={"name": "X"})
    assert_error(response, 500)
    session.commit()
    assert not session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == "actor")
    )


def test_openapi_document_lists_every_route(client, app):
    doc = api(client, "GET", "/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.rule not in (
            "/api/v1/",
            "/api/v1/openapi.json",
            "/api/v1/docs",
        ):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routed.add((method, path.replace(">", "}")))
    assert documented == routed
    assert len(routed) >= 17


def test_each_operation_id_is_its_endpoint_name(client, app):
    """Clients generated from the document and ``url_for`` in the app name an operation alike."""
    doc = api(client, "GET", "/openapi.json").get_json()
    ids = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    endpoints = {r.endpoint.removeprefix("api.") for r in app.url_map.iter_rules()}
    assert ids and ids <= endpoints


def test_index_page_lists_endpoints(client):
    page = api(client, "GET", "/").get_data(as_text=True)
    assert "/api/v1/projects/{slug}/statements/{statement_id}/stances" in page
    assert "openapi.json" in page
    assert "Fold this actor into <code>into</code>" in page and "``" not in page  # Markdown


def test_browser_forms_still_need_csrf(client, session, login, app):
    """The API's exemption does not leak to the browser: a tokenless form post is refused."""
    app.config["WTF_CSRF_ENABLED"] = True
    api_demo(session)
    login("lead")
    response = client.post("/account/tokens", data={"name": "x"})
    assert response.status_code == 400
    token = csrf_from(client.get("/account/tokens"))
    assert (
        client.post("/account/tokens", data={"name": "x", "csrf_token": token}).status_code == 201
    )


def test_deeply_nested_json_is_400(client, session):
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    body = b"[" * 100_000 + b"]" * 100_000
    response = api(
        client, "POST", path, tokens["annotator1"], data=body, content_type="application/json"
    )
    assert_error(response, 400)


def _statements_run(session, during) -> list[str]:
    """The SQL statements the engine runs during ``during()`` (no BEGIN, no COMMIT).

    The test client's requests share the test's session; it is emptied first, so a request
    finds nothing loaded, as it does in production.
    """
    from sqlalchemy import event

    from annotator.extensions import db

    session.close()
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if statement.lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        during()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def test_api_create_runs_five_statements(client, session):
    """Token with user, project and role; statement with holder; assignment with target;
    2 inserts.

    The default holder (the issuing organisation) comes with the statement, so the answer
    needs no lazy load; a named holder that is the target comes with it (another one costs
    its lookup, and is then known too).
    """
    _, statement, tokens = api_demo(session)
    path = f"/projects/demo/statements/{statement.id}/stances"
    first = api(client, "POST", path, tokens["annotator1"], json=stance_data(statement))
    assert first.status_code == 201  # also marks last use and starts the assignment
    created = []

    def create(**extra):
        data = stance_data(statement, "denounce the heinous terror attacks", **extra)
        created.append(api(client, "POST", path, tokens["annotator1"], json=data))

    default_holder = _statements_run(session, create)
    named_holder = _statements_run(session, lambda: create(holder="iran"))
    assert [r.status_code for r in created] == [201, 201]
    assert (len(default_holder), len(named_holder)) == (5, 5), default_holder + named_holder
    answers = [first.get_json()] + [r.get_json() for r in created]
    assert [a["holder"] for a in answers] == ["rcit", "rcit", "iran"]
    listed = api(client, "GET", path, tokens["annotator1"]).get_json()["items"]
    assert sorted(listed, key=lambda a: a["id"]) == answers  # the same JSON as the list's


def test_docs_page_loads_vendored_files_without_inline_script(client, app, session, login):
    """Swagger UI at /api/v1/docs: static files only, no inline script, linked from two pages."""
    import re
    from pathlib import Path

    page = api(client, "GET", "/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/api-docs.js"} <= set(assets)
    for asset in assets:
        assert (Path(app.static_folder) / asset.removeprefix("/static/")).is_file(), asset
    assert "//" not in "".join(re.findall(r'(?:src|href)="([^"]*)"', html)).replace("data:,", "")
    assert 'href="/api/v1/docs"' in api(client, "GET", "/").get_data(as_text=True)
    api_demo(session)
    login("annotator1")
    assert 'href="/api/v1/docs"' in client.get("/account/tokens").get_data(as_text=True)


@pytest.mark.browser
def test_docs_page_renders_every_operation_in_a_browser(live_server, page):
    """The CSP lets Swagger UI run; it shows each operation and asks no other host for anything."""
    problems, hosts = [], set()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(live_server + "/api/v1/docs")
    page.wait_for_selector(".opblock")
    doc = requests.get(live_server + "/api/v1/openapi.json", timeout=10).json()
    operations = sum(len(ops) for ops in doc["paths"].values())
    assert page.locator(".opblock").count() == operations
    assert not problems and hosts == {live_server.split("/")[2]}
