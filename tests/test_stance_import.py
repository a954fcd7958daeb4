"""``annotator import-stances``: round trip identity, idempotence, all-or-nothing errors."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from annotator.actors.registry import import_actors
from annotator.formats.actor_csv import iter_actor_rows
from annotator.formats.statement_readers import iter_statements
from annotator.models import AuditEvent, Statement
from annotator.projects.labels import FIELDS, create_label
from annotator.projects.projects import get_project
from annotator.statements.statements import import_statements

from .factories import make_project
from .test_export_data import decisions, demo_with_stances, live_stances, unicode_project

PROJECTS = {"demo": lambda session: demo_with_stances(session)[0], "uni": unicode_project}


def export(runner, slug, fmt, path, scope="all"):
    """Export with the CLI; returns (text, provenance)."""
    result = runner.invoke(args=["export", slug, "--format", fmt, "--scope", scope, "-o", path])
    assert result.exit_code == 0, result.output
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text("utf-8"))
    return path.read_text("utf-8"), meta


def import_file(runner, slug, path):
    """Import with the CLI; returns the click result."""
    return runner.invoke(args=["import-stances", slug, str(path)])


def empty_copy(session, runner, source, tmp_path, *, with_statements: bool):
    """A project with the source's actors (via the actors export) and, optionally, statements."""
    copy = make_project(session, "copy")
    for label in source.labels:  # the same scheme (the demo adds a premise label)
        if label.key not in {own.key for own in copy.labels}:
            create_label(session, copy, label.key, **{f: getattr(label, f) for f in FIELDS})
    actors, _ = export(runner, source.slug, "actors", tmp_path / "actors.csv")
    import_actors(session, copy, iter_actor_rows("actors.csv", io.BytesIO(actors.encode())))
    if with_statements:
        lines, _ = export(runner, source.slug, "statements-jsonl", tmp_path / "st.jsonl")
        bare = [
            {k: v for k, v in json.loads(x).items() if k != "stances"}
            for x in lines.split("\n")
            if x
        ]
        stream = io.BytesIO("\n".join(json.dumps(x) for x in bare).encode())
        import_statements(session, copy, iter_statements("st.jsonl", stream))
    session.commit()
    return copy


def same_but_project(text: str, slug: str) -> str:
    """The export with the project slug swapped, the only field that must differ."""
    return re.sub(r'"project":\s*"copy"', f'"project":"{slug}"', text).replace(
        f'"project": "{slug}"', f'"project":"{slug}"'
    )


@pytest.mark.parametrize("which", PROJECTS)
@pytest.mark.parametrize("fmt", ["jsonl", "statements-jsonl"])
def test_round_trip_export_import_export_is_identical(session, runner, tmp_path, which, fmt):
    source = PROJECTS[which](session)
    first, meta1 = export(runner, source.slug, fmt, tmp_path / "first.jsonl")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=(fmt == "jsonl"))
    result = import_file(runner, "copy", tmp_path / "first.jsonl")
    assert result.exit_code == 0, result.output
    again, meta2 = export(runner, "copy", fmt, tmp_path / "again.jsonl")
    assert same_but_project(again, source.slug) == first
    for meta in (meta1, meta2):
        meta.pop("exported_at"), meta.pop("project")
    assert meta1 == meta2
    session.commit()
    assert len(live_stances(session, copy)) == len(live_stances(session, source))


def test_importing_twice_changes_nothing(session, runner, tmp_path):
    source = unicode_project(session)
    export(runner, "uni", "statements-jsonl", tmp_path / "all.jsonl")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=False)
    first = import_file(runner, "copy", tmp_path / "all.jsonl")
    assert "Imported 8 annotator and 2 gold stances" in first.output
    assert "3 statements created" in first.output
    session.commit()
    before = (len(live_stances(session, copy)), len(decisions(session, copy)))
    second = import_file(runner, "copy", tmp_path / "all.jsonl")
    assert second.exit_code == 0
    assert "Imported 0 annotator and 0 gold stances (10 already present" in second.output
    session.commit()
    assert (len(live_stances(session, copy)), len(decisions(session, copy))) == before
    # the original project itself is also unchanged by importing its own export
    assert "(10 already present" in import_file(runner, "uni", tmp_path / "all.jsonl").output


def test_gold_import_records_decisions_linked_to_annotator_stances(session, runner, tmp_path):
    source = unicode_project(session)
    export(runner, "uni", "jsonl", tmp_path / "all.jsonl")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=True)
    import_file(runner, "copy", tmp_path / "all.jsonl")
    session.commit()
    gold = live_stances(session, copy, gold=True)
    assert len(gold) == 2 and all(s.annotator_id is None for s in gold)
    made = decisions(session, copy)
    assert {d.decision for d in made} == {"accept"}
    assert sorted(len(d.source_stance_ids) for d in made) == [1, 2]
    assert {d.gold_stance_id for d in made} == {s.id for s in gold}


def test_gold_only_file_without_annotator_stances_adds_decisions(session, runner, tmp_path):
    source = unicode_project(session)
    export(runner, "uni", "jsonl", tmp_path / "gold.jsonl", scope="gold")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=True)
    assert import_file(runner, "copy", tmp_path / "gold.jsonl").exit_code == 0
    session.commit()
    assert {d.decision for d in decisions(session, copy)} == {"add"}
    assert not live_stances(session, copy, gold=False)


