"""The job queue: huey, on SQLite in the instance folder by default, on Redis for several hosts.

``ANNOTATOR_REDIS_URL`` switches to Redis (run ``annotator worker`` on any host); otherwise
the queue is the file ``jobs.sqlite3`` in the instance folder (``ANNOTATOR_QUEUE_FILE``
overrides it) and ``annotator serve`` runs a consumer thread in each worker process
(``ANNOTATOR_EMBEDDED_WORKER=0`` turns that off). The queue is built on first use, never in
``create_app``, which must not touch files or the network. ``ANNOTATOR_QUEUE_NAME`` keeps
several installations apart on one Redis. Messages carry only job ids; the
state lives in the ``suggestion_jobs`` table (annotator/suggestions/jobs.py).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer
from huey.exceptions import TaskLockedException

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.jobs import search_index
from annotator.models import Recommender, SuggestionJob, utcnow
from annotator.suggestions.jobs import claim_job, due_jobs, error_text, finish_job, run_job

log = logging.getLogger(__name__)
_BUILD = threading.Lock()
_KEY = "annotator_huey"


def get_huey(app: Flask) -> Huey:
    """The app's queue, built once per app on first use."""
    huey = app.extensions.get(_KEY)
    if huey is None:
        with _BUILD:
            huey = app.extensions.get(_KEY)
            if huey is None:
                huey = _build(app)
                _register(huey, app)
                app.extensions[_KEY] = huey
    return huey


def built_huey(app: Flask) -> Huey | None:
    """The app's queue if this process has built it already (a consumer or a submit did)."""
    return app.extensions.get(_KEY)


def queue_address(app: Flask) -> str:
    """Where the queue lives (Redis URL or SQLite file), for messages and the docs."""
    return app.config.get("REDIS_URL") or str(_queue_file(app))


def _queue_file(app: Flask) -> Path:
    return Path(app.config.get("QUEUE_FILE") or Path(app.instance_path) / "jobs.sqlite3")


def _build(app: Flask) -> Huey:
    url, name = app.config.get("REDIS_URL"), app.config.get("QUEUE_NAME") or "annotator"
    if url:
        return RedisHuey(name, url=url, results=False)
    path = _queue_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def _register(huey: Huey, app: Flask) -> None:
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
    from annotator.review.agreement_jobs import register  # the agreement page's job

    register(huey, app)
    search_index.register(huey, app)  # the search index job shares this queue


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


class _EmbeddedConsumer(Consumer):
    """A consumer living in someone else's process: the host (gunicorn) keeps its signals."""

    def _set_signal_handlers(self) -> None:
        pass


def embedded_worker_wanted(app: Flask) -> bool:
    """On by default with the SQLite queue; off with Redis (run ``annotator worker``)."""
    setting = str(app.config.get("EMBEDDED_WORKER", "")).lower()
    if setting in ("0", "false", "no", "off"):
        return False
    return setting in ("1", "true", "yes", "on") or not app.config.get("REDIS_URL")


def start_consumer(app: Flask, *, workers: int = 1, periodic: bool = True) -> Consumer:
    """Start a consumer in threads of this process; ``stop(graceful=True)`` ends it."""
    consumer = _EmbeddedConsumer(
        get_huey(app),
        workers=workers,
        periodic=periodic,
        worker_type="thread",
        initial_delay=0.05,
        max_delay=1.0,
        check_worker_health=False,
    )
    consumer.start()
    return consumer


def start_embedded_worker(app: Flask) -> Consumer | None:
    """The consumer thread of ``annotator serve``, unless turned off (see the module doc)."""
    return start_consumer(app) if embedded_worker_wanted(app) else None
