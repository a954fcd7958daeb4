"""Export provenance of suggestions: ``origin`` on stance records, ``--scope suggestions``."""

from __future__ import annotations

import json

import jsonschema
from sqlalchemy import event, select

from annotator.accounts.users import get_user
from annotator.extensions import db
from annotator.models import Statement, Suggestion
from annotator.suggestions import suggestions as svc

from .suggestion_helpers import stance
from .suggestion_world import memory_world
from .test_export_data import SCHEMA


def _accepted_world(session):
    """annotator2 accepts the first suggestion on B and draws one stance by hand."""
    project, a, b, mem = memory_world(session)
    two = get_user(session, "annotator2")
    first = svc.list_suggestions(session, project, b, two)[0]
    accepted = svc.accept_suggestion(session, project, b, two, first.id)
    by_hand = stance(session, project, b, "annotator2", "new target", "claim")
    session.commit()
    return project, b, mem, first, accepted, by_hand


def _records(runner, *args):
    result = runner.invoke(args=["export", "demo", "--format", "jsonl", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_accepted_stances_say_where_they_came_from(session, runner):
    _project, b, mem, first, accepted, by_hand = _accepted_world(session)
    records = _records(runner, "--scope", "annotators")
    for record in records:
        jsonschema.validate(record, SCHEMA)
    on_b = {(r["start"], r["annotator"]): r for r in records if r["statement_id"] == "b"}
    origin = on_b[(accepted.start, "annotator2")]["origin"]
    assert origin == {
        "recommender": "memory",
        "kind": "span_memory",
        "model_version": mem.active_version,
        "suggestion_id": first.id,
        "score": first.score,
    }
    assert on_b[(by_hand.start, "annotator2")]["origin"] is None  # drawn by hand
    assert all("origin" in r for r in records)
    assert sum(r["origin"] is not None for r in records) == 1
    keys = list(records[0])
    assert keys.index("guidelines_version") < keys.index("origin") < keys.index("created_at")


def test_origin_costs_no_query_per_stance(app, session, runner):
    _accepted_world(session)
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if "FROM stances" in statement or "FROM suggestions" in statement:
            statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        _records(runner, "--scope", "all")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    n = len(session.scalars(select(Statement.id)).all())
    assert n > 1 and len(statements) <= 2  # one batch of statements: one stance query


def test_scope_suggestions_writes_them_as_jsonl(session, runner, tmp_path):
    _project, _b, mem, first, _accepted, _ = _accepted_world(session)
    out = tmp_path / "suggestions.jsonl"
    result = runner.invoke(
        args=["export", "demo", "--format", "jsonl", "--scope", "suggestions", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    stored = session.scalars(select(Suggestion).order_by(Suggestion.id)).all()
    assert [r["suggestion_id"] for r in lines] == [s.id for s in stored]
    line = lines[0]
    assert (line["text"], line["label"], line["target"]["id"]) == (first.text, "claim", "iran")
    assert (line["score"], line["model"], line["recommender"], line["kind"]) == (
        first.score, mem.active_version, "memory", "span_memory")  # fmt: skip
    assert line["statement_id"] == "b" and line["project"] == "demo"
    # a file of them reads back as predictions: the suggestion import's own format
    back = runner.invoke(args=["suggest", "import", "demo", str(out), "--recommender", "again"])
    assert back.exit_code == 0, back.output


def test_scope_suggestions_needs_jsonl_and_is_one_line_error(session, runner):
    memory_world(session)
    result = runner.invoke(args=["export", "demo", "--format", "csv", "--scope", "suggestions"])
    assert result.exit_code == 1
    assert "jsonl only" in result.output and "Traceback" not in result.output
    bad = runner.invoke(args=["export", "demo", "--format", "jsonl", "--scope", "nonsense"])
    assert bad.exit_code == 1 and "Unknown scope" in bad.output


def test_stances_without_suggestions_export_a_null_origin(session, runner):
    from .test_export_data import demo_with_stances

    demo_with_stances(session)
    records = _records(runner, "--scope", "all")
    assert records and all(r["origin"] is None for r in records)
