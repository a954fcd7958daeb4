"""Stances: create, edit, delete and restore with version checks; every change is audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from annotator.annotation.relation_cascade import delete_stance_relations, restore_stance_relations
from annotator.annotation.rows import CONTENT, VALUE_FIELDS, StanceValues
from annotator.annotation.versions import RowEdit, check_version, race_is_conflict, require_live
from annotator.db.audit import record_statement_change
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.models import (
    OPEN_STATES,
    Actor,
    Assignment,
    GuidelinesVersion,
    Label,
    Project,
    Stance,
    Statement,
    User,
    utcnow,
)
from annotator.text import spans


@dataclass
class StanceInput(StanceValues):
    """What a form, the CLI or the API asks for; actor fields are registry keys."""

    start: int
    end: int
    text: str
    label: str
    target: str | None = None
    holder: str | None = None


def get_stance(session: Session, statement: Statement, stance_id: int, user: User) -> Stance:
    """One of the user's stances on this statement; others' are NotFound, not Forbidden."""
    stance = session.get(Stance, stance_id)
    if stance is None or stance.statement_id != statement.id or stance.annotator_id != user.id:
        raise NotFound("No such stance.")
    return stance


def require_assignment(
    session: Session, statement: Statement, user: User, *, editable: bool = True
) -> Assignment:
    """The user's active assignment; changing stances also needs it open (not done/skipped)."""
    return _assignment_and_guidelines(session, statement, user, editable)[0]


def _assignment_and_guidelines(
    session: Session, statement: Statement, user: User, editable: bool = True
) -> tuple[Assignment, int | None]:
    """The assignment check and the guidelines version a save records, in one query."""
    return _checked(session.execute(_ASSIGNMENT, _params(statement, user)).first(), editable)


def _checked(row, editable: bool):
    """The row of the user's assignment, refused when there is none (or it is closed)."""
    if row is None:
        raise Forbidden("This statement is not assigned to you.")
    if editable and row[0].state not in OPEN_STATES:
        raise Conflict(f"This statement is marked {row[0].state}; reopen it to change stances.")
    return row


def _assignment_and_target(
    session: Session, statement: Statement, user: User, target: str | None
) -> tuple[Assignment, int | None, Actor | None]:
    """``_assignment_and_guidelines`` and the actor keyed ``target`` (None if none), in one
    query: a create saves the round trip ``_actor`` would take for it (6 % of an API
    create's CPU, callgrind); ``_actor`` still checks what it found."""
    params = _params(statement, user) | {"key": target}
    return _checked(session.execute(_ASSIGNMENT_AND_TARGET, params).first(), True)


def _params(statement: Statement, user: User) -> dict:
    return {"statement_id": statement.id, "user_id": user.id, "project_id": statement.project_id}


_GUIDELINES = select(func.max(GuidelinesVersion.version)).where(
    GuidelinesVersion.project_id == bindparam("project_id")
)
_ASSIGNMENT = select(Assignment, _GUIDELINES.scalar_subquery()).where(
    Assignment.active_for(bindparam("statement_id"), bindparam("user_id"))
)  # the hot path's statements are built once: building a select costs more than running it
_ASSIGNMENT_AND_TARGET = (
    select(Assignment, _GUIDELINES.scalar_subquery(), Actor)
    .outerjoin(
        Actor, (Actor.project_id == bindparam("project_id")) & (Actor.key == bindparam("key"))
    )
    .where(Assignment.active_for(bindparam("statement_id"), bindparam("user_id")))
)


def create_stance(
    session: Session, project: Project, statement: Statement, user: User, data: StanceInput
) -> Stance:
    """Validate and store a new stance; the assignment moves to "in progress".

    The values are validated on a draft outside the session and written with one
    INSERT ... RETURNING, which gives back the stored stance; the unit of work would cost
    several times as much on the busiest write of the application.
    """
    assignment, guidelines_version, target = _assignment_and_target(
        session, statement, user, data.target
    )
    draft = Stance(statement_id=statement.id, annotator_id=user.id)
    _apply(session, project, statement, draft, data, target)
    if assignment.state == "new":
        assignment.state = "in_progress"
    values = {c: getattr(draft, c) for c in _NEW_COLUMNS} | {
        "guidelines_version": guidelines_version
    }
    stance = _stored(session, draft, values, user)
    audit_stance(session, user, project, stance, "create")
    return stance


