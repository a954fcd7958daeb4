"""The export page: every CLI format (folders as a zip), the statement-text option, refusals
like every other form; the API's scope=gold on stances works or is refused, never ignored."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user

from .test_api_helpers import api
from .test_export_data import demo_with_stances


def _records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line]


def test_jsonl_with_statement_text_lets_offsets_be_checked(session, login, runner):
    demo_with_stances(session)
    client = login("lead")
    plain = client.get("/p/demo/export/download?format=jsonl&scope=all").get_data(as_text=True)
    assert all("statement_text" not in r for r in _records(plain))
    url = "/p/demo/export/download?format=jsonl&scope=all&statement_text=true"
    web = client.get(url).get_data()
    records = _records(web.decode())
    assert records and all(r["statement_text"][r["start"] : r["end"]] == r["text"] for r in records)
    assert list(records[0]).index("statement_text") < list(records[0]).index("created_at")
    cli = runner.invoke(
        args=["export", "demo", "--format", "jsonl", "--scope", "all", "--statement-text"]
    )
    assert cli.exit_code == 0 and cli.stdout_bytes == web


def test_hf_downloads_as_a_zip_with_its_card_and_sidecar(session, login):
    demo_with_stances(session)
    response = login("lead").get("/p/demo/export/download?format=hf&scope=all&statement_text=true")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="demo-all-hf.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    names = archive.namelist()
    assert "demo-all-hf/README.md" in names and "demo-all-hf.meta.json" in names
    splits = [n for n in names if n.endswith(".jsonl")]
    records = [r for n in splits for r in _records(archive.read(n).decode())]
    assert len(records) == 6  # four annotator stances and two gold
    assert all(r["statement_text"][r["start"] : r["end"]] == r["text"] for r in records)
    meta = json.loads(archive.read("demo-all-hf.meta.json"))
    assert meta["format"] == "hf" and meta["counts"]["records"] == 6


@pytest.mark.parametrize("name", ["aif", "brat"])
def test_other_folder_formats_download_as_zips(session, login, name):
    demo_with_stances(session)
    response = login("lead").get(f"/p/demo/export/download?format={name}&scope=gold")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    assert any(n.startswith(f"demo-gold-{name}/") for n in names)


def test_an_option_the_format_does_not_take_is_one_alert_on_its_field(session, login):
    demo_with_stances(session)
    response = login("lead").get("/p/demo/export/download?format=csv&statement_text=true")
    assert response.status_code == 422 and "Content-Disposition" not in response.headers
    html = response.get_data(as_text=True)
    assert html.count('role="alert"') == 1 and 'id="export-error"' in html
    assert "The csv format has no option &#39;statement_text&#39;" in html
    assert 'aria-invalid="true"' in html and 'id="statement_text-error"' in html
    assert 'aria-describedby="statement_text-error format-options-hint"' in html


def test_a_bad_choice_marks_the_format_select(session, login):
    demo_with_stances(session)
    html = login("lead").get("/p/demo/export/download?format=xmi").get_data(as_text=True)
    assert html.count('role="alert"') == 1 and "Format: Not a valid choice" in html
    assert 'aria-describedby="format-error"' in html and 'id="format-error"' in html


def test_bom_for_jsonl_is_refused_on_the_bom_box(session, login):
    demo_with_stances(session)
    html = (
        login("lead").get("/p/demo/export/download?format=jsonl&csv_bom=y").get_data(as_text=True)
    )
    assert "The UTF-8 BOM is for the csv and actors formats." in html
    assert 'aria-describedby="csv_bom-error"' in html


def test_cli_statement_text_is_refused_for_other_formats(session, runner):
    demo_with_stances(session)
    result = runner.invoke(args=["export", "demo", "--format", "csv", "--statement-text"])
    assert result.exit_code == 1 and "has no option 'statement_text'" in result.output


def test_api_export_takes_the_statement_text_flag(session, client):
    demo_with_stances(session)
    _, token = create_token(session, find_user(session, "lead"), "tests")
    session.commit()
    body = api(client, "GET", "/projects/demo/export?format=jsonl&statement_text=true", token)
    assert body.status_code == 200
    assert all("statement_text" in r for r in _records(body.get_data(as_text=True)))


def _tokens(session):
    tokens = {}
    for name in ("annotator1", "reviewer", "lead"):
        _, tokens[name] = create_token(session, find_user(session, name), "tests")
    session.commit()
    return tokens


def test_api_scope_gold_lists_gold_for_reviewers_and_leads(session, client):
    _, statement = demo_with_stances(session)
    tokens = _tokens(session)
    url = f"/projects/demo/statements/{statement.id}/stances"
    for who in ("reviewer", "lead"):
        items = api(client, "GET", url + "?scope=gold", tokens[who]).get_json()["items"]
        assert len(items) == 2 and all(i["annotator"] is None for i in items)
    own = api(client, "GET", url, tokens["annotator1"]).get_json()["items"]
    assert len(own) == 2 and all(i["annotator"] == "annotator1" for i in own)


def test_api_scope_gold_is_refused_not_ignored(session, client):
    _, statement = demo_with_stances(session)
    tokens = _tokens(session)
    url = f"/projects/demo/statements/{statement.id}/stances"
    assert api(client, "GET", url + "?scope=gold", tokens["annotator1"]).status_code == 403
    both = api(client, "GET", url + "?scope=gold&annotator=annotator1", tokens["reviewer"])
    assert both.status_code == 422 and both.get_json()["error"]["field"] == "scope"
    assert api(client, "GET", url + "?scope=best", tokens["reviewer"]).status_code == 422
