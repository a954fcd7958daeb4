"""Background jobs of the suggestions: what to do, its state and progress for the lead's page.

The ``SuggestionJob`` row is the record: requested (``queued``), claimed by one worker
(``running``), then ``done`` or ``failed`` with counts and the error. The queue
(annotator/jobs/queue.py, huey) only carries job ids. ``run_job`` does the work and
calls ``checkpoint`` after each step: the worker passes a commit there, so progress shows
while a long job runs and a network call to a model server never waits inside a write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from annotator.errors import DomainError, Invalid, NotFound
from annotator.jobs.state import ACTIVE, job_state
from annotator.models import (
    OPEN_STATES,
    Assignment,
    Project,
    Recommender,
    Statement,
    SuggestionJob,
    SuggestionRun,
    User,
    utcnow,
)
from annotator.suggestions import external, training, webhooks
from annotator.suggestions.consensus import count_stances
from annotator.suggestions.recommenders import list_recommenders, require_lead
from annotator.suggestions.suggestions import LOCAL_KINDS

Checkpoint = Callable[[], None]
PREDICT_BATCH = 200  # statements per checkpoint for local recommenders
WEBHOOK_BATCH = 100


# Same shape as training.train_recommender's: a signature, see docs/architecture.md.
def request_job(
    session: Session,
    project: Project,
    kind: str,
    *,
    recommender: Recommender | None = None,
    user: User | None = None,
    params: dict | None = None,
) -> SuggestionJob:
    """Ask for a job; the same job already queued or running is returned instead of a second."""
    require_lead(session, project, user)
    if recommender is not None and recommender.project_id != project.id:
        raise NotFound("No such recommender in this project.", field="recommender")
    if kind == "train":
        training.require_trainable(recommender)
    active = session.scalars(
        select(SuggestionJob).where(
            SuggestionJob.project_id == project.id,
            SuggestionJob.kind == kind,
            SuggestionJob.recommender_id == (recommender.id if recommender else None),
            SuggestionJob.state.in_(ACTIVE),
        )
    )
    same = next((job for job in active if (job.params or {}) == (params or {})), None)
    if same is not None:
        return same
    job = SuggestionJob(
        project_id=project.id,
        kind=kind,
        params=params or {},
        recommender_id=recommender.id if recommender else None,
        requested_by_id=user.id if user else None,
        state="queued",
    )
    session.add(job)
    session.flush()
    return job


def claim_job(session: Session, job_id: int) -> SuggestionJob | None:
    """Move a queued job to running for this worker; None when another worker has it."""
    claimed = session.execute(
        update(SuggestionJob)
        .where(SuggestionJob.id == job_id, SuggestionJob.state == "queued")
        .values(state="running", started_at=utcnow())
    ).rowcount
    return session.get(SuggestionJob, job_id, populate_existing=True) if claimed else None


def finish_job(session: Session, job: SuggestionJob, error: str | None = None) -> None:
    """Mark a job done, or failed with its error (kept for the lead's page)."""
    job.state = "failed" if error else "done"
    job.error = error[:2000] if error else None
    job.finished_at = utcnow()
    session.flush()


def run_job(session: Session, job: SuggestionJob, checkpoint: Checkpoint) -> None:
    """Do a claimed job; DomainError for what the domain refuses (the job then fails)."""
    project = session.get(Project, job.project_id)
    recommender = session.get(Recommender, job.recommender_id) if job.recommender_id else None
    if job.kind == "train":
        job.total = 1
        job.counts = {"stance_count": count_stances(session, project)}  # kept if it fails
        checkpoint()
        training.train_recommender(session, project, recommender, after_read=checkpoint)
        job.done = 1
        job.counts = {**job.counts, "version": recommender.active_version}
        checkpoint()
        predict_open(session, project, job, [recommender], checkpoint)
    elif job.kind == "predict":
        recommenders = [recommender] if recommender else usable(session, project)
        predict_open(session, project, job, recommenders, checkpoint)
    elif job.kind == "webhooks":
        deliver_webhooks(session, project, job, recommender, checkpoint)
    else:
        raise Invalid(f"Unknown job kind '{job.kind}'.")


def usable(session: Session, project: Project) -> list[Recommender]:
    """Enabled recommenders that can predict now (external ones, trained local ones)."""
    return [
        r
        for r in list_recommenders(session, project)
        if r.enabled and (r.kind == "external" or (r.kind in LOCAL_KINDS and r.active_version))
    ]


def open_statements(session: Session, project: Project, params: dict) -> list[Statement]:
    """The statements a prediction job covers: named ones, else those with open assignments."""
    query = select(Statement).where(Statement.project_id == project.id)
    if params.get("statements"):
        query = query.where(Statement.id.in_(params["statements"]))
    else:
        open_ = select(Assignment.statement_id).where(
            Assignment.active, Assignment.state.in_(OPEN_STATES)
        )
        query = query.where(Statement.id.in_(open_))
    return list(session.scalars(query.order_by(Statement.id)))


def predict_open(
    session: Session,
    project: Project,
    job: SuggestionJob,
    recommenders: Sequence[Recommender],
    checkpoint: Checkpoint,
) -> None:
    """Run recommenders over the job's statements, checkpointing after every batch."""
    statements = open_statements(session, project, job.params or {})
    counts = Counter(job.counts or {})
    counts["stored"] += 0  # always reported, even when nothing was left to do
    job.total = (job.total or 0) + len(statements) * len(recommenders)
    checkpoint()
    for recommender in recommenders:
        todo = _not_run(session, recommender, statements, job.params or {})
        job.done += len(statements) - len(todo)
        if recommender.kind == "external":
            _predict_external(session, project, job, recommender, todo, counts, checkpoint)
        else:
            _predict_local(session, project, job, recommender, todo, counts, checkpoint)
    job.counts = dict(counts)
    checkpoint()


def _not_run(session, recommender: Recommender, statements, params) -> list[Statement]:
    """Statements this version has not seen (external models: every one, each run is new)."""
    if recommender.kind == "external" or params.get("force"):
        return list(statements)
    ran = set(
        session.scalars(
            select(SuggestionRun.statement_id).where(
                SuggestionRun.recommender_id == recommender.id,
                SuggestionRun.model_version == recommender.active_version,
            )
        )
    )
    return [s for s in statements if s.id not in ran]


def _predict_local(session, project, job, recommender, statements, counts, checkpoint) -> None:
    for i in range(0, len(statements), PREDICT_BATCH):
        for statement in statements[i : i + PREDICT_BATCH]:
            counts["stored"] += training.predict_statement(session, project, statement, recommender)
            job.done += 1
        job.counts = dict(counts)
        checkpoint()


def _predict_external(session, project, job, recommender, statements, counts, checkpoint) -> None:
    size = int(recommender.settings.get("batch_size") or 20)
    for i in range(0, len(statements), size):
        batch = statements[i : i + size]
        checkpoint()  # nothing is written while the model server thinks
        answer, parsed = external.ask_model(project, recommender, batch)
        result = external.store_answer(session, project, recommender, batch, answer, parsed)
        counts["stored"] += result.stored
        counts.update({f"dropped_{k}": v for k, v in result.dropped.items()})
        if result.failure:
            counts["failed_batches"] += 1
        job.done += len(batch)
        job.counts = dict(counts)
        checkpoint()


def deliver_webhooks(session, project, job, recommender, checkpoint) -> None:
    """Send the project's new stance events to an external model's ``/webhook``."""
    targets = (
        [recommender]
        if recommender
        else [
            r
            for r in list_recommenders(session, project)
            if r.enabled and r.kind == "external" and r.settings.get("webhooks")
        ]
    )
    counts = Counter()
    for target in targets:
        while True:
            events = webhooks.pending_events(session, project, target, WEBHOOK_BATCH)
            if not events:
                break
            bodies = webhooks.webhook_bodies(session, project, events)
            checkpoint()
            last, failure = webhooks.send_events(target, bodies)
            sent = sum(1 for event_id, _ in bodies if event_id <= last)
            webhooks.advance_cursor(target, last, failure, events[-1].id)
            counts["sent"] += sent
            job.counts = dict(counts)
            checkpoint()
            if failure:
                counts["failed"] += 1
                break
    job.counts = dict(counts)


def due_jobs(session: Session) -> list[SuggestionJob]:
    """Jobs the clock asks for: training after ``retrain_every`` new stances, webhooks."""
    jobs = []
    for recommender in session.scalars(select(Recommender).where(Recommender.enabled)).all():
        project = session.get(Project, recommender.project_id)
        if training.training_due(session, project, recommender, _failed_at(session, recommender)):
            jobs.append(request_job(session, project, "train", recommender=recommender))
        elif _webhooks_due(session, project, recommender):
            jobs.append(request_job(session, project, "webhooks", recommender=recommender))
    return [job for job in jobs if job.state == "queued"]


def _failed_at(session: Session, recommender: Recommender) -> int:
    """The stance count at the last training, if it failed: not retried before N more."""
    last = session.scalar(
        select(SuggestionJob)
        .where(SuggestionJob.recommender_id == recommender.id, SuggestionJob.kind == "train")
        .order_by(SuggestionJob.id.desc())
        .limit(1)
    )
    if last is None or last.state != "failed":
        return 0
    return int((last.counts or {}).get("stance_count") or 0)


def _webhooks_due(session: Session, project: Project, recommender: Recommender) -> bool:
    wanted = recommender.kind == "external" and recommender.settings.get("webhooks")
    return bool(wanted and webhooks.pending_events(session, project, recommender, 1))


def list_jobs(session: Session, project: Project, limit: int = 20) -> list[SuggestionJob]:
    """The project's latest jobs, newest first."""
    return list(
        session.scalars(
            select(SuggestionJob)
            .where(SuggestionJob.project_id == project.id)
            .order_by(SuggestionJob.id.desc())
            .limit(limit)
        )
    )


def describe_job(job: SuggestionJob) -> dict:
    """A job as the lead's page and ``suggest jobs`` show it: the common state of every job
    (``annotator.jobs.state``) plus what only a suggestion job has."""
    own = {"kind": job.kind, "recommender_id": job.recommender_id, "counts": dict(job.counts or {})}
    return job_state(job).as_dict() | own


def error_text(exc: BaseException) -> str:
    """The message a failed job keeps: the domain's words, or the exception's type and text."""
    if isinstance(exc, DomainError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"