def _stored(session: Session, draft: Stance, values: dict, user: User) -> Stance:
    """``draft`` written by one Core INSERT ... RETURNING, then in the session as if loaded.

    Measured (callgrind, in process, the project of bench/workspace_bench.py): the ORM's INSERT
    ... RETURNING of the entity, built per call and loaded back, took 16 % of an API create's
    CPU; this Core statement, built once, cuts a create's instructions by 9 % and an htmx
    save's by 4.5 %. Every column is set, so reading one never reloads the row; label and
    target are the objects validation found, the annotator is ``user``.
    """
    # What the ORM's insert did first (autoflush): pending changes, the assignment's new
    # state among them, are written before the reads that on PostgreSQL precede the commit.
    session.flush()
    row = session.connection().execute(_INSERT, values).one()
    for name, value in zip(_COLUMNS, row, strict=True):
        setattr(draft, name, value)
    draft.annotator = user
    make_transient_to_detached(draft)  # as loaded: no history, so the session writes nothing
    session.add(draft)
    return draft


# What a new stance is given; the insert adds id, version 1 and the timestamps.
_NEW_COLUMNS = ("statement_id", "annotator_id", "text", *CONTENT, *VALUE_FIELDS)
_COLUMNS = tuple(Stance.__table__.c.keys())
_INSERT = insert(Stance.__table__).returning(*Stance.__table__.c)


def update_stance(session: Session, edit: RowEdit, data: StanceInput) -> Stance:
    """Change a stance, refusing (409) when ``edit.version`` is not the stored one."""
    _, guidelines_version = _assignment_and_guidelines(session, edit.statement, edit.user)
    stance = require_live(_edited(session, edit), edit.version, "stance")
    before = stance_snapshot(stance)
    with race_is_conflict(stance, edit.version, "stance"):
        _apply(session, edit.project, edit.statement, stance, data)
        stance.guidelines_version = guidelines_version
        session.flush()
    audit_stance(session, edit.user, edit.project, stance, "update", before)
    return stance


def delete_stance(session: Session, edit: RowEdit) -> Stance:
    """Soft-delete: the row stays (restorable) and the audit log keeps the content."""
    require_assignment(session, edit.statement, edit.user)
    stance = require_live(_edited(session, edit), edit.version, "stance")
    with race_is_conflict(stance, edit.version, "stance"):
        stance.deleted_at = utcnow()
        session.flush()
    audit_stance(session, edit.user, edit.project, stance, "delete")
    delete_stance_relations(session, edit.user, edit.project, stance)
    return stance


def restore_stance(session: Session, edit: RowEdit) -> Stance:
    """Undo a delete, with the same version check."""
    require_assignment(session, edit.statement, edit.user)
    stance = _edited(session, edit)
    check_version(stance, edit.version, "stance")
    if stance.deleted_at is None:
        return stance
    with race_is_conflict(stance, edit.version, "stance"):
        stance.deleted_at = None
        if not edit.project.allow_overlap:
            _check_overlap(session, edit.statement, stance)
        session.flush()
    audit_stance(session, edit.user, edit.project, stance, "restore")
    restore_stance_relations(session, edit.user, edit.project, stance)
    return stance


def _edited(session: Session, edit: RowEdit) -> Stance:
    return get_stance(session, edit.statement, edit.row_id, edit.user)


def _apply(session, project, statement, stance: Stance, data: StanceInput, known=None) -> None:
    """An annotator's stance: the page's text must match and the span may snap to words.

    ``known``: the actor a query already loaded by its key (``_assignment_and_target``).
    """
    span = _span(project, statement, data)
    find = _actor if known is None else partial(_actor, known=known)
    set_content(
        session, project, statement, stance, span, data.label, data.target, data.holder, data,
        find_actor=find,
    )  # fmt: skip
    if not project.allow_overlap:
        _check_overlap(session, statement, stance)


