"""API tokens: created once, stored hashed, revoked through the CLI and the account page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from annotator.accounts.tokens import PREFIX, hash_token
from annotator.models import ApiToken

from .conftest import csrf_from
from .factories import make_user
from .test_api_helpers import api, assert_error


def _count(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(ApiToken))


def test_cli_create_prints_once_and_stores_only_the_hash(runner, session, client):
    make_user(session, "ana")
    session.commit()
    result = runner.invoke(args=["tokens", "create", "ana", "--name", "nightly"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith(PREFIX) and len(token) > 40
    session.commit()
    stored = session.scalar(select(ApiToken))
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash
    assert stored.name == "nightly"
    assert api(client, "GET", "/projects", token).status_code == 200


def test_cli_list_and_revoke(runner, session, client):
    make_user(session, "ana")
    session.commit()
    token = runner.invoke(args=["tokens", "create", "ana"]).stdout.strip()
    session.commit()
    token_id = session.scalar(select(ApiToken.id))
    listed = runner.invoke(args=["tokens", "list", "ana"])
    assert listed.exit_code == 0 and "active" in listed.output and token not in listed.output
    revoked = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    assert "revoked" in runner.invoke(args=["tokens", "list", "ana"]).output
    assert_error(api(client, "GET", "/projects", token), 401)


def test_cli_errors_are_one_line_and_write_nothing(runner, session):
    make_user(session, "ana")
    session.commit()
    for args in (["tokens", "create", "nobody"], ["tokens", "revoke", "42"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and result.output.startswith("Error: ")
        assert len(result.output.strip().splitlines()) == 1
    long = runner.invoke(args=["tokens", "create", "ana", "--name", "x" * 81])
    assert long.exit_code == 1 and "80 characters" in long.output
    assert _count(session) == 0


def test_page_creates_token_shown_once(client, session, login):
    make_user(session, "ana")
    session.commit()
    login("ana")
    page = client.get("/account/tokens")
    response = client.post(
        "/account/tokens", data={"name": "notebook", "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 201
    shown = re.search(r'class="token-value">(sa_[^<]+)<', response.get_data(as_text=True))
    assert shown
    assert api(client, "GET", "/projects", shown[1]).status_code == 200
    again = client.get("/account/tokens").get_data(as_text=True)
    assert "notebook" in again and shown[1] not in again


def test_page_revokes_own_token_only(client, session, login, runner):
    make_user(session, "ana")
    make_user(session, "bob")
    session.commit()
    runner.invoke(args=["tokens", "create", "bob"])
    session.commit()
    bobs = session.scalar(select(ApiToken.id))
    login("ana")
    token = csrf_from(client.get("/account/tokens"))
    client.post("/account/tokens", data={"name": "mine", "csrf_token": token})
    session.commit()
    mine = session.scalar(select(ApiToken.id).where(ApiToken.name == "mine"))
    refused = client.post(f"/account/tokens/{bobs}/revoke", data={"csrf_token": token})
    assert refused.status_code == 404
    done = client.post(f"/account/tokens/{mine}/revoke", data={"csrf_token": token})
    assert done.status_code == 200 and "Revoked" in done.get_data(as_text=True)
    session.commit()
    assert session.get(ApiToken, mine).revoked_at is not None
    assert session.get(ApiToken, bobs).revoked_at is None


def test_page_needs_login_and_valid_name(client, session, login):
    assert client.get("/account/tokens").status_code == 302
    make_user(session, "ana")
    session.commit()
    login("ana")
    token = csrf_from(client.get("/account/tokens"))
    response = client.post("/account/tokens", data={"name": "x" * 81, "csrf_token": token})
    assert response.status_code == 422
    assert _count(session) == 0
