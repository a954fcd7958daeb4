"""The actor registry: import, aliases, look-ups."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..errors import NotFound
from ..formats.actor_csv import normalize_alias
from ..models import Actor, ActorAlias, Project, User
from .audit import record_event


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
    existing = {a.key: a for a in list_actors(session, project, with_aliases=True)}
    created = updated = 0
    for row in rows:
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
        record_event(
            session, user=user, action="import", entity="actors", project_id=project.id,
            data={"created": created, "updated": updated},
        )
    return created, updated


def _differs(actor: Actor, row: ActorInput) -> bool:
    same = (actor.name, actor.type, actor.wikidata) == (row.name, row.type, row.wikidata)
    return not same or [a.alias for a in actor.aliases] != list(row.aliases)


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


def get_actor(session: Session, project: Project, key: str) -> Actor:
    """An actor of this project by key; NotFound otherwise."""
    actor = session.scalar(select(Actor).where(Actor.project_id == project.id, Actor.key == key))
    if actor is None:
        raise NotFound(f"Unknown actor '{key}'.", field="actor")
    return actor
