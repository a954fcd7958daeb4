"""Everything the statement page shows, loaded in a handful of queries."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from annotator.annotation.rows import StanceRow, list_stance_rows
from annotator.models import Actor, ActorAlias, Assignment, Label, Project, Stance, Statement, User
from annotator.projects.queue import Progress, queue_progress
from annotator.text import layout, mentions

# Per-process caches of values derived from the registry, keyed by the project's
# registry_version (raised by every flush that changes an actor or alias, see models.py), so
# they are never stale. They only save recomputation and never hold state.
_REGISTRY: dict[tuple, tuple] = {}  # key -> (compiled alias patterns, actor names by key)
_MENTIONS: dict[tuple, tuple] = {}  # key -> (mentions, their starts, their ends)
# Keyed by the statement and its text's hash, like the mentions: a new text, new bounds.
_BOUNDS: dict[tuple, list] = {}


@dataclass
class StatementView:
    project: Project
    statement: Statement
    assignment: Assignment | None
    labels: list[Label]
    stances: list[StanceRow]
    paragraphs: list[layout.Paragraph]
    actor_names: dict[str, str] = field(default_factory=dict)
    progress: Progress | None = None


def active_labels(project: Project) -> list[Label]:
    """The labels offered for new stances, in order: the collection stance validation reads."""
    return [label for label in project.labels if not label.retired]


def stance_highlights(stances: list[StanceRow]) -> list[layout.Highlight]:
    """Highlights for stances, coloured by label key."""
    return [layout.Highlight(s.start, s.end, "stance", str(s.id), s.label_key) for s in stances]


def _registry(session: Session, project: Project) -> tuple:
    """Alias patterns and names of the approved actors, computed once per registry version."""
    key = (str(session.get_bind().url), project.id, project.created_at, project.registry_version)
    entry = _REGISTRY.get(key)  # one lookup: another thread may clear the cache meanwhile
    if entry is None:
        rows = _approved_aliases(session, project.id)
        names = {k: name for k, name, _ in rows}
        entry = (mentions.compile_aliases([(k, a) for k, _, a in rows]), names, key)
        _store(_REGISTRY, key, entry, 64)
    return entry


def statement_mentions(
    session: Session, project: Project, statement: Statement
) -> tuple[list[mentions.Mention], dict[str, str]]:
    """Alias mentions in a statement and the names of the actors mentioned (cached)."""
    (found, _starts, _ends), names = _mention_index(session, project, statement)
    return found, names


def _mentions_within(
    session: Session, project: Project, statement: Statement, lo: int, hi: int
) -> tuple[list[mentions.Mention], dict[str, str]]:
    """The statement's mentions that overlap ``[lo, hi)`` (a save's paragraphs), found by
    bisection: mentions never overlap, so by start they are in order of their ends too."""
    (found, starts, ends), names = _mention_index(session, project, statement)
    return found[bisect_right(ends, lo) : bisect_left(starts, hi)], names


def _mention_index(session: Session, project: Project, statement: Statement) -> tuple:
    """The statement's mentions in text order with their starts and ends (cached)."""
    compiled, names, key = _registry(session, project)
    mkey = (key, statement.id, statement.text_sha256)
    entry = _MENTIONS.get(mkey)
    if entry is None:
        found = sorted(mentions.find_mentions(statement.text, *compiled), key=_start)
        entry = (found, [m.start for m in found], [m.end for m in found])
        _store(_MENTIONS, mkey, entry, 1024)
    return entry, names


def _start(mention: mentions.Mention) -> int:
    return mention.start


def paragraph_bounds(statement: Statement) -> list[tuple[int, int, int]]:
    """``layout.paragraph_bounds`` of the statement's text, computed once per text (cached).

    Every save on a statement asks for them, and a 20,000-character text takes as long to
    split as the save's paragraphs take to lay out.
    """
    key = (statement.id, statement.text_sha256)
    bounds = _BOUNDS.get(key)
    if bounds is None:
        bounds = layout.paragraph_bounds(statement.text)
        _store(_BOUNDS, key, bounds, 1024)
    return bounds


