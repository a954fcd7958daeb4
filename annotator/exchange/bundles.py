"""Statements with their stances as canonical records, streamed from the database.

The hot path of every export. Statements are read ``BATCH`` at a time in id order (keyset
pagination); each batch's stances come in one query over the batch's id range as the
driver's plain tuples; labels, actors and usernames are looked up in dicts loaded once.
Memory depends on the batch, never on the project size. See docs/export.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from annotator.annotation.relation_records import batch_query, link_records
from annotator.annotation.rows import CONTENT, RECORD_VALUES, StanceRow, stance_select
from annotator.formats.records import stance_id, unique_ids
from annotator.models import (
    Actor,
    GoldDecision,
    Label,
    Project,
    Recommender,
    Stance,
    Statement,
    Suggestion,
    User,
)

BATCH = 500
Rename = Callable[[str], str] | None
IdRange = tuple[int, int] | None  # (first, last) statement id, both included


def iso(value: datetime | str | None) -> str | None:
    """UTC ISO 8601, the same text on SQLite and PostgreSQL.

    SQLite hands over its stored text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC; see
    ``_RAW``): rewriting that string is several times cheaper than parsing and formatting
    a datetime, and gives what ``datetime.isoformat`` gives (no fraction when it is zero).
    """
    if value.__class__ is str and len(value) == 26 and value[10] == " " and value[19] == ".":
        if value[19:] == ".000000":  # one f-string a branch: a fifth cheaper than concatenating
            return f"{value[:10]}T{value[11:19]}+00:00"
        return f"{value[:10]}T{value[11:]}+00:00"
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.astimezone(UTC).isoformat()


@dataclass
class Lookups:
    """Dicts loaded once per export so stance rows stay plain tuples (``load_lookups``)."""

    project: str
    labels: dict[int, tuple[str, str | None]]
    actors: dict[int, dict[str, Any]]
    names: Callable[[int], str]


def load_lookups(session: Session, project: Project, rename: Rename) -> Lookups:
    """The project's labels and actors by id, and usernames (``rename``d) as they are met."""
    labels = session.execute(
        select(Label.id, Label.key, Label.polarity).where(Label.project_id == project.id)
    ).all()
    actors = session.execute(
        select(Actor.id, Actor.key, Actor.name, Actor.type, Actor.wikidata).where(
            Actor.project_id == project.id
        )
    ).all()
    return Lookups(
        project=project.slug,
        labels={i: (k, p) for i, k, p in labels},
        actors={i: {"id": k, "name": n, "type": t, "wikidata": w} for i, k, n, t, w in actors},
        names=user_names(session, rename),
    )


def user_names(
    session: Session, rename: Rename, known: dict[int, str] | None = None
) -> Callable[[int], str]:
    """User id -> username (``rename``d), read through ``session`` as they are met; the
    ``known`` ones (``every_name``) need no read."""
    users = dict(known or {})

    def name(user_id: int) -> str:
        if user_id not in users:
            username = session.scalar(select(User.username).where(User.id == user_id))
            users[user_id] = rename(username) if rename else username
        return users[user_id]

    return name


def every_name(session: Session, rename: Rename) -> dict[int, str]:
    """Every user's name (``rename``d), read at once: what the workers of a parallel export
    start from, instead of a query per user and range of statements."""
    rows = session.execute(select(User.id, User.username))
    return {user_id: rename(name) if rename else name for user_id, name in rows}


STATEMENT_COLUMNS = (
    Statement.id,
    Statement.external_id,
    Statement.title,
    Statement.author,
    Statement.organization,
    Statement.date,
    Statement.url,
    Statement.lang,
    Statement.meta,
    Statement.text,
)


# The stance row's fields a record needs, in row order (the text is the statement's slice):
# reading the others too (text, version, deleted_at) costs a sixth more per row.
_READ = tuple(
    name
    for name in StanceRow._fields
    if name in ("id", "statement_id", "annotator_id", "is_gold", "start", "end", *CONTENT,
                *RECORD_VALUES, "created_at", "updated_at")
)  # fmt: skip


