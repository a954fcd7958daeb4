"""The actor registry: import, aliases, look-ups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import case, func, select, union
from sqlalchemy.orm import Session, selectinload

from annotator.actors.matching import containing
from annotator.db.audit import record_event
from annotator.errors import Invalid, NotFound
from annotator.formats.actor_csv import normalize_alias
from annotator.models import Actor, ActorAlias, Project, User


class ActorInput(Protocol):
    key: str
    name: str
    type: str
    aliases: tuple[str, ...]
    wikidata: str | None


def import_actors(
    session: Session, project: Project, rows: Iterable[ActorInput], *, user: User | None = None
) -> tuple[int, int]:
    """Create or update actors by key; re-importing the same file changes nothing."""
    existing = {a.key: a for a in _all_actors(session, project)}
    created = updated = 0
    for row in rows:
        _check_row(row)
        actor = existing.get(row.key)
        if actor is None:
            actor = Actor(project_id=project.id, key=row.key, status="approved")
            session.add(actor)
            existing[row.key] = actor
            created += 1
        elif _differs(actor, row):
            updated += 1
        actor.name, actor.type, actor.wikidata = row.name, row.type, row.wikidata
        set_aliases(actor, row.aliases)
    session.flush()
    if created or updated:
        data = {"created": created, "updated": updated}
        record_event(session, user, "import", "actors", None, project_id=project.id, data=data)
    return created, updated


# The actor columns' lengths (models.Actor, ActorAlias): a longer value is the file's error.
_ROW_LIMITS = (("id", "key", 80), ("name", "name", 300), ("wikidata", "wikidata", 20))


def _check_row(row: ActorInput) -> None:
    """Refuse what a column cannot hold, naming the file's line and column."""
    where = f"line {row.line}: " if getattr(row, "line", 0) else ""
    values = [(column, getattr(row, attr) or "", limit) for column, attr, limit in _ROW_LIMITS]
    values += [("aliases", alias, 300) for alias in row.aliases]
    for column, value, limit in values:
        if "\x00" in value:
            raise Invalid(f"{where}{column}: contains a NUL character.", field=column)
        if len(value) > limit:
            raise Invalid(f"{where}{column}: is longer than {limit} characters.", field=column)


def _all_actors(session: Session, project: Project) -> list[Actor]:
    """Every actor of the project, merged ones too: their keys stay taken."""
    query = select(Actor).where(Actor.project_id == project.id)
    return list(session.scalars(query.options(selectinload(Actor.aliases))))


def _differs(actor: Actor, row: ActorInput) -> bool:
    """Whether a re-import changes anything, comparing aliases as set_aliases stores them."""
    same = (actor.name, actor.type, actor.wikidata) == (row.name, row.type, row.wikidata)
    stored = {a.normalized for a in actor.aliases}
    return not same or stored != {normalize_alias(a) for a in row.aliases if a.strip()}


def set_aliases(actor: Actor, aliases: Iterable[str]) -> None:
    """Replace an actor's aliases, one per normalised form, keeping unchanged rows."""
    wanted: dict[str, str] = {}
    for alias in aliases:
        wanted.setdefault(normalize_alias(alias), alias.strip())
    kept = [a for a in actor.aliases if wanted.get(a.normalized) == a.alias]
    kept_norms = {a.normalized for a in kept}
    actor.aliases = kept + [
        ActorAlias(alias=alias, normalized=norm)
        for norm, alias in wanted.items()
        if norm not in kept_norms
    ]


def list_actors(
    session: Session, project: Project, *, with_aliases: bool = False, status: str | None = None
) -> list[Actor]:
    """The project's actors that are not merged away, by name."""
    query = select(Actor).where(Actor.project_id == project.id, Actor.merged_into_id.is_(None))
    if status:
        query = query.where(Actor.status == status)
    if with_aliases:
        query = query.options(selectinload(Actor.aliases))
    return list(session.scalars(query.order_by(Actor.name)))


def get_actor_by_id(session: Session, project: Project, actor_id: int) -> Actor:
    """An actor of this project by id, merged ones included; NotFound otherwise."""
    actor = session.get(Actor, actor_id)
    if actor is None or actor.project_id != project.id:
        raise NotFound("No such actor in this project.", field="actor")
    return actor


def survivor(session: Session, actor: Actor) -> Actor:
    """The actor a merged one now lives on as (itself when it was never merged)."""
    while actor.merged_into_id is not None:
        actor = session.get(Actor, actor.merged_into_id)
    return actor


