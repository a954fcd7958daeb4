"""Hostile input: script payloads stay text in a real browser; CSV, uploads, cookies stay safe.

Cookie flags, secure headers on the login page, throttling and CSRF are in test_foundation.py;
reader limits (zip bombs, traversal, size) in test_formats_import.py; here they are checked
again where a user meets them: in the browser, over HTTP and in downloads.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import func, select

from annotator import create_app
from annotator.accounts.users import find_user
from annotator.actors.registry import import_actors
from annotator.annotation.stances import StanceInput, create_stance
from annotator.formats.actor_csv import ActorRow
from annotator.formats.spreadsheet import is_neutral
from annotator.formats.statement_readers import StatementRecord
from annotator.models import Label, Statement
from annotator.projects.assignments import assign_statement
from annotator.projects.guidelines import save_guidelines
from annotator.statements.statements import import_statements, list_statements

from .conftest import csrf_from
from .factories import PASSWORD, TEST_HASH, make_project

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
FORMULA = '=HYPERLINK("http://evil.example","x")'
TEXT = f"Intro {SCRIPT} then {IMG} and {SVG} end. Iran condemns it."

# Anything a payload could have turned into: inline scripts, handlers, javascript: links.
PROBE = """() => ({
  inline: [...document.scripts].filter(s => !s.src).length,
  handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
  jslinks: [...document.querySelectorAll('a[href], form[action], iframe[src]')]
    .filter(e => /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('action')
      || e.getAttribute('src') || '')).length,
  text: document.body.innerText,
})"""


def _hostile_project(session):
    """Payloads in every field a user can write: project, statement, actors, stance, labels."""
    project = make_project(session, "evil", members={"ann": "annotator", "boss": "lead"})
    project.name = f"Title {SCRIPT}"
    project.description = IMG
    rows = [
        ActorRow("bad", f"Bad {IMG}", "state", aliases=(SVG, SCRIPT)),
        ActorRow("iran", "Iran", "state", aliases=("Iran",)),
        ActorRow("formula", FORMULA, "other"),
    ]
    import_actors(session, project, rows)
    record = StatementRecord(
        "x1", TEXT, title=f"T {SVG}", author=IMG, organization=SCRIPT, url=JS_URL
    )
    import_statements(session, project, [record])
    (st,) = list_statements(session, project)
    ann = find_user(session, "ann")
    assign_statement(session, project, st, ann)
    start = TEXT.index(SCRIPT)
    data = StanceInput(start, start + len(SCRIPT), SCRIPT, "claim", "bad", note=f"{SVG} {FORMULA}")
    create_stance(session, project, st, ann, data)
    start = TEXT.index("Iran")
    create_stance(
        session, project, st, ann, StanceInput(start, start + 4, "Iran", "claim", "formula")
    )
    label = session.scalar(select(Label).where(Label.project_id == project.id).limit(1))
    label.definition, label.example = IMG, SVG
    body = f"# {SCRIPT}\n\n{IMG}\n\n[click]({JS_URL})\n\n<a href='{JS_URL}'>raw</a>"
    save_guidelines(session, project, body, user=find_user(session, "boss"))
    session.commit()
    return project, st


def _log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def _visit_all(page, base, paths) -> list[str]:
    """Open each page; list every dialog, live payload element or lost payload text."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
    problems = []
    for path, must_show in paths:
        response = page.goto(base + path)
        assert response.status < 400, f"{path}: {response.status}"
        page.wait_for_load_state("networkidle")
        found = page.evaluate(PROBE)
        for key in ("inline", "handlers", "jslinks"):
            if found[key]:
                problems.append(f"{path}: {found[key]} {key}")
        for text in must_show:
            if text not in found["text"]:
                problems.append(f"{path}: payload {text!r} not shown as text")
    return problems + dialogs


@pytest.mark.browser
def test_payloads_are_inert_for_the_annotator(app, session, live_server, page):
    _, st = _hostile_project(session)
    _log_in(page, live_server, "ann")
    paths = [
        ("/", [SCRIPT]),
        ("/p/evil/", [SCRIPT]),
        (f"/p/evil/s/{st.id}", [SCRIPT, IMG, SVG]),
        ("/p/evil/guidelines", [SCRIPT, IMG]),
        ("/p/evil/actors/", [IMG]),
    ]
    assert _visit_all(page, live_server, paths) == []
    page.goto(f"{live_server}/p/evil/s/{st.id}")
    page.click(".stance-list a >> nth=0")  # the edit form, loaded by htmx, holds the note
    page.wait_for_load_state("networkidle")
    assert page.evaluate(PROBE)["handlers"] == 0
    assert SVG in page.input_value("textarea[name=note]")


