"""Backup and restore: round trip, credentials, refusal of a non-empty database, all-or-nothing."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import LoginRefused, authenticate, find_user
from annotator.models import Actor, ApiToken, Base, GoldDecision, Stance, User
from annotator.review.adjudication import accept_version

from .factories import PASSWORD, make_user
from .test_review_helpers import done, mark, setup


def _fill(session):
    """Projects, actors (one merged into a later one), stances, gold, a decision, a token."""
    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel", target="usa", note="née ✓ 🙂")
    done(session, project, st, "ann1", "ann2")
    accept_version(session, project, st, find_user(session, "rev"), 0, a.id, a.version, "ok")
    actors = {x.key: x for x in session.scalars(select(Actor))}
    actors["iran"].merged_into_id = actors["russia"].id  # points at a later row
    session.add(ApiToken(user_id=find_user(session, "rev").id, name="t", token_hash="x" * 64))
    session.commit()


def _rows(path) -> list[str]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return fh.read().splitlines()[1:]


def _backup(runner, path, *args):
    result = runner.invoke(args=["backup", str(path), *args])
    assert result.exit_code == 0, result.output
    return _rows(path)


def _wipe(session):
    """Empty every table, as a freshly initialised database is."""
    session.execute(Actor.__table__.update().values(merged_into_id=None))
    for table in reversed(Base.metadata.sorted_tables):
        session.execute(table.delete())
    session.commit()


def test_round_trip_gives_identical_rows(app, session, runner, tmp_path):
    _fill(session)
    first = _backup(runner, tmp_path / "a.jsonl.gz")
    tables = {json.loads(line)["table"] for line in first}
    assert {
        "users",
        "projects",
        "labels",
        "actors",
        "assignments",
        "stances",
        "gold_decisions",
    } <= tables
    assert "api_tokens" not in tables and "login_throttles" not in tables
    session.commit()
    _wipe(session)
    result = runner.invoke(args=["restore", str(tmp_path / "a.jsonl.gz")])
    assert result.exit_code == 0, result.output
    assert "set-password" in result.output
    assert _backup(runner, tmp_path / "b.jsonl") == first
    session.commit()
    assert session.scalar(select(func.count()).select_from(GoldDecision)) == 1
    assert session.scalar(select(Stance.note).where(Stance.note != "")) == "née ✓ 🙂"


def test_header_names_version_revision_and_options(app, session, runner, tmp_path):
    _fill(session)
    runner.invoke(args=["backup", str(tmp_path / "a.jsonl")])
    header = json.loads((tmp_path / "a.jsonl").read_text().splitlines()[0])
    assert header["format"] == "annotator-backup/1" and header["schema_revision"]
    assert header["options"] == {"include_credentials": False}
    assert header["tool_version"] and header["created_at"].endswith("+00:00")


def test_password_hashes_only_with_include_credentials(app, session, runner, tmp_path):
    _fill(session)
    plain = [json.loads(x)["row"] for x in _backup(runner, tmp_path / "a.jsonl")]
    users = [r for r in plain if "password_hash" in r]
    assert users and all(r["password_hash"] == "!" for r in users)
    full = _backup(runner, tmp_path / "b.jsonl", "--include-credentials")
    assert any('"password_hash": "pbkdf2' in line for line in full)
    assert (tmp_path / "b.jsonl").stat().st_mode & 0o077 == 0  # hashes are not world-readable
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_restore_with_credentials_keeps_logins_and_without_blocks_them(
    app, session, runner, tmp_path
):
    _fill(session)
    _backup(runner, tmp_path / "a.jsonl", "--include-credentials")
    runner.invoke(args=["restore", "--force", "--include-credentials", str(tmp_path / "a.jsonl")])
    session.commit()
    assert authenticate(session, "rev", PASSWORD) is not None
    session.rollback()
    result = runner.invoke(args=["restore", "--force", str(tmp_path / "a.jsonl")])
    assert result.exit_code == 0, result.output
    session.commit()
    assert session.scalar(select(User.password_hash).where(User.username == "rev")) == "!"
    with pytest.raises(LoginRefused):
        authenticate(session, "rev", PASSWORD)
    session.rollback()
    runner.invoke(args=["set-password", "rev"], env={"ANNOTATOR_PASSWORD": "new pass word"})
    session.commit()
    assert authenticate(session, "rev", "new pass word") is not None


def test_restore_refuses_a_non_empty_database_and_changes_nothing(app, session, runner, tmp_path):
    _fill(session)
    _backup(runner, tmp_path / "a.jsonl")
    make_user(session, "late")
    session.commit()
    result = runner.invoke(args=["restore", str(tmp_path / "a.jsonl")])
    assert result.exit_code == 1
    assert "not empty" in result.output and "--force" in result.output
    session.commit()
    assert find_user(session, "late") is not None


def test_force_replaces_and_new_rows_get_fresh_ids(app, session, runner, tmp_path):
    _fill(session)
    _backup(runner, tmp_path / "a.jsonl")
    make_user(session, "late")
    session.commit()
    result = runner.invoke(args=["restore", "--force", str(tmp_path / "a.jsonl")])
    assert result.exit_code == 0, result.output
    session.commit()
    assert find_user(session, "late") is None
    assert session.scalar(select(func.count()).select_from(ApiToken)) == 0
    newest = max(session.scalars(select(User.id)))
    assert make_user(session, "after").id == newest + 1  # sequences moved past restored ids
    session.commit()


def test_a_broken_backup_restores_nothing(app, session, runner, tmp_path):
    _fill(session)
    lines = _backup(runner, tmp_path / "a.jsonl")
    header = (tmp_path / "a.jsonl").read_text().splitlines()[0]
    broken = [header, *lines[: len(lines) // 2], "{not json", *lines[len(lines) // 2 :]]
    (tmp_path / "bad.jsonl").write_text("\n".join(broken) + "\n")
    _wipe(session)
    result = runner.invoke(args=["restore", str(tmp_path / "bad.jsonl")])
    assert result.exit_code == 1 and "is not JSON" in result.output
    session.commit()
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_restore_refuses_other_formats_and_schema_revisions(app, session, runner, tmp_path):
    (tmp_path / "x.jsonl").write_text('{"format": "other"}\n')
    result = runner.invoke(args=["restore", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1 and "not an annotator backup" in result.output
    header = {"format": "annotator-backup/1", "schema_revision": "9999"}
    (tmp_path / "y.jsonl").write_text(json.dumps(header) + "\n")
    result = runner.invoke(args=["restore", str(tmp_path / "y.jsonl")])
    assert result.exit_code == 1 and "schema revision 9999" in result.output


def test_a_corrupt_gzip_file_is_a_one_line_error(app, session, runner, tmp_path):
    _fill(session)
    _backup(runner, tmp_path / "a.jsonl.gz")
    data = (tmp_path / "a.jsonl.gz").read_bytes()
    (tmp_path / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    _wipe(session)
    result = runner.invoke(args=["restore", str(tmp_path / "cut.jsonl.gz")])
    assert result.exit_code == 1 and "Nothing was restored" in result.output
    session.commit()
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_model_server_tokens_only_with_include_credentials(app, session, runner, tmp_path):
    from annotator.accounts.users import find_user
    from annotator.projects.projects import get_project
    from annotator.suggestions.recommenders import RecommenderInput, create_recommender

    _fill(session)
    project = get_project(session, "rev")
    lead = find_user(session, "boss")
    settings = {"url": "http://127.0.0.1:9"}
    data = RecommenderInput(name="ls", kind="external", settings=settings, token="s3cret-model")
    create_recommender(session, project, lead, data)
    session.commit()
    plain = _backup(runner, tmp_path / "a.jsonl")
    assert not any("s3cret-model" in line for line in plain)
    assert any('"table": "recommenders"' in line for line in plain)
    full = _backup(runner, tmp_path / "b.jsonl", "--include-credentials")
    assert any("s3cret-model" in line for line in full)
