"""The span memory recommender: learn the project's labelled span texts, propose them again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from annotator.models import Project, Recommender, RecommenderModel, Statement
from annotator.suggestions.consensus import labelled_spans
from annotator.suggestions.packing import unpack
from annotator.suggestions.proposals import Proposal, actor_ids, label_ids
from annotator.text import span_memory

Loaded = TypeVar("Loaded")


def build_memory(session: Session, project: Project, recommender: Recommender) -> dict:
    """The memory of every live stance as a JSON artefact, and how many spans it read."""
    ignore_case = bool(recommender.settings.get("ignore_case"))
    spans = list(labelled_spans(session, project))
    entries = span_memory.build_memory(spans, ignore_case=ignore_case)
    return {
        "artefact": span_memory.to_json(entries, ignore_case),
        "training_size": len(spans),
        "metrics": {"entries": len(entries)},
    }


def model_key(session: Session, model: RecommenderModel) -> tuple:
    """Identifies a stored model across processes' caches; ids alone can come back (SQLite
    reuses a deleted row's id, tests truncate tables), the training time cannot."""
    return (str(session.get_bind().url), model.id, model.version, model.trained_at)


class ModelCache(Generic[Loaded]):
    """What recommenders build from a stored artefact, once per process and model.

    Keyed by ``model_key``; emptied when ``size`` models are held, which also lets go of
    versions that training has replaced (building one again is the only cost).
    """

    def __init__(self, size: int, build: Callable[[dict], Loaded]) -> None:
        self.size, self.build, self.loaded = size, build, {}

    def get(self, session: Session, model: RecommenderModel) -> Loaded:
        """The built model, from the cache or built now."""
        key = model_key(session, model)
        found = self.loaded.get(key)
        if found is None:
            found = self.build(unpack(model.artefact))  # packed or, stored earlier, plain
            if len(self.loaded) >= self.size:
                self.loaded.clear()
            self.loaded[key] = found
        return found


def _build_matcher(artefact: dict) -> span_memory.SpanMatcher:
    entries, ignore_case = span_memory.from_json(artefact)
    return span_memory.SpanMatcher(entries, ignore_case=ignore_case)


_MATCHERS = ModelCache(16, _build_matcher)


def matcher(session: Session, model: RecommenderModel) -> span_memory.SpanMatcher:
    """The automaton of a stored memory, built once per process and model."""
    return _MATCHERS.get(session, model)


def propose(
    session: Session, project: Project, statement: Statement, model: RecommenderModel
) -> list[Proposal]:
    """Every memory match in the statement, with its label, target and score."""
    matches = matcher(session, model).find(statement.text, statement=statement.id)
    labels = label_ids(project)
    actors = actor_ids(session, project, (m.entry.target for m in matches))
    return [
        Proposal(
            m.start,
            m.end,
            labels[m.entry.label],
            m.entry.score,
            actors.get(m.entry.target) if m.entry.target else None,
        )
        for m in matches
        if m.entry.label in labels
    ]
