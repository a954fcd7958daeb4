"""The actor registry: list and search by alias, create, edit, add aliases, merge (leads)."""

from __future__ import annotations

from collections.abc import Callable

from apiflask import Schema, fields
from apiflask.validators import Length, Range

from annotator.actors import curation as registry
from annotator.actors.registry import get_actor_by_id
from annotator.api.access import Caller, operation
from annotator.api.schemas import Actor as ActorOut
from annotator.api.schemas import ActorPage, Choice, Id, MergeResult, Text, about
from annotator.extensions import db
from annotator.models import Actor

BASE = "/projects/<slug>/actors"


def _aliases(**options) -> fields.List:
    return fields.List(Text(validate=Length(max=300)), validate=Length(max=500), **options)


class ListQuery(Schema):
    q = Text(validate=Length(max=300), **about("Search names, aliases, keys, QIDs."))
    status = Choice(registry.STATUS_FILTERS, **about("Default: active."))
    page = fields.Integer(validate=Range(1, 100_000), **about("Default 1."))
    per_page = fields.Integer(validate=Range(1, 200), **about("Default 50."))


class ActorEdit(Schema):
    name = Text(validate=Length(max=300))
    type = Text(validate=Length(max=40), **about("state, person, party, …"))
    aliases = _aliases()
    wikidata = Text(allow_none=True, validate=Length(max=20), **about("Like Q794."))


class ActorIn(ActorEdit):
    name = Text(required=True, validate=Length(max=300))
    key = Text(validate=Length(max=80))


class AliasesIn(Schema):
    aliases = _aliases(required=True)


class MergeIn(Schema):
    into = Id(required=True, **about("Id of the actor that survives."))


@operation("GET", BASE, "annotator", "List or search actors", query=ListQuery, output=ActorPage)
def list_actors(caller: Caller, query: dict) -> dict:
    """The registry by name, filtered by a search over names and aliases in any script."""
    found = registry.list_actor_page(
        db.session, caller.project, query=query.get("q", ""), status=query.get("status", "active"),
        page=query.get("page", 1), per_page=query.get("per_page", 50),
    )  # fmt: skip
    return {"items": found.actors, "total": found.total, "page": found.page, "pages": found.pages}


@operation("POST", BASE, "lead", "Create an actor", body=ActorIn, output=ActorOut, status_code=201)
def create_actor(caller: Caller, body: dict):
    """Add an approved actor; its key is the one given or a slug of its name."""
    data = registry.ActorData(**_data(body))
    return registry.create_actor(db.session, caller.project, caller.user, data)


@operation(
    "PATCH", BASE + "/<int:actor_id>", "lead", "Edit an actor", body=ActorEdit, output=ActorOut
)
def edit_actor(caller: Caller, actor_id: int, body: dict):
    """Change name, type, aliases or QID; omitted fields keep their value, the key stays."""
    return _update(caller, actor_id, lambda current: body)


@operation(
    "POST", BASE + "/<int:actor_id>/aliases", "lead", "Add aliases", body=AliasesIn, output=ActorOut
)
def add_aliases(caller: Caller, actor_id: int, body: dict):
    """Add aliases to an actor's list (ones it already has, in any spelling, are kept once)."""
    return _update(
        caller, actor_id, lambda current: {"aliases": current["aliases"] + body["aliases"]}
    )


def _update(caller: Caller, actor_id: int, change: Callable[[dict], dict]) -> Actor:
    """Save the actor with ``change(its current values)`` laid over those values."""
    actor = get_actor_by_id(db.session, caller.project, actor_id)
    current = {"name": actor.name, "type": actor.type, "wikidata": actor.wikidata}
    current["aliases"] = [a.alias for a in actor.aliases]
    data = registry.ActorData(**_data(current | change(current)))
    return registry.update_actor(db.session, caller.project, caller.user, actor, data)


@operation("POST", BASE + "/<int:actor_id>/merge", "lead", "Merge an actor into another",
           body=MergeIn, output=MergeResult)  # fmt: skip
def merge_actor(caller: Caller, actor_id: int, body: dict) -> dict:
    """Fold this actor into ``into``: every stance and statement re-pointed, aliases combined."""
    source = get_actor_by_id(db.session, caller.project, actor_id)
    target = get_actor_by_id(db.session, caller.project, body["into"])
    counts = registry.merge_actors(db.session, caller.project, caller.user, source, target)
    return {
        "actor": target,
        "as_target": counts.as_target,
        "as_holder": counts.as_holder,
        "statements": counts.statements,
        "aliases_added": counts.aliases_added,
    }


def _data(body: dict) -> dict:
    """The body as ActorData arguments (aliases as a tuple, type defaulting to other)."""
    data = dict(body)
    data["aliases"] = tuple(data.get("aliases") or ())
    data["type"] = data.get("type") or "other"
    return data
