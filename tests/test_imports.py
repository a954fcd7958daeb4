"""Statement import from the CLI and the browser: formats, duplicates, limits, all-or-nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from annotator.models import AuditEvent, Statement
from annotator.statements import cli as data_cli

from .conftest import csrf_from
from .factories import PASSWORD, make_project


def n_statements(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Statement))


def jsonl(*rows: dict) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


@pytest.fixture
def project(session):
    p = make_project(session, "p", members={"boss": "lead", "ann": "annotator"})
    session.commit()
    return p


# --- CLI -----------------------------------------------------------------------------------


def test_cli_imports_every_format_and_reports_duplicates(runner, session, project, tmp_path):
    (tmp_path / "a.jsonl").write_text(
        "\ufeff" + jsonl({"id": "1", "text": "One.\r\nTwo.", "date": "2024-01", "src": "x"}),
        encoding="utf-8",
    )
    (tmp_path / "b.csv").write_text("id,text,organization\n2,Second,RCIT\n1,Again,\n")
    (tmp_path / "c.txt").write_text("Title | Ann / RCIT | 2024-01-19 | http://x\n\nThird text\n")
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as zf:
        zf.writestr("inner/e.txt", "Fourth")
        zf.writestr("f.jsonl", jsonl({"id": "f", "text": "Second"}))
    files = [str(tmp_path / n) for n in ("a.jsonl", "b.csv", "c.txt", "d.zip")]
    result = runner.invoke(args=["import", "p", *files, "--txt-header"])
    assert result.exit_code == 0, result.output
    assert "Imported 4 statements into p; skipped 2 duplicates." in result.output
    assert "b.csv:3: duplicate id '1'" in result.output
    assert "f.jsonl:1: identical text" in result.output
    one = session.scalar(select(Statement).where(Statement.external_id == "1"))
    assert one.text == "One.\nTwo." and one.date == "2024-01" and one.meta == {"src": "x"}
    third = session.scalar(select(Statement).where(Statement.external_id == "c"))
    assert (third.title, third.organization, third.text) == ("Title", "RCIT", "Third text\n")
    assert session.scalar(select(Statement.id).where(Statement.external_id == "e"))
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "statements"))
    assert event.data["imported"] == 4 and "a.jsonl" in event.data["files"]


def test_cli_reimport_skips_everything(runner, session, project, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(jsonl({"id": "1", "text": "a"}, {"id": "2", "text": "b"}))
    runner.invoke(args=["import", "p", str(path)])
    again = runner.invoke(args=["import", "p", str(path)])
    assert "Imported 0 statements into p; skipped 2 duplicates." in again.output
    assert n_statements(session) == 2


def test_cli_folder_and_dry_run(runner, session, project, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for n in range(3):
        (folder / f"doc{n}.txt").write_text(f"Statement number {n}")
    (folder / "notes.md").write_text("ignored")
    dry = runner.invoke(args=["import", "p", str(folder), "--dry-run"])
    assert dry.exit_code == 0 and "Would import 3 statements" in dry.output
    assert n_statements(session) == 0
    real = runner.invoke(args=["import", "p", str(folder)])
    assert real.exit_code == 0 and n_statements(session) == 3


BAD_INPUTS = [
    (
        "bad.jsonl",
        b'{"id": "1", "text": "ok"}\n{"id": "2", "text": \n',
        "bad.jsonl:2: invalid JSON",
    ),
    ("bad.jsonl", b'{"id": "1", "text": "ok"}\n{"id": "2"}\n', "bad.jsonl:2: text: is missing"),
    ("bad.jsonl", b'{"id": "1", "text": "ok", "date": "2024-13-01"}\n', "bad.jsonl:1: date:"),
    ("bad.csv", b"id,text\n1,ok\n2,\xff\xfe\n", "bad.csv:3: not valid UTF-8"),
    ("bad.csv", b"id,title\n1,x\n", "bad.csv:1: text: missing column"),
    ("empty.jsonl", b"", "empty.jsonl: file is empty"),
    ("bad.pdf", b"%PDF", "bad.pdf: unsupported file type .pdf"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS)
def test_cli_bad_input_imports_nothing(runner, session, project, tmp_path, name, content, message):
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl({"id": "g", "text": "fine"}))
    bad = tmp_path / name
    bad.write_bytes(content)
    result = runner.invoke(args=["import", "p", str(good), str(bad)])
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert n_statements(session) == 0


@pytest.mark.parametrize(
    ("member", "message"),
    [("../evil.txt", "unsafe path in archive"), ("inner.zip", "nested archives")],
)
def test_cli_unsafe_zip_imports_nothing(runner, session, project, tmp_path, member, message):
    path = tmp_path / "x.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.txt", "fine")
        zf.writestr(member, "payload")
    result = runner.invoke(args=["import", "p", str(path)])
    assert result.exit_code == 1 and message in result.output and member in result.output
    assert n_statements(session) == 0


def test_cli_unknown_project(runner, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(jsonl({"id": "1", "text": "a"}))
    result = runner.invoke(args=["import", "nope", str(path)])
    assert result.exit_code == 1 and "Unknown project 'nope'" in result.output


def test_progress_bar_follows_bytes_read(tmp_path):
    bar = data_cli._Bar(total=300, visible=False)
    bar.current = io.BytesIO(b"x" * 100)
    bar.current.seek(40)
    bar.sync()
    assert bar.shown == 40
    bar.finish_file(100)
    bar.current = io.BytesIO(b"y" * 200)
    bar.current.seek(150)
    bar.sync()
    assert bar.shown == 250


def test_progress_bar_hidden_without_terminal(runner, project, tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(jsonl({"id": "1", "text": "a"}))
    result = runner.invoke(args=["import", "p", str(path)])
    assert "Importing" not in result.output


# --- browser -------------------------------------------------------------------------------


def upload(client, files, *, token=None, htmx=False, **extra):
    token = token or csrf_from(client.get("/p/p/import/"))
    data = {"csrf_token": token, "files": [(io.BytesIO(c), n) for n, c in files], **extra}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        "/p/p/import/", data=data, content_type="multipart/form-data", headers=headers
    )


def test_browser_upload_imports_and_lists_skipped(session, project, login):
    client = login("boss")
    content = jsonl({"id": "1", "text": "a"}, {"id": "1", "text": "b"}).encode()
    res = upload(client, [("s.jsonl", content)])
    body = res.get_data(as_text=True)
    assert res.status_code == 200 and "Imported 1 statement" in body
    assert "s.jsonl:2: duplicate id" in body
    assert n_statements(session) == 1
    page = client.get("/p/p/import/").get_data(as_text=True)
    assert "Recent imports" in page and "boss" in page


def test_browser_txt_header_option(session, project, login):
    client = login("boss")
    res = upload(client, [("a.txt", b"T | RCIT | 2024 | \nBody")], txt_header="y")
    assert res.status_code == 200
    session.expire_all()
    st = session.scalar(select(Statement))
    assert (st.external_id, st.title, st.organization, st.text) == ("a", "T", "RCIT", "Body")


def test_browser_bad_file_is_422_and_imports_nothing(session, project, login):
    client = login("boss")
    files = [("good.jsonl", jsonl({"id": "1", "text": "a"}).encode()), ("bad.csv", b"id\n1\n")]
    res = upload(client, files, htmx=True)
    body = res.get_data(as_text=True)
    assert res.status_code == 422 and "bad.csv:1: text: missing column" in body
    assert "<html" not in body and "Nothing was imported" in body
    assert n_statements(session) == 0


def test_browser_no_file_is_422(session, project, login):
    client = login("boss")
    token = csrf_from(client.get("/p/p/import/"))
    res = client.post("/p/p/import/", data={"csrf_token": token})
    assert res.status_code == 422 and "Choose at least one file" in res.get_data(as_text=True)


def test_browser_upload_over_limit_says_so(app, session, project, login):
    client = login("boss")
    token = csrf_from(client.get("/p/p/import/"))
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    big = jsonl({"id": "1", "text": "x" * 5_000}).encode()
    res = upload(client, [("big.jsonl", big)], token=token)
    body = res.get_data(as_text=True)
    assert res.status_code == 413 and "over the limit of 2.0 kB per upload" in body
    assert "The upload is 5." in body and "Nothing was imported" in body
    htmx_res = upload(client, [("big.jsonl", big)], token=token, htmx=True)
    assert htmx_res.status_code == 422 and "over the limit" in htmx_res.get_data(as_text=True)
    assert n_statements(session) == 0


def test_browser_file_over_import_limit(app, session, project, login):
    app.config["IMPORT_MAX_BYTES"] = 1_000
    client = login("boss")
    res = upload(client, [("big.jsonl", jsonl({"id": "1", "text": "x" * 5_000}).encode())])
    assert res.status_code == 422
    assert "big.jsonl: file is larger than the limit" in res.get_data(as_text=True)


def test_browser_import_needs_lead_and_csrf(session, project, login):
    def data():
        return {"files": [(io.BytesIO(b'{"id":"1","text":"a"}\n'), "s.jsonl")]}

    client = login("ann")
    assert client.get("/p/p/import/").status_code == 403
    form = {"csrf_token": csrf_from(client.get("/p/p/")), **data()}
    assert client.post("/p/p/import/", data=form).status_code == 403
    lead = login("boss")
    res = lead.post("/p/p/import/", data=data(), content_type="multipart/form-data")
    assert res.status_code == 400
    assert n_statements(session) == 0


@pytest.mark.browser
def test_browser_upload_via_htmx_shows_error_then_result(
    session, project, live_server, page, tmp_path
):
    page.goto(f"{live_server}/login")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/p/p/import/")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1"}\n')
    page.set_input_files("#files", str(bad))
    page.click("#import-panel button[type=submit]")
    page.wait_for_selector("#import-error")
    assert "bad.jsonl:1: text: is missing" in page.inner_text("#import-error")
    good = tmp_path / "good.jsonl"
    good.write_text(jsonl({"id": "1", "text": "a"}, {"id": "2", "text": "a"}))
    page.set_input_files("#files", str(good))
    page.click("#import-panel button[type=submit]")
    page.wait_for_selector(".import-report")
    assert "good.jsonl:2: identical text" in page.inner_text(".import-report")
    assert page.url.endswith("/p/p/import/")
    session.commit()  # end the read snapshot so the live server's write is visible
    assert n_statements(session) == 1


def test_duplicates_across_batches_are_skipped(session, monkeypatch):
    from annotator.formats.statement_readers import StatementRecord
    from annotator.statements import statements as statement_service

    from .factories import make_project

    monkeypatch.setattr(statement_service, "BATCH", 1)
    project = make_project(session, "batches")
    records = [
        StatementRecord(external_id="a", text="First text.", file="f.jsonl", line=1),
        StatementRecord(external_id="a", text="Other text.", file="f.jsonl", line=2),
        StatementRecord(external_id="b", text="First text.", file="f.jsonl", line=3),
        StatementRecord(external_id="c", text="Third text.", file="f.jsonl", line=4),
    ]
    report = statement_service.import_statements(session, project, records)
    assert report.imported == 2
    assert [s.split(":")[1] for s in report.skipped] == ["2", "3"]
