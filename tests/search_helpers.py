"""Statements for search and browser tests, imported through the real import service."""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.statements import search
from annotator.statements.statements import import_statements


@dataclass
class Record:
    external_id: str
    text: str
    title: str | None = None
    organization: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    lang: str | None = None
    meta: dict = field(default_factory=dict)
    file: str = "test.jsonl"
    line: int = 1


CORPUS = (  # fmt: off
    Record(
        "s1", "The regime in Teheran condemns the strikes.", "Teheran speaks", "RCIT", "2024-01-19"
    ),
    Record(
        "s2", "Die Regierung verurteilt den Angriff auf Café Zürich.", "Berlin", "SPD", "2023-05-02"
    ),
    Record("s3", "داعش تهاجم المدينة", "Arabic report", "RCIT", "2022-11-30"),
    Record("s4", 'NEAR the border, e-mail (quoted "news") came in.', None, None, None),
    Record(
        "s5",
        "Support for the strikes * across the board -- said the party.",
        "Party line",
        "SPD",
        "2024-03-01",
    ),
)


def import_corpus(session, project, records=CORPUS, *, index=True):
    """Import ``records`` into ``project`` and, unless ``index`` is off, do what the index job
    does after the commit (tests/test_search_deferred.py runs the job itself)."""
    report = import_statements(session, project, list(records))
    while index and search.index_backlog(session):
        pass
    return report
