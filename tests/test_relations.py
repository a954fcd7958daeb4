"""Relation services: create, retype, delete, restore, the stance cascade, gold, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.annotation import relation_types as types_svc
from annotator.annotation import relations as svc
from annotator.annotation import stances as stance_svc
from annotator.annotation.versions import RowEdit
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.models import AuditEvent, Relation, Statement
from annotator.projects.assignments import set_assignment_state

from .factories import make_project
from .workspace_helpers import demo

CLAIM = "Teheran claims to have hit a “Mossad headquarter” in Erbil"
RETALIATION = "The regime says these strikes would be in retaliation"
OUTRAGE = "This has provoked outrage both in Iraq and Pakistan"


def make_stance(session, project, st, user, phrase, label="claim"):
    """A stance through the stance service (claims need no target)."""
    start = st.text.index(phrase)
    data = stance_svc.StanceInput(start, start + len(phrase), phrase, label)
    return stance_svc.create_stance(session, project, st, user, data)


@pytest.fixture
def world(session):
    """The demo with three claims by annotator1 and one by annotator2."""
    project, st = demo(session)
    ann1, ann2 = get_user(session, "annotator1"), get_user(session, "annotator2")
    a, b, c = (make_stance(session, project, st, ann1, p) for p in (CLAIM, RETALIATION, OUTRAGE))
    other = make_stance(session, project, st, ann2, CLAIM)
    return project, st, ann1, ann2, (a, b, c, other)


def link(session, project, st, user, a, b, kind="supports", **kw):
    data = svc.RelationInput(a.id, b.id, kind, kw.pop("note", ""))
    return svc.create_relation(session, project, st, user, data, **kw)


def relation_events(session, action=None):
    query = select(func.count()).where(AuditEvent.entity.in_(("relation", "gold_relation")))
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalar(query)


def test_new_projects_have_supports_and_attacks(session):
    project = make_project(session, "fresh")
    types = types_svc.list_relation_types(session, project)
    assert [(t.key, t.aif, t.position) for t in types] == [
        ("supports", "RA", 0),
        ("attacks", "CA", 1),
    ]


def test_create_relation_stores_and_audits(world, session):
    project, st, ann1, _, (a, b, *_) = world
    relation = link(session, project, st, ann1, a, b, note="  because  ")
    assert (relation.from_stance, relation.to_stance, relation.type.key) == (a, b, "supports")
    assert (relation.annotator_id, relation.is_gold, relation.version) == (ann1.id, False, 1)
    assert relation.note == "because" and relation.deleted_at is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.entity == "relation"))
    assert event.action == "create" and event.data["after"]["from_stance_id"] == a.id


def _other_statement_stance(session, project, user):
    """A stance of the same annotator on a second statement of the project."""
    text = "Iran claims to fight terrorism."
    st2 = Statement(project_id=project.id, external_id="s2", text=text, text_sha256="x")
    session.add(st2)
    session.flush()
    from annotator.projects.assignments import assign_statement

    assign_statement(session, project, st2, user)
    return make_stance(session, project, st2, user, "Iran claims")


@pytest.mark.parametrize(
    "case,error,field,words",
    [
        ("self_loop", Invalid, "to", "itself"),
        ("other_owner", Invalid, "to", "not one of your stances"),
        ("no_such_stance", Invalid, "to", "not one of your stances"),
        ("other_statement", Invalid, "to", "another statement"),
        ("unknown_type", Invalid, "type", "unknown"),
        ("retired_type", Invalid, "type", "retired"),
        ("deleted_end", Invalid, "to", "deleted"),
        ("duplicate", Invalid, "type", "already linked"),
    ],
)
def test_bad_input_names_the_problem_and_writes_nothing(world, session, case, error, field, words):
    project, st, ann1, _, (a, b, c, other) = world
    kind, to = "supports", b
    if case == "self_loop":
        to = a
    elif case == "other_owner":
        to = other
    elif case == "no_such_stance":
        to = type("Missing", (), {"id": 10**6})()
    elif case == "other_statement":
        to = _other_statement_stance(session, project, ann1)
    elif case == "unknown_type":
        kind = "rebuts"
    elif case == "retired_type":
        rebuts = types_svc.create_relation_type(session, project, "rebuts", aif="CA")
        types_svc.retire_relation_type(session, project, rebuts)
        kind = "rebuts"
    elif case == "deleted_end":
        stance_svc.delete_stance(
            session, RowEdit(project, st, ann1, row_id=b.id, version=b.version)
        )
    elif case == "duplicate":
        link(session, project, st, ann1, a, b)
    before = (session.scalar(select(func.count()).select_from(Relation)), relation_events(session))
    with pytest.raises(error) as info:
        link(session, project, st, ann1, a, to, kind)
    assert info.value.field == field and words in info.value.message
    after = (session.scalar(select(func.count()).select_from(Relation)), relation_events(session))
    assert after == before


def test_unassigned_and_locked_statements_are_refused(world, session):
    from annotator.projects.projects import set_member

    from .factories import make_user

    project, st, ann1, _, (a, b, *_) = world
    outsider = make_user(session, "outsider")
    set_member(session, project, outsider, "annotator")
    with pytest.raises(Forbidden):
        link(session, project, st, outsider, a, b)
    set_assignment_state(session, project, st, ann1, "done")
    with pytest.raises(Conflict, match="marked done"):
        link(session, project, st, ann1, a, b)
    set_assignment_state(session, project, st, ann1, "reopen")
    assert link(session, project, st, ann1, a, b).id


def test_relations_are_blind_to_other_annotators(world, session):
    project, st, ann1, ann2, (a, b, *_) = world
    mine = link(session, project, st, ann1, a, b)
    assert svc.list_relations(session, project, st, ann2) == []
    assert svc.list_relations(session, project, st, ann1) == [mine]
    with pytest.raises(NotFound):
        svc.update_relation(
            session, RowEdit(project, st, ann2, row_id=mine.id, version=1), note="mine now"
        )
    with pytest.raises(NotFound):
        svc.delete_relation(session, RowEdit(project, st, ann2, row_id=mine.id, version=1))


def test_update_checks_the_version_and_duplicates(world, session):
    project, st, ann1, _, (a, b, *_) = world
    relation = link(session, project, st, ann1, a, b)
    svc.update_relation(
        session,
        RowEdit(project, st, ann1, row_id=relation.id, version=1),
        type="attacks",
        note="no",
    )
    assert (relation.type.key, relation.note, relation.version) == ("attacks", "no", 2)
    with pytest.raises(Conflict, match="you had version 1") as info:
        svc.update_relation(
            session, RowEdit(project, st, ann1, row_id=relation.id, version=1), type="supports"
        )
    assert info.value.current is relation and relation.type.key == "attacks"
    link(session, project, st, ann1, a, b)  # supports is free again
    with pytest.raises(Invalid, match="already linked"):
        svc.update_relation(
            session, RowEdit(project, st, ann1, row_id=relation.id, version=2), type="supports"
        )
    assert relation_events(session, "update") == 1


def test_an_update_that_loses_a_race_is_a_409(world, session):
    """The version is checked on what the request read; the UPDATE re-checks it as it writes."""
    from annotator.extensions import db
    from annotator.projects.projects import get_project
    from annotator.statements.statements import get_statement

    project, st, ann1, _, (a, b, *_) = world
    relation = link(session, project, st, ann1, a, b)
    session.commit()
    with db.factory() as other:  # another request saves version 2 after this one has read
        o_project = get_project(other, "demo")
        o_st, o_user = get_statement(other, o_project, st.id), get_user(other, "annotator1")
        svc.update_relation(
            other, RowEdit(o_project, o_st, o_user, row_id=relation.id, version=1), note="won"
        )
        other.commit()
    with pytest.raises(Conflict, match="changed elsewhere just now"):
        svc.update_relation(
            session, RowEdit(project, st, ann1, row_id=relation.id, version=1), note="lost"
        )
    session.rollback()
    stored = session.get(Relation, relation.id)
    assert (stored.note, stored.version) == ("won", 2)


def test_delete_is_soft_and_restore_checks_ends_and_twins(world, session):
    project, st, ann1, _, (a, b, c, _) = world
    relation = link(session, project, st, ann1, a, b)
    svc.delete_relation(session, RowEdit(project, st, ann1, row_id=relation.id, version=1))
    assert relation.deleted_at is not None and not relation.deleted_with_stance
    assert svc.list_relations(session, project, st, ann1) == []
    assert svc.list_relations(session, project, st, ann1, include_deleted=True) == [relation]
    with pytest.raises(Conflict, match="deleted in the meantime"):
        svc.update_relation(
            session, RowEdit(project, st, ann1, row_id=relation.id, version=2), note="x"
        )
    twin = link(session, project, st, ann1, a, b)  # the deleted one does not block a new one
    with pytest.raises(Conflict, match="again already"):
        svc.restore_relation(session, RowEdit(project, st, ann1, row_id=relation.id, version=2))
    svc.delete_relation(session, RowEdit(project, st, ann1, row_id=twin.id, version=1))
    svc.restore_relation(session, RowEdit(project, st, ann1, row_id=relation.id, version=2))
    assert relation.deleted_at is None and relation.version == 3
    assert relation_events(session, "restore") == 1


def test_deleting_a_stance_takes_its_relations_and_restoring_brings_them_back(world, session):
    project, st, ann1, _, (a, b, c, _) = world
    ab = link(session, project, st, ann1, a, b)
    cb = link(session, project, st, ann1, c, b, "attacks")
    ca = link(session, project, st, ann1, c, a)
    svc.delete_relation(
        session, RowEdit(project, st, ann1, row_id=ca.id, version=1)
    )  # deleted on its own: stays so
    stance_svc.delete_stance(session, RowEdit(project, st, ann1, row_id=b.id, version=b.version))
    assert ab.deleted_with_stance and cb.deleted_with_stance and ab.deleted_at == b.deleted_at
    assert svc.list_relations(session, project, st, ann1) == []
    stance_svc.delete_stance(session, RowEdit(project, st, ann1, row_id=a.id, version=a.version))
    stance_svc.restore_stance(session, RowEdit(project, st, ann1, row_id=b.id, version=b.version))
    assert cb.deleted_at is None and ab.deleted_at is not None  # a is still deleted
    stance_svc.restore_stance(session, RowEdit(project, st, ann1, row_id=a.id, version=a.version))
    assert svc.list_relations(session, project, st, ann1) == [ab, cb]
    assert ca.deleted_at is not None
    cascade = select(AuditEvent).where(AuditEvent.entity == "relation")
    withs = [e.data.get("with_stance") for e in session.scalars(cascade.order_by(AuditEvent.id))]
    assert withs == [None, None, None, None, b.id, b.id, b.id, a.id]


def test_gold_relations_need_a_reviewer_and_gold_ends(world, session):
    from annotator.review.adjudication import accept_version, delete_gold

    project, st, ann1, _, (a, b, *_) = world
    reviewer = get_user(session, "reviewer")
    gold_a = accept_version(session, project, st, reviewer, st.review_version, a.id, a.version)
    gold_b = accept_version(session, project, st, reviewer, st.review_version, b.id, b.version)
    with pytest.raises(Forbidden):
        link(session, project, st, ann1, gold_a, gold_b, gold=True)
    with pytest.raises(Invalid, match="not a gold stance"):
        link(session, project, st, reviewer, gold_a, b, gold=True)
    relation = link(session, project, st, reviewer, gold_a, gold_b, "attacks", gold=True)
    assert relation.is_gold and relation.annotator_id is None
    assert svc.list_relations(session, project, st, reviewer, gold=True) == [relation]
    assert svc.list_relations(session, project, st, ann1) == []
    delete_gold(session, RowEdit(project, st, reviewer, row_id=gold_b.id, version=gold_b.version))
    assert relation.deleted_with_stance
    entities = session.scalars(select(AuditEvent.entity).where(AuditEvent.entity_id == relation.id))
    assert "gold_relation" in set(entities)


def test_relation_types_are_data_retired_when_used(world, session):
    project, st, ann1, _, (a, b, *_) = world
    rebuts = types_svc.create_relation_type(
        session, project, "rebuts", aif="ca", hotkey="R", color="#AABBCC"
    )
    assert (rebuts.aif, rebuts.hotkey, rebuts.color, rebuts.position) == ("CA", "r", "#aabbcc", 2)
    with pytest.raises(Conflict, match="already exists"):
        types_svc.create_relation_type(session, project, "rebuts")
    with pytest.raises(Conflict, match="Hotkey s"):
        types_svc.create_relation_type(session, project, "restates", hotkey="s")
    with pytest.raises(Invalid, match="RA"):
        types_svc.update_relation_type(session, project, rebuts, aif="MA")
    with pytest.raises(Invalid):
        types_svc.create_relation_type(session, project, "Bad Key")
    types_svc.update_relation_type(session, project, rebuts, name="Rebuts it")
    link(session, project, st, ann1, a, b, "rebuts")
    with pytest.raises(Conflict, match="retire it"):
        types_svc.delete_relation_type(session, project, rebuts)
    types_svc.retire_relation_type(session, project, rebuts)
    assert [t.key for t in types_svc.list_relation_types(session, project)] == [
        "supports",
        "attacks",
    ]
    types_svc.restore_relation_type(session, project, rebuts)
    unused = types_svc.create_relation_type(session, project, "restates")
    types_svc.delete_relation_type(session, project, unused)
    with pytest.raises(NotFound):
        types_svc.get_relation_type(session, project, "restates")


def test_the_demo_has_a_premise_label_to_link(world, session):
    project, st, ann1, _, (a, *_) = world
    premise = next(label for label in project.labels if label.key == "premise")
    assert not premise.requires_target and premise.hotkey == "4"
    reason = make_stance(session, project, st, ann1, "which killed at least 89 people", "premise")
    relation = link(session, project, st, ann1, reason, a)
    assert (relation.from_stance.label.key, relation.type.aif) == ("premise", "RA")


def test_relation_records_feed_the_relation_formats(world, session, tmp_path):
    """Relation records in database ids; the bundles carry them in stance-record ids."""
    from annotator.annotation.relation_records import relation_records
    from annotator.exchange.bundles import iter_bundles
    from annotator.exchange.export import ExportRequest, build_context
    from annotator.formats import brat

    project, st, ann1, ann2, (a, b, c, other) = world
    ab = link(session, project, st, ann1, a, b, note="why")
    link(session, project, st, ann1, c, b, "attacks")
    stance_svc.delete_stance(
        session, RowEdit(project, st, ann1, row_id=c.id, version=c.version)
    )  # takes c -> b along
    names = {ann1.id: "annotator1", ann2.id: "annotator2"}
    records = relation_records(session, project.slug, [st], "annotators", names.__getitem__)
    (record,) = records[st.id]
    assert record["id"] == ab.id and record["type"] == "supports" and record["aif"] == "RA"
    assert record["from"] == {
        "id": a.id, "start": a.start, "end": a.end, "text": a.text, "label": "claim",
    }  # fmt: skip
    assert (record["annotator"], record["scope"], record["note"]) == (
        "annotator1",
        "annotator",
        "why",
    )
    assert relation_records(session, project.slug, [st], "gold", names.__getitem__) == {}
    bundles = list(iter_bundles(session, project, "annotators", relations=True))
    ctx = build_context(session, project, ExportRequest(format="jsonl", scope="annotators"))
    brat.write(bundles, tmp_path, ctx)
    ann = next(tmp_path.glob("*__annotator1.ann")).read_text(encoding="utf-8")
    assert sum(line.startswith("T") for line in ann.splitlines()) == 2  # a and b (c is deleted)
    assert "R1\tsupports Arg1:T" in ann and "AnnotatorNotes R1\twhy" in ann


def test_the_cli_exports_relations_brat_and_aif_from_the_database(world, session, runner, tmp_path):
    project, st, ann1, ann2, (a, b, c, other) = world
    link(session, project, st, ann1, a, b, note="why")
    link(session, project, st, ann1, c, b, "attacks")
    session.commit()
    out = tmp_path / "relations.jsonl"
    args = ["export", "demo", "--format", "relations", "--scope", "annotators", "-o", out]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    import json

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["type"], r["from"]["text"], r["to"]["text"]) for r in lines) == [
        ("attacks", OUTRAGE, RETALIATION),
        ("supports", CLAIM, RETALIATION),
    ]
    for name in ("brat", "aif"):
        folder = tmp_path / name
        result = runner.invoke(args=["export", "demo", "--format", name, "--scope", "annotators",
                                     "-o", folder])  # fmt: skip
        assert result.exit_code == 0, result.output
    ann = next((tmp_path / "brat").glob("*__annotator1.ann")).read_text(encoding="utf-8")
    assert sum(line.startswith("R") for line in ann.splitlines()) == 2
    graphs = [json.loads(p.read_text()) for p in (tmp_path / "aif").glob("*.json")]
    kinds = sorted(n["type"] for g in graphs for n in g["nodes"] if n["type"] in ("RA", "CA"))
    assert kinds == ["CA", "RA"]
