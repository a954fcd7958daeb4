"""How annotators take the suggestions: acceptance rate per recommender and per annotator.

"Shown" is what an annotator had in front of them: the suggestions they decided (accepted or
rejected) plus those they left alone ("ignored"): undecided ones listed for them (recorded
by ``shown.note_shown``, the first time only), and, for suggestions made before that record
existed or never listed, undecided ones at or above the recommender's threshold on a
statement they marked done, not at the span of one of their own stances. Rate = accepted /
shown. Counted in SQL, never in Python.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from annotator.models import (
    Assignment,
    Project,
    Recommender,
    Stance,
    Suggestion,
    SuggestionDecision,
    SuggestionView,
    User,
)
from annotator.suggestions.recommenders import list_recommenders, require_lead

SHOWN = (
    "shown = accepted + rejected + ignored; ignored = undecided suggestions listed for the "
    "annotator, or at or above the threshold on statements they marked done and not at the "
    "span of one of their stances"
)


def suggestion_stats(session: Session, project: Project, user: User | None = None) -> dict:
    """Accepted, rejected, ignored, shown and the acceptance rate, by recommender and annotator."""
    require_lead(session, project, user)
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(
        lambda: {"accept": 0, "reject": 0, "ignored": 0}
    )
    for recommender_id, user_id, decision, n in session.execute(_decisions(project)):
        cells[(recommender_id, user_id)][decision] = n
    for query in (_viewed_undecided(project), _ignored(project)):
        for recommender_id, user_id, n in session.execute(query):
            cells[(recommender_id, user_id)]["ignored"] += n
    users = {u for _, u in cells}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(users))).all())
    recommenders = list_recommenders(session, project)
    per_annotator = [
        {"recommender": r.name, "annotator": names[u], **_figures(cells[(r.id, u)])}
        for r in recommenders
        for (rid, u) in sorted(cells, key=lambda k: names[k[1]])
        if rid == r.id
    ]
    per_recommender = []
    for r in recommenders:
        total = {"accept": 0, "reject": 0, "ignored": 0}
        for (rid, _), cell in cells.items():
            if rid == r.id:
                total = {k: total[k] + cell[k] for k in total}
        per_recommender.append({"recommender": r.name, "kind": r.kind, **_figures(total)})
    return {"recommenders": per_recommender, "annotators": per_annotator, "shown": SHOWN}


def _figures(cell: dict[str, int]) -> dict[str, Any]:
    shown = cell["accept"] + cell["reject"] + cell["ignored"]
    rate = round(cell["accept"] / shown, 4) if shown else None
    return {
        "accepted": cell["accept"],
        "rejected": cell["reject"],
        "ignored": cell["ignored"],
        "shown": shown,
        "acceptance_rate": rate,
    }


def _decisions(project: Project):
    return (
        select(
            Suggestion.recommender_id,
            SuggestionDecision.user_id,
            SuggestionDecision.decision,
            func.count(),
        )
        .join(Suggestion, Suggestion.id == SuggestionDecision.suggestion_id)
        .join(Recommender, Recommender.id == Suggestion.recommender_id)
        .where(Recommender.project_id == project.id)
        .group_by(
            Suggestion.recommender_id, SuggestionDecision.user_id, SuggestionDecision.decision
        )
    )


def _viewed_undecided(project: Project):
    """Suggestions listed for an annotator that they have not decided."""
    decided = exists().where(
        SuggestionDecision.suggestion_id == SuggestionView.suggestion_id,
        SuggestionDecision.user_id == SuggestionView.user_id,
    )
    return (
        select(Suggestion.recommender_id, SuggestionView.user_id, func.count())
        .join(Suggestion, Suggestion.id == SuggestionView.suggestion_id)
        .join(Recommender, Recommender.id == Suggestion.recommender_id)
        .where(Recommender.project_id == project.id, ~decided)
        .group_by(Suggestion.recommender_id, SuggestionView.user_id)
    )


def _ignored(project: Project):
    """Undecided, never listed, on a statement marked done: left alone all the same."""
    decided = exists().where(
        SuggestionDecision.suggestion_id == Suggestion.id,
        SuggestionDecision.user_id == Assignment.annotator_id,
    )
    viewed = exists().where(
        SuggestionView.suggestion_id == Suggestion.id,
        SuggestionView.user_id == Assignment.annotator_id,
    )
    drawn = exists().where(
        and_(
            Stance.statement_id == Suggestion.statement_id,
            Stance.annotator_id == Assignment.annotator_id,
            Stance.start == Suggestion.start,
            Stance.end == Suggestion.end,
            Stance.deleted_at.is_(None),
        )
    )
    return (
        select(Suggestion.recommender_id, Assignment.annotator_id, func.count())
        .join(Recommender, Recommender.id == Suggestion.recommender_id)
        .join(Assignment, Assignment.statement_id == Suggestion.statement_id)
        .where(
            Recommender.project_id == project.id,
            Assignment.active,
            Assignment.state == "done",
            Suggestion.score >= Recommender.threshold,
            ~decided,
            ~viewed,
            ~drawn,
        )
        .group_by(Suggestion.recommender_id, Assignment.annotator_id)
    )
