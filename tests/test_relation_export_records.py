"""The ``relations`` export's records, byte for byte: the record shape pinned on known data,
the fast path (relations and their ends alone) against the general one (from every stance
record, as ``statements-jsonl`` builds them), alike stances whose ids take a suffix and ends
of another owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from annotator.exchange.bundles import iter_bundles
from annotator.exchange.relation_bundles import _with_twins, iter_relations_only
from annotator.models import Relation, Stance, Statement

from .test_relation_exchange import lines, related_project
from .test_stance_import import export

T0 = datetime(2024, 2, 2, 10, 0, 0, tzinfo=UTC)
T1 = datetime(2024, 2, 3, 11, 30, 0, 500000, tzinfo=UTC)

# `export uni --format relations --scope all` of related_project with the times above, as the
# code before the fast path (branch relexport) wrote it: key order, ids, escapes, times.
PINNED = (
    '{"project":"uni","statement_id":"emoji-1","id":"9ef335b498df47f5","type":"supports"'
    ',"aif":"RA","from":{"id":"f6b0838321e1611a","start":0,"end":10'
    ',"text":"\U0001f1ee\U0001f1f7 Teheran","label":"claim"},"to":{"id":"47fd2a0a721d3a58"'
    ',"start":38,"end":52,"text":"Cafe\u0301-Anschlag","label":"condemnation"}'
    ',"annotator":"ann1","scope":"annotator"'
    ',"note":"weil \U0001f1ee\U0001f1f7\\nzwei Zeilen"'
    ',"created_at":"2024-02-02T10:00:00+00:00","updated_at":"2024-02-02T10:00:00+00:00"}\n'
    '{"project":"uni","statement_id":"emoji-1","id":"258fef804b747d74","type":"attacks"'
    ',"aif":"CA","from":{"id":"47fd2a0a721d3a58","start":38,"end":52'
    ',"text":"Cafe\u0301-Anschlag","label":"condemnation"},"to":{"id":"f6b0838321e1611a"'
    ',"start":0,"end":10,"text":"\U0001f1ee\U0001f1f7 Teheran","label":"claim"}'
    ',"annotator":"ann1","scope":"annotator","note":""'
    ',"created_at":"2024-02-02T10:00:00+00:00"'
    ',"updated_at":"2024-02-03T11:30:00.500000+00:00"}\n'
    '{"project":"uni","statement_id":"emoji-1","id":"215368744d018c46","type":"attacks"'
    ',"aif":"CA","from":{"id":"dbef0b2efaac8b17","start":94,"end":102,"text":"=SUM(A1)"'
    ',"label":"claim"},"to":{"id":"388a9f78766bcc01","start":69,"end":92'
    ',"text":"the people of Iran \U0001f469\u200d\u2695\ufe0f","label":"support"}'
    ',"annotator":"ann2","scope":"annotator","note":""'
    ',"created_at":"2024-02-02T10:00:00+00:00","updated_at":"2024-02-02T10:00:00+00:00"}\n'
    '{"project":"uni","statement_id":"emoji-1","id":"e3663a8e32dae416","type":"supports"'
    ',"aif":"RA","from":{"id":"2ae8453ea677907e","start":0,"end":10'
    ',"text":"\U0001f1ee\U0001f1f7 Teheran","label":"claim"},"to":{"id":"82868c3d8348099f"'
    ',"start":69,"end":92,"text":"the people of Iran \U0001f469\u200d\u2695\ufe0f"'
    ',"label":"support"},"annotator":null,"scope":"gold","note":""'
    ',"created_at":"2024-02-02T10:00:00+00:00","updated_at":"2024-02-02T10:00:00+00:00"}\n'
    '{"project":"uni","statement_id":"rtl-ar","id":"3ea71706952bf5ee","type":"supports"'
    ',"aif":"RA","from":{"id":"606a46ae21ab2d53","start":33,"end":38'
    ',"text":"\u0625\u064a\u0631\u0627\u0646","label":"support"}'
    ',"to":{"id":"4207732e2155f58d","start":13,"end":17,"text":"\u062f\u0627\u0639\u0634"'
    ',"label":"condemnation"},"annotator":"ann1","scope":"annotator","note":""'
    ',"created_at":"2024-02-02T10:00:00+00:00","updated_at":"2024-02-02T10:00:00+00:00"}\n'
)


def fixed_times(session):
    """Every relation made at T0; the attacks of ann1 on emoji-1 edited at T1."""
    session.execute(update(Relation).values(created_at=T0, updated_at=T0))
    attacks = session.scalars(select(Relation).order_by(Relation.id)).all()[1]
    session.execute(update(Relation).where(Relation.id == attacks.id).values(updated_at=T1))
    session.commit()


def test_relation_records_are_pinned_byte_for_byte(session, runner, tmp_path):
    related_project(session)
    fixed_times(session)
    text, _meta = export(runner, "uni", "relations", tmp_path / "r.jsonl")
    assert text == PINNED
    assert len(lines(text)) == 5
    stance_ids = {r["id"] for r in lines(export(runner, "uni", "jsonl", tmp_path / "s.jsonl")[0])}
    assert {r[end]["id"] for r in lines(text) for end in ("from", "to")} <= stance_ids


def general_records(session, project, scope):
    """Relation records as the stance formats' bundles carry them (from all stance records)."""
    bundles = iter_bundles(session, project, scope, relations=True)
    return [(b["statement"]["id"], b["relations"]) for b in bundles]


