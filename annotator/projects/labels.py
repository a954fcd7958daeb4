"""The label scheme editor: labels are data; a label in use is retired, never deleted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import SEMEVAL_VALUES, Label, Project, Stance, User
from annotator.projects.counters import stance_counts
from annotator.projects.projects import list_labels

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
HOTKEYS = tuple("123456789")
POLARITIES = ("positive", "negative", "neutral")
FIELDS = (
    "name", "color", "hotkey", "definition", "example",
    "requires_target", "polarity", "semeval",
)  # fmt: skip


@dataclass(frozen=True)
class LabelRow:
    """A label with its live stances, annotators' and gold apart, and whether any stance ever
    used it. Every page counts one way: live annotator stances, gold shown on its own."""

    label: Label
    stances: int
    gold: int
    ever_used: bool

    @property
    def deletable(self) -> bool:
        """Same rule as delete_label: a deleted or gold stance also keeps the label."""
        return not self.ever_used


def list_label_rows(session: Session, project: Project) -> list[LabelRow]:
    """Every label (retired ones too) with its stance counts, in display order.

    Annotators' live stances are the stored counters Progress reads (``counters``), a few
    rows whatever the project's size; gold stances are counted in their own partial index
    (``ix_stances_live_gold_label``, migration 0019); whether a label was ever used is one
    probe of ``ix_stances_label_statement`` per label. 2.7 ms CPU at 100,000 stances, where
    counting every stance of the project per request took 52 ms (``bench/labels_bench.py``).
    """
    labels = list_labels(session, project, include_retired=True)
    own: dict[int, int] = {}
    for (_aid, label_id), n in stance_counts(session, project).items():
        own[label_id] = own.get(label_id, 0) + n
    ids = [label.id for label in labels]
    gold = dict(session.execute(
        select(Stance.label_id, func.count())
        .where(Stance.label_id.in_(ids), Stance.is_gold.is_(True), Stance.deleted_at.is_(None))
        .group_by(Stance.label_id)
    ).all())  # fmt: skip
    stanced = exists(select(Stance.id).where(Stance.label_id == Label.id))
    used = set(session.scalars(select(Label.id).where(Label.id.in_(ids), stanced)))
    return [
        LabelRow(label, own.get(label.id, 0), gold.get(label.id, 0), label.id in used)
        for label in labels
    ]


def get_label(session: Session, project: Project, key: str) -> Label:
    """One label of the project by key; NotFound otherwise."""
    label = session.scalar(select(Label).where(Label.project_id == project.id, Label.key == key))
    if label is None:
        raise NotFound(f"Unknown label '{key}'.", field="key")
    return label


def create_label(session: Session, project: Project, key: str, *, user=None, **values) -> Label:
    """Add a label at the end of the scheme."""
    key = (key or "").strip()
    if not KEY_RE.match(key) or len(key) > 40:
        raise Invalid(
            "Label keys are up to 40 lower-case letters, digits, '_' or '-', "
            "starting with a letter or digit.",
            field="key",
        )
    if session.scalar(select(Label.id).where(Label.project_id == project.id, Label.key == key)):
        raise Conflict(f"The label '{key}' already exists.", field="key")
    values.setdefault("name", key.replace("_", " ").capitalize())
    clean = _clean(session, project, None, values)
    last = session.scalar(select(func.max(Label.position)).where(Label.project_id == project.id))
    label = Label(project_id=project.id, key=key, position=(last or 0) + 1, **clean)
    project.labels.append(label)  # the collection stance validation reads (services/stances)
    session.flush()
    _audit(session, user, project, label, "create", clean)
    return label


def update_label(session: Session, project: Project, label: Label, *, user=None, **values):
    """Rename, recolour, rebind the hotkey or change definition, example and mappings."""
    clean = _clean(session, project, label, values)
    diff = {k: [getattr(label, k), v] for k, v in clean.items() if getattr(label, k) != v}
    for key, (_, new) in diff.items():
        setattr(label, key, new)
    if diff:
        session.flush()
        _audit(session, user, project, label, "update", diff)
    return label


def _clean(session: Session, project: Project, label: Label | None, values: dict) -> dict:
    """Validated values for the given fields; raises before anything changes."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise Invalid(f"Unknown label field(s): {', '.join(sorted(unknown))}.")
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    if "name" in clean:
        _check(bool(clean["name"]) and len(clean["name"]) <= 80, "name", "A label needs a name.")
    if "color" in clean:
        clean["color"] = (clean["color"] or "").lower()
        _check(COLOR_RE.match(clean["color"]), "color", "Colours are written #rrggbb.")
    if "hotkey" in clean:
        clean["hotkey"] = clean["hotkey"] or None
        _check_hotkey(session, project, label, clean["hotkey"])
    if "polarity" in clean:
        clean["polarity"] = clean["polarity"] or None
        _check(clean["polarity"] in (None, *POLARITIES), "polarity",
               f"Polarity is one of {', '.join(POLARITIES)} or empty.")  # fmt: skip
    if "semeval" in clean:
        clean["semeval"] = (clean["semeval"] or "").upper()
        _check(clean["semeval"] in SEMEVAL_VALUES, "semeval",
               f"The SemEval mapping is one of {', '.join(SEMEVAL_VALUES)}.")  # fmt: skip
    for field in ("definition", "example"):
        if field in clean:
            clean[field] = clean[field] or ""
            _check(len(clean[field]) <= 5000, field, f"The {field} has at most 5000 characters.")
    if "requires_target" in clean:
        clean["requires_target"] = bool(clean["requires_target"])
    return clean


