"""The bundles of a format that writes relations alone (``relations``): each statement's
relation records, no stance records.

The hot path of the ``relations`` export. A batch of statements costs two queries: its
relations joined to both ends (span, label, actors: what an end record and its id need),
as the driver's tuples, and a count of alike stances (same owner and content). Stances
that are no relation's end are never read into Python. An end record's ``id`` is its
stance's record id, which ``records.unique_ids`` suffixes (``-2``) when an owner holds two
alike stances, and which names the stance's owner: the relation's own, since the database
refuses ends of another owner (migration 0016). A statement that holds such twins is built
the general way, from all its stance records, so the ids stay those of the stance formats
(tests/test_relation_export_records.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    distinct,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.orm import Session, aliased

from annotator.exchange.bundles import (
    IdRange,
    Lookups,
    in_batch,
    iso,
    iter_statement_rows,
    load_lookups,
    plain_rows,
    statement_bundle,
)
from annotator.formats.records import prefixed_stance_id, stance_id_prefix
from annotator.formats.relations import relation_id
from annotator.models import Project, Relation, RelationType, Stance, Statement

_FROM, _TO = aliased(Stance), aliased(Stance)
_FIRST = itemgetter(0)
_STATEMENT_TEXT = (Statement.id, Statement.external_id, Statement.text)  # no meta to parse
# The relation's owner as one column: the annotator's id, NULL for gold. Its ends are its
# owner's stances (the database refuses anything else, migration 0016), so an end's id hashes
# the relation's owner.
_OWNER = case((Relation.is_gold, null()), else_=Relation.annotator_id)
_END_COLUMNS = ("id", "start", "end", "label_id", "target_id", "holder_id")
# updated_at, NULL for a relation never edited (most): the driver then makes no string of it.
_EDITED = func.nullif(Relation.updated_at, Relation.created_at)


def iter_relations_only(
    session: Session,
    project: Project,
    scope: str,
    rename: Callable[[str], str] | None = None,
    ids: IdRange = None,
    look: Lookups | None = None,
) -> Iterator[dict[str, Any]]:
    """Every statement of the project in id order with its in-scope live relations as
    relation records (``relations``) and no stances: what ``bundles.iter_bundles`` gives a
    relation format, built from the relations and their ends alone (``ids``, ``look``: as
    ``iter_bundles``)."""
    look = look or load_lookups(session, project, rename)
    keys = _keys(session, project, look)
    conn = session.connection()  # Core rows: no ORM bookkeeping per relation
    for rows in iter_statement_rows(conn, project, _STATEMENT_TEXT, ids):
        span = (project.id, rows[0].id, rows[-1].id)
        links = _batch_links(conn, span, scope)
        twins = _with_twins(conn, span, scope) if links else set()
        for row in rows:
            if row.id in twins:
                bundle = statement_bundle(conn, project, row.id, scope, look)
                yield {**bundle, "stances": []}  # a relation format reads none
                continue
            own = links.get(row.id, ())
            records = _records(row, own, keys) if own else []
            statement = {"id": row.external_id, "text": row.text}
            yield {"statement": statement, "stances": [], "relations": records}


@dataclass
class _Keys:
    """What an end and a relation name, by database id, loaded once per export."""

    project: str
    labels: dict[int, str]  # label id -> key
    actors: dict[int, str]  # actor id -> key
    types: dict[int, tuple[str, str]]  # relation type id -> (key, AIF kind)
    names: Callable[[int], str]  # user id -> name (or pseudonym)


def _keys(session: Session, project: Project, look: Lookups) -> _Keys:
    labels = {label_id: key for label_id, (key, _polarity) in look.labels.items()}
    actors = {actor_id: actor["id"] for actor_id, actor in look.actors.items()}
    return _Keys(look.project, labels, actors, _types(session, project), look.names)


def _types(session: Session, project: Project) -> dict[int, tuple[str, str]]:
    """Relation type id -> (key, AIF kind), loaded once (a join would cost per relation)."""
    query = select(RelationType.id, RelationType.key, RelationType.aif)
    rows = session.execute(query.where(RelationType.project_id == project.id))
    return {type_id: (key, aif) for type_id, key, aif in rows}


def _batch_links(conn: Connection, span: tuple, scope: str) -> dict[int, list]:
    """Live relations of a batch with both live ends, grouped by statement: (statement id,
    owner (the annotator's id, None for gold), type id, note, created_at, updated_at or
    None when it equals created_at, then ``_END_COLUMNS`` of the from end and of the to
    end), timestamps as the driver's."""
    query = (
        select(Relation.statement_id, _OWNER, Relation.type_id, Relation.note,
               Relation.created_at, _EDITED,
               *(getattr(_FROM, c) for c in _END_COLUMNS),
               *(getattr(_TO, c) for c in _END_COLUMNS))
        .join(_FROM, _FROM.id == Relation.from_stance_id)
        .join(_TO, _TO.id == Relation.to_stance_id)
        .where(*in_batch(Relation.statement_id, span), Relation.deleted_at.is_(None))
        .where(_FROM.deleted_at.is_(None), _FROM.statement_id == Relation.statement_id)
        .where(_TO.deleted_at.is_(None), _TO.statement_id == Relation.statement_id)
    )  # fmt: skip
    if scope != "all":
        query = query.where(Relation.is_gold.is_(scope == "gold"))
    grouped: dict[int, list] = defaultdict(list)
    for row in plain_rows(conn, query):
        grouped[row[0]].append(row)
    return grouped


def _with_twins(conn: Connection, span: tuple, scope: str) -> set[int]:
    """The batch's statements that may hold alike live stances of one owner (in scope).

    Each stance's owner and content are folded into one integer, ``_FINGERPRINT``, and a
    statement is flagged when it has fewer distinct fingerprints than stances: alike
    stances always collide, so none is missed, and two different stances collide rarely
    (then the statement is merely built the general way). Counting distinct integers per
    statement costs SQLite two thirds of grouping the batch by all eight columns.
    """
    query = (
        select(Statement.id)
        .join(Stance, Statement.id == Stance.statement_id)
        .where(*in_batch(Stance.statement_id, span), Stance.deleted_at.is_(None))
        .group_by(Statement.id)  # the order the index walks: no sorting of groups
        .having(func.count() > func.count(distinct(_FINGERPRINT)))
    )
    if scope != "all":
        query = query.where(Stance.is_gold.is_(scope == "gold"))
    return {statement_id for (statement_id,) in plain_rows(conn, query)}


def _fingerprint():
    """Start and end (16 bits each), label and owner (8 each), target and holder (7 each):
    residues, so the sum stays below 2**62 (PostgreSQL refuses a bigint overflow)."""
    parts = (Stance.start, Stance.end, Stance.label_id, func.coalesce(Stance.annotator_id, 0),
             func.coalesce(Stance.target_id, 0), func.coalesce(Stance.holder_id, 0))  # fmt: skip
    total, shift = None, 0
    for column, bits in zip(parts, (16, 16, 8, 8, 7, 7), strict=True):
        term = (column % literal_column(str(2**bits))) * literal_column(str(2**shift))
        total = term if total is None else total + term
        shift += bits
    return total


_FINGERPRINT = _fingerprint()


def _records(row, links: list[tuple], keys: _Keys) -> list[dict[str, Any]]:
    """One statement's relation records, ordered as ``link_records`` orders them: owner
    (annotators by name, gold last), the ends' spans, type, id.

    The hot loop: rows unpacked whole, per owner its name and the head of its stances' id
    text built once, each end built once however many relations share it.
    """
    statement_id, text, project = row.external_id, row.text, keys.project
    types = keys.types
    owners: dict[int | None, tuple] = {}
    ends: dict[int, dict[str, Any]] = {}
    keyed = []
    for (_st, user_id, type_id, note, created, updated,
         f_id, f_start, f_end, f_label, f_target, f_holder,
         t_id, t_start, t_end, t_label, t_target, t_holder) in links:  # fmt: skip
        owner = owners.get(user_id) or _owner(owners, keys, statement_id, user_id)
        a = ends.get(f_id)
        if a is None:
            a = ends[f_id] = _end(owner[2], text, keys, f_start, f_end, f_label, f_target, f_holder)
        b = ends.get(t_id)
        if b is None:
            b = ends[t_id] = _end(owner[2], text, keys, t_start, t_end, t_label, t_target, t_holder)
        kind, aif = types[type_id]
        rid = relation_id(a["id"], b["id"], kind)
        created_at = iso(created)
        record = {
            "project": project, "statement_id": statement_id, "id": rid, "type": kind,
            "aif": aif, "from": a, "to": b, "annotator": owner[1],
            "scope": owner[3], "note": note, "created_at": created_at,
            "updated_at": created_at if updated is None else iso(updated),
        }  # fmt: skip
        keyed.append(((owner[0], f_start, f_end, t_start, t_end, kind, rid), record))
    keyed.sort(key=_FIRST)
    return [record for _key, record in keyed]


def _end(prefix: str, text: str, keys: _Keys, start: int, end: int, label_id: int,
         target_id: int | None, holder_id: int | None) -> dict[str, Any]:  # fmt: skip
    """An end record, its id ``records.prefixed_stance_id`` after its owner's ``prefix``, as
    the stance records' (tests/test_relation_export_records.py checks end ids against them)."""
    label, actors = keys.labels[label_id], keys.actors
    target, holder = actors.get(target_id), actors.get(holder_id)
    digest = prefixed_stance_id(prefix, start, end, label, target, holder)
    return {"id": digest, "start": start, "end": end, "text": text[start:end], "label": label}


def _owner(owners: dict, keys: _Keys, statement_id: str, user_id: int | None) -> tuple:
    """(sort key, annotator name, ``records.stance_id_prefix`` of its stances, scope) of a
    relation's owner, remembered in ``owners``: ``user_id`` None is gold, sorted after
    annotators."""
    annotator = None if user_id is None else keys.names(user_id)
    prefix = stance_id_prefix(statement_id, annotator)
    sort_key = (user_id is None, annotator or "")
    scope = "gold" if user_id is None else "annotator"
    owners[user_id] = owner = (sort_key, annotator, prefix, scope)
    return owner