def get_actor(session: Session, project: Project, key: str) -> Actor:
    """An actor of this project by key; NotFound otherwise."""
    actor = session.scalar(select(Actor).where(Actor.project_id == project.id, Actor.key == key))
    if actor is None:
        raise NotFound(f"Unknown actor '{key}'.", field="actor")
    return actor


@dataclass(frozen=True)
class ActorMatch:
    """A type-ahead hit: the actor and the alias that matched (None when the name did)."""

    actor: Actor
    alias: str | None


def search_actors(
    session: Session, project: Project, query: str, limit: int = 8
) -> list[ActorMatch]:
    """Actors whose name or alias contains ``query`` (normalised; ``matching`` finds them
    in the substring index); prefix matches first, each with the alias that matched."""
    norm = normalize_alias(query)
    if not norm:
        return []
    found = Actor.id.in_(union(*containing(session, project.id, norm)))
    rows = session.execute(
        select(Actor, ActorAlias.alias, ActorAlias.normalized)
        .join(ActorAlias, ActorAlias.actor_id == Actor.id, isouter=True)
        .where(
            Actor.project_id == project.id,
            Actor.merged_into_id.is_(None),
            Actor.status != "rejected",
            found,
        )
        .limit(200)
    )
    best: dict[int, tuple[int, ActorMatch]] = {}
    for actor, alias, alias_norm in rows:
        rank, shown = _rank(norm, actor, alias, alias_norm)
        if actor.id not in best or rank < best[actor.id][0]:
            best[actor.id] = (rank, ActorMatch(actor, shown))
    ordered = sorted(best.values(), key=lambda rm: (rm[0], rm[1].actor.name.casefold()))
    return [m for _, m in ordered[:limit]]


def _rank(norm: str, actor: Actor, alias: str | None, alias_norm: str | None):
    """(rank, alias to show) of one row of the type-ahead: 0 a prefix of the name or of this
    alias, 1 inside one, 2 neither (another alias of an actor found by its name or another
    alias, or by the index's case folding alone)."""
    name = normalize_alias(actor.name)
    if alias_norm is not None and norm in alias_norm:
        shown = alias if alias != actor.name else None
        return (0 if alias_norm.startswith(norm) or name.startswith(norm) else 1), shown
    if norm in name:
        return (0 if name.startswith(norm) else 1), None
    return 2, None


def resolve_actor(session: Session, project: Project, text: str) -> Actor | None:
    """The actor whose key, name or alias equals ``text`` (normalised): the no-script fallback."""
    if not text.strip():
        return None
    norm = normalize_alias(text)
    found = session.scalar(
        select(Actor)
        .join(ActorAlias, ActorAlias.actor_id == Actor.id, isouter=True)
        .where(
            Actor.project_id == project.id,
            Actor.status != "rejected",
            (Actor.key == text.strip())
            | (ActorAlias.normalized == norm)
            | (func.lower(Actor.name) == norm),
        )
        # An exact key wins over someone else's alias; live actors before merged ones.
        .order_by(case((Actor.key == text.strip(), 0), else_=1), Actor.merged_into_id.is_not(None))
        .order_by(Actor.id)
        .limit(1)
    )
    return survivor(session, found) if found is not None else None


def propose_actor(
    session: Session, project: Project, user: User, name: str, type_: str = "other"
) -> Actor:
    """An annotator's new actor, in "proposed" state until a lead approves it."""
    name = " ".join(name.split())
    if not name:
        raise Invalid("A proposed actor needs a name.", field="target")
    if len(name) > 300:
        raise Invalid("Actor names have at most 300 characters.", field="target")
    existing = resolve_actor(session, project, name)
    if existing is not None:
        return existing
    actor = Actor(
        project_id=project.id,
        key=free_key(session, project, name),
        name=name,
        type=type_,
        status="proposed",
        created_by_id=user.id,
    )
    set_aliases(actor, [name])
    session.add(actor)
    session.flush()
    record_event(
        session, user, "propose", "actor", actor.id, project_id=project.id, data={"name": name}
    )
    return actor


def free_key(session: Session, project: Project, name: str) -> str:
    """A slug from the name (ASCII when possible), made unique with a counter."""
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "actor"
    key, n = base, 1
    while session.scalar(select(Actor.id).where(Actor.project_id == project.id, Actor.key == key)):
        n += 1
        key = f"{base}-{n}"
    return key
