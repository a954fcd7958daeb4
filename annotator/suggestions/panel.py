"""What the statement page shows of suggestions: the one function the workspace calls.

It reads what the recommenders' jobs stored (``list_suggestion_rows``: two queries, no
model, no network), so a slow or broken model server never delays the page. Anything the page should
learn about the suggestions it shows (a "shown" counter, say) is added here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from annotator.models import OPEN_STATES, Assignment, Project, Statement, User
from annotator.suggestions.suggestions import list_suggestion_rows


@dataclass(frozen=True)
class SuggestionItem:
    """One suggestion as the page draws it: span, label, actors, score and its source."""

    id: int
    start: int
    end: int
    text: str
    label_key: str
    label_name: str
    target_name: str | None
    holder_name: str | None
    score: float
    recommender: str


@dataclass(frozen=True)
class SuggestionPanel:
    """The page's suggestions and what the annotator may do with them."""

    items: list[SuggestionItem]
    editable: bool  # the assignment is open: accept and reject are offered
    bulk_accept: bool  # the lead allows "accept all above a score"


def page_suggestions(
    session: Session, project: Project, statement: Statement, user: User, assignment
) -> SuggestionPanel | None:
    """The suggestions of the statement page, or None when it is not the user's to work.

    ``assignment`` is the user's active one (already loaded by the page); a done or skipped
    statement shows its suggestions read-only.
    """
    if not isinstance(assignment, Assignment):
        return None
    rows = list_suggestion_rows(session, project, statement, user)
    editable = assignment.state in OPEN_STATES
    items = [SuggestionItem(*row[:10]) for row in rows]  # the rows' columns, in order
    return SuggestionPanel(items, editable, editable and project.bulk_accept)
