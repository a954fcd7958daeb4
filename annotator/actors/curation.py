"""A lead's edits of the actor registry: create, edit, approve, reject, merge; all audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from annotator.actors.matching import actor_search
from annotator.actors.registry import free_key, set_aliases
from annotator.db.audit import record_event
from annotator.errors import Conflict, Invalid
from annotator.formats.actor_csv import ALIAS_SEPARATOR, TYPE_SYNONYMS, normalize_alias
from annotator.models import ACTOR_TYPES, Actor, Project, Stance, Statement, User
from annotator.roles import Role

QID_RE = re.compile(r"^Q[1-9][0-9]*$")
KEY_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
MAX_ALIASES = 500
STATUS_FILTERS = ("active", "approved", "proposed", "rejected", "merged", "all")


@dataclass(frozen=True)
class ActorData:
    """What a lead typed into the actor form; ``key`` only when creating."""

    name: str
    type: str = "other"
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    key: str | None = None


@dataclass
class MergeCounts:
    """What a merge re-points: stances by role and statements by issuing organisation."""

    as_target: int = 0
    as_holder: int = 0
    statements: int = 0
    aliases_added: list[str] = field(default_factory=list)


@dataclass
class ActorPage:
    """One page of the registry list, with how often each actor is used."""

    actors: list[Actor]
    usage: dict[int, int]
    total: int
    page: int | None  # numbered pages (the API); None for keyset pages (the browser)
    pages: int
    after: int | None = None  # keyset pages: the cursor (an actor id) this page follows
    next_after: int | None = None  # keyset pages: the next page's cursor (None: last page)


def create_actor(session: Session, project: Project, user: User, data: ActorData) -> Actor:
    """Add an approved actor; its key is the one given or a slug of its name."""
    name, type_, aliases, qid = _validated(data)
    key = _new_key(session, project, data.key, name)
    actor = Actor(project_id=project.id, key=key, name=name, type=type_, wikidata=qid)
    actor.status, actor.created_by_id = "approved", user.id
    set_aliases(actor, aliases)
    session.add(actor)
    session.flush()
    _audit(session, user, "create", actor, {"key": key, "name": name})
    return actor


def update_actor(
    session: Session, project: Project, user: User, actor: Actor, data: ActorData
) -> Actor:
    """Change name, type, aliases and QID; the key never changes, as exports refer to it."""
    if actor.merged_into_id is not None:
        raise Invalid("This actor was merged into another one; edit that one instead.")
    name, type_, aliases, qid = _validated(data)
    before = _snapshot(actor)
    actor.name, actor.type, actor.wikidata = name, type_, qid
    set_aliases(actor, aliases)
    session.flush()
    after = _snapshot(actor)
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changed:
        _audit(session, user, "update", actor, changed)
    return actor


def set_actor_status(
    session: Session, project: Project, user: User, actor: Actor, status: str
) -> Actor:
    """Approve or reject an actor; stances keep a rejected actor, but no new one can use it."""
    if status not in ("approved", "rejected"):
        raise Invalid("An actor can only be approved or rejected.", field="status")
    if actor.merged_into_id is not None:
        raise Invalid("This actor was merged into another one.", field="status")
    if actor.status != status:
        old, actor.status = actor.status, status
        session.flush()
        _audit(session, user, "approve" if status == "approved" else "reject", actor, {"was": old})
    return actor


def merge_preview(session: Session, source: Actor, target: Actor) -> MergeCounts:
    """Count what merging ``source`` into ``target`` would re-point, without changing it."""
    _check_mergeable(source, target)
    return MergeCounts(
        as_target=_count(session, Stance.target_id == source.id),
        as_holder=_count(session, Stance.holder_id == source.id),
        statements=_count(session, Statement.organization_actor_id == source.id, Statement),
        aliases_added=_new_aliases(source, target),
    )


def merge_actors(
    session: Session, project: Project, user: User, source: Actor, target: Actor
) -> MergeCounts:
    """Fold ``source`` into ``target``: every reference re-pointed, aliases combined."""
    counts = merge_preview(session, source, target)
    for column in (Stance.target_id, Stance.holder_id):
        session.execute(
            update(Stance)
            .where(column == source.id)
            .values({column: target.id, Stance.version: Stance.version + 1}),
            execution_options={"synchronize_session": "fetch"},
        )
    session.execute(
        update(Statement)
        .where(Statement.organization_actor_id == source.id)
        .values(organization_actor_id=target.id),
        execution_options={"synchronize_session": "fetch"},
    )
    session.execute(  # earlier merges into source now point straight at the survivor
        update(Actor).where(Actor.merged_into_id == source.id).values(merged_into_id=target.id),
        execution_options={"synchronize_session": "fetch"},
    )
    set_aliases(target, [a.alias for a in target.aliases] + [source.name, *_aliases(source)])
    target.wikidata = target.wikidata or source.wikidata
    source.merged_into_id = target.id
    session.flush()
    data = {"into": target.id, "into_key": target.key, "from_key": source.key}
    data |= {"as_target": counts.as_target, "as_holder": counts.as_holder}
    data |= {"statements": counts.statements, "aliases_added": counts.aliases_added}
    _audit(session, user, "merge", source, data)
    return counts


def list_actor_page(
    session: Session,
    project: Project,
    *,
    query: str = "",
    status: str = "active",
    page: int | None = 1,
    per_page: int = 50,
    owner_id: int | None = None,
    after: int | None = None,
) -> ActorPage:
    """A page of the registry, filtered by a name/alias/key/QID search and by status.

    ``page`` numbers pages (the API's ``page``/``pages``); with ``page=None`` the page is a
    keyset page after the actor ``after`` in (lower-case name, id) order, as the browser
    pages: no OFFSET, and an unknown ``after`` is an empty page. With ``owner_id`` the usage
    counts only that user's stances (see ``blind_owner``).
    """
    where = [Actor.project_id == project.id, *_status_filter(status)]
    if query.strip():
        where.append(actor_search(session, project.id, query))
    ordered = (
        select(Actor)
        .where(*where)
        .options(selectinload(Actor.aliases))
        .order_by(func.lower(Actor.name), Actor.id)
    )
    count = _Count(session, where, per_page)
    if page is None:
        return _keyset_page(session, project, ordered, after, per_page, owner_id, count)
    if max(page, 1) == 1:  # the usual page: its rows may make the count needless
        page = 1
        actors = list(session.scalars(ordered.limit(per_page)))
        total = count.total(len(actors))
    else:
        page = min(page, count.pages(count.total()))
        actors = list(session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)))
        total = count.total()
    usage = actor_usage(session, [a.id for a in actors], owner_id=owner_id)
    return ActorPage(actors, usage, total, page, count.pages(total))


class _Count:
    """How many actors a listing matches, counted only when its first page cannot tell.

    A search's filter is a lookup in the substring index (``matching``), but a count of a
    plain listing reads every live actor of the project (1.2 ms at 5,000 actors).
    A first page with room to spare holds every match, which is the usual answer to a lead
    looking for one actor; only a full first page, or a later one, needs the count.
    """

    def __init__(self, session: Session, where: list, per_page: int) -> None:
        self.session, self.where, self.per_page = session, where, per_page

    def total(self, first_page_rows: int | None = None) -> int:
        if first_page_rows is not None and first_page_rows < self.per_page:
            return first_page_rows
        query = select(func.count()).select_from(Actor).where(*self.where)
        return self.session.scalar(query) or 0

    def pages(self, total: int) -> int:
        return max(1, -(-total // self.per_page))


def _keyset_page(session, project, ordered, after, per_page, owner_id, count) -> ActorPage:
    """The ``per_page`` actors after actor ``after`` in (lower(name), id) order."""
    if after is not None:
        key = session.scalar(
            select(func.lower(Actor.name)).where(Actor.id == after, Actor.project_id == project.id)
        )
        if key is None:
            total = count.total()
            return ActorPage([], {}, total, None, count.pages(total), after, None)
        name = func.lower(Actor.name)
        ordered = ordered.where(or_(name > key, and_(name == key, Actor.id > after)))
    actors = list(session.scalars(ordered.limit(per_page + 1)))
    more, actors = len(actors) > per_page, actors[:per_page]
    total = count.total(len(actors) if after is None and not more else None)
    usage = actor_usage(session, [a.id for a in actors], owner_id=owner_id)
    next_after = actors[-1].id if more else None
    return ActorPage(actors, usage, total, None, count.pages(total), after, next_after)


def count_by_status(session: Session, project: Project) -> dict[str, int]:
    """How many live actors each status holds, for the list's tabs."""
    rows = session.execute(
        select(Actor.status, func.count())
        .where(Actor.project_id == project.id, Actor.merged_into_id.is_(None))
        .group_by(Actor.status)
    )
    return dict(rows.all())


def blind_owner(user: User, role: str | None) -> int | None:
    """Whose stances a viewer's counts may include: an annotator's own only, never another
    annotator's or gold (blind annotation); None, everyone's, for reviewers and leads."""
    return user.id if role is None or Role(role) < Role.REVIEWER else None


def actor_usage(
    session: Session, actor_ids: list[int], *, owner_id: int | None = None
) -> dict[int, int]:
    """How many live stances point at each actor as target or holder (only ``owner_id``'s)."""
    usage: dict[int, int] = dict.fromkeys(actor_ids, 0)
    if not actor_ids:
        return usage
    for column in (Stance.target_id, Stance.holder_id):
        query = select(column, func.count()).where(
            column.in_(actor_ids), Stance.deleted_at.is_(None)
        )
        if owner_id is not None:
            query = query.where(Stance.annotator_id == owner_id)
        rows = session.execute(query.group_by(column))
        for actor_id, n in rows:
            usage[actor_id] += n
    return usage


def _status_filter(status: str) -> list:
    if status not in STATUS_FILTERS:
        raise Invalid(f"Unknown status filter '{status}'.", field="status")
    live = Actor.merged_into_id.is_(None)
    return {
        "active": [live, Actor.status != "rejected"],
        "merged": [Actor.merged_into_id.is_not(None)],
        "all": [],
    }.get(status, [live, Actor.status == status])


def _validated(data: ActorData) -> tuple[str, str, list[str], str | None]:
    """Check the form's values; each error names its field."""
    name = " ".join(data.name.split())
    if not name:
        raise Invalid("An actor needs a name.", field="name")
    if len(name) > 300:
        raise Invalid("Actor names have at most 300 characters.", field="name")
    type_ = TYPE_SYNONYMS.get(data.type.strip().lower(), data.type.strip().lower())
    if type_ not in ACTOR_TYPES:
        raise Invalid(f"Type must be one of: {', '.join(ACTOR_TYPES)}.", field="type")
    return name, type_, _valid_aliases(data.aliases), _valid_qid(data.wikidata)


def _valid_aliases(aliases: tuple[str, ...]) -> list[str]:
    cleaned = [" ".join(a.split()) for a in aliases if a.strip()]
    if len(cleaned) > MAX_ALIASES:
        raise Invalid(f"At most {MAX_ALIASES} aliases per actor.", field="aliases")
    for alias in cleaned:
        if len(alias) > 300:
            raise Invalid(f"Alias “{alias[:40]}…” is over 300 characters.", field="aliases")
        if ALIAS_SEPARATOR in alias:
            raise Invalid(f"Alias “{alias}” contains '|', the CSV separator.", field="aliases")
    return cleaned


def _valid_qid(value: str | None) -> str | None:
    qid = (value or "").strip()
    if qid and not QID_RE.match(qid):
        raise Invalid(f"“{qid}” is not a Wikidata item id like Q794.", field="wikidata")
    return qid or None


def _new_key(session: Session, project: Project, key: str | None, name: str) -> str:
    key = (key or "").strip()
    if not key:
        return free_key(session, project, name)
    if not KEY_RE.match(key):
        raise Invalid("Keys are lower-case a-z, 0-9, '.', '_' and '-'.", field="key")
    if session.scalar(select(Actor.id).where(Actor.project_id == project.id, Actor.key == key)):
        raise Conflict(f"The key '{key}' is already taken in this project.", field="key")
    return key


def _check_mergeable(source: Actor, target: Actor) -> None:
    if source.project_id != target.project_id or source.id == target.id:
        raise Invalid("Pick another actor of this project to merge into.", field="into")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise Invalid("One of these actors was already merged away.", field="into")
    if target.status == "rejected":
        raise Invalid("Cannot merge into a rejected actor; approve it first.", field="into")


def _aliases(actor: Actor) -> list[str]:
    return [a.alias for a in actor.aliases]


def _new_aliases(source: Actor, target: Actor) -> list[str]:
    have = {a.normalized for a in target.aliases}
    added: dict[str, str] = {}
    for alias in [source.name, *_aliases(source)]:
        norm = normalize_alias(alias)
        if norm not in have:
            added.setdefault(norm, alias)
    return list(added.values())


def _count(session: Session, condition, model=Stance) -> int:
    return session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _snapshot(actor: Actor) -> dict:
    return {
        "name": actor.name,
        "type": actor.type,
        "wikidata": actor.wikidata,
        "aliases": _aliases(actor),
    }


def _audit(session: Session, user: User, action: str, actor: Actor, data: dict) -> None:
    record_event(session, user, action, "actor", actor.id, project_id=actor.project_id, data=data)
