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


def wait_until(page, predicate: str, timeout: float = 10.0) -> None:
    """Poll a JavaScript expression until it is truthy, from Python through ``page.evaluate``.

    Playwright's ``wait_for_function`` polls by evaluating the string inside the page, which
    our CSP (``script-src 'self'``, no eval) refuses as soon as a second poll is needed.
    """
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {predicate}")
        page.wait_for_timeout(50)
