"""Dataset export: requests, context and provenance around the pure writers.

The bundles stream from ``bundles.iter_bundles`` (bounded memory); this module checks the
request, builds the writer's context (labels, registry, guidelines version, the stance's
own values), makes pseudonyms and runs the writer: into a file or folder
(``write_export``), or as text chunks a download pulls (``export_chunks``). See docs/export.md.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from annotator.annotation.rows import RECORD_VALUES
from annotator.config import VERSION as __version__
from annotator.errors import Invalid
from annotator.exchange.bundles import (
    BATCH,
    IdRange,
    Lookups,
    every_name,
    iso,
    iter_bundles,
    iter_statement_rows,
    load_lookups,
    user_names,
)
from annotator.exchange.relation_bundles import iter_relations_only
from annotator.exchange.split_export import ShareChunks, write_split
from annotator.formats import (
    EXPORTERS,
    Chunks,
    Counts,
    ExportContext,
    Exporter,
    hf_dataset,
    provenance,
)
from annotator.models import Actor, Label, Project, Stance, Statement
from annotator.projects.projects import latest_guidelines

SCOPES = ("gold", "annotators", "all")  # the stances a dataset holds
# Not a dataset: the models' suggestions, nobody's work, exported only on request (jsonl).
SUGGESTIONS = "suggestions"
EXPORT_SCOPES = (*SCOPES, SUGGESTIONS)


@dataclass(frozen=True)
class ExportRequest:
    """What to export; ``pseudonym_key`` set means usernames become stable pseudonyms.

    ``options`` come from the entry points' own fields (BOM, hf split); ``format_options``
    are the user's ``FormatOption`` choices as given, checked against the format's list.
    """

    format: str
    scope: str = "gold"
    options: Mapping[str, Any] = field(default_factory=dict)
    pseudonym_key: bytes | None = None
    format_options: Mapping[str, Any] = field(default_factory=dict)


def get_exporter(name: str) -> Exporter:
    """The writer of a format name; Invalid names the formats that exist."""
    if name not in EXPORTERS:
        names = ", ".join(EXPORTERS)
        raise Invalid(f"Unknown format '{name}'; use one of {names}.", field="format")
    return EXPORTERS[name]


def check_scope(scope: str, scopes: tuple[str, ...] = SCOPES) -> str:
    """The scope itself, or Invalid naming the scopes that exist."""
    if scope not in scopes:
        raise Invalid(f"Unknown scope '{scope}'; use one of {', '.join(scopes)}.", field="scope")
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
    jobs: int = 1,
) -> tuple[Counts, dict[str, Any]]:
    """Run the format's writer over the project's bundles into ``out`` (a text file, or a
    folder path for a folder format); returns counts and provenance.

    ``jobs`` > 1 builds a splittable format (``Exporter.splittable``) in that many worker
    processes (``split_export``), with the same output; other formats ignore it.
    """
    exporter = get_exporter(request.format)
    now = now or datetime.now(UTC)
    ctx = build_context(session, project, request, now=now)
    if jobs > 1 and exporter.splittable:
        shares = statement_ranges(session, project)
        share_chunks = _share_chunks(session, project, request, ctx)
        counts = write_split(session, share_chunks, shares, out, jobs, progress)
        return counts, provenance(ctx, counts, format_name=exporter.name)
    bundles = request_bundles(session, project, request)
    if progress is not None:
        bundles = _reporting(bundles, progress)
    counts = exporter.write(bundles, out, ctx)
    return counts, provenance(ctx, counts, format_name=exporter.name)


def statement_ranges(session: Session, project: Project) -> Iterator[tuple[int, int]]:
    """The project's statements as (first id, last id) ranges of ``BATCH`` statements."""
    for rows in iter_statement_rows(session.connection(), project, (Statement.id,)):
        yield rows[0].id, rows[-1].id


def _share_chunks(
    session: Session, project: Project, request: ExportRequest, ctx: ExportContext
) -> ShareChunks:
    """What a worker of a parallel export writes for a range: the request's chunks, read
    in the worker's own session (nothing it calls reads through this process's session).

    The context, labels, actors and user names are read here once, in the exporting
    transaction (whose snapshot the workers share on PostgreSQL), and the forked workers
    inherit them: read per range, they were 35-40 % of a range's CPU at the yardstick's
    5,000 actors and 100 annotators (bench/scale.py's build).
    """
    project_id, rename = project.id, _rename(request)
    look, known = load_lookups(session, project, rename), every_name(session, rename)

    def share_chunks(worker: Session, ids: tuple[int, int]) -> Chunks:
        project = worker.get_one(Project, project_id)
        own_ctx = replace(ctx, actors=lambda: iter_registry(worker, project))
        own_look = replace(look, names=user_names(worker, rename, known))
        bundles = request_bundles(worker, project, request, ids, own_look)
        return get_exporter(request.format).chunks(bundles, own_ctx)

    return share_chunks


