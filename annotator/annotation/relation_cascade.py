"""A stance's relations follow it: deleted with it, back when it is restored (both audited).

Kept apart from ``relations`` so the stance service can call it without an import cycle
(``relations`` builds on ``stances``).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_statement_change
from annotator.models import Project, Relation, Stance, User


def delete_stance_relations(
    session: Session, user: User | None, project: Project, stance: Stance
) -> list[Relation]:
    """Soft-delete the live relations touching a just-deleted stance, marked as gone with it."""
    touching = session.scalars(_touching(stance).where(Relation.deleted_at.is_(None))).all()
    for relation in touching:
        relation.deleted_at = stance.deleted_at
        relation.deleted_with_stance = True
    session.flush()
    extra = {"with_stance": stance.id}
    for relation in touching:
        audit_relation(session, user, project, relation, "delete", extra=extra)
    return list(touching)


def restore_stance_relations(
    session: Session, user: User | None, project: Project, stance: Stance
) -> list[Relation]:
    """Bring back what went with a stance once both ends are live, unless a twin replaced it."""
    gone = session.scalars(_touching(stance).where(Relation.deleted_with_stance)).all()
    back = []
    for relation in gone:  # one at a time: each brought back counts as a twin for the next
        if _other_end_live(relation, stance) and not _twin_of(session, relation):
            relation.deleted_at = None
            relation.deleted_with_stance = False
            back.append(relation)
            session.flush()
    extra = {"with_stance": stance.id}
    for relation in back:
        audit_relation(session, user, project, relation, "restore", extra=extra)
    return back


def _touching(stance: Stance):
    return select(Relation).where(
        or_(Relation.from_stance_id == stance.id, Relation.to_stance_id == stance.id)
    )


def _other_end_live(relation: Relation, stance: Stance) -> bool:
    other = relation.to_stance if relation.from_stance_id == stance.id else relation.from_stance
    return other.deleted_at is None


def _twin_of(session: Session, relation: Relation) -> bool:
    ends = (relation.from_stance_id, relation.to_stance_id)
    return has_live_link(session, *ends, relation.type_id, exclude=relation.id)


def has_live_link(
    session: Session, from_id: int, to_id: int, type_id: int, *, exclude: int | None = None
) -> bool:
    """Whether a live relation (other than ``exclude``) has these ends and type: the rule of
    the unique index, checked first so the user gets a message rather than a failed flush."""
    link = select(Relation.id).where(
        Relation.from_stance_id == from_id,
        Relation.to_stance_id == to_id,
        Relation.type_id == type_id,
        Relation.deleted_at.is_(None),
    )
    if exclude is not None:
        link = link.where(Relation.id != exclude)
    return session.scalar(link.limit(1)) is not None


def relation_snapshot(relation: Relation) -> dict:
    """The fields of a relation the audit log keeps, so any version can be read back."""
    return {
        "from_stance_id": relation.from_stance_id,
        "to_stance_id": relation.to_stance_id,
        "type_id": relation.type_id,
        "note": relation.note,
        "version": relation.version,
        "deleted": relation.deleted_at is not None,
    }


def audit_relation(
    session: Session,
    user: User | None,
    project: Project,
    relation: Relation,
    action: str,
    before: dict | None = None,
    extra: dict | None = None,
) -> None:
    """Record a relation change (``relation`` or ``gold_relation``) with its content."""
    entity = "gold_relation" if relation.is_gold else "relation"
    after = relation_snapshot(relation)
    record_statement_change(
        session, user, project.id, action, entity, relation, after, before, extra
    )