def fast_records(session, project, scope):
    bundles = iter_relations_only(session, project, scope)
    return [(b["statement"]["id"], b["relations"]) for b in bundles]


@pytest.mark.parametrize("scope", ["all", "gold", "annotators"])
def test_the_fast_path_builds_what_the_general_one_builds(session, scope):
    project = related_project(session)
    fast = fast_records(session, project, scope)
    assert fast == general_records(session, project, scope)
    assert sum(len(records) for _, records in fast) == {"all": 5, "gold": 1, "annotators": 4}[scope]


def add_twin(session, stance, *, earlier: bool) -> Stance:
    """A copy of ``stance`` (same owner and content), as an old database may hold."""
    twin = Stance(
        statement_id=stance.statement_id, annotator_id=stance.annotator_id,
        is_gold=stance.is_gold, start=stance.start, end=stance.end, text=stance.text,
        label_id=stance.label_id, target_id=stance.target_id, holder_id=stance.holder_id,
        note=stance.note,
        created_at=datetime(2000, 1, 1, tzinfo=UTC) if earlier else datetime.now(UTC),
    )  # fmt: skip
    session.add(twin)
    session.commit()
    return twin


def test_an_end_with_an_alike_stance_gets_the_suffixed_id_of_the_stance_formats(
    session, runner, tmp_path
):
    project = related_project(session)
    end = session.get(Stance, session.scalars(select(Relation.from_stance_id)).first())
    add_twin(session, end, earlier=True)  # sorts first, so the linked stance becomes <id>-2
    emoji = session.get(Statement, end.statement_id)
    statement_ids = {s.id: s.external_id for s in session.scalars(select(Statement))}
    flagged = _with_twins(session.connection(), (project.id, min(statement_ids),
                                                  max(statement_ids)), "all")  # fmt: skip
    assert flagged == {emoji.id}
    for scope in ("all", "annotators"):
        assert fast_records(session, project, scope) == general_records(session, project, scope)
    relations = lines(export(runner, "uni", "relations", tmp_path / "r.jsonl")[0])
    stances = lines(export(runner, "uni", "jsonl", tmp_path / "s.jsonl")[0])
    suffixed = {s["id"] for s in stances if s["id"].endswith("-2")}
    assert len(suffixed) == 1
    assert suffixed <= {r[side]["id"] for r in relations for side in ("from", "to")}
    assert {r[e]["id"] for r in relations for e in ("from", "to")} <= {s["id"] for s in stances}


@pytest.mark.parametrize("what", ["relation", "end"])
def test_a_deleted_relation_or_end_is_left_out(session, what):
    """The service deletes a stance's relations with it; a database where it did not (or a
    deleted relation) still exports only relations whose ends are live."""
    project = related_project(session)
    first = session.scalars(select(Relation).order_by(Relation.id)).first()
    if what == "relation":
        session.execute(update(Relation).where(Relation.id == first.id).values(deleted_at=T0))
    else:
        end = first.from_stance_id
        session.execute(update(Stance).where(Stance.id == end).values(deleted_at=T0))
    session.commit()
    fast = fast_records(session, project, "all")
    assert fast == general_records(session, project, "all")
    notes = [r["note"] for _, records in fast for r in records]
    assert len(notes) == (4 if what == "relation" else 3) and "weil 🇮🇷\nzwei Zeilen" not in notes
