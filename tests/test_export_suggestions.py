"""``--scope suggestions`` on the download page and the API: the CLI's bytes, leads only.

The three entry points build one ``ExportRequest``, checked by one ``check_request`` (jsonl
only, no format options) and written by one ``suggestion_lines``; these tests hold the page
and the API to the CLI's file byte for byte, and to the roles and refusals of any export.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.models import Suggestion

from .suggestion_world import memory_world
from .test_api_helpers import api, assert_error

PAGE = "/p/demo/export/download"
QUERY = {"format": "jsonl", "scope": "suggestions"}


@pytest.fixture
def world(session):
    """The memory world (two suggestions on B) and API tokens for three roles."""
    memory_world(session)
    tokens = {}
    for name in ("annotator1", "reviewer", "lead"):
        _, tokens[name] = create_token(session, find_user(session, name), "tests")
    session.commit()
    return tokens


def _cli_bytes(runner, tmp_path) -> bytes:
    out = tmp_path / "cli.jsonl"
    result = runner.invoke(args=["export", "demo", "--format", "jsonl", "--scope", "suggestions",
                                 "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_page_offers_the_scope_and_streams_the_cli_bytes(world, session, login, runner, tmp_path):
    client = login("lead")
    form = client.get("/p/demo/export/").get_data(as_text=True)
    assert 'value="suggestions"' in form and "proposals, nobody" in form
    response = client.get(PAGE, query_string=QUERY)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="demo-suggestions-jsonl.jsonl"'
    )
    body = response.get_data()
    assert body == _cli_bytes(runner, tmp_path)
    ids = [json.loads(line)["suggestion_id"] for line in body.splitlines()]
    stored = session.scalars(select(Suggestion.id).order_by(Suggestion.id)).all()
    assert ids == list(stored) and len(ids) >= 2


def test_api_streams_the_cli_bytes(world, client, runner, tmp_path):
    response = api(client, "GET", "/projects/demo/export?format=jsonl&scope=suggestions",
                   world["lead"])  # fmt: skip
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.get_data() == _cli_bytes(runner, tmp_path)
    doc = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/projects/{slug}/export"]["get"]["parameters"]}
    assert "suggestions" in params["scope"]["schema"]["enum"]


@pytest.mark.parametrize("who", ["annotator1", "reviewer"])
def test_only_leads_export_suggestions(world, login, client, who):
    assert login(who).get(PAGE, query_string=QUERY).status_code == 403
    path = "/projects/demo/export?format=jsonl&scope=suggestions"
    assert_error(api(client, "GET", path, world[who]), 403)


def test_csv_or_a_format_option_is_refused_with_a_form_error(world, login, client):
    page = login("lead")
    csv = page.get(PAGE, query_string={"format": "csv", "scope": "suggestions"})
    html = csv.get_data(as_text=True)
    assert csv.status_code == 422 and "jsonl only" in html and 'aria-invalid="true"' in html
    option = page.get(PAGE, query_string=QUERY | {"statement_text": "true"})
    assert option.status_code == 422 and "does not apply to suggestions" in option.get_data(True)
    bad = api(client, "GET", "/projects/demo/export?format=csv&scope=suggestions", world["lead"])
    assert "jsonl only" in assert_error(bad, 422, "format")["message"]
