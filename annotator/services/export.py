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

from sqlalchemy import func, select
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


def iso(value: datetime | None) -> str | None:
    """UTC ISO 8601, the same text on SQLite and PostgreSQL."""
    return value.astimezone(UTC).isoformat() if value is not None else None


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
    Stance.created_at,
    Stance.updated_at,
)


def iter_statement_rows(session: Session, project: Project) -> Iterator[list[Any]]:
    """Batches of statement rows in id order, by keyset pagination on the id."""
    last = 0
    while True:
        rows = session.execute(
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
    for rows in iter_statement_rows(session, project):
        stances = _batch_stances(session, [r.id for r in rows], request.scope)
        gold = _gold_sources(session, stances, look) if request.scope != "annotators" else {}
        for row in rows:
            yield _bundle(row, stances.get(row.id, ()), request.scope, gold, look)


def _batch_stances(session: Session, ids: list[int], scope: str) -> dict[int, list]:
    """Live stances of some statements, grouped by statement; gold needs annotators for votes."""
    query = select(*_STANCE_COLUMNS).where(
        Stance.statement_id.in_(ids), Stance.deleted_at.is_(None)
    )
    if scope == "annotators":
        query = query.where(Stance.is_gold.is_(False))
    grouped: dict[int, list] = defaultdict(list)
    for row in session.execute(query):
        grouped[row.statement_id].append(row)
    return grouped


def _gold_sources(session: Session, stances: Mapping[int, list], look: _Lookups) -> dict:
    """Gold stance id -> sorted names of the annotators its latest decision drew on."""
    gold_ids = [s.id for rows in stances.values() for s in rows if s.is_gold]
    if not gold_ids:
        return {}
    sources: dict[int, list[int]] = {}
    for gold_id, source_ids in session.execute(
        select(GoldDecision.gold_stance_id, GoldDecision.source_stance_ids)
        .where(GoldDecision.gold_stance_id.in_(gold_ids))
        .order_by(GoldDecision.id)
    ):
        sources[gold_id] = list(source_ids or ())
    wanted = {i for ids in sources.values() for i in ids}
    owners: dict[int, int | None] = {}
    if wanted:
        query = select(Stance.id, Stance.annotator_id).where(Stance.id.in_(wanted))
        owners = {i: user_id for i, user_id in session.execute(query)}
    return {
        gold_id: sorted({look.names(owners[i]) for i in ids if owners.get(i)})
        for gold_id, ids in sources.items()
    }


def _bundle(row, stances, scope: str, gold: Mapping, look: _Lookups) -> dict[str, Any]:
    statement = {
        "id": row.external_id,
        "title": row.title,
        "author": row.author,
        "organization": row.organization,
        "date": row.date,
        "url": row.url,
        "lang": row.lang,
        "meta": row.meta or {},
        "text": row.text,
    }
    votes = _votes(stances) if scope != "annotators" else {}
    wanted = [s for s in stances if scope == "all" or s.is_gold == (scope == "gold")]
    records = [_record(s, statement, look, votes, gold) for s in wanted]
    records.sort(key=_record_order)
    return {"statement": statement, "stances": records}


def _votes(stances) -> dict[tuple, int]:
    """(start, end, label, target) -> how many annotators gave exactly that stance."""
    voters: dict[tuple, set[int]] = defaultdict(set)
    for s in stances:
        if not s.is_gold:
            voters[(s.start, s.end, s.label_id, s.target_id)].add(s.annotator_id)
    return {key: len(users) for key, users in voters.items()}


def _record(s, statement: Mapping, look: _Lookups, votes: Mapping, gold: Mapping) -> dict:
    label, polarity = look.labels[s.label_id]
    record = {
        "project": look.project,
        "statement_id": statement["id"],
        "statement_title": statement["title"],
        "statement_date": statement["date"],
        "organization": statement["organization"],
        "start": s.start,
        "end": s.end,
        "text": statement["text"][s.start : s.end],
        "label": label,
        "polarity": polarity,
        "target": look.actors.get(s.target_id),
        "holder": look.actors.get(s.holder_id),
        "annotator": None if s.is_gold else look.names(s.annotator_id),
        "scope": "gold" if s.is_gold else "annotator",
        "note": s.note,
        "guidelines_version": s.guidelines_version,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
    }
    if s.is_gold:
        record["votes"] = votes.get((s.start, s.end, s.label_id, s.target_id), 0)
        record["source_annotators"] = gold.get(s.id, [])
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
