"""The stance row: the fields of a stance, declared once, and the one select that reads them.

The workspace and its fragments, the API, the review board, the export and the import read
stances through ``stance_select`` as ``StanceRow``s (the export, at a million rows, as the
driver's tuples in the same column order). The field lists below are derived from the row,
so a new stance field is the model, a migration, ``StanceRow`` (plus ``StanceValues`` when
annotators give it) and the form and template that show it; see docs/architecture.md.

Building 500 ORM objects with three joined relationships costs tens of milliseconds; these
readers need only values, which one Core query gives in about two.
"""

from __future__ import annotations

import functools
import operator
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Select, String, bindparam, null, select, type_coerce
from sqlalchemy.orm import Session, aliased

from annotator.models import Actor, Label, Stance


@dataclass(kw_only=True)
class StanceValues:
    """What an annotator or reviewer gives a stance besides its span, label and actors.

    The service inputs (``StanceInput``, ``GoldInput``) extend it, so a field added here is
    taken from the forms, stored, audited, copied into gold, exported and imported.
    """

    note: str = ""


class StanceRow(NamedTuple):
    """A stance as plain values: its own columns, then its references as keys and names."""

    id: int
    statement_id: int
    annotator_id: int | None
    is_gold: bool
    start: int
    end: int
    text: str
    label_id: int
    target_id: int | None
    holder_id: int | None
    note: str
    guidelines_version: int | None
    version: int
    created_at: datetime | None  # None when read without timestamps (the page)
    updated_at: datetime | None
    deleted_at: datetime | None
    label_key: str | None  # the references, joined: None when read without names (export)
    label_name: str | None
    target_key: str | None
    target_name: str | None
    target_status: str | None
    holder_key: str | None
    holder_name: str | None


# The actor roles of a stance: ``<role>_id`` on the model, ``<role>_<column>`` in the row.
ACTOR_ROLES = ("target", "holder")
# What makes two stances the same stance: unanimity, duplicate gold, an import's idempotence.
CONTENT = ("start", "end", "label_id", *(f"{role}_id" for role in ACTOR_ROLES))
# What annotators give besides the content (``StanceValues``), in declaration order.
VALUE_FIELDS = tuple(f.name for f in fields(StanceValues))
# The stance's own values a dataset record carries under the same names: what annotators
# gave and the guidelines they worked under. Gold copies keep them; imports read them back.
RECORD_VALUES = (*VALUE_FIELDS, "guidelines_version")
# The timestamps, read as datetimes, as the driver's text (export) or not at all (page).
TIMESTAMPS = ("created_at", "updated_at", "deleted_at")
# The stance's own columns come first in the row, its references' keys and names after.
OWN_FIELDS = tuple(name for name in StanceRow._fields if name in Stance.__table__.c)
Times = Literal["datetime", "raw", "none"]


def value_types() -> dict[str, Any]:
    """The declared type of each record value (``int | None``...), for an importer's checks."""
    hints = typing.get_type_hints(StanceRow, globalns=globals())
    return {name: hints[name] for name in RECORD_VALUES}


def stance_select(
    *, names: bool = True, times: Times = "datetime", fields: tuple[str, ...] | None = None
) -> Select:
    """The one select of ``StanceRow``: callers add where and order by.

    ``names=False`` reads the stance's own columns alone (the row up to ``OWN_FIELDS``),
    for readers that look references up by id; ``fields`` narrows the row further, in row
    order (the export: a million rows, no joins, only what a record holds). ``times``
    reads timestamps as datetimes, as the driver's text (``raw``: rewriting SQLite's text
    is cheaper than parsing it) or as NULL (``none``: the page shows none, and parsing
    them would double its cost).
    """
    wanted = StanceRow._fields if fields is None else fields
    return _stance_select(tuple(n for n in wanted if names or _own(n)), names, times)


