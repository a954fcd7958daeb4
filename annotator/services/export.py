"""Dataset export: stream a project's statements with their stances into the pure writers.

Statements are read in id order, ``BATCH`` at a time (keyset pagination), and each batch's
stances come in one query of plain tuples; labels, actors and usernames are looked up in
dicts loaded once. Memory therefore depends on the batch, never on the project size.
See docs/export.md.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, func, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from .. import __version__
from ..errors import Invalid
from ..formats import EXPORTERS, Counts, ExportContext, Exporter, hf_dataset, provenance
from ..models import Actor, GoldDecision, Label, Project, Stance, Statement, User
from .projects import latest_guidelines

BATCH = 500
SCOPES = ("gold", "annotators", "all")


@dataclass(frozen=True)
class ExportRequest:
    """What to export; ``pseudonym_key`` set means usernames become stable pseudonyms."""

    format: str
    scope: str = "gold"
    options: Mapping[str, Any] = field(default_factory=dict)
    pseudonym_key: bytes | None = None


def get_exporter(name: str) -> Exporter:
    """The writer of a format name; Invalid names the formats that exist."""
    if name not in EXPORTERS:
        names = ", ".join(EXPORTERS)
        raise Invalid(f"Unknown format '{name}'; use one of {names}.", field="format")
    return EXPORTERS[name]


def check_scope(scope: str) -> str:
    """The scope itself, or Invalid naming the scopes that exist."""
    if scope not in SCOPES:
        raise Invalid(f"Unknown scope '{scope}'; use one of {', '.join(SCOPES)}.", field="scope")
    return scope


def pseudonym_key(secret: str | bytes, project: Project) -> bytes:
    """Per-project HMAC key from the installation secret: pseudonyms differ between projects."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, f"pseudonyms:{project.id}:{project.slug}".encode(), "sha256").digest()


def pseudonym(key: bytes, username: str) -> str:
    """A stable stand-in for a username that cannot be reversed without the secret."""
    return "annotator-" + hmac.new(key, username.encode(), "sha256").hexdigest()[:8]


def write_export(
    session: Session,
    project: Project,
    request: ExportRequest,
    out: Any,
    *,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
) -> tuple[Counts, dict[str, Any]]:
    """Run the format's writer over the project's bundles; returns counts and provenance."""
    exporter = get_exporter(request.format)
    ctx = build_context(session, project, request, now=now)
    bundles = iter_bundles(session, project, request)
    if progress is not None:
        bundles = _reporting(bundles, progress)
    counts = exporter.write(bundles, out, ctx)
    return counts, provenance(ctx, counts, format_name=exporter.name)


def _reporting(bundles: Iterator[dict], progress: Callable[[int], None]) -> Iterator[dict]:
    for bundle in bundles:
        yield bundle
        progress(len(bundle["stances"]))


def count_stances(session: Session, project: Project, scope: str) -> int:
    """How many stances a scope exports, for a progress bar."""
    query = (
        select(func.count(Stance.id))
        .join(Statement, Statement.id == Stance.statement_id)
        .where(Statement.project_id == project.id, Stance.deleted_at.is_(None))
    )
    if scope != "all":
        query = query.where(Stance.is_gold.is_(check_scope(scope) == "gold"))
    return session.scalar(query) or 0


def build_context(
    session: Session, project: Project, request: ExportRequest, *, now: datetime | None = None
) -> ExportContext:
    """Everything a writer needs besides the bundles (labels, actors, provenance facts)."""
    get_exporter(request.format)
    check_scope(request.scope)
    if request.format == "hf":
        try:
            hf_dataset.split_ratios(request.options)
        except (ValueError, TypeError) as exc:
            raise Invalid(str(exc), field="split") from None
    guidelines = latest_guidelines(session, project)
    return ExportContext(
        project_slug=project.slug,
        project_name=project.name,
        tool_version=__version__,
        labels=label_dicts(session, project),
        actors=lambda: iter_registry(session, project),
        guidelines_version=guidelines.version if guidelines else None,
        scope=request.scope,
        exported_at=iso(now or datetime.now(UTC)),
        options=dict(request.options),
    )