def _record_lines(runner, tmp_path) -> list[dict]:
    text, _ = export(runner, "demo", "jsonl", tmp_path / "all.jsonl")
    return [json.loads(line) for line in text.splitlines()]


BAD_EDITS = {
    "offsets": (lambda r: r.update(start=r["start"] + 1), "differs from the statement's 'ondemns"),
    "beyond": (lambda r: r.update(end=10**6), "does not fit the statement text"),
    "statement": (lambda r: r.update(statement_id="nope"), "unknown statement 'nope'"),
    "label": (lambda r: r.update(label="praise"), "label: unknown label 'praise'"),
    "actor": (lambda r: r.update(target={"id": "mars"}), "target.id: unknown actor 'mars'"),
    "user": (lambda r: r.update(annotator="ghost"), "annotator: unknown user 'ghost'"),
    "type": (lambda r: r.update(start="4"), "start: expected an integer"),
    "no target": (lambda r: r.update(target=None), "target: label 'condemnation' needs a target"),
}


@pytest.mark.parametrize("case", BAD_EDITS)
def test_bad_line_is_rejected_with_its_number_and_nothing_is_written(
    session, runner, tmp_path, case
):
    demo_with_stances(session)
    records = _record_lines(runner, tmp_path)
    session.execute(select(1))
    stance_count = len(live_stances(session, get_project(session, "demo")))
    events = session.scalar(select(func.count(AuditEvent.id)))
    edit, message = BAD_EDITS[case]
    condemnation = next(i for i, r in enumerate(records) if r["label"] == "condemnation")
    for record in records:
        record["note"] = "changed"  # so every other line would be new and imported
    edit(records[condemnation])
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", "utf-8")
    result = import_file(runner, "demo", path)
    assert result.exit_code == 1
    assert f"bad.jsonl:{condemnation + 1}:" in result.output and message in result.output
    session.commit()
    assert len(live_stances(session, get_project(session, "demo"))) == stance_count
    assert session.scalar(select(func.count(AuditEvent.id))) == events


def test_changed_holder_is_a_new_stance_but_same_content_is_not(session, runner, tmp_path):
    demo_with_stances(session)
    records = _record_lines(runner, tmp_path)
    records[0]["holder"] = {"id": "iran"}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(records[0]) + "\n" + json.dumps(records[1]) + "\n", "utf-8")
    result = import_file(runner, "demo", path)
    assert "Imported 1 annotator and 0 gold stances (1 already present" in result.output


def test_not_json_or_not_utf8_is_one_line_error(session, runner, tmp_path):
    demo_with_stances(session)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"statement_id": "x"}\n{not json\n', "utf-8")
    result = import_file(runner, "demo", bad)
    assert result.exit_code == 1 and "bad.jsonl:1: start: missing field" in result.output
    bad.write_bytes(b"\xff\xfe{}\n")
    result = import_file(runner, "demo", bad)
    assert result.exit_code == 1 and "not UTF-8" in result.output
    result = import_file(runner, "nope", bad)
    assert result.exit_code == 1 and "Unknown project 'nope'." in result.output


def test_statements_jsonl_creates_missing_statements_with_their_metadata(session, runner, tmp_path):
    source = unicode_project(session)
    export(runner, "uni", "statements-jsonl", tmp_path / "s.jsonl", scope="annotators")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=False)
    assert import_file(runner, "copy", tmp_path / "s.jsonl").exit_code == 0
    session.commit()
    rows = session.scalars(select(Statement).where(Statement.project_id == copy.id)).all()
    assert {s.external_id for s in rows} == {"emoji-1", "rtl-ar", "rtl-he"}
    assert all(s.meta == {"src": "t\u00eb\u015bt"} and s.lang for s in rows)
    assert all(s.organization_actor_id is not None for s in rows)  # "RCIT" resolved to the actor


def test_stances_on_a_rejected_actor_survive_the_round_trip(session, runner, tmp_path):
    from annotator.models import Actor

    source = demo_with_stances(session)[0]
    used = {s.target_id for s in live_stances(session, source) if s.target_id}
    rejected = session.get(Actor, sorted(used)[0])
    rejected.status = "rejected"
    session.commit()
    actors, _ = export(runner, source.slug, "actors", tmp_path / "registry.csv")
    assert f"\n{rejected.key}," in actors  # every id a dataset uses resolves in its registry
    first, _ = export(runner, source.slug, "statements-jsonl", tmp_path / "first.jsonl")
    empty_copy(session, runner, source, tmp_path, with_statements=False)
    result = import_file(runner, "copy", tmp_path / "first.jsonl")
    assert result.exit_code == 0, result.output
    again, _ = export(runner, "copy", "statements-jsonl", tmp_path / "again.jsonl")
    assert same_but_project(again, source.slug) == first


def test_a_record_without_holder_gets_the_issuing_organisation(session, runner, tmp_path):
    demo_with_stances(session)
    record = _record_lines(runner, tmp_path)[0]
    shorter = {"end": record["end"] - 1, "text": record["text"][:-1]}  # a span nobody has yet
    record |= shorter | {"holder": None, "note": "no holder given"}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    assert import_file(runner, "demo", path).exit_code == 0
    session.commit()
    (stance,) = [
        s
        for s in live_stances(session, get_project(session, "demo"))
        if s.note == "no holder given"
    ]
    assert stance.holder is not None and stance.holder.key == "rcit"