@functools.cache
def _stance_select(wanted: tuple[str, ...], names: bool, times: Times) -> Select:
    """Built once per variant: constructing the aliased select costs more than running it."""
    refs = {"label": Label}
    refs.update((role, aliased(Actor, name=role)) for role in ACTOR_ROLES)
    columns = [_column(name, refs, times) for name in wanted]
    query = select(*columns).select_from(Stance)
    if names:
        query = query.join(refs["label"], Label.id == Stance.label_id)
        for role in ACTOR_ROLES:
            actor = refs[role]
            query = query.outerjoin(actor, actor.id == getattr(Stance, f"{role}_id"))
    return query


def _own(name: str) -> bool:
    return name in Stance.__table__.c


def _column(name: str, refs: dict, times: Times):
    """A row field's column: the stance's own, a timestamp as asked, or a reference's."""
    if name in TIMESTAMPS and times != "datetime":
        column = getattr(Stance, name)
        return null().label(name) if times == "none" else type_coerce(column, _RAW).label(name)
    if _own(name):
        return getattr(Stance, name)
    ref, _, attr = name.partition("_")
    return getattr(refs[ref], attr).label(name)


_RAW = String()  # timestamps as the driver hands them over


# The owner ``list_stance_rows`` reads for the review board: every annotator's and gold.
EVERY_OWNER: Literal["every"] = "every"


def list_stance_rows(
    session: Session,
    statement_id: int,
    owner_id: int | Literal["every"],
    *,
    within: tuple[int, int] | None = None,
    timestamps: bool = True,
) -> list[StanceRow]:
    """Live stances of a statement by position: the owner's (blind: never anyone else's),
    or with ``EVERY_OWNER`` every annotator's and gold (review board); optionally in a range.

    An explicit constant, not None, asks for every owner, so an owner id that is missing
    cannot show an annotator the others' work. The page and the board show no timestamps, so
    they pass ``timestamps=False`` and get None there; their rows are then the driver's own
    tuples, as no column needs converting but ``is_gold`` (0 on SQLite: false all the same),
    which saves a sixth to a third of the read.
    """
    every = owner_id == EVERY_OWNER
    lo, hi = within if within is not None else (None, None)
    params = {"statement_id": statement_id, "lo": lo, "hi": hi}
    if not every:
        params["owner_id"] = owner_id
    result = session.connection().execute(_live(every, within is not None, timestamps), params)
    try:
        return [StanceRow(*row) for row in (result if timestamps else result.cursor)]
    finally:
        result.close()


@functools.cache
def _live(every: bool, within: bool, timestamps: bool) -> Select:
    query = (
        stance_select(times="datetime" if timestamps else "none")
        .where(Stance.statement_id == bindparam("statement_id"), Stance.deleted_at.is_(None))
        .order_by(Stance.start, Stance.end, Stance.id)
    )
    if not every:
        query = query.where(Stance.annotator_id == bindparam("owner_id"))
    if within:
        query = query.where(Stance.start < bindparam("hi"), Stance.end > bindparam("lo"))
    return query


def get_stance_row(session: Session, stance_id: int) -> StanceRow | None:
    """One stance, deleted or not, as a row (what a form is filled from; the API's answer)."""
    row = session.connection().execute(_ONE, {"stance_id": stance_id}).first()
    return StanceRow(*row) if row is not None else None


_ONE = stance_select().where(Stance.id == bindparam("stance_id"))


# What makes two stances (rows or models) the same stance: ``CONTENT``'s values, as a tuple.
# An attrgetter, not a function around one: the review board calls it per stance.
content_key: Callable[[Any], tuple] = operator.attrgetter(*CONTENT)


def form_data(row: StanceRow) -> dict[str, Any]:
    """A stance's values as the stance and gold forms name them (actors by key and name)."""
    data = {"start": row.start, "end": row.end, "text": row.text, "label": row.label_key}
    for role in ACTOR_ROLES:
        data[role] = getattr(row, f"{role}_key") or ""
        data[f"{role}_q"] = getattr(row, f"{role}_name") or ""
    data.update((name, getattr(row, name)) for name in VALUE_FIELDS)
    return data | {"version": row.version}
