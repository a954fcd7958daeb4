"""A trained span memory with suggestions waiting on statement B (tests of the lead's page,
the API and the export share it)."""

from __future__ import annotations

from annotator.suggestions.training import refresh_statement, train_recommender

from .suggestion_helpers import SECOND_TEXT, add_statements, demo, recommender, stance


def memory_world(session):
    """Demo statement A with stances; B repeats their texts and holds two suggestions.

    Returns (project, a, b, recommender), committed.
    """
    project, a = demo(session)
    b = add_statements(session, project, {"b": SECOND_TEXT})["b"]
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator2", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator1", "Mullah regime", "condemnation", "iran")
    mem = recommender(session, project)
    train_recommender(session, project, mem)
    refresh_statement(session, project, b)
    session.commit()
    return project, a, b, mem
