"""Compressed answers: pages and API answers when the client accepts it; exports stay streamed."""

from __future__ import annotations

import gzip

import brotli
import pytest

from .test_export_data import demo_with_stances
from .workspace_helpers import demo


@pytest.fixture
def lead(session, login):
    demo_with_stances(session)
    return login("lead")


def _statement_url(session):
    project, statement = demo(session)
    return f"/p/demo/s/{statement.id}"


@pytest.mark.parametrize("encoding, decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_pages_are_compressed_when_accepted(session, lead, encoding, decode):
    url = _statement_url(session)
    plain = lead.get(url)
    packed = lead.get(url, headers={"Accept-Encoding": encoding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = decode(packed.get_data())
    assert body.count(b"<") == plain.get_data().count(b"<")  # same page (CSRF token differs)
    assert len(packed.get_data()) < len(plain.get_data()) / 3  # a 20 kB page


def test_brotli_is_preferred_over_gzip(session, lead):
    response = lead.get("/p/demo/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"


def test_api_answers_are_compressed(session, lead):
    response = lead.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    if response.status_code == 404:
        pytest.skip("no OpenAPI document at this path")
    assert response.headers.get("Content-Encoding") == "gzip"


def test_streamed_exports_stay_streamed_and_uncompressed(session, lead):
    response = lead.get(
        "/p/demo/export/download?format=jsonl&scope=all",
        headers={"Accept-Encoding": "br, gzip"},
        buffered=False,
    )
    assert response.status_code == 200
    assert response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert b'"statement_id"' in b"".join(response.response)  # plain JSONL, not brotli


def test_compression_can_be_turned_off(app):
    from annotator import create_app

    off = create_app({**app.config, "COMPRESS_RESPONSES": False})
    accept = {"Accept-Encoding": "br"}
    assert app.test_client().get("/login", headers=accept).headers["Content-Encoding"] == "br"
    assert "Content-Encoding" not in off.test_client().get("/login", headers=accept).headers
