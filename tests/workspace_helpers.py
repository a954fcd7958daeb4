"""Shared set-up for workspace tests: the demo project with its statement assigned."""

from __future__ import annotations

from annotator.demo import load_demo
from annotator.statements.statements import list_statements

from .factories import PASSWORD, TEST_HASH

PHRASE = "condemns the reactionary aggression of Iran"


def demo(session):
    """Load the demo; returns (project, statement)."""
    from annotator.projects.projects import get_project

    load_demo(session, PASSWORD, method=TEST_HASH)
    session.commit()
    project = get_project(session, "demo")
    return project, list_statements(session, project)[0]


def stance_data(statement, phrase=PHRASE, label="condemnation", target="iran", **extra):
    """Form data for a stance over the first occurrence of ``phrase``."""
    start = statement.text.index(phrase)
    data = {
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
        "label": label,
        "target": target or "",
    }
    data.update(extra)
    return data