def set_content(
    session: Session,
    project: Project,
    statement: Statement,
    stance: Stance,
    span: tuple[int, int],
    label_key: str,
    target: str | None,
    holder: str | None,
    values: StanceValues,
    *,
    find_actor: Callable[..., Actor | None] | None = None,
) -> None:
    """Validate and set what annotators and reviewers (gold) both give a stance.

    The span must lie in the text and is trimmed (blank is refused); the label must be
    active; actors must exist and not be rejected, merged ones becoming their survivor; a
    label that needs a target gets one; the holder defaults to the issuing organisation;
    text values lose their outer white space.
    ``find_actor`` lets reviewers name actors by name or alias as well as by key.
    """
    start, end = checked_span(statement.text, *span)
    label = _label(project, label_key)
    find = find_actor or _actor
    target_actor = find(session, project, target, "target")
    if label.requires_target and target_actor is None:
        raise Invalid(f"A {label.name.lower()} needs a target actor.", field="target")
    holder_actor = find(session, project, holder, "holder")
    stance.start, stance.end, stance.text = start, end, statement.text[start:end]
    stance.label_id, stance.label = label.id, label
    stance.target_id, stance.target = (target_actor.id if target_actor else None), target_actor
    stance.holder_id = holder_actor.id if holder_actor else statement.organization_actor_id
    for name, value in cleaned_values(values).items():
        setattr(stance, name, value)


def cleaned_values(values: StanceValues) -> dict:
    """The values as stored: text stripped, a missing value (a blank form field) its default."""
    out = {}
    for spec in fields(StanceValues):
        value = getattr(values, spec.name)
        out[spec.name] = spec.default if value is None else value
        if isinstance(value, str):
            out[spec.name] = value.strip()
    return out


def checked_span(text: str, start: int, end: int) -> tuple[int, int]:
    """A span inside ``text``, without its outer white space; Invalid when nothing is left."""
    problem = spans.check_span(text, start, end)
    if problem:
        raise Invalid(problem, field="start")
    start, end = spans.trim_span(text, start, end)
    if start >= end:
        raise Invalid("The selection holds only white space.", field="start")
    return start, end


def _span(project: Project, statement: Statement, data: StanceInput) -> tuple[int, int]:
    """The offsets as sent, once the page's text is confirmed; snapped when the project says."""
    start, end = checked_span(statement.text, data.start, data.end)
    if statement.text[data.start : data.end] != data.text:
        raise Conflict(
            "The selected text does not match the statement at those offsets; reload the page.",
            field="text",
        )
    if project.snap_to_words:
        start, end = spans.snap_to_words(statement.text, start, end)
    return start, end


def _label(project: Project, key: str) -> Label:
    """From the project's label collection, which the form and the page load anyway."""
    label = next((lab for lab in project.labels if lab.key == key), None)
    if label is None or label.retired:
        raise Invalid(f"Unknown label '{key}' in this project.", field="label")
    return label


def _actor(
    session: Session, project: Project, key: str | None, field: str, known: Actor | None = None
) -> Actor | None:
    """The project's actor keyed ``key`` (``known``, when it is that one), or its survivor."""
    if not key:
        return None
    if known is not None and known.key == key:
        actor = known
    else:
        actor = session.scalar(_ACTOR, {"project_id": project.id, "key": key})
    while actor is not None and actor.merged_into_id is not None:
        actor = session.get(Actor, actor.merged_into_id)
    if actor is None or actor.status == "rejected":
        raise Invalid(f"Unknown actor '{key}' in this project.", field=field)
    return actor


_ACTOR = select(Actor).where(
    Actor.project_id == bindparam("project_id"), Actor.key == bindparam("key")
)


def _check_overlap(session: Session, statement: Statement, stance: Stance) -> None:
    clash = session.scalar(
        select(func.count())
        .select_from(Stance)
        .where(
            Stance.statement_id == statement.id,
            Stance.annotator_id == stance.annotator_id,
            Stance.deleted_at.is_(None),
            Stance.id != (stance.id or -1),
            Stance.start < stance.end,
            Stance.end > stance.start,
        )
    )
    if clash:
        raise Invalid("This project does not allow overlapping stances.", field="start")


def stance_snapshot(stance: Stance) -> dict:
    """The fields of a stance the audit log keeps, so any version can be read back."""
    return {name: getattr(stance, name) for name in _SNAPSHOT}


_SNAPSHOT = ("text", *CONTENT, *VALUE_FIELDS, "version")


def audit_stance(
    session, user, project, stance: Stance, action: str, before: dict | None = None, **kw
) -> None:
    """Record a stance change (annotator or gold, ``entity``) with its content before and after."""
    entity, after = kw.get("entity", "stance"), stance_snapshot(stance)
    record_statement_change(
        session, user, project.id, action, entity, stance, after, before, kw.get("extra")
    )
