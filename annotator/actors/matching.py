"""Which actors a search text finds: one query shape for the registry page, the API and the
workspace's type-ahead, served by each database's own substring index (migration 0023).

A text finds an actor when it occurs in the actor's name or in one of its aliases (both
compared in their normalised, case-folded form), or equals its key or Wikidata id.

* SQLite: ``actors_fts`` (FTS5, trigram tokenizer) holds every name and alias. A text of
  three characters or more is a phrase query on it, which is a substring match with
  Unicode case folding, read from the index; the text is always one quoted phrase, so FTS
  syntax in it (``"``, ``*``, ``NEAR``, ``-``, parentheses) is plain text. A shorter text has
  no trigram to look up: a LIKE over the terms (the FTS table's own, small rows).
* PostgreSQL: ``LIKE '%…%'`` on ``lower(name)`` and ``normalized``, which pg_trgm's GIN
  indexes serve (or a scan, where the extension could not be created).

Each term is its own indexed select and the actors are those whose id is in their union: an
OR of the terms in one WHERE made both planners read every actor.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, column, func, select, table, union
from sqlalchemy.orm import Session

from annotator.formats.actor_csv import normalize_alias
from annotator.models import Actor, ActorAlias

ACTORS_FTS = table("actors_fts", column("term"), column("actor_id"))
TRIGRAM = 3  # the shortest text the trigram index can look up


def actor_search(session: Session, project_id: int, text: str) -> ColumnElement[bool]:
    """The condition on ``Actor`` that a search for ``text`` finds it (see the module)."""
    norm, exact = normalize_alias(text), text.strip()
    terms = [
        select(Actor.id).where(Actor.project_id == project_id, Actor.key == exact),
        select(Actor.id).where(Actor.project_id == project_id, Actor.wikidata == exact.upper()),
    ]
    if norm:
        terms += containing(session, project_id, norm)
    return Actor.id.in_(union(*terms))


def containing(session: Session, project_id: int, norm: str) -> list[Select]:
    """Selects of the ids of actors whose name or an alias contains ``norm`` (normalised,
    not empty); the project is the caller's to check where a select does not."""
    if session.get_bind().dialect.name == "sqlite":
        if len(norm) >= TRIGRAM:
            phrase = '"' + norm.replace('"', '""') + '"'
            return [select(ACTORS_FTS.c.actor_id).where(ACTORS_FTS.c.term.match(phrase))]
        short = ACTORS_FTS.c.term.like(like_pattern(norm), escape="\\")
        return [select(ACTORS_FTS.c.actor_id).where(short)]
    pattern = like_pattern(norm)
    return [
        select(ActorAlias.actor_id).where(ActorAlias.normalized.like(pattern, escape="\\")),
        select(Actor.id).where(
            Actor.project_id == project_id, func.lower(Actor.name).like(pattern, escape="\\")
        ),
    ]


def like_pattern(norm: str) -> str:
    """``%norm%`` with LIKE's wildcards and the escape character escaped (escape ``\\``)."""
    return "%" + norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
