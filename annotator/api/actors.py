"""The actor registry: list and search by alias, create, edit, add aliases, merge (leads)."""

from __future__ import annotations

from annotator.actors import curation as registry
from annotator.actors.registry import get_actor_by_id
from annotator.api.routing import ID, Call, Param, operation
from annotator.api.serialize import ACTOR, INT, STR, actor_json, obj
from annotator.extensions import db

BASE = "/projects/{slug}/actors"
ALIASES = {"type": "array", "items": {"type": "string", "maxLength": 300}, "maxItems": 500}
FIELDS = {
    "name": {"type": "string", "maxLength": 300},
    "type": {"type": "string", "maxLength": 40, "description": "state, person, party, …"},
    "aliases": ALIASES,
    "wikidata": {"type": ["string", "null"], "maxLength": 20, "description": "Like Q794."},
}
CREATE = {
    "type": "object",
    "properties": FIELDS | {"key": {"type": "string", "maxLength": 80}},
    "required": ["name"],
    "additionalProperties": False,
}
EDIT = {"type": "object", "properties": FIELDS, "additionalProperties": False}
ADD_ALIASES = {
    "type": "object",
    "properties": {"aliases": ALIASES},
    "required": ["aliases"],
    "additionalProperties": False,
}
MERGE = {
    "type": "object",
    "properties": {"into": ID | {"description": "Id of the actor that survives."}},
    "required": ["into"],
    "additionalProperties": False,
}
ACTOR_PAGE = obj(
    {"items": {"type": "array", "items": ACTOR}, "total": INT, "page": INT, "pages": INT}
)
MERGE_RESULT = obj(
    {
        "actor": ACTOR,
        "as_target": INT,
        "as_holder": INT,
        "statements": INT,
        "aliases_added": {"type": "array", "items": STR},
    }
)


@operation(
    "GET", BASE, "List or search actors", role="annotator", tag="actors",
    query={
        "q": Param({"type": "string", "maxLength": 300}, "Search names, aliases, keys, QIDs."),
        "status": Param(
            {"type": "string", "enum": list(registry.STATUS_FILTERS)}, "Default: active."
        ),
        "page": Param({"type": "integer", "minimum": 1, "maximum": 100_000}, "Default 1."),
        "per_page": Param({"type": "integer", "minimum": 1, "maximum": 200}, "Default 50."),
    },
    response=ACTOR_PAGE,
)  # fmt: skip
def list_actors(call: Call):
    """The registry by name, filtered by a search over names and aliases in any script."""
    q = call.query
    found = registry.list_actor_page(
        db.session, call.project, query=q.get("q", ""), status=q.get("status", "active"),
        page=q.get("page", 1), per_page=q.get("per_page", 50),
    )  # fmt: skip
    items = [actor_json(a) for a in found.actors]
    return {"items": items, "total": found.total, "page": found.page, "pages": found.pages}


@operation(
    "POST", BASE, "Create an actor", role="lead", tag="actors", body=CREATE, status=201,
    response=ACTOR,
)  # fmt: skip
def create_actor(call: Call):
    """Add an approved actor; its key is the one given or a slug of its name."""
    data = registry.ActorData(**_data(call.body))
    return actor_json(registry.create_actor(db.session, call.project, call.user, data))


@operation(
    "PATCH", BASE + "/{actor_id}", "Edit an actor", role="lead", tag="actors", body=EDIT,
    response=ACTOR,
)  # fmt: skip
def edit_actor(call: Call):
    """Change name, type, aliases or QID; omitted fields keep their value, the key stays."""
    actor = get_actor_by_id(db.session, call.project, call.path["actor_id"])
    current = {"name": actor.name, "type": actor.type, "wikidata": actor.wikidata}
    current["aliases"] = [a.alias for a in actor.aliases]
    data = registry.ActorData(**_data(current | call.body))
    return actor_json(registry.update_actor(db.session, call.project, call.user, actor, data))


@operation(
    "POST", BASE + "/{actor_id}/aliases", "Add aliases", role="lead", tag="actors",
    body=ADD_ALIASES, response=ACTOR,
)  # fmt: skip
def add_aliases(call: Call):
    """Add aliases to an actor's list (ones it already has, in any spelling, are kept once)."""
    actor = get_actor_by_id(db.session, call.project, call.path["actor_id"])
    aliases = [a.alias for a in actor.aliases] + call.body["aliases"]
    data = registry.ActorData(actor.name, actor.type, tuple(aliases), actor.wikidata)
    return actor_json(registry.update_actor(db.session, call.project, call.user, actor, data))


@operation(
    "POST", BASE + "/{actor_id}/merge", "Merge an actor into another", role="lead",
    tag="actors", body=MERGE, response=MERGE_RESULT,
)  # fmt: skip
def merge_actor(call: Call):
    """Fold this actor into ``into``: every stance and statement re-pointed, aliases combined."""
    source = get_actor_by_id(db.session, call.project, call.path["actor_id"])
    target = get_actor_by_id(db.session, call.project, call.body["into"])
    counts = registry.merge_actors(db.session, call.project, call.user, source, target)
    return {
        "actor": actor_json(target),
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
