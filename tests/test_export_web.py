"""The download page: leads only, streamed attachments, bad options re-render with 422."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from annotator.formats import EXPORTERS

from .test_export_data import (
    SCHEMA,
    actor_results,
    assert_offsets_in,
    demo_with_stances,
    live_stances,
    unicode_project,
)


def test_lead_sees_the_form_with_every_format(session, login):
    demo_with_stances(session)
    page = login("lead").get("/p/demo/export/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'method="get"' in html and 'action="/p/demo/export/download"' in html
    for name, exporter in EXPORTERS.items():  # folder formats as a zip
        assert f'value="{name}"' in html
        assert (f"{name} (zip):" in html) == (exporter.kind == "folder")
    assert "--format hf --split" in html


@pytest.mark.parametrize("username, status", [("reviewer", 403), ("annotator1", 403)])
def test_only_leads_may_export(session, login, username, status):
    demo_with_stances(session)
    client = login(username)
    assert client.get("/p/demo/export/").status_code == status
    assert client.get("/p/demo/export/download?format=jsonl&scope=all").status_code == status


def test_non_members_get_404_and_visitors_the_login(session, app, login):
    demo_with_stances(session)
    unicode_project(session)
    anonymous = app.test_client().get("/p/demo/export/download?format=jsonl")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert login("ann1").get("/p/demo/export/download?format=jsonl").status_code == 404


def test_download_streams_jsonl_as_an_attachment(session, login):
    project, _ = demo_with_stances(session)
    response = login("lead").get("/p/demo/export/download?format=jsonl&scope=all")
    assert response.status_code == 200
    assert response.is_streamed
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="demo-all-jsonl.jsonl"'
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == len(live_stances(session, project)) == 6
    for record in records:
        jsonschema.validate(record, SCHEMA)


def test_download_csv_with_bom_and_pseudonyms_in_unicode_project(session, login):
    project = unicode_project(session)
    url = "/p/uni/export/download?format=csv&scope=annotators&csv_bom=y&pseudonymize=y"
    response = login("unilead").get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(live_stances(session, project, gold=False))
    assert {r["annotator"][:10] for r in rows} == {"annotator-"}
    assert any("\u05d9\u05e9\u05e8\u05d0\u05dc" in r["text"] for r in rows)


def test_same_bytes_as_the_cli(session, login, runner):
    demo_with_stances(session)
    web = login("lead").get("/p/demo/export/download?format=label-studio&scope=gold")
    cli = runner.invoke(args=["export", "demo", "--format", "label-studio", "--scope", "gold"])
    assert web.get_data(as_text=True) == cli.stdout


@pytest.mark.parametrize("query", ["format=xmi&scope=gold", "format=jsonl&scope=best"])
def test_bad_options_re_render_the_form_with_422(session, login, query):
    demo_with_stances(session)
    response = login("lead").get(f"/p/demo/export/download?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Not a valid choice" in html
    assert "Content-Disposition" not in response.headers


def test_the_form_offers_each_format_option_with_a_label(session, login):
    demo_with_stances(session)
    html = login("lead").get("/p/demo/export/").get_data(as_text=True)
    for name in ("doccano_offsets", "label_studio_offsets", "label_studio_actors"):
        assert (
            f'<label for="{name}">' in html
            and f'<select aria-describedby="format-options-hint" id="{name}" name="{name}">' in html
        )
    assert '<option selected value="">Default (utf16)</option>' in html


@pytest.mark.parametrize(
    "name, query, unit",
    [
        ("doccano", "", "utf16"),
        ("doccano", "&doccano_offsets=codepoints", "codepoints"),
        ("label-studio", "&label_studio_offsets=", "codepoints"),
        ("label-studio", "&label_studio_offsets=utf16", "utf16"),
    ],
)
def test_offset_selects_choose_the_unit(session, login, name, query, unit):
    project = unicode_project(session)
    response = login("unilead").get(f"/p/uni/export/download?format={name}{query}")
    assert response.status_code == 200
    assert_offsets_in(unit, name, response.get_data(as_text=True), session, project)


def test_label_studio_actors_select_leaves_out_target_and_holder(session, login):
    unicode_project(session)
    url, client = (
        "/p/uni/export/download?format=label-studio&label_studio_actors=",
        login("unilead"),
    )
    assert actor_results(client.get(url + "true").get_data(as_text=True)) > 0
    assert actor_results(client.get(url + "false").get_data(as_text=True)) == 0


@pytest.mark.parametrize(
    "query, message",
    [
        ("format=doccano&doccano_offsets=graphemes", "must be one of codepoints, utf16"),
        ("format=jsonl&doccano_offsets=utf16", "The jsonl format has no option"),
        ("format=label-studio&label_studio_actors=no", "must be one of true, false"),
    ],
)
def test_bad_format_options_re_render_the_form_with_422(session, login, query, message):
    demo_with_stances(session)
    response = login("lead").get(f"/p/demo/export/download?{query}")
    assert response.status_code == 422 and "Content-Disposition" not in response.headers
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and message in html


def test_page_api_and_cli_agree_on_format_options(session, login, runner):
    from annotator.accounts.tokens import create_token
    from annotator.accounts.users import find_user

    from .test_api_helpers import api

    unicode_project(session)
    _, token = create_token(session, find_user(session, "unilead"), "tests")
    session.commit()
    query = "format=label-studio&scope=all&label_studio_offsets=utf16&label_studio_actors=false"
    client = login("unilead")
    web = client.get("/p/uni/export/download?" + query).get_data()
    api_body = api(client, "GET", "/projects/uni/export?" + query, token).get_data()
    options = ["--option", "label_studio_offsets=utf16", "--option", "label_studio_actors=false"]
    args = ["export", "uni", "--format", "label-studio", "--scope", "all", *options]
    assert web == api_body == runner.invoke(args=args).stdout_bytes
    assert actor_results(web.decode()) == 0


def test_a_download_streams_without_a_thread_and_closing_it_ends_the_export(session, monkeypatch):
    import threading

    from annotator.exchange import requests as export_request
    from annotator.exchange.export import ExportRequest
    from annotator.extensions import db

    project, _ = demo_with_stances(session)
    session.commit()
    monkeypatch.setattr(export_request, "CHUNK", 1)  # every statement is a chunk: many to cut off
    threads, connections = threading.active_count(), db.engine.pool.checkedout()
    request = ExportRequest("conll", "all")
    chunks = export_request.stream_export(db.factory, project.id, request)
    assert next(chunks).startswith(b"# statement_id")
    assert threading.active_count() == threads  # pulled in the caller's thread
    assert db.engine.pool.checkedout() == connections + 1  # the export's read session
    chunks.close()  # what the server does when the client goes away
    assert db.engine.pool.checkedout() == connections
    assert next(chunks, None) is None


@pytest.fixture
def context_builds(monkeypatch):
    """The formats of every writer context built (each reads labels, guidelines, registry)."""
    from annotator.exchange import export as export_service

    built, real = [], export_service.build_context

    def counting(session, project, request, **kwargs):
        built.append(request.format)
        return real(session, project, request, **kwargs)

    monkeypatch.setattr(export_service, "build_context", counting)
    return built


def test_page_api_and_cli_build_the_same_export_once_each(session, login, runner, context_builds):
    from annotator.accounts.tokens import create_token
    from annotator.accounts.users import find_user

    from .test_api_helpers import api

    demo_with_stances(session)
    _, token = create_token(session, find_user(session, "lead"), "tests")
    session.commit()
    query, client = "format=csv&scope=all&pseudonymize={0}&csv_bom={0}", login("lead")
    web = client.get("/p/demo/export/download?" + query.format("y")).get_data()
    api_body = api(client, "GET", "/projects/demo/export?" + query.format("true"), token)
    args = ["--format", "csv", "--scope", "all", "--pseudonymize", "--csv-bom"]
    cli = runner.invoke(args=["export", "demo", *args]).stdout_bytes
    assert web == api_body.get_data() == cli
    assert web.startswith("\ufeff".encode()) and b"annotator-" in web and b"annotator1" not in web
    assert context_builds == ["csv", "csv", "csv"]


def test_bad_requests_fail_before_any_context_is_built(session, runner, context_builds, tmp_path):
    demo_with_stances(session)
    result = runner.invoke(args=["export", "demo", "--format", "jsonl", "--scope", "best"])
    assert result.exit_code == 1 and "Unknown scope 'best'" in result.output
    out = tmp_path / "hf"
    result = runner.invoke(args=["export", "demo", "--format", "hf", "-o", out, "--split", "1,1,1"])
    assert result.exit_code == 1 and not out.exists() and context_builds == []
