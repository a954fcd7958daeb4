"""Hostile statement files: NUL, lone surrogates, over-long fields. A 422 (or exit 1) with
file:line and field from the web upload, the API and the CLI; nothing imported. Both databases.
"""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from annotator.extensions import db
from annotator.formats import FormatError
from annotator.formats.statement_readers import MAX_LENGTHS, iter_statements
from annotator.models import Statement

from .factories import make_project
from .hostile_helpers import logged_in

GOOD = '{"id": "1", "text": "Fine."}\n'
SURROGATE = GOOD + '{"id": "2", "text": "bad \\ud800 text"}\n'  # JSON spells a lone surrogate


def _read(name: str, data: str | bytes) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(iter_statements(name, io.BytesIO(raw)))


def _line(**fields) -> str:
    return json.dumps({"id": "x", "text": "Some text."} | fields) + "\n"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (SURROGATE, "s.jsonl:2: text: contains a lone surrogate (\\ud800)"),
        (GOOD + '{"id": "2", "text": "a\\u0000b"}\n', "s.jsonl:2: text: contains a NUL"),
        (_line(title="T\x00"), "s.jsonl:1: title: contains a NUL"),
        (_line(src={"deep": ["ok", "\ud800"]}), "s.jsonl:1: src.deep[1]: contains a lone"),
        ('{"id": "x", "text": "t", "k\\ud800": 1}\n', "s.jsonl:1: k\\ud800: contains a lone"),
        (_line(id="i" * 100_000), "s.jsonl:1: id: is longer than 200 characters (100,000)"),
        (_line(title="t" * 501), "s.jsonl:1: title: is longer than 500 characters"),
        (_line(author="a" * 301), "s.jsonl:1: author: is longer than 300 characters"),
        (_line(organization="o" * 301), "s.jsonl:1: organization: is longer than 300"),
        (_line(url="http://x/" + "u" * 2000), "s.jsonl:1: url: is longer than 2000 characters"),
        (_line(lang="l" * 17), "s.jsonl:1: lang: is longer than 16 characters"),
    ],
)
def test_the_reader_refuses_what_no_database_stores(data, where):
    with pytest.raises(FormatError) as err:
        _read("s.jsonl", data)
    assert str(err.value).startswith(where)


def test_nul_in_csv_and_text_files_and_a_surrogate_in_a_file_name():
    with pytest.raises(FormatError, match="t.csv:2: title: contains a NUL"):
        _read("t.csv", "id,text,title\n1,Text,a\x00b\n")
    with pytest.raises(FormatError, match="n.txt:1: text: contains a NUL"):
        _read("n.txt", b"a\x00b")
    with pytest.raises(FormatError) as err:
        _read("\udcff.txt", b"text")  # an undecodable name on the command line
    assert "\\udcff" in str(err.value) and str(err.value).encode("utf-8")


def test_the_readers_limits_are_the_columns_lengths():
    columns = {"id": "external_id", **{k: k for k in MAX_LENGTHS if k != "id"}}
    for key, column in columns.items():
        assert Statement.__table__.c[column].type.length == MAX_LENGTHS[key], key


# --- every entry point, on the configured database --------------------------------------------


@pytest.fixture
def lead(app):
    with app.app_context():
        make_project(db.session, "p", members={"boss": "lead"})
        db.session.commit()
    return logged_in(app, "boss")


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Statement))


HOSTILE = [
    (SURROGATE, "s.jsonl:2: text: contains a lone surrogate"),
    (GOOD + _line(id="i" * 100_000), "s.jsonl:2: id: is longer than 200 characters"),
    (GOOD + _line(title="t" * 501), "s.jsonl:2: title: is longer than 500"),
    (GOOD + _line(title="a\x00b"), "s.jsonl:2: title: contains a NUL"),
    (GOOD + '{"id": "2", "text": "a\\u0000b"}\n', "s.jsonl:2: text: contains a NUL"),
    (GOOD + _line(lang="x" * 17), "s.jsonl:2: lang: is longer than 16"),
]


@pytest.mark.parametrize(("data", "message"), HOSTILE)
def test_web_upload_answers_422_with_file_line_and_field(app, lead, data, message):
    client, token = lead
    form = {"csrf_token": token, "files": [(io.BytesIO(data.encode()), "s.jsonl")]}
    response = client.post("/p/p/import/", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0


@pytest.mark.parametrize(("data", "message"), HOSTILE)
def test_api_upload_answers_422_with_file_line_and_field(app, lead, data, message):
    from annotator.accounts.tokens import create_token
    from annotator.accounts.users import find_user

    with app.app_context():
        bearer = create_token(db.session, find_user(db.session, "boss"))[1]
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/projects/p/statements/import?filename=s.jsonl",
        data=data.encode(),
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert message in response.get_json()["error"]["message"]
    assert _count(app) == 0


@pytest.mark.parametrize(("data", "message"), HOSTILE)
def test_cli_import_prints_one_line_and_exits_1(app, lead, runner, tmp_path, data, message):
    path = tmp_path / "s.jsonl"
    path.write_text(data, encoding="utf-8")
    result = runner.invoke(args=["import", "p", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0]
    assert _count(app) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,Name,state,,Q" + "1" * 30, "line 2: wikidata: is longer than 20 characters"),
        ("x," + "n" * 301 + ",state,,", "line 2: name: is longer than 300 characters"),
        ("x,Name,state,ok|" + "a" * 301 + ",", "line 2: aliases: is longer than 300"),
        ("x,Na\x00me,state,,", "line 2: name: contains a NUL character"),
        ("x" * 81 + ",Name,state,,", "line 2: id: is longer than 80 characters"),
    ],
)
def test_actor_csv_import_refuses_what_the_columns_cannot_hold(app, lead, row, message):
    from annotator.models import Actor

    client, token = lead
    data = f"id,name,type,aliases,wikidata\n{row}\n".encode()
    form = {"csrf_token": token, "file": (io.BytesIO(data), "actors.csv")}
    response = client.post("/p/p/actors/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Actor)) == 0