def _store(cache: dict, key, value, size: int) -> None:
    """Keep a per-process cache bounded (cleared when full: entries are cheap to recompute)."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


def _approved_aliases(session: Session, project_id: int) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(Actor.key, Actor.name, ActorAlias.alias)
        .join(ActorAlias)
        .where(
            Actor.project_id == project_id,
            Actor.merged_into_id.is_(None),
            Actor.status == "approved",
        )
    )
    return [tuple(r) for r in rows]


def mention_highlights(found: list[mentions.Mention]) -> list[layout.Highlight]:
    return [layout.Highlight(m.start, m.end, "mention", m.actor, m.alias) for m in found]


def load_statement_view(
    session: Session, project: Project, statement: Statement, user: User
) -> StatementView:
    """The statement page's data: own stances only (blind annotation), layout, labels, queue."""
    stances = list_stance_rows(session, statement.id, user.id, timestamps=False)
    found, names = statement_mentions(session, project, statement)
    highlights = stance_highlights(stances) + mention_highlights(found)
    assignment = session.scalar(
        select(Assignment).where(Assignment.active_for(statement.id, user.id))
    )
    return StatementView(
        project=project,
        statement=statement,
        assignment=assignment,
        labels=active_labels(project),
        stances=stances,
        paragraphs=layout.layout(statement.text, highlights),
        actor_names=names,
        progress=queue_progress(session, project, user),
    )


def touched_paragraphs(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    spans: list[tuple[int, int]],
) -> tuple[list[layout.Paragraph], list[StanceRow], dict[str, str]]:
    """Only the paragraphs a change touched, for out-of-band swaps after a save.

    Loads just the user's stances that overlap those paragraphs, so a save costs the same on
    a statement with 5 stances as on one with 500.
    """
    bounds = paragraph_bounds(statement)
    touched = layout.paragraphs_touching(bounds, spans)
    lo, hi = bounds[touched[0]][0], bounds[touched[-1]][2]
    within = (lo, max(hi, lo + 1))
    stances = list_stance_rows(session, statement.id, user.id, within=within, timestamps=False)
    found, names = _mentions_within(session, project, statement, lo, hi)
    highlights = stance_highlights(stances) + mention_highlights(found)
    return layout.layout(statement.text, highlights, only=touched, bounds=bounds), stances, names


def counter_and_state(session: Session, statement: Statement, user: User) -> tuple[int, str]:
    """The page's counter and state pill after a save: the user's live stances on the
    statement and their assignment's state (a first stance turns "new" into "in progress")."""
    params = {"statement_id": statement.id, "owner_id": user.id}
    return tuple(session.connection().execute(_COUNT_AND_STATE, params).one())


def next_stance_id(session: Session, stance: Stance, nearby: list[StanceRow]) -> int | None:
    """The id of the user's next stance in text order, where a new list item goes before.

    ``nearby`` are the stances overlapping the paragraphs around ``stance`` (sorted): a
    successor among them is the global one, as any stance not loaded either ends before
    those paragraphs (and so starts before ``stance``) or starts after them. Only when none
    follows there is the database asked.
    """
    key = (stance.start, stance.end, stance.id)
    after = [r.id for r in nearby if (r.start, r.end, r.id) > key]
    if after:
        return after[0]
    params = dict(zip(("start", "end", "id"), key, strict=True))
    params |= {"statement_id": stance.statement_id, "owner_id": stance.annotator_id}
    return session.connection().execute(_NEXT, params).scalar()


_MINE = (
    Stance.statement_id == bindparam("statement_id"),
    Stance.annotator_id == bindparam("owner_id"),
    Stance.deleted_at.is_(None),
)
_STATE = select(Assignment.state).where(
    Assignment.active_for(bindparam("statement_id"), bindparam("owner_id"))
)
_COUNT_AND_STATE = select(func.count(), _STATE.scalar_subquery()).select_from(Stance).where(*_MINE)
_NEXT = (
    select(Stance.id)
    .where(
        *_MINE,
        tuple_(Stance.start, Stance.end, Stance.id)
        > tuple_(bindparam("start"), bindparam("end"), bindparam("id")),
    )
    .order_by(Stance.start, Stance.end, Stance.id)
    .limit(1)
)
