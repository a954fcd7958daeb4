"""Training the project's own recommenders (span memory, classifier) and running them locally.

Training never runs in a request: a job (annotator/suggestions/jobs.py) or ``annotator
suggest train`` calls ``train_recommender``. Each training stores a new ``RecommenderModel``
version (JSON, never pickle, compressed: packing.py), makes it the active one and
withdraws the undecided suggestions of older versions; the last ``KEEP_MODELS`` versions
are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Invalid
from annotator.models import (
    Project,
    Recommender,
    RecommenderModel,
    Statement,
    SuggestionRun,
    User,
)
from annotator.suggestions import classifier, memory
from annotator.suggestions.consensus import count_stances
from annotator.suggestions.packing import pack
from annotator.suggestions.proposals import retire_versions, store_suggestions
from annotator.suggestions.recommenders import active_model
from annotator.suggestions.suggestions import LOCAL_KINDS

KEEP_MODELS = 3


# Same shape as jobs.request_job's: a signature, see docs/architecture.md.
def train_recommender(
    session: Session,
    project: Project,
    recommender: Recommender,
    *,
    user: User | None = None,
    after_read: Callable[[], None] | None = None,
) -> RecommenderModel:
    """Train a new version from the project's stances and make it the active one.

    ``after_read`` (a job's commit) runs once the classifier's examples are read, before
    the fit: see ``classifier.train_classifier``.
    """
    require_trainable(recommender)
    stance_count = count_stances(session, project)
    if recommender.kind == "span_memory":
        result = memory.build_memory(session, project, recommender)
    else:
        result = classifier.train_classifier(session, project, after_read)
    result["artefact"] = pack(result["artefact"])  # before the write: see packing.py
    model = RecommenderModel(
        recommender_id=recommender.id,
        version=_next_version(session, recommender),
        stance_count=stance_count,
        **result,
    )
    session.add(model)
    session.flush()
    recommender.active_version = model.version
    retire_versions(session, recommender, model.version)
    _prune(session, recommender)
    session.flush()
    data = {
        "version": model.version,
        "training_size": model.training_size,
        "precision": model.precision,
        "recall": model.recall,
    }
    record_event(
        session, user, "train", "recommender", recommender.id, project_id=project.id, data=data
    )
    return model


def require_trainable(recommender: Recommender | None) -> None:
    """Only the project's own recommenders are trained here (an external model trains itself:
    it is sent the webhooks); checked when a training is asked for and when it runs."""
    if recommender is None:
        raise Invalid("Name the span memory or classifier to train.", field="recommender")
    if recommender.kind not in LOCAL_KINDS:
        why = f"A {recommender.kind} recommender is not trained here"
        raise Invalid(f"{why}: only span memories and classifiers are.", field="recommender")


def _next_version(session: Session, recommender: Recommender) -> str:
    latest = session.scalar(
        select(func.max(RecommenderModel.id)).where(
            RecommenderModel.recommender_id == recommender.id
        )
    )
    number = 1
    if latest is not None:
        previous = session.get(RecommenderModel, latest).version
        number = int(previous.lstrip("v")) + 1 if previous.lstrip("v").isdigit() else latest + 1
    return f"v{number}"


def _prune(session: Session, recommender: Recommender) -> None:
    """Old artefacts are large and never used again: keep the last few versions."""
    keep = select(RecommenderModel.id).where(RecommenderModel.recommender_id == recommender.id)
    keep = keep.order_by(RecommenderModel.id.desc()).limit(KEEP_MODELS)
    session.execute(
        delete(RecommenderModel).where(
            RecommenderModel.recommender_id == recommender.id,
            RecommenderModel.id.not_in(session.scalars(keep).all()),
        )
    )


def training_due(
    session: Session, project: Project, recommender: Recommender, failed_at: int = 0
) -> bool:
    """Whether ``retrain_every`` new stances arrived since the last training (or failed try)."""
    every = int(recommender.settings.get("retrain_every") or 0)
    if not recommender.enabled or recommender.kind not in LOCAL_KINDS or every <= 0:
        return False
    model = active_model(session, recommender)
    seen = max(model.stance_count if model is not None else 0, failed_at)
    return count_stances(session, project) - seen >= every


def predict_statement(
    session: Session, project: Project, statement: Statement, recommender: Recommender
) -> int:
    """Run a trained local recommender's active version on one statement; new ones stored."""
    model = active_model(session, recommender)
    if model is None:
        return 0
    propose = memory.propose if recommender.kind == "span_memory" else classifier.propose
    proposals = propose(session, project, statement, model)
    return store_suggestions(session, recommender, statement, model.version, proposals)


def refresh_statement(session: Session, project: Project, statement: Statement) -> int:
    """Run every enabled local recommender that has not yet seen this statement's text.

    Cheap when nothing is new (one query), and a few milliseconds per recommender when it
    is: what the workspace calls when an annotator opens a statement.
    """
    stored = 0
    for recommender in _pending(session, project, [statement.id]):
        stored += predict_statement(session, project, statement, recommender)
    return stored


def _pending(session: Session, project: Project, statement_ids: Iterable[int]):
    ran = select(SuggestionRun.recommender_id).where(
        SuggestionRun.statement_id.in_(list(statement_ids)),
        SuggestionRun.recommender_id == Recommender.id,
        SuggestionRun.model_version == Recommender.active_version,
    )
    return session.scalars(
        select(Recommender).where(
            Recommender.project_id == project.id,
            Recommender.enabled,
            Recommender.kind.in_(LOCAL_KINDS),
            Recommender.active_version.is_not(None),
            ~ran.exists(),
        )
    ).all()
