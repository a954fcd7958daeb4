"""Relations between stances: create, retype, delete and restore with version checks, audited.

The owner of a relation is an annotator (their own stances, on an open assignment, blind to
everyone else's) or gold (gold stances, for reviewers). Both ends are live stances of the
statement and of that owner, distinct, and a live (from, to, type) exists once. A stance's
relations follow its deletion and restoration (``relation_cascade``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from annotator.annotation.relation_cascade import audit_relation, has_live_link, relation_snapshot
from annotator.annotation.stances import require_assignment
from annotator.annotation.versions import RowEdit, check_version, race_is_conflict, require_live
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.models import Project, Relation, RelationType, Stance, Statement, User, utcnow
from annotator.projects.projects import role_of
from annotator.roles import Role


class DuplicateRelation(Invalid):
    """A live relation with the same ends and type exists: a 422 to the annotator, and a
    distinct class so that review can say "gold already holds it" instead."""

    def __init__(self) -> None:
        super().__init__("These two stances are already linked by this type.", field="type")


@dataclass
class RelationInput:
    """What a form, the CLI or the API asks for: two stance ids and a relation type key."""

    from_stance: int
    to_stance: int
    type: str
    note: str = ""


def create_relation(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    data: RelationInput,
    *,
    gold: bool = False,
) -> Relation:
    """Validate and store a new relation; nothing is written when any check fails."""
    _require_owner(session, project, statement, user, gold)
    ends = _ends(session, statement, user, gold, data.from_stance, data.to_stance)
    rtype, linked = _type_and_link(session, project, data.type, ends)
    if linked:
        raise DuplicateRelation()
    relation = Relation(
        statement_id=statement.id,
        annotator_id=None if gold else user.id,
        is_gold=gold,
        type=rtype,
        from_stance=ends[0],
        to_stance=ends[1],
        note=(data.note or "").strip(),
    )
    session.add(relation)
    session.flush()
    audit_relation(session, user, project, relation, "create")
    return relation


def update_relation(
    session: Session,
    edit: RowEdit,
    *,
    type: str | None = None,
    note: str | None = None,
    reverse: bool = False,
    gold: bool = False,
) -> Relation:
    """Change the type or note, or swap the ends (``reverse``), refusing (409) when
    ``edit.version`` is not the stored one."""
    relation = _edited(session, edit, gold)
    require_live(relation, edit.version, "relation")
    before = relation_snapshot(relation)
    rtype = relation.type if type is None else _type(session, edit.project, type)
    ends = (relation.from_stance_id, relation.to_stance_id)[:: -1 if reverse else 1]
    if has_live_link(session, *ends, rtype.id, exclude=relation.id):
        raise DuplicateRelation()
    with race_is_conflict(relation, edit.version, "relation"):
        relation.type = rtype
        if reverse:
            relation.from_stance, relation.to_stance = relation.to_stance, relation.from_stance
        if note is not None:
            relation.note = note.strip()
        session.flush()
    if relation_snapshot(relation) != before:
        audit_relation(session, edit.user, edit.project, relation, "update", before)
    return relation


def delete_relation(session: Session, edit: RowEdit, *, gold: bool = False) -> Relation:
    """Soft-delete: the row stays (restorable) and the audit log keeps the content."""
    relation = _edited(session, edit, gold)
    require_live(relation, edit.version, "relation")
    return _set_deleted(session, edit, relation, utcnow(), "delete")


def restore_relation(session: Session, edit: RowEdit, *, gold: bool = False) -> Relation:
    """Undo a delete with the same version check, if both ends live and no twin replaced it."""
    relation = _edited(session, edit, gold)
    check_version(relation, edit.version, "relation")
    if relation.deleted_at is None:
        return relation
    for stance in (relation.from_stance, relation.to_stance):
        _check_live(stance, "from" if stance is relation.from_stance else "to")
    ends = (relation.from_stance_id, relation.to_stance_id)
    if has_live_link(session, *ends, relation.type_id, exclude=relation.id):
        raise Conflict("These two stances are linked by this type again already.", field="type")
    return _set_deleted(session, edit, relation, None, "restore")


def _edited(session: Session, edit: RowEdit, gold: bool) -> Relation:
    """The relation an edit names, once the owner may change it (deleted ones too)."""
    _require_owner(session, edit.project, edit.statement, edit.user, gold)
    return get_relation(session, edit.statement, edit.row_id, edit.user, gold=gold)


def _set_deleted(session, edit: RowEdit, relation: Relation, when, action: str) -> Relation:
    """Delete (``when``) or restore (None) on its own, not with a stance; audited."""
    with race_is_conflict(relation, edit.version, "relation"):
        relation.deleted_at = when
        relation.deleted_with_stance = False
        session.flush()
    audit_relation(session, edit.user, edit.project, relation, action)
    return relation


def list_relations(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    *,
    gold: bool = False,
    include_deleted: bool = False,
) -> list[Relation]:
    """The owner's relations on a statement in creation order, with types and ends loaded."""
    _require_owner(session, project, statement, user, gold, editable=False)
    query = (
        select(Relation)
        .where(Relation.statement_id == statement.id, *_owned(user, gold))
        .options(selectinload(Relation.type))
        .options(selectinload(Relation.from_stance), selectinload(Relation.to_stance))
        .order_by(Relation.id)
    )
    if not include_deleted:
        query = query.where(Relation.deleted_at.is_(None))
    return list(session.scalars(query))


