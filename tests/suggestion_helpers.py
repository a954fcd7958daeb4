"""Shared set-up for the suggestion tests: the demo project plus statements of our own."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from annotator.accounts.users import get_user
from annotator.annotation.stances import StanceInput, create_stance
from annotator.projects.assignments import assign_statement, set_assignment_state
from annotator.statements.statements import import_statements, list_statements
from annotator.suggestions.recommenders import RecommenderInput, create_recommender

from .workspace_helpers import demo

SECOND_TEXT = (
    "Yesterday Teheran claims to have hit a new target, and the Mullah regime gloats again."
)


@dataclass
class Record:
    external_id: str
    text: str
    title: str | None = None
    author: str | None = None
    organization: str | None = "Revolutionary Communist International Tendency (RCIT)"
    date: str | None = None
    url: str | None = None
    lang: str | None = "en"
    meta: dict = field(default_factory=dict)
    file: str = "test.jsonl"
    line: int = 1


def add_statements(session, project, texts: dict[str, str], assign=("annotator1", "annotator2")):
    """Import statements by external id and assign them; returns them by external id."""
    import_statements(session, project, [Record(k, t) for k, t in texts.items()])
    found = {s.external_id: s for s in list_statements(session, project)}
    for key in texts:
        for username in assign:
            assign_statement(session, project, found[key], get_user(session, username))
    return {k: found[k] for k in texts}


def stance(session, project, statement, username, phrase, label, target=None, nth=0):
    """A stance of ``username`` over the ``nth`` occurrence of ``phrase``."""
    start = -1
    for _ in range(nth + 1):
        start = statement.text.index(phrase, start + 1)
    data = StanceInput(start, start + len(phrase), phrase, label, target)
    return create_stance(session, project, statement, get_user(session, username), data)


def recommender(session, project, name="memory", kind="span_memory", **kw):
    """A recommender made by the command line's operator (no acting user)."""
    settings = kw.pop("settings", {})
    return create_recommender(
        session, project, None, RecommenderInput(name=name, kind=kind, settings=settings, **kw)
    )


def mark_done(session, project, statement, username):
    set_assignment_state(session, project, statement, get_user(session, username), "done")


CUES = {
    "claim": ["claims that", "asserts that", "says that"],
    "condemnation": ["condemns", "denounces", "strongly rejects"],
    "support": ["supports", "stands with", "expresses solidarity with"],
}
ACTORS = ["Iran", "Iraq", "Pakistan", "Israel"]
FILLER = [
    "the",
    "situation",
    "in",
    "the",
    "region",
    "remains",
    "tense",
    "after",
    "weeks",
    "of",
    "fighting",
    "between",
    "the",
    "parties",
    "while",
    "observers",
    "count",
    "the",
    "victims",
    "and",
    "the",
    "cost",
    "of",
    "reconstruction",
    "grows",
]


def rule_sentence(rng: random.Random) -> tuple[str, str, str]:
    """(sentence, label or "", actor): the label is whatever cue the sentence carries."""
    actor = rng.choice(ACTORS)
    words = rng.sample(FILLER, 8)
    if rng.random() < 0.5:
        return f"The {' '.join(words)} near {actor}.", "", actor
    label = rng.choice(sorted(CUES))
    return f"The committee {rng.choice(CUES[label])} {actor} and {' '.join(words)}.", label, actor


__all__ = ["demo", "get_user", "list_statements"]