def label_dicts(session: Session, project: Project) -> list[dict[str, Any]]:
    """The label scheme, retired labels included (old stances may still use them)."""
    labels = session.scalars(
        select(Label).where(Label.project_id == project.id).order_by(Label.position, Label.id)
    )
    keys = ("key", "name", "definition", "example", "semeval", "polarity", "color")
    return [{k: getattr(label, k) for k in keys} for label in labels]


def iter_registry(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Live registry actors (not merged away, not rejected) by key, with their aliases."""
    query = (
        select(Actor)
        .where(Actor.project_id == project.id, Actor.merged_into_id.is_(None))
        .where(Actor.status != "rejected")
        .order_by(Actor.key)
        .options(selectinload(Actor.aliases))
        .execution_options(yield_per=BATCH)
    )
    for actor in session.scalars(query):
        yield {
            "id": actor.key,
            "name": actor.name,
            "type": actor.type,
            "aliases": [a.alias for a in actor.aliases],
            "wikidata": actor.wikidata,
        }


def iso(value: datetime | str | None) -> str | None:
    """UTC ISO 8601, the same text on SQLite and PostgreSQL.

    SQLite hands over its stored text (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC; see
    ``_RAW``): rewriting that string is several times cheaper than parsing and formatting
    a datetime, and gives what ``datetime.isoformat`` gives (no fraction when it is zero).
    """
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            value = value[:19] if value.endswith(".000000") else value
            return value[:10] + "T" + value[11:] + "+00:00"
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.isoformat() + "+00:00"
    return value.astimezone(UTC).isoformat()


@dataclass
class _Lookups:
    """Dicts loaded once per export so stance rows stay plain tuples."""

    project: str
    labels: dict[int, tuple[str, str | None]]
    actors: dict[int, dict[str, Any]]
    names: Callable[[int], str]


def _lookups(session: Session, project: Project, key: bytes | None) -> _Lookups:
    labels = session.execute(
        select(Label.id, Label.key, Label.polarity).where(Label.project_id == project.id)
    ).all()
    actors = session.execute(
        select(Actor.id, Actor.key, Actor.name, Actor.type, Actor.wikidata).where(
            Actor.project_id == project.id
        )
    ).all()
    users: dict[int, str] = {}

    def name(user_id: int) -> str:
        if user_id not in users:
            username = session.scalar(select(User.username).where(User.id == user_id))
            users[user_id] = pseudonym(key, username) if key else username
        return users[user_id]

    return _Lookups(
        project=project.slug,
        labels={i: (k, p) for i, k, p in labels},
        actors={i: {"id": k, "name": n, "type": t, "wikidata": w} for i, k, n, t, w in actors},
        names=name,
    )


_RAW = String()  # timestamps as the driver returns them; ``iso`` normalises both dialects
_STATEMENT_COLUMNS = (
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
_STANCE_COLUMNS = (
    Stance.id,
    Stance.statement_id,
    Stance.is_gold,
    Stance.annotator_id,
    Stance.start,
    Stance.end,
    Stance.label_id,
    Stance.target_id,
    Stance.holder_id,
    Stance.note,
    Stance.guidelines_version,
    type_coerce(Stance.created_at, _RAW).label("created_at"),
    type_coerce(Stance.updated_at, _RAW).label("updated_at"),
)


def iter_statement_rows(conn: Connection, project: Project) -> Iterator[list[Any]]:
    """Batches of statement rows in id order, by keyset pagination on the id."""
    last = 0
    while True:
        rows = conn.execute(
            select(*_STATEMENT_COLUMNS)
            .where(Statement.project_id == project.id, Statement.id > last)
            .order_by(Statement.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def iter_bundles(
    session: Session, project: Project, request: ExportRequest
) -> Iterator[dict[str, Any]]:
    """Every statement of the project in id order with its in-scope stances, canonical records."""
    check_scope(request.scope)
    look = _lookups(session, project, request.pseudonym_key)
    conn = session.connection()  # Core rows: no ORM bookkeeping per stance
    for rows in iter_statement_rows(conn, project):
        span = (project.id, rows[0].id, rows[-1].id)
        stances = _batch_stances(conn, span, request.scope)
        gold = _gold_sources(conn, span, stances, look) if request.scope != "annotators" else {}
        for row in rows:
            yield _bundle(row, stances.get(row.id, ()), request.scope, gold, look)


def _in_batch(column, span: tuple[int, int, int]):
    """Rows of the batch's statements: an id range within the project, no long IN list."""
    project_id, first, last = span
    return (
        Statement.id == column,
        Statement.project_id == project_id,
        Statement.id.between(first, last),
    )


def _batch_stances(conn: Connection, span: tuple, scope: str) -> dict[int, list]:
    """Live stances of a batch, grouped by statement; gold needs annotators' for votes."""
    query = (
        select(*_STANCE_COLUMNS)
        .join(Statement, Statement.id == Stance.statement_id)
        .where(*_in_batch(Stance.statement_id, span), Stance.deleted_at.is_(None))
    )
    if scope == "annotators":
        query = query.where(Stance.is_gold.is_(False))
    grouped: dict[int, list] = defaultdict(list)
    for row in plain_rows(conn, query):
        grouped[row[1]].append(row)
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


def _gold_sources(conn: Connection, span: tuple, stances: Mapping, look: _Lookups) -> dict:
    """Gold stance id -> sorted names of the annotators its latest decision drew on."""
    sources: dict[int, list[int]] = {}
    for gold_id, source_ids in conn.execute(
        select(GoldDecision.gold_stance_id, GoldDecision.source_stance_ids)
        .join(Statement, Statement.id == GoldDecision.statement_id)
        .where(*_in_batch(GoldDecision.statement_id, span))
        .where(GoldDecision.gold_stance_id.is_not(None))
        .order_by(GoldDecision.id)
    ):
        sources[gold_id] = list(source_ids or ())
    owners = {s[0]: s[3] for rows in stances.values() for s in rows}
    missing = {i for ids in sources.values() for i in ids} - owners.keys()
    if missing:  # deleted since the decision: still where the gold came from
        query = select(Stance.id, Stance.annotator_id).where(Stance.id.in_(missing))
        owners.update((i, user_id) for i, user_id in conn.execute(query))
    return {
        gold_id: sorted({look.names(owners[i]) for i in ids if owners.get(i)})
        for gold_id, ids in sources.items()
    }


def _bundle(row, stances, scope: str, gold: Mapping, look: _Lookups) -> dict[str, Any]:
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
    records = [
        _record(s, head, text, look, votes, gold)
        for s in stances
        if scope == "all" or s[2] == (scope == "gold")
    ]
    records.sort(key=_record_order)
    return {"statement": statement, "stances": records}


def _votes(stances) -> dict[tuple, int]:
    """(start, end, label, target) -> how many annotators gave exactly that stance."""
    voters: dict[tuple, set[int]] = defaultdict(set)
    for _id, _st, is_gold, annotator_id, start, end, label_id, target_id, *_rest in stances:
        if not is_gold:
            voters[(start, end, label_id, target_id)].add(annotator_id)
    return {key: len(users) for key, users in voters.items()}


def _record(s, head: tuple, text: str, look: _Lookups, votes: Mapping, gold: Mapping) -> dict:
    """One canonical record; rows are unpacked as tuples (name access costs per field)."""
    sid, _st, is_gold, user_id, start, end, label_id, target_id, holder_id, *rest = s
    note, guidelines_version, created_at, updated_at = rest
    label, polarity = look.labels[label_id]
    actors = look.actors
    record = {
        "project": head[0],
        "statement_id": head[1],
        "statement_title": head[2],
        "statement_date": head[3],
        "organization": head[4],
        "start": start,
        "end": end,
        "text": text[start:end],
        "label": label,
        "polarity": polarity,
        "target": actors.get(target_id),
        "holder": actors.get(holder_id),
        "annotator": None if is_gold else look.names(user_id),
        "scope": "gold" if is_gold else "annotator",
        "note": note,
        "guidelines_version": guidelines_version,
        "created_at": iso(created_at),
        "updated_at": iso(updated_at),
    }
    if is_gold:
        record["votes"] = votes.get((start, end, label_id, target_id), 0)
        record["source_annotators"] = gold.get(sid, [])
    return record


def _record_order(record: Mapping[str, Any]) -> tuple:
    """Content order (annotators by name, gold last), so a re-imported project exports alike."""
    target, holder = record["target"] or {}, record["holder"] or {}
    return (
        record["scope"] == "gold",
        record["annotator"] or "",
        record["start"],
        record["end"],
        record["label"],
        target.get("id", ""),
        holder.get("id", ""),
        record["note"] or "",
        record["created_at"] or "",
    )
