"""What a lead sees of each recommender: settings, training, figures, failures and jobs.

One read for the lead's page and the API's status endpoint, so they cannot drift apart:
the safe description (never the token), the active model's training size and held-out
precision and recall, the acceptance by annotators (``stats``: accepted / shown), what the
runs stored and dropped (items a model answered that failed the checks), and recent jobs.
Every figure is aggregated in SQL: a few queries per project, not per suggestion.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.jobs.state import ACTIVE
from annotator.models import (
    Project,
    Recommender,
    RecommenderModel,
    SuggestionRun,
    User,
)
from annotator.suggestions.jobs import describe_job, list_jobs
from annotator.suggestions.recommenders import describe_recommender, list_recommenders
from annotator.suggestions.stats import suggestion_stats

JOBS_SHOWN = 5  # latest jobs per recommender on the page


def recommender_status(session: Session, project: Project, user: User | None) -> list[dict]:
    """Each recommender of the project with its figures and latest jobs (leads only)."""
    stats = {
        row["recommender"]: row for row in suggestion_stats(session, project, user)["recommenders"]
    }
    runs = _run_totals(session, project)
    models = _active_models(session, project)
    jobs = _jobs_by_recommender(session, project)
    out = []
    for r in list_recommenders(session, project):
        figures = stats.get(r.name, {})
        out.append(
            describe_recommender(r)
            | {
                "model": models.get(r.id),
                "acceptance": {k: figures.get(k) for k in _ACCEPTANCE},
                "runs": runs.get(r.id, {"statements": 0, "stored": 0, "dropped": 0}),
                "jobs": jobs.get(r.id, []),
                "busy": any(j["state"] in ACTIVE for j in jobs.get(r.id, [])),
            }
        )
    return out


_ACCEPTANCE = ("accepted", "rejected", "ignored", "shown", "acceptance_rate")


def _run_totals(session: Session, project: Project) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(
            SuggestionRun.recommender_id,
            func.count(),
            func.coalesce(func.sum(SuggestionRun.stored), 0),
            func.coalesce(func.sum(SuggestionRun.dropped), 0),
        )
        .join(Recommender, Recommender.id == SuggestionRun.recommender_id)
        .where(Recommender.project_id == project.id)
        .group_by(SuggestionRun.recommender_id)
    )
    return {
        rid: {"statements": n, "stored": int(stored), "dropped": int(dropped)}
        for rid, n, stored, dropped in rows
    }


def _active_models(session: Session, project: Project) -> dict[int, dict[str, Any]]:
    rows = session.execute(
        select(RecommenderModel)
        .join(Recommender, Recommender.id == RecommenderModel.recommender_id)
        .where(
            Recommender.project_id == project.id,
            RecommenderModel.version == Recommender.active_version,
        )
    ).scalars()
    return {m.recommender_id: describe_model(m) for m in rows}


def describe_model(model: RecommenderModel) -> dict[str, Any]:
    """A trained version as the page shows it (the artefact itself stays in the database)."""
    metrics = model.metrics or {}
    return {
        "version": model.version,
        "trained_at": model.trained_at.isoformat() if model.trained_at else None,
        "training_size": model.training_size,
        "precision": model.precision,
        "recall": model.recall,
        "baseline_precision": (metrics.get("baseline") or {}).get("precision"),
    }


def _jobs_by_recommender(session: Session, project: Project) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = {}
    for job in list_jobs(session, project, limit=200):
        if job.recommender_id is not None and len(grouped.get(job.recommender_id, [])) < JOBS_SHOWN:
            grouped.setdefault(job.recommender_id, []).append(describe_job(job))
    return grouped
