"""The stance row declared once (annotation/rows.py): every reader and writer follows it."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest
from sqlalchemy import select

from annotator.accounts.users import get_user
from annotator.annotation.rows import (
    ACTOR_ROLES,
    CONTENT,
    EVERY_OWNER,
    OWN_FIELDS,
    RECORD_VALUES,
    VALUE_FIELDS,
    StanceRow,
    StanceValues,
    form_data,
    get_stance_row,
    list_stance_rows,
    stance_select,
    value_types,
)
from annotator.annotation.stances import StanceInput, stance_snapshot, update_stance
from annotator.annotation.versions import RowEdit
from annotator.errors import Invalid
from annotator.exchange.export import ExportRequest, build_context
from annotator.exchange.stance_import import import_stances
from annotator.formats.csv_export import columns
from annotator.formats.hf_card import fields_doc
from annotator.models import Project, Stance, Statement
from annotator.review.adjudication import GoldInput, copy_to_gold

from .test_export_data import demo_with_stances

SCHEMA = Path(__file__).parents[1] / "annotator/formats/stance_record.schema.json"


def test_the_row_is_the_models_columns_then_the_references():
    assert StanceRow._fields[: len(OWN_FIELDS)] == OWN_FIELDS
    assert set(OWN_FIELDS) <= set(Stance.__table__.c.keys())
    for name in StanceRow._fields[len(OWN_FIELDS) :]:
        role, _, column = name.partition("_")
        assert role in ("label", *ACTOR_ROLES) and column in ("key", "name", "status")
    assert tuple(f.name for f in fields(StanceValues)) == VALUE_FIELDS
    assert set(CONTENT) | set(RECORD_VALUES) <= set(OWN_FIELDS)


def test_the_service_inputs_carry_every_value_annotators_give():
    for input_type in (StanceInput, GoldInput):
        assert issubclass(input_type, StanceValues)
        assert set(VALUE_FIELDS) <= {f.name for f in fields(input_type)}
    assert StanceInput(0, 1, "x", "claim", "iran").note == ""  # positional use is unchanged


def test_every_record_value_is_exported_documented_and_typed():
    schema = json.loads(SCHEMA.read_text())
    assert set(RECORD_VALUES) <= set(schema["properties"]), "document the field in the schema"
    header = columns(RECORD_VALUES)
    assert header.index("scope") < header.index(RECORD_VALUES[0]) < header.index("created_at")
    assert set(value_types()) == set(RECORD_VALUES)


def _a_targeted_stance(session) -> tuple[Project, Statement, Stance]:
    """The demo project and statement, and annotator1's first stance with a target."""
    project, statement = demo_with_stances(session)
    query = select(Stance).where(Stance.target_id.is_not(None), Stance.annotator_id.is_not(None))
    return project, statement, session.scalars(query.order_by(Stance.id)).first()


def test_one_select_reads_the_stance_for_the_page_the_board_and_the_export(session):
    project, statement, stance = _a_targeted_stance(session)
    row = get_stance_row(session, stance.id)
    assert [getattr(row, n) for n in OWN_FIELDS] == [getattr(stance, n) for n in OWN_FIELDS]
    assert (row.label_key, row.target_key, row.target_name) == (
        stance.label.key, stance.target.key, stance.target.name)  # fmt: skip
    page = list_stance_rows(session, stance.statement_id, stance.annotator_id)
    bare = list_stance_rows(session, stance.statement_id, stance.annotator_id, timestamps=False)
    assert row in page and [r.id for r in bare] == [r.id for r in page]
    assert bare[0].created_at is None and not bare[0].is_gold
    assert row in list_stance_rows(session, stance.statement_id, EVERY_OWNER)
    own = session.execute(stance_select(names=False).where(Stance.id == stance.id)).one()
    assert tuple(own) == tuple(row[: len(OWN_FIELDS)])
    assert get_stance_row(session, -1) is None


def test_one_reader_gives_an_owners_stances_and_the_boards(session):
    """Every owner: each annotator's and gold, live only, by position; an owner: theirs."""
    project, statement, stance = _a_targeted_stance(session)
    gone = session.scalars(
        select(Stance).where(Stance.statement_id == statement.id, Stance.id != stance.id)
    ).first()
    gone.deleted_at = gone.updated_at
    session.flush()
    live = session.scalars(
        select(Stance.id)
        .where(Stance.statement_id == statement.id, Stance.deleted_at.is_(None))
        .order_by(Stance.start, Stance.end, Stance.id)
    ).all()
    every = list_stance_rows(session, statement.id, EVERY_OWNER)
    assert [r.id for r in every] == live and gone.id not in live
    owners = {r.annotator_id for r in every}
    assert None in owners and len(owners) == 3  # gold and two annotators
    for owner in owners - {None}:
        mine = [r for r in every if r.annotator_id == owner]
        assert list_stance_rows(session, statement.id, owner) == mine
    bare = list_stance_rows(session, statement.id, EVERY_OWNER, timestamps=False)
    assert [r.id for r in bare] == live and bare[0].created_at is None
    lo, hi = stance.start, stance.end
    near = list_stance_rows(session, statement.id, EVERY_OWNER, within=(lo, hi))
    assert [r.id for r in near] == [r.id for r in every if r.start < hi and r.end > lo]
    assert len(near) < len(every)


def test_forms_audit_gold_and_the_export_follow_the_declaration(session):
    project, statement, stance = _a_targeted_stance(session)
    data = form_data(get_stance_row(session, stance.id))
    assert data["target"] == stance.target.key and data["target_q"] == stance.target.name
    assert {"start", "end", "label", "version", *VALUE_FIELDS} <= set(data)
    assert {"text", *CONTENT, *VALUE_FIELDS, "version"} == set(stance_snapshot(stance))
    gold = copy_to_gold(statement, stance)
    kept = (*CONTENT, *RECORD_VALUES)
    assert [getattr(gold, n) for n in kept] == [getattr(stance, n) for n in kept]
    ctx = build_context(session, project, ExportRequest("csv", "all"))
    assert ctx.stance_values == RECORD_VALUES
    assert all(f"`{name}`" in fields_doc(ctx) for name in RECORD_VALUES)


def test_a_value_goes_from_the_service_to_the_row_and_is_stripped(session):
    project, statement, stance = _a_targeted_stance(session)
    user = get_user(session, "annotator1")
    data = StanceInput(stance.start, stance.end, stance.text, stance.label.key,
                       stance.target.key if stance.target else None, note="  kept  ")  # fmt: skip
    update_stance(
        session, RowEdit(project, statement, user, row_id=stance.id, version=stance.version), data
    )
    assert get_stance_row(session, stance.id).note == "kept"


@pytest.mark.parametrize(("value", "expected"), [(3, "str"), ("2", "int")])
def test_the_import_checks_record_values_by_their_declared_type(session, value, expected):
    project, statement, stance = _a_targeted_stance(session)
    field = "note" if expected == "str" else "guidelines_version"
    record = {"statement_id": statement.external_id, "start": 0, "end": 3, "label": "claim",
              "annotator": "annotator1", field: value}  # fmt: skip
    with pytest.raises(Invalid, match=f"{field}: expected {expected} or null"):
        import_stances(session, project, lambda: [json.dumps(record)], file="x.jsonl")