@pytest.mark.browser
def test_payloads_are_inert_for_the_lead(app, session, live_server, page):
    project, st = _hostile_project(session)
    _log_in(page, live_server, "boss")
    paths = [
        ("/p/evil/", [SCRIPT]),
        ("/p/evil/actors/", [IMG]),
        ("/p/evil/labels", [IMG]),
        ("/p/evil/guidelines/edit", []),
        ("/p/evil/settings", []),
        ("/p/evil/progress", []),
        ("/p/evil/assignments", []),
        ("/p/evil/team", []),
        (f"/p/evil/review/s/{st.id}", [SCRIPT]),
        ("/p/evil/review", []),
        ("/p/evil/export/", []),
    ]
    assert _visit_all(page, live_server, paths) == []
    page.goto(f"{live_server}/p/evil/actors/")
    page.click(f"text=Bad {IMG}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate(PROBE)["handlers"] == 0
    shown = page.evaluate(
        "() => document.body.innerText + [...document.querySelectorAll('input, textarea')]"
        ".map(e => e.value).join(' ')"
    )
    assert SVG in shown and SCRIPT in shown  # the aliases, as text or as editable values


def test_statement_url_is_never_a_script_link(session, login):
    _, st = _hostile_project(session)
    html = login("ann").get(f"/p/evil/s/{st.id}").get_data(as_text=True)
    assert 'href="javascript:' not in html.lower()
    assert "alert(1)</script>" not in html and "<img src=x" not in html


def _cells(text: str, delimiter: str = ",") -> list[str]:
    """Every cell of a downloaded sheet below its header, as a spreadsheet would split it."""
    if delimiter == "\t":  # the SemEval table has no quoting
        rows = [line.split("\t") for line in text.splitlines()]
    else:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    return [cell for row in rows[1:] for cell in row]


def _assert_inert(cells: list[str]) -> None:
    assert "'" + FORMULA in cells  # the actor name, kept visible but inert
    for cell in cells:
        assert is_neutral(cell), cell


SHEETS = {"csv": ",", "actors": ",", "semeval": "\t"}


@pytest.mark.parametrize("fmt", sorted(SHEETS))
def test_spreadsheet_downloads_neutralise_formulas(session, login, fmt):
    _hostile_project(session)
    response = login("boss").get(f"/p/evil/export/download?format={fmt}&scope=all")
    assert response.status_code == 200
    _assert_inert(_cells(response.get_data(as_text=True), SHEETS[fmt]))


def test_registry_csv_download_neutralises_formulas(session, login):
    _hostile_project(session)
    response = login("ann").get("/p/evil/actors/export.csv")
    assert response.status_code == 200
    _assert_inert(_cells(response.get_data(as_text=True)))


def test_registry_csv_of_the_cli_neutralises_formulas_and_imports_back(session, runner, tmp_path):
    project, _ = _hostile_project(session)
    tricky = [ActorRow("minus", "-1+1", "other", ("@SUM(A1)", "+x")),
              ActorRow("quote", "'=kept", "other", ("'", "'plain"))]  # fmt: skip
    import_actors(session, project, tricky)
    session.commit()
    result = runner.invoke(args=["actors", "export", "evil", "--status", "active"])
    assert result.exit_code == 0
    _assert_inert(_cells(result.output))
    path = tmp_path / "actors.csv"
    path.write_text(result.output, encoding="utf-8", newline="")
    again = runner.invoke(args=["actors", "import", "evil", str(path)])
    assert again.exit_code == 0 and "Created 0 and updated 0" in again.output


def _upload(client, name: str, data: bytes):
    token = csrf_from(client.get("/p/evil/import/"))
    form = {"csrf_token": token, "files": [(io.BytesIO(data), name)]}
    return client.post("/p/evil/import/", data=form, content_type="multipart/form-data")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _count(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(Statement))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"ok.txt": b"fine", "../../etc/evil.txt": b"x"}, "unsafe path in archive"),
        ({"/abs.txt": b"x"}, "unsafe path"),
        ({"inner.zip": _zip({"a.txt": b"x"})}, "nested archives"),
        ({"a.jsonl": b'{"id": "a", "text": "' + b"a" * 5_000_000 + b'"}\n'}, "zip bomb"),
    ],
)
def test_hostile_archives_over_http_import_nothing(session, login, members, message):
    _hostile_project(session)
    before = _count(session)
    response = _upload(login("boss"), "evil.zip", _zip(members))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(session) == before


def test_upload_size_limit_over_http(app, session, login):
    _hostile_project(session)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = _upload(login("boss"), "big.jsonl", b'{"id": "1", "text": "' + b"x" * 50_000 + b'"}')
    assert response.status_code == 413 and "Nothing was imported" in response.get_data(True)


def test_session_cookie_is_secure_when_configured(database_url, monkeypatch, session_factory):
    monkeypatch.setenv("ANNOTATOR_SESSION_COOKIE_SECURE", "true")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "s",
            "PASSWORD_METHOD": TEST_HASH,
        }
    )
    cookie = session_factory(app)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_not_secure_by_default(app, session_factory):
    cookie = session_factory(app)
    assert "Secure" not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def session_factory():
    """Log a fresh user in on ``app``; returns the session cookie's Set-Cookie header."""
    from annotator.extensions import db

    from .factories import make_user

    def cookie_for(app) -> str:
        with app.app_context():
            make_user(db.session, "cookie")
            db.session.commit()
        client = app.test_client()
        token = csrf_from(client.get("/login"))
        form = {"username": "cookie", "password": PASSWORD, "csrf_token": token}
        response = client.post("/login", data=form)
        assert response.status_code == 302
        return response.headers["Set-Cookie"]

    return cookie_for


def test_throttling_also_locks_unknown_names_so_it_reveals_nothing(app, client):
    token = csrf_from(client.get("/login"))
    form = {"username": "nobody", "password": "x", "csrf_token": token}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/login", data=form).status_code == 422
    assert "Too many failed attempts" in client.post("/login", data=form).get_data(True)
