"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from annotator import create_app
from annotator.db.engine import make_engine
from annotator.db.migrate import upgrade_schema
from annotator.extensions import db
from annotator.models import Base

from .factories import PASSWORD, TEST_HASH

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_BASE_URL = os.environ.get("ANNOTATOR_TEST_DATABASE_URL", "")


def _schema_url(url: str, schema: str) -> str:
    """The URL with ``search_path`` set to ``schema``, so every connection works inside it."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


# Each run works in a schema of its own (dropped at the end), so several suites, a benchmark
# and a helper's run can share one PostgreSQL database without dropping each other's tables.
PG_SCHEMA = f"annotator_test_{os.getpid()}"
PG_URL = _schema_url(PG_BASE_URL, PG_SCHEMA) if PG_BASE_URL else ""


def _unavailable(reason: str):
    """Skip locally; in CI a missing database or browser is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Iterator[str]:
    """Run the migrations once; each test then gets a copy (SQLite) or truncated tables (PG)."""
    if PG_URL:
        _create_schema()
        engine = make_engine(PG_URL)
        upgrade_schema(engine)
        engine.dispose()
        yield PG_URL
        _drop_schema()
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_schema(engine)
    engine.dispose()
    yield str(path)


def _create_schema() -> None:
    engine = make_engine(PG_BASE_URL)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "unavailable"
        _unavailable(f"PostgreSQL at {PG_BASE_URL} is unreachable: {exc}")
    finally:
        engine.dispose()


def _drop_schema() -> None:
    engine = make_engine(PG_BASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(template_db, tmp_path) -> str:
    """A fresh, migrated database for this test."""
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return PG_URL
    path = tmp_path / "test.sqlite"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """An app on the test's database, with a cheap password hash so tests stay fast."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "PASSWORD_METHOD": TEST_HASH,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    yield app
    db.engine.dispose()


@pytest.fixture
def session(app):
    """The app's database session inside an app context, for factories and assertions.

    It begins deferred (like a page read) so a live server in another thread is never blocked
    by a test merely looking at the database.
    """
    from flask import g

    with app.app_context():
        g.db_session = db.factory()
        yield db.session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log a user in through the real login form (CSRF disabled only via the test client)."""

    def do_login(username: str, password: str = PASSWORD):
        token = csrf_from(client.get("/login"))
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


def csrf_from(response) -> str:
    """Extract the CSRF token a page embeds, as a browser would submit it."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(True))
    match = match or re.search(r'"X-CSRFToken": "([^"]+)"', response.get_data(True))
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port in a thread; stopped after the test."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, headless; never a downloaded browser."""
    if not CHROMIUM.exists():
        _unavailable("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright for Python is not installed (pip install '.[test]')")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
