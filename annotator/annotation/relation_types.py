"""Relation types are project data like labels: a type in use is retired, never deleted.

Each type maps to an AIF scheme kind: RA (inference, a kind of support) or CA (conflict, a
kind of attack), which the AIF export and the agreement figures read.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import AIF_KINDS, Project, Relation, RelationType, User
from annotator.projects.labels import COLOR_RE, KEY_RE

HOTKEY_RE = re.compile(r"^[a-z]$")  # letters: the digits 1-9 belong to the labels
FIELDS = ("name", "color", "hotkey", "definition", "aif")


def list_relation_types(
    session: Session, project: Project, *, include_retired: bool = False
) -> list[RelationType]:
    """The project's relation types in display order."""
    query = select(RelationType).where(RelationType.project_id == project.id)
    if not include_retired:
        query = query.where(RelationType.retired.is_(False))
    return list(session.scalars(query.order_by(RelationType.position, RelationType.id)))


def get_relation_type(session: Session, project: Project, key: str) -> RelationType:
    """One relation type of the project by key; NotFound otherwise."""
    rtype = session.scalar(
        select(RelationType).where(RelationType.project_id == project.id, RelationType.key == key)
    )
    if rtype is None:
        raise NotFound(f"Unknown relation type '{key}'.", field="key")
    return rtype


def create_relation_type(
    session: Session, project: Project, key: str, *, user: User | None = None, **values
) -> RelationType:
    """Add a relation type at the end of the project's list (``aif`` RA unless given)."""
    key = (key or "").strip()
    if not KEY_RE.match(key) or len(key) > 40:
        raise Invalid(
            "Relation type keys are up to 40 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit.",
            field="key",
        )
    if session.scalar(_by_key(project, key)):
        raise Conflict(f"The relation type '{key}' already exists.", field="key")
    values.setdefault("name", key.replace("_", " ").capitalize())
    values.setdefault("aif", "RA")
    clean = _clean(session, project, None, values)
    last = session.scalar(
        select(func.max(RelationType.position)).where(RelationType.project_id == project.id)
    )
    rtype = RelationType(project_id=project.id, key=key, position=(last or 0) + 1, **clean)
    session.add(rtype)
    session.flush()
    _audit(session, user, project, rtype, "create", clean)
    return rtype


def update_relation_type(
    session: Session, project: Project, rtype: RelationType, *, user: User | None = None, **values
) -> RelationType:
    """Rename, recolour, rebind the hotkey, change the definition or the AIF kind."""
    clean = _clean(session, project, rtype, values)
    diff = {k: [getattr(rtype, k), v] for k, v in clean.items() if getattr(rtype, k) != v}
    for key, (_, new) in diff.items():
        setattr(rtype, key, new)
    if diff:
        session.flush()
        _audit(session, user, project, rtype, "update", diff)
    return rtype


def retire_relation_type(
    session: Session, project: Project, rtype: RelationType, *, user: User | None = None
) -> RelationType:
    """Offer a type no more; its relations keep it and exports still name it."""
    return _set_retired(session, project, rtype, user, True)


def restore_relation_type(
    session: Session, project: Project, rtype: RelationType, *, user: User | None = None
) -> RelationType:
    """Offer a retired type again, unless its hotkey now belongs to another type."""
    if rtype.retired:
        _check_hotkey(session, project, rtype, rtype.hotkey)
    return _set_retired(session, project, rtype, user, False)


def _set_retired(session, project, rtype: RelationType, user, retired: bool) -> RelationType:
    """Retire and restore log only a real change, so repeating either is harmless."""
    if rtype.retired != retired:
        rtype.retired = retired
        session.flush()
        _audit(session, user, project, rtype, "retire" if retired else "restore", {})
    return rtype


def delete_relation_type(
    session: Session, project: Project, rtype: RelationType, *, user: User | None = None
) -> None:
    """Delete a type no relation (live, deleted or gold) ever used; otherwise retire it."""
    used = session.scalar(select(func.count()).where(Relation.type_id == rtype.id))
    if used:
        raise Conflict(
            f"'{rtype.name}' is used by {used} relation(s); retire it instead of deleting.",
            field="key",
        )
    _audit(session, user, project, rtype, "delete", {"key": rtype.key})
    session.delete(rtype)
    session.flush()


def _by_key(project: Project, key: str):
    return select(RelationType.id).where(
        RelationType.project_id == project.id, RelationType.key == key
    )


def _clean(session: Session, project: Project, rtype: RelationType | None, values: dict) -> dict:
    """Validated values for the given fields; raises before anything changes."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid(f"Unknown relation type field(s): {', '.join(sorted(unknown))}.")
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if "name" in clean:
        _check(bool(clean["name"]) and len(clean["name"]) <= 80, "name", "A type needs a name.")
    if "color" in clean:
        clean["color"] = (clean["color"] or "").lower()
        _check(COLOR_RE.match(clean["color"]), "color", "Colours are written #rrggbb.")
    if "hotkey" in clean:
        clean["hotkey"] = (clean["hotkey"] or "").lower() or None
        _check_hotkey(session, project, rtype, clean["hotkey"])
    if "aif" in clean:
        clean["aif"] = (clean["aif"] or "").upper()
        _check(clean["aif"] in AIF_KINDS, "aif", "The AIF kind is RA (support) or CA (attack).")
    if "definition" in clean:
        clean["definition"] = clean["definition"] or ""
        _check(len(clean["definition"]) <= 5000, "definition", "At most 5000 characters.")
    return clean


def _check(ok, field: str, message: str) -> None:
    if not ok:
        raise Invalid(message, field=field)


def _check_hotkey(session: Session, project: Project, rtype: RelationType | None, hotkey) -> None:
    """Hotkeys are single letters, each bound to at most one active type of the project."""
    if hotkey is None:
        return
    _check(HOTKEY_RE.match(hotkey), "hotkey", "Relation type hotkeys are a single letter a-z.")
    holder = session.scalar(
        select(RelationType).where(
            RelationType.project_id == project.id,
            RelationType.hotkey == hotkey,
            RelationType.retired.is_(False),
        )
    )
    if holder is not None and (rtype is None or holder.id != rtype.id):
        raise Conflict(f"Hotkey {hotkey} is already used by '{holder.name}'.", field="hotkey")


def _audit(session, user: User | None, project: Project, rtype: RelationType, action: str, data):
    data = {"key": rtype.key, **data}
    record_event(session, user, action, "relation_type", rtype.id, project_id=project.id, data=data)
