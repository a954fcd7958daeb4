"""The download page: leads only, streamed attachments, bad options re-render with 422."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from annotator.formats import EXPORTERS

from .test_export_data import SCHEMA, demo_with_stances, live_stances, unicode_project


def test_lead_sees_the_form_with_every_streamed_format(session, login):
    demo_with_stances(session)
    page = login("lead").get("/p/demo/export/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'method="get"' in html and 'action="/p/demo/export/download"' in html
    for name, exporter in EXPORTERS.items():
        assert (f'value="{name}"' in html) == (exporter.kind == "stream")
    assert "--format hf -o FOLDER" in html


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


@pytest.mark.parametrize("query", ["format=xmi&scope=gold", "format=jsonl&scope=best", "format=hf"])
def test_bad_options_re_render_the_form_with_422(session, login, query):
    demo_with_stances(session)
    response = login("lead").get(f"/p/demo/export/download?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Not a valid choice" in html
    assert "Content-Disposition" not in response.headers


def test_closing_a_download_stops_the_export_thread(session, monkeypatch):
    import threading
    import time

    from annotator.extensions import db
    from annotator.services.export import ExportRequest
    from annotator.views import export as export_view

    project, _ = demo_with_stances(session)
    monkeypatch.setattr(export_view, "CHUNK", 1)  # every write is a chunk: many to cut off
    before = threading.active_count()
    chunks = export_view.stream_export(db.read_factory, project.id, ExportRequest("conll", "all"))
    assert next(chunks).startswith(b"# statement_id")
    assert threading.active_count() == before + 1
    chunks.close()
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before