def _getter(*names: str) -> Callable[[tuple], tuple]:
    """The named fields of a row read as ``_READ``, as a tuple (read by position: a million
    plain tuples are cheaper than a million named ones)."""
    get = itemgetter(*(_READ.index(name) for name in names))
    return get if len(names) > 1 else lambda row: (get(row),)


_ID, _STATEMENT, _GOLD, _OWNER = (_READ.index(n) for n in
                                  ("id", "statement_id", "is_gold", "annotator_id"))  # fmt: skip
_FRAME = _getter("id", "is_gold", "annotator_id", "start", "end", "label_id", "target_id",
                 "holder_id", "created_at", "updated_at")  # fmt: skip
# (record key, row position) of the stance's own values; a loop over these pairs costs a
# seventh of ``dict.update(zip(...))``.
_VALUES = tuple((name, _READ.index(name)) for name in RECORD_VALUES)
_VOTE_KEY = _getter("start", "end", "label_id", "target_id")
# Where an accepted suggestion came from, read after ``_READ`` by the same query (two outer
# joins on primary keys, not a query per stance): NULL for stances drawn by hand.
_ORIGIN_COLUMNS = (
    Suggestion.id,
    Recommender.name,
    Recommender.kind,
    Suggestion.model_version,
    Suggestion.score,
)
_ORIGIN = len(_READ)


