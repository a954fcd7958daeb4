"""The suggestions' tasks on the job queue (annotator/jobs/queue.py): run a job, and the clock.

Messages carry only the ``SuggestionJob`` id; ``execute`` claims the job, runs it with a
commit at every checkpoint (annotator/suggestions/jobs.py) and records a failure on the job
and its recommender. The clock asks every minute for the jobs that are due (training after
N new stances, webhooks).
"""

from __future__ import annotations

import logging

from flask import Flask
from huey import crontab
from huey.api import Huey
from huey.exceptions import TaskLockedException

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.jobs.queue import get_huey
from annotator.models import Recommender, SuggestionJob, utcnow
from annotator.suggestions.jobs import claim_job, due_jobs, error_text, finish_job, run_job

log = logging.getLogger(__name__)


def register(huey: Huey, app: Flask) -> None:
    """The job task and the clock, on the app's queue."""

    @huey.task(name="suggestions.run_job")
    def run_job_task(job_id: int) -> None:
        execute(app, job_id)

    @huey.periodic_task(crontab(minute="*"), name="suggestions.clock")
    def clock_task() -> None:
        try:
            with huey.lock_task("suggestions.clock"):
                for job_id in schedule_due(app):
                    run_job_task(job_id)
        except TaskLockedException:
            pass  # another consumer is looking at the clock right now

    huey.annotator_run_job = run_job_task


def submit(app: Flask, job_id: int) -> None:
    """Put a committed job on the queue (call it after the commit that stored the job)."""
    get_huey(app).annotator_run_job(job_id)


def schedule_due(app: Flask) -> list[int]:
    """Create the jobs the clock asks for (training after N new stances, webhooks)."""
    with app.app_context():
        jobs = due_jobs(db.session)
        ids = [job.id for job in jobs]
        db.session.commit()
    return ids


def execute(app: Flask, job_id: int) -> None:
    """Claim and run one job in its own app context, committing progress as it goes."""
    with app.app_context():
        session = db.session
        job = claim_job(session, job_id)
        session.commit()
        if job is None:
            return  # another worker has it, or it is already finished
        try:
            run_job(session, job, session.commit)
            finish_job(session, job)
            session.commit()
        except Exception as exc:  # noqa: BLE001 - whatever failed, the job says so
            session.rollback()
            if not isinstance(exc, DomainError):
                log.exception("suggestion job %s failed", job_id)
            _fail(session, job_id, error_text(exc))


def _fail(session, job_id: int, message: str) -> None:
    job = session.get(SuggestionJob, job_id, populate_existing=True)
    finish_job(session, job, message)
    if job.recommender_id is not None:
        recommender = session.get(Recommender, job.recommender_id)
        recommender.last_error, recommender.last_error_at = message[:1000], utcnow()
    session.commit()
