"""Foundation: app factory, accounts, roles, CSRF, secure defaults."""

from __future__ import annotations

import re

import pytest

from annotator import create_app
from annotator.config import masked

from .conftest import csrf_from
from .factories import PASSWORD, make_project, make_user


def test_create_app_makes_no_database(tmp_path):
    db_file = tmp_path / "x.sqlite"
    app = create_app({"DATABASE_URL": f"sqlite:///{db_file}", "SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"].endswith("x.sqlite")
    assert not db_file.exists()


def test_secret_key_generated_once_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", str(tmp_path / "inst"))
    first = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_a_serve_worker_builds_its_app_then_freezes_the_collector(tmp_path, monkeypatch):
    import gc

    from annotator.web.server import _Server

    monkeypatch.setenv("ANNOTATOR_DATABASE_URL", f"sqlite:///{tmp_path / 'w.sqlite'}")
    monkeypatch.setenv("ANNOTATOR_SECRET_KEY", "k")
    worker = _Server({"bind": "127.0.0.1:0", "workers": 1})
    try:
        app = worker.load()  # what gunicorn calls in each worker
        assert app.config["DATABASE_URL"].endswith("w.sqlite")
        assert gc.get_freeze_count() > 10_000  # the app and its modules are now exempt
    finally:
        gc.unfreeze()


def _app_from(monkeypatch, tmp_path, **env):
    """An app built with these ``ANNOTATOR_*`` variables and no others."""
    import os

    for name in [n for n in os.environ if n.startswith("ANNOTATOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ANNOTATOR_INSTANCE_PATH", str(tmp_path / "inst"))
    for name, value in env.items():
        monkeypatch.setenv(f"ANNOTATOR_{name}", value)
    return create_app()


def test_config_from_environment_types_values(monkeypatch, tmp_path):
    url = "postgresql+psycopg://annotator:s3cret@db.example.org:5432/annotator"
    config = _app_from(
        monkeypatch, tmp_path, SESSION_COOKIE_SECURE="true", LOGIN_MAX_FAILURES="3",
        MAX_CONTENT_LENGTH="1000000", IMPORT_MAX_BYTES="2000", DATABASE_URL=url,
        SECRET_KEY="12345678", PASSWORD="secret", FOO="x",
    ).config  # fmt: skip
    assert config["SESSION_COOKIE_SECURE"] is True
    assert (config["LOGIN_MAX_FAILURES"], config["MAX_CONTENT_LENGTH"]) == (3, 1_000_000)
    assert config["IMPORT_MAX_BYTES"] == 2000
    assert config["DATABASE_URL"] == url
    assert config["SECRET_KEY"] == "12345678"  # digits, but a key is text
    assert config["FOO"] == "x"
    assert "PASSWORD" not in config and "secret" not in config.values()


def test_config_defaults_without_environment(monkeypatch, tmp_path):
    config = _app_from(monkeypatch, tmp_path).config
    assert config["SESSION_COOKIE_SECURE"] is False and config["LOGIN_MAX_FAILURES"] == 5
    assert config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'annotator.sqlite'}"
    assert len(config["SECRET_KEY"]) == 64


@pytest.mark.parametrize(
    "name, value", [("SESSION_COOKIE_SECURE", "no"), ("LOGIN_MAX_FAILURES", "five")]
)
def test_config_refuses_a_mistyped_flag_or_number(monkeypatch, tmp_path, name, value):
    with pytest.raises(ValueError, match=f"ANNOTATOR_{name} must be"):
        _app_from(monkeypatch, tmp_path, **{name: value})


def test_masked_url_hides_password():
    assert masked("postgresql+psycopg://u:hunter2@h/db") == "postgresql+psycopg://u:***@h/db"


def test_login_page_and_css(client):
    page = client.get("/login")
    assert page.status_code == 200 and b"Log in" in page.data
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/htmx.min.js").status_code == 200


def test_anonymous_is_redirected_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_shows_projects_with_role(session, client, login):
    make_project(session, "alpha", members={"ann": "annotator"})
    session.commit()
    login("ann")
    page = client.get("/").get_data(as_text=True)
    assert "Alpha" in page and "annotator" in page


def test_wrong_password_generic_message(session, client):
    make_user(session, "ann")
    session.commit()
    token = csrf_from(client.get("/login"))
    wrong = client.post("/login", data={"username": "ann", "password": "nope", "csrf_token": token})
    unknown = client.post(
        "/login", data={"username": "zed", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 422
    msg = "Invalid username or password."
    assert msg in wrong.get_data(True) and msg in unknown.get_data(True)


def test_repeated_failures_are_throttled(app, session, client):
    make_user(session, "ann")
    session.commit()
    token = csrf_from(client.get("/login"))
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "ann", "password": "bad", "csrf_token": token})
    right = client.post(
        "/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 422 and "Too many failed attempts" in right.get_data(True)


def test_post_without_csrf_token_is_refused(session, client, login):
    make_user(session, "ann")
    session.commit()
    login("ann")
    response = client.post("/logout")
    assert response.status_code == 400 and "security token" in response.get_data(True)
    assert client.get("/").status_code == 200  # still logged in


def test_login_without_csrf_token_is_refused(session, client):
    make_user(session, "ann")
    session.commit()
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 400


def test_open_redirect_after_login_is_ignored(session, client):
    make_user(session, "ann")
    session.commit()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login?next=//evil.example/x",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_secure_headers_and_cookie_flags(session, client, login):
    make_user(session, "ann")
    session.commit()
    token = csrf_from(client.get("/login"))
    response = client.post(
        "/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_pages(session, client, login):
    make_user(session, "ann")
    session.commit()
    page = login("ann").get("/").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


@pytest.mark.parametrize("role,status", [(None, 404), ("annotator", 200), ("lead", 200)])
def test_project_page_by_role(session, client, login, role, status):
    members = {"someone": "lead"} | ({"me": role} if role else {})
    make_project(session, "alpha", members=members)
    if role is None:
        make_user(session, "me")
    session.commit()
    login("me")
    assert client.get("/p/alpha/").status_code == status


def test_admin_sees_every_project_as_lead(session, client, login):
    make_project(session, "alpha", members={"ann": "annotator"})
    make_user(session, "root", admin=True)
    session.commit()
    login("root")
    page = client.get("/").get_data(as_text=True)
    assert "Alpha" in page and "lead" in page
    assert client.get("/p/alpha/").status_code == 200


def test_unknown_project_is_404_with_readable_body(session, client, login):
    make_user(session, "ann")
    session.commit()
    login("ann")
    response = client.get("/p/nope/")
    assert response.status_code == 404 and "Unknown project" in response.get_data(True)


WRITER = """
import sys
from sqlalchemy import text
from annotator.db.engine import make_engine

engine = make_engine(sys.argv[1])
for i in range(150):
    with engine.begin() as conn:  # read, then write: a stale snapshot must not fail
        seen = conn.execute(text("SELECT count(*) FROM t")).scalar()
        values = {"w": sys.argv[2], "s": seen}
        conn.execute(text("INSERT INTO t (who, seen) VALUES (:w, :s)"), values)
"""


def test_sqlite_writers_of_several_processes_queue_without_errors(tmp_path):
    """Three processes read then write in one transaction each: none sees "database is locked".

    Without the switch to an immediate transaction at the first write, a transaction that read
    before another committed fails at once (SQLITE_BUSY_SNAPSHOT); the file lock serialises
    the processes. The database is a file of its own, so this runs on every suite.
    """
    import subprocess
    import sys

    from sqlalchemy import text

    from annotator.db.engine import make_engine

    url = f"sqlite:///{tmp_path}/writers.sqlite"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT, seen INTEGER)"))
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, url, who], stderr=subprocess.PIPE)
        for who in "abc"
    ]
    errors = [p.communicate(timeout=120)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT who, seen FROM t ORDER BY id")).all()
    assert len(rows) == 450 and {w for w, _ in rows} == {"a", "b", "c"}
    assert (tmp_path / "writers.sqlite.writer-lock").exists()
    engine.dispose()


def test_a_worker_compiles_every_template_before_serving(app):
    """``annotator serve``'s workers compile the templates at boot, not in first requests."""
    from annotator.web.server import compile_templates

    env = app.jinja_env
    assert len(env.cache) == 0
    n = compile_templates(app)
    assert n == len(env.list_templates(extensions=("html",))) > 50 and len(env.cache) == n
    page = env.get_template("workspace/statement.html")
    assert env.get_template("workspace/statement.html") is page and len(env.cache) == n