def iter_statement_rows(
    conn: Connection, project: Project, columns: tuple = STATEMENT_COLUMNS, ids: IdRange = None
) -> Iterator[list[Any]]:
    """Batches of statement rows in id order, by keyset pagination on the id (``columns``
    must include ``Statement.id``); ``ids`` (first, last) keeps those in that range, the
    share of one worker of a parallel export (``exchange/split_export``)."""
    first, upto = ids or (1, None)
    last = first - 1
    while True:
        query = select(*columns).where(Statement.project_id == project.id, Statement.id > last)
        if upto is not None:
            query = query.where(Statement.id <= upto)
        rows = conn.execute(query.order_by(Statement.id).limit(BATCH)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def iter_bundles(
    session: Session,
    project: Project,
    scope: str,
    rename: Rename = None,
    *,
    relations: bool = False,
    ids: IdRange = None,
    look: Lookups | None = None,
) -> Iterator[dict[str, Any]]:
    """Every statement of the project in id order with its in-scope stances, canonical records.

    ``scope`` is gold, annotators or all; ``rename`` maps usernames (pseudonyms). With
    ``relations`` (the relation formats ask for it; stance formats skip the query) each
    bundle also carries its in-scope relations as relation records (a format that writes
    relations alone reads ``relation_bundles.iter_relations_only`` instead). ``ids``
    limits it to a range of statement ids; ``look``: the lookups, when already loaded.
    """
    look = look or load_lookups(session, project, rename)
    conn = session.connection()  # Core rows: no ORM bookkeeping per stance
    for rows in iter_statement_rows(conn, project, ids=ids):
        span = (project.id, rows[0].id, rows[-1].id)
        stances = _batch_stances(conn, span, scope)
        gold = _gold_sources(conn, span, stances, look) if scope != "annotators" else {}
        links = _batch_relations(conn, span, scope) if relations else {}
        for row in rows:
            own = links.get(row.id, ())
            bundle, by_id = _bundle(row, stances.get(row.id, ()), scope, gold, look)
            if relations:
                head = (look.project, row.external_id)
                bundle["relations"] = link_records(own, head, by_id, look.names, iso) if own else []
            yield bundle


def statement_bundle(conn: Connection, project: Project, statement_id: int, scope: str,
                     look: Lookups) -> dict[str, Any]:  # fmt: skip
    """One statement's bundle as ``iter_bundles`` builds it with ``relations``, without the
    gold stances' sources: for a fast path's unusual statement (``relation_bundles``), so
    its records are the stance formats' own."""
    span = (project.id, statement_id, statement_id)
    stances = _batch_stances(conn, span, scope).get(statement_id, ())
    row = conn.execute(select(*STATEMENT_COLUMNS).where(Statement.id == statement_id)).one()
    bundle, by_id = _bundle(row, stances, scope, {}, look)
    links = plain_rows(conn, batch_query(span, scope))
    head = (look.project, row.external_id)
    bundle["relations"] = link_records(links, head, by_id, look.names, iso) if links else []
    return bundle


def in_batch(column, span: tuple[int, int, int]):
    """Rows of the batch's statements: an id range within the project, no long IN list."""
    project_id, first, last = span
    return (
        Statement.id == column,
        Statement.project_id == project_id,
        Statement.id.between(first, last),
    )


def _batch_stances(conn: Connection, span: tuple, scope: str) -> dict[int, list]:
    """Live stances of a batch, grouped by statement; gold needs annotators' for votes.

    The rows are ``StanceRow``s narrowed to ``_READ`` (labels and actors are looked up by
    id) with the driver's timestamps, as its plain tuples.
    """
    query = (
        stance_select(names=False, times="raw", fields=_READ)
        .add_columns(*_ORIGIN_COLUMNS)
        .join(Statement, Statement.id == Stance.statement_id)
        .outerjoin(Suggestion, Suggestion.id == Stance.origin_suggestion_id)
        .outerjoin(Recommender, Recommender.id == Suggestion.recommender_id)
        .where(*in_batch(Stance.statement_id, span), Stance.deleted_at.is_(None))
    )
    if scope == "annotators":
        query = query.where(Stance.is_gold.is_(False))
    grouped: dict[int, list] = defaultdict(list)
    for row in plain_rows(conn, query):
        grouped[row[_STATEMENT]].append(row)
    return grouped


def plain_rows(conn: Connection, query) -> list[tuple]:
    """The driver's own tuples: at a million stances, SQLAlchemy's Row objects cost a third.

    Column types then come raw: SQLite gives booleans as 0/1 and timestamps as text, which
    ``_record`` and ``iso`` accept as well as PostgreSQL's bool and datetime.
    """
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if compiled.positiontup is not None:
        params = tuple(params[name] for name in compiled.positiontup)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _gold_sources(conn: Connection, span: tuple, stances: Mapping, look: Lookups) -> dict:
    """Gold stance id -> sorted names of the annotators its latest decision drew on."""
    query = (
        select(GoldDecision.gold_stance_id, GoldDecision.source_stance_ids)
        .join(Statement, Statement.id == GoldDecision.statement_id)
        .where(*in_batch(GoldDecision.statement_id, span))
        .where(GoldDecision.gold_stance_id.is_not(None))
        .order_by(GoldDecision.id)
    )
    sources = {gold_id: _id_list(ids) for gold_id, ids in plain_rows(conn, query)}
    owners = {s[_ID]: s[_OWNER] for rows in stances.values() for s in rows}
    missing = {i for ids in sources.values() for i in ids} - owners.keys()
    if missing:  # deleted since the decision: still where the gold came from
        query = select(Stance.id, Stance.annotator_id).where(Stance.id.in_(missing))
        owners.update((i, user_id) for i, user_id in conn.execute(query))
    return {
        gold_id: sorted({look.names(owners[i]) for i in ids if owners.get(i)})
        for gold_id, ids in sources.items()
    }


def _id_list(value: Any) -> list[int]:
    """A JSON id list as a list: SQLite hands over the text, PostgreSQL's driver the list."""
    if isinstance(value, str | bytes):
        value = orjson.loads(value)
    return list(value or ())


def _bundle(row, stances, scope: str, gold: Mapping, look: Lookups) -> tuple[dict, dict]:
    """The statement's bundle, and its stance records by database id."""
    _id, external_id, title, author, organization, date, url, lang, meta, text = row
    statement = {
        "id": external_id,
        "title": title,
        "author": author,
        "organization": organization,
        "date": date,
        "url": url,
        "lang": lang,
        "meta": meta or {},
        "text": text,
    }
    head = (look.project, external_id, title, date, organization)
    votes = _votes(stances) if scope != "annotators" else {}
    keyed = [
        _record(s, head, text, look, votes, gold)
        for s in stances
        if scope == "all" or s[_GOLD] == (scope == "gold")
    ]
    keyed.sort(key=_order_key)
    records = [record for _key, record, _sid in keyed]
    unique_ids(records)
    by_id = {sid: record for _key, record, sid in keyed}
    return {"statement": statement, "stances": records}, by_id


def _batch_relations(conn: Connection, span: tuple, scope: str) -> dict[int, list]:
    """Live relations of a batch as the driver's tuples, grouped by statement."""
    grouped: dict[int, list] = defaultdict(list)
    for row in plain_rows(conn, batch_query(span, scope)):
        grouped[row[0]].append(row)
    return grouped


_order_key = itemgetter(0)


def _votes(stances) -> dict[tuple, int]:
    """(start, end, label, target) -> how many annotators gave exactly that stance."""
    voters: dict[tuple, set[int]] = defaultdict(set)
    for s in stances:
        if not s[_GOLD]:  # annotators' stances vote, gold does not
            voters[_VOTE_KEY(s)].add(s[_OWNER])
    return {key: len(users) for key, users in voters.items()}


def _origin(s) -> dict[str, Any]:
    """The suggestion a stance was accepted from: recommender, kind, model version, score."""
    suggestion_id, recommender, kind, model_version, score = s[_ORIGIN : _ORIGIN + 5]
    return {
        "recommender": recommender,
        "kind": kind,
        "model_version": model_version,
        "suggestion_id": suggestion_id,
        "score": score,
    }


def _record(s, head: tuple, text: str, look: Lookups, votes: Mapping, gold: Mapping) -> tuple:
    """(content order key, canonical record, database id); rows are unpacked as tuples
    (name access costs per field), and the key is built from locals rather than read back.

    The stance's own values (``RECORD_VALUES``: note, guidelines version and any field
    declared there) follow annotator and scope under their own names.
    Content order: annotators by name, gold last, then span, label, actors, note, creation,
    so a re-imported project exports alike.
    """
    sid, is_gold, user_id, start, end, label_id, target_id, holder_id, *times = _FRAME(s)
    created_at, updated_at = times
    label, polarity = look.labels[label_id]
    target, holder = look.actors.get(target_id), look.actors.get(holder_id)
    annotator = None if is_gold else look.names(user_id)
    created = iso(created_at)
    updated = created if updated_at == created_at else iso(updated_at)  # never edited: common
    record = {
        "project": head[0],
        "statement_id": head[1],
        "id": stance_id(
            head[1],
            annotator,
            start,
            end,
            label,
            target["id"] if target else None,
            holder["id"] if holder else None,
        ),
        "statement_title": head[2],
        "statement_date": head[3],
        "organization": head[4],
        "start": start,
        "end": end,
        "text": text[start:end],
        "label": label,
        "polarity": polarity,
        "target": target,
        "holder": holder,
        "annotator": annotator,
        "scope": "gold" if is_gold else "annotator",
    }
    for name, position in _VALUES:
        record[name] = s[position]
    record["origin"] = None if s[_ORIGIN] is None else _origin(s)
    record["created_at"] = created
    record["updated_at"] = updated
    if is_gold:
        record["votes"] = votes.get((start, end, label_id, target_id), 0)
        record["source_annotators"] = gold.get(sid, [])
    key = (
        bool(is_gold),
        annotator or "",
        start,
        end,
        label,
        target["id"] if target else "",
        holder["id"] if holder else "",
        record.get("note") or "",
        created or "",
    )
    return key, record, sid
