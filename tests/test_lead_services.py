"""Lead services on a real database: settings, labels, guidelines, members, assignments."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.annotation.versions import RowEdit
from annotator.db.audit import record_event
from annotator.errors import Conflict, Invalid, NotFound
from annotator.formats.statement_readers import iter_statements
from annotator.models import Assignment, AuditEvent, GuidelinesVersion, Label, Membership, Stance
from annotator.projects import assignments as asg
from annotator.projects import guidelines as gl
from annotator.projects import labels as lab
from annotator.projects.progress import annotator_progress
from annotator.projects.projects import list_members, remove_member, set_member, update_project
from annotator.statements.statements import import_statements, list_statements

from .factories import make_project, make_user
from .workspace_helpers import demo


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_update_project_changes_settings_and_audits(session):
    project = make_project(session, "p1")
    update_project(session, project, name=" New ", annotators_per_statement=3, allow_overlap=False)
    assert (project.name, project.annotators_per_statement, project.allow_overlap) == (
        "New",
        3,
        False,
    )
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.entity == "project", AuditEvent.action == "update")
    )
    assert event.data["annotators_per_statement"] == [2, 3]


@pytest.mark.parametrize(
    "changes",
    [
        {"annotators_per_statement": 0},
        {"annotators_per_statement": 51},
        {"name": "  "},
        {"colour": "red"},
    ],
)
def test_update_project_refuses_bad_values_and_changes_nothing(session, changes):
    project = make_project(session, "p1")
    with pytest.raises(Invalid):
        update_project(session, project, snap_to_words=True, **changes)
    assert project.snap_to_words is False and project.annotators_per_statement == 2


def test_new_project_defaults(session):
    project = make_project(session, "p1")
    assert project.annotators_per_statement == 2
    assert project.allow_overlap is True and project.snap_to_words is False


def test_create_label_validates_key_colour_hotkey(session):
    project = make_project(session, "p1")
    label = lab.create_label(session, project, "irony", name="Irony", color="#AABBCC", hotkey="4")
    assert (label.color, label.hotkey, label.position) == ("#aabbcc", "4", 3)
    for key, values, field in [
        ("Bad Key", {}, "key"),
        ("-x", {}, "key"),
        ("claim", {}, "key"),
        ("x1", {"color": "red"}, "color"),
        ("x2", {"hotkey": "0"}, "hotkey"),
        ("x3", {"hotkey": "1"}, "hotkey"),  # taken by claim
        ("x4", {"semeval": "PRO"}, "semeval"),
        ("x5", {"polarity": "sideways"}, "polarity"),
    ]:
        with pytest.raises((Invalid, Conflict)) as info:
            lab.create_label(session, project, key, **values)
        assert info.value.field == field, key
    assert count(session, Label, Label.project_id == project.id) == 4


def test_update_label_renames_and_rebinds(session):
    project = make_project(session, "p1")
    claim = lab.get_label(session, project, "claim")
    lab.update_label(session, project, claim, name="Assertion", hotkey="9", semeval="favor")
    assert (claim.key, claim.name, claim.hotkey, claim.semeval) == (
        "claim",
        "Assertion",
        "9",
        "FAVOR",
    )
    support = lab.get_label(session, project, "support")
    with pytest.raises(Conflict):
        lab.update_label(session, project, support, hotkey="9")
    assert support.hotkey == "3"


def test_move_label_reorders(session):
    project = make_project(session, "p1")
    support = lab.get_label(session, project, "support")
    lab.move_label(session, project, support, -1)
    keys = [r.label.key for r in lab.list_label_rows(session, project)]
    assert keys == ["claim", "support", "condemnation"]
    lab.move_label(session, project, lab.get_label(session, project, "claim"), -1)  # already first
    assert [r.label.key for r in lab.list_label_rows(session, project)][0] == "claim"


def test_label_in_use_is_retired_not_deleted(session):
    project, statement = demo(session)
    label = lab.get_label(session, project, "condemnation")
    session.add(
        Stance(
            statement_id=statement.id,
            annotator_id=get_user(session, "annotator1").id,
            start=0,
            end=3,
            text=statement.text[:3],
            label_id=label.id,
        )
    )
    session.flush()
    with pytest.raises(Conflict, match="retire"):
        lab.delete_label(session, project, label)
    lab.retire_label(session, project, label)
    assert label.retired and [r.stances for r in lab.list_label_rows(session, project)][1] == 1
    unused = lab.create_label(session, project, "unused")
    lab.delete_label(session, project, unused)
    assert count(session, Label, Label.key == "unused") == 0


def test_restore_refuses_taken_hotkey(session):
    project = make_project(session, "p1")
    claim = lab.get_label(session, project, "claim")
    lab.retire_label(session, project, claim)
    lab.create_label(session, project, "assertion", hotkey="1")
    with pytest.raises(Conflict):
        lab.restore_label(session, project, claim)
    assert claim.retired


def test_guidelines_versions(session):
    project = make_project(session, "p1")
    assert gl.list_guidelines_versions(session, project) == []
    v1, new1 = gl.save_guidelines(session, project, "# Rules\r\nBe kind.")
    v2, new2 = gl.save_guidelines(session, project, "# Rules\nBe kinder.")
    same, new3 = gl.save_guidelines(session, project, "# Rules\nBe kinder.")
    assert (v1.version, v2.version, same.version) == (1, 2, 2)
    assert (new1, new2, new3) == (True, True, False)
    assert v1.body == "# Rules\nBe kind."
    assert [h[0] for h in gl.list_guidelines_versions(session, project)] == [2, 1]
    with pytest.raises(Invalid):
        gl.save_guidelines(session, project, "   ")
    with pytest.raises(NotFound):
        gl.get_guidelines_version(session, project, 9)
    assert count(session, GuidelinesVersion) == 2


def test_members_list_remove_and_last_lead(session):
    project = make_project(session, "p1", members={"boss": "lead", "ann": "annotator"})
    assert [(m.user.username, m.role) for m in list_members(session, project)] == [
        ("boss", "lead"),
        ("ann", "annotator"),
    ]
    boss = get_user(session, "boss")
    with pytest.raises(Conflict, match="last lead"):
        remove_member(session, project, boss)
    with pytest.raises(Conflict, match="last lead"):
        set_member(session, project, boss, "annotator")
    remove_member(session, project, get_user(session, "ann"))
    assert count(session, Membership, Membership.project_id == project.id) == 1
    with pytest.raises(NotFound):
        remove_member(session, project, get_user(session, "ann"))


def test_removing_a_member_keeps_their_work(session):
    project, statement = demo(session)
    ann = get_user(session, "annotator1")
    label = lab.get_label(session, project, "claim")
    session.add(
        Stance(
            statement_id=statement.id,
            annotator_id=ann.id,
            start=0,
            end=2,
            text=statement.text[:2],
            label_id=label.id,
        )
    )
    remove_member(session, project, ann)
    assert count(session, Stance, Stance.annotator_id == ann.id) == 1
    a = session.scalar(select(Assignment).where(Assignment.annotator_id == ann.id))
    assert a is not None and a.active is False


def _corpus(session, n_statements: int, annotators: int):
    members = {f"a{i}": "annotator" for i in range(annotators)} | {"rev": "reviewer"}
    project = make_project(session, "big", members=members)
    lines = "\n".join(json.dumps({"id": f"s{i}", "text": f"text {i}"}) for i in range(n_statements))
    import_statements(session, project, iter_statements("s.jsonl", io.BytesIO(lines.encode())))
    return project


def loads(session, project) -> dict[str, int]:
    return {a.username: a.assigned for a in annotator_progress(session, project)}


def test_assign_balances_and_is_idempotent(session):
    project = _corpus(session, 10, 3)
    report = asg.assign_project(session, project)
    assert (report.created, report.short, report.per_statement) == (20, 0, 2)
    assert sorted(loads(session, project).values()) == [6, 7, 7]
    assert "rev" not in loads(session, project)  # reviewers are not annotators
    for statement in list_statements(session, project):
        holders = session.scalars(
            select(Assignment.annotator_id).where(Assignment.statement_id == statement.id)
        ).all()
        assert len(set(holders)) == 2
    again = asg.assign_project(session, project)
    assert again.created == 0
    more = asg.assign_project(session, project, 3)
    assert more.created == 10 and set(loads(session, project).values()) == {10}


def test_assign_is_deterministic_and_reports_shortfall(session):
    project = _corpus(session, 4, 1)
    report = asg.assign_project(session, project, 2)
    assert (report.created, report.short) == (4, 4)
    with pytest.raises(Invalid):
        asg.assign_project(session, project, 0)


def test_assign_needs_annotators(session):
    project = make_project(session, "p1", members={"boss": "lead"})
    with pytest.raises(Invalid, match="no members with the annotator role"):
        asg.assign_project(session, project)


def test_reassign_and_unassign_keep_work(session):
    project, statement = demo(session)
    make_user(session, "annotator3")
    set_member(session, project, get_user(session, "annotator3"), "annotator")
    a1, a3 = get_user(session, "annotator1"), get_user(session, "annotator3")
    label = lab.get_label(session, project, "claim")
    session.add(
        Stance(
            statement_id=statement.id,
            annotator_id=a1.id,
            start=0,
            end=2,
            text=statement.text[:2],
            label_id=label.id,
        )
    )
    asg.reassign_statement(session, project, statement, a1, a3)
    active = session.scalars(
        select(Assignment.annotator_id).where(
            Assignment.statement_id == statement.id, Assignment.active
        )
    ).all()
    assert a3.id in active and a1.id not in active
    assert count(session, Stance, Stance.annotator_id == a1.id) == 1
    with pytest.raises(NotFound):
        asg.unassign_statement(session, project, statement, a1)
    with pytest.raises(Conflict):
        asg.reassign_statement(session, project, statement, get_user(session, "annotator2"), a3)
    with pytest.raises(Invalid):
        asg.reassign_statement(session, project, statement, a3, get_user(session, "reviewer"))
    # a later top-up does not give the statement back to the annotator taken off it
    report = asg.assign_project(session, project)
    assert report.created == 0


def test_a_label_only_deleted_stances_used_is_not_offered_for_deletion(session):
    from annotator.annotation.stances import StanceInput, create_stance, delete_stance

    project, st = demo(session)
    user = get_user(session, "annotator1")
    lab.create_label(session, project, "threat", name="Threat", requires_target=False)
    phrase = "condemns the reactionary aggression of Iran"
    start = st.text.index(phrase)
    stance = create_stance(
        session, project, st, user, StanceInput(start, start + len(phrase), phrase, "threat")
    )
    delete_stance(session, RowEdit(project, st, user, row_id=stance.id, version=stance.version))
    row = next(r for r in lab.list_label_rows(session, project) if r.label.key == "threat")
    assert (row.stances, row.deletable) == (0, False)  # the list agrees with delete_label
    with pytest.raises(Conflict):
        lab.delete_label(session, project, row.label)


def test_assigning_needs_membership_even_for_admins_and_reassigning_is_logged(session):
    project, st = demo(session)
    admin = make_user(session, "root", admin=True)
    with pytest.raises(Invalid, match="not a member"):
        asg.assign_statement(session, project, st, admin)
    one = get_user(session, "annotator1")
    asg.unassign_statement(session, project, st, one)
    asg.assign_statement(session, project, st, one)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.entity == "assignment").order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events[-2:]] == ["unassign", "assign"]
    assert {(e.project_id, e.statement_id) for e in events} == {(project.id, st.id)}


def test_the_ids_of_where_are_named_so_they_cannot_be_swapped(session):
    """An audit event's project and statement ids and an edit's row id and version are
    keyword-only."""
    project, st = demo(session)
    user = get_user(session, "annotator1")
    with pytest.raises(TypeError):
        record_event(session, user, "assign", "assignment", 1, project.id)
    with pytest.raises(TypeError):
        RowEdit(project, st, user, 1, 1)


def test_saved_stances_record_the_guidelines_version_in_force(session):
    from annotator.accounts.users import get_user
    from annotator.annotation.stances import StanceInput, create_stance, update_stance

    from .workspace_helpers import PHRASE, demo

    project, st = demo(session)
    user = get_user(session, "annotator1")
    start = st.text.index(PHRASE)
    data = StanceInput(start, start + len(PHRASE), PHRASE, "condemnation", "iran")
    stance = create_stance(session, project, st, user, data)
    before = stance.guidelines_version
    newer, _ = gl.save_guidelines(session, project, "# Rules\nQuote the holder.")
    assert newer.version == (before or 0) + 1
    update_stance(session, RowEdit(project, st, user, row_id=stance.id, version=1), data)
    assert stance.guidelines_version == newer.version