def _check(ok, field: str, message: str) -> None:
    if not ok:
        raise Invalid(message, field=field)


def _check_hotkey(session: Session, project: Project, label: Label | None, hotkey) -> None:
    """Hotkeys are digits 1-9, each bound to at most one active label of the project."""
    if hotkey is None:
        return
    _check(hotkey in HOTKEYS, "hotkey", "Hotkeys are a single digit from 1 to 9.")
    holder = session.scalar(
        select(Label).where(
            Label.project_id == project.id, Label.hotkey == hotkey, Label.retired.is_(False)
        )
    )
    if holder is not None and (label is None or holder.id != label.id):
        raise Conflict(f"Hotkey {hotkey} is already used by '{holder.name}'.", field="hotkey")


def move_label(session: Session, project: Project, label: Label, offset: int, *, user=None):
    """Move a label up (-1) or down (+1) in the display order."""
    labels = list_labels(session, project, include_retired=True)
    index = labels.index(label)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(labels):
        return label
    labels[index], labels[target] = labels[target], labels[index]
    for position, item in enumerate(labels):
        item.position = position
    session.flush()
    _audit(session, user, project, label, "move", {"position": target})
    return label


def retire_label(session: Session, project: Project, label: Label, *, user=None) -> Label:
    """Hide a label from annotators; its stances keep it and exports still name it."""
    if not label.retired:
        label.retired = True
        session.flush()
        _audit(session, user, project, label, "retire", {})
    return label


def restore_label(session: Session, project: Project, label: Label, *, user=None) -> Label:
    """Bring a retired label back, unless its hotkey now belongs to another label."""
    if label.retired:
        _check_hotkey(session, project, label, label.hotkey)
        label.retired = False
        session.flush()
        _audit(session, user, project, label, "restore", {})
    return label


def delete_label(session: Session, project: Project, label: Label, *, user=None) -> None:
    """Delete a label no stance (live, deleted or gold) has ever used; otherwise retire it."""
    used = session.scalar(select(func.count()).where(Stance.label_id == label.id))
    if used:
        raise Conflict(
            f"'{label.name}' is used by {used} stance(s); retire it instead of deleting.",
            field="key",
        )
    _audit(session, user, project, label, "delete", {"key": label.key})
    if label in project.labels:
        project.labels.remove(label)  # delete-orphan: removing it from the scheme deletes it
    session.delete(label)
    session.flush()


def _audit(session, user: User | None, project: Project, label: Label, action: str, data):
    data = {"key": label.key, **data}
    record_event(session, user, action, "label", label.id, project_id=project.id, data=data)