def export_chunks(session: Session, project: Project, request: ExportRequest) -> Chunks:
    """A stream format's output as text chunks, about one statement each, read as they are
    pulled: what a download sends (it returns the counts when exhausted)."""
    exporter = check_request(request, streamed=True)
    ctx = build_context(session, project, request)
    return exporter.chunks(request_bundles(session, project, request), ctx)


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


BOM_FORMATS = ("csv", "actors")  # the formats written as CSV, which Excel opens


def check_request(request: ExportRequest, *, streamed: bool = False) -> Exporter:
    """The request's writer, or Invalid for an unknown format, scope or option or a bad hf split;
    ``streamed`` (a download) also refuses formats that write a folder. No database needed,
    so callers check before they create a file or start a response."""
    exporter = get_exporter(request.format)
    if streamed and exporter.kind != "stream":
        raise Invalid(f"The {request.format} format writes a folder; use the CLI.", field="format")
    if check_scope(request.scope, EXPORT_SCOPES) == SUGGESTIONS:
        _check_suggestions(request)
    format_options(exporter, request.format_options)
    if request.options.get("csv_bom") and request.format not in BOM_FORMATS:
        raise Invalid("The UTF-8 BOM is for the csv and actors formats.", field="csv_bom")
    if request.format == "hf":
        try:
            hf_dataset.split_ratios(request.options)
        except (ValueError, TypeError) as exc:
            raise Invalid(str(exc), field="split") from None
    return exporter


def _check_suggestions(request: ExportRequest) -> None:
    """Suggestions have one shape (``suggestions.records``): JSON Lines, no format options."""
    if request.format != "jsonl":
        raise Invalid("Suggestions are exported as jsonl only: choose that format.", field="format")
    if request.format_options:
        key = next(iter(request.format_options))
        raise Invalid(f"The option '{key}' does not apply to suggestions.", field=key)


def format_options(exporter: Exporter, options: Mapping[str, Any]) -> dict[str, Any]:
    """The writer's values of the user's format options; Invalid for a key the format
    does not declare or a value it does not accept, so the CLI, the API and the page
    refuse the same things with the same words."""
    declared = {option.name: option for option in exporter.options}
    parsed = {}
    for key, value in options.items():
        if key not in declared:
            raise Invalid(_unknown_option(exporter, key), field=key)
        try:
            parsed[key] = declared[key].parse(value)
        except ValueError as exc:
            raise Invalid(str(exc), field=key) from None
    return parsed


def _unknown_option(exporter: Exporter, key: str) -> str:
    names = ", ".join(option.name for option in exporter.options)
    takes = f"takes {names}" if names else "takes no options"
    return f"The {exporter.name} format has no option '{key}'; it {takes}."


def build_context(
    session: Session, project: Project, request: ExportRequest, *, now: datetime | None = None
) -> ExportContext:
    """Everything a writer needs besides the bundles (labels, actors, provenance facts);
    format options are handed over parsed, so the sidecar shows ``false``, not "false"."""
    exporter = check_request(request)
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
        stance_values=RECORD_VALUES,
        options={**request.options, **format_options(exporter, request.format_options)},
    )


def label_dicts(session: Session, project: Project) -> list[dict[str, Any]]:
    """The label scheme, retired labels included (old stances may still use them)."""
    labels = session.scalars(
        select(Label).where(Label.project_id == project.id).order_by(Label.position, Label.id)
    )
    keys = ("key", "name", "definition", "example", "semeval", "polarity", "color")
    return [{k: getattr(label, k) for k in keys} for label in labels]


def iter_registry(session: Session, project: Project) -> Iterator[dict[str, Any]]:
    """Registry actors not merged away, by key: every target and holder id in a dataset
    resolves here, including a rejected actor that older stances still point at."""
    query = (
        select(Actor)
        .where(Actor.project_id == project.id, Actor.merged_into_id.is_(None))
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


def request_bundles(
    session: Session,
    project: Project,
    request: ExportRequest,
    ids: IdRange = None,
    look: Lookups | None = None,
) -> Iterator[dict[str, Any]]:
    """The project's statement bundles for a request (scope, pseudonyms); ``ids``: only
    the statements of that id range; ``look``: the lookups, when already loaded."""
    check_scope(request.scope)
    rename = _rename(request)
    exporter = get_exporter(request.format)
    if exporter.relations and not exporter.stances:
        return iter_relations_only(session, project, request.scope, rename, ids, look)
    return iter_bundles(
        session, project, request.scope, rename, relations=exporter.relations, ids=ids, look=look
    )


def _rename(request: ExportRequest) -> Callable[[str], str] | None:
    """The request's pseudonyms for usernames (None: names as they are)."""
    key = request.pseudonym_key
    return functools.partial(pseudonym, key) if key else None