def get_relation(
    session: Session, statement: Statement, relation_id: int, user: User, *, gold: bool = False
) -> Relation:
    """One of the owner's relations on this statement; others' are NotFound, not Forbidden."""
    relation = session.get(Relation, relation_id)
    if relation is None or relation.statement_id != statement.id or not _owns(relation, user, gold):
        raise NotFound("No such relation.")
    return relation


def _owned(user: User, gold: bool) -> tuple:
    """The WHERE terms of an owner's rows, for relations and stances alike."""
    if gold:
        return (Relation.is_gold,)
    return (Relation.is_gold.is_(False), Relation.annotator_id == user.id)


def _owns(row: Relation | Stance, user: User, gold: bool) -> bool:
    return bool(row.is_gold) if gold else (not row.is_gold and row.annotator_id == user.id)


def _require_owner(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    gold: bool,
    *,
    editable: bool = True,
) -> None:
    """Annotators need the statement assigned (and open, to change); gold needs a reviewer."""
    if statement.project_id != project.id:
        raise NotFound("No such statement in this project.")
    if not gold:
        require_assignment(session, statement, user, editable=editable)
    elif (role_of(session, project, user) or Role.ANNOTATOR) < Role.REVIEWER:
        raise Forbidden("Gold relations need the reviewer role.")


def _ends(
    session: Session, statement: Statement, user: User, gold: bool, from_id: int, to_id: int
) -> tuple[Stance, Stance]:
    """The two stances, checked: distinct, the owner's, on this statement, not deleted."""
    if from_id == to_id:
        raise Invalid("A relation links two different stances, not a stance to itself.", field="to")
    # Both stances in one query; the two ``session.get`` below then find them in the identity
    # map (which holds weak references: ``loaded`` keeps them there until then).
    ids = [i for i in (from_id, to_id) if isinstance(i, int) and not isinstance(i, bool)]
    loaded = session.scalars(select(Stance).where(Stance.id.in_(ids))).all()
    source = _end(session, statement, user, gold, from_id, "from")
    ends = source, _end(session, statement, user, gold, to_id, "to")
    del loaded
    return ends


def _end(
    session: Session, statement: Statement, user: User, gold: bool, stance_id, field: str
) -> Stance:
    is_id = isinstance(stance_id, int) and not isinstance(stance_id, bool)
    stance = session.get(Stance, stance_id) if is_id else None
    whose = "a gold stance" if gold else "one of your stances"
    if stance is None or not _owns(stance, user, gold):
        raise Invalid(f"Stance {stance_id} is not {whose}; both ends must be.", field=field)
    if stance.statement_id != statement.id:
        raise Invalid(
            f"Stance {stance_id} belongs to another statement; both ends must be on this one.",
            field=field,
        )
    _check_live(stance, field, Invalid)
    return stance


def _check_live(stance: Stance, field: str, error: type = Conflict) -> None:
    """A deleted end: 422 when a request names it, 409 when a restore finds it gone."""
    if stance.deleted_at is not None:
        raise error(f"Stance {stance.id} was deleted; restore it before linking it.", field=field)


def _type(session: Session, project: Project, key: str) -> RelationType:
    """An active relation type of this project, by key."""
    rtype = session.scalar(
        select(RelationType).where(RelationType.project_id == project.id, RelationType.key == key)
    )
    if rtype is None or rtype.retired:
        state = "retired" if rtype is not None else "unknown"
        raise Invalid(f"The relation type '{key}' is {state} in this project.", field="type")
    return rtype


def _type_and_link(
    session: Session, project: Project, key: str, ends: tuple[Stance, Stance]
) -> tuple[RelationType, bool]:
    """The active type by key, and whether these ends are live-linked by it already.

    One query for both (the save path is as short as a stance's); the rule is the one of
    ``has_live_link`` and of the unique index.
    """
    live = (
        select(Relation.id)
        .where(
            Relation.from_stance_id == ends[0].id,
            Relation.to_stance_id == ends[1].id,
            Relation.type_id == RelationType.id,
            Relation.deleted_at.is_(None),
        )
        .exists()
    )
    query = select(RelationType, live).where(
        RelationType.project_id == project.id, RelationType.key == key
    )
    row = session.execute(query).first()
    if row is None:
        return _type(session, project, key), False  # raises the message for an unknown type
    rtype, linked = row
    if rtype.retired:
        _type(session, project, key)  # raises the message for a retired type
    return rtype, bool(linked)
