"""Running a stored-agreement run on the job queue (huey), with the app around it.

The queue (``annotator.jobs.queue``) registers ``register``'s task next to its own;
messages carry only the run id, the state lives in ``agreement_runs``. The work itself is
``stored_agreement.execute_run``; this module only gives it a session and commits progress.
"""

from __future__ import annotations

import logging

from flask import Flask
from huey.api import Huey

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.review import stored_agreement as service

log = logging.getLogger(__name__)


def register(huey: Huey, app: Flask) -> None:
    """Add the agreement task to the app's queue."""

    @huey.task(name="review.agreement_run")
    def agreement_task(run_id: int) -> None:
        run_in_app(app, run_id)

    huey.annotator_agreement_run = agreement_task


def submit(app: Flask, run_id: int) -> None:
    """Put a committed run on the queue (after the commit that stored it)."""
    from annotator.jobs.queue import get_huey  # huey: built on first use

    get_huey(app).annotator_agreement_run(run_id)


def run_in_app(app: Flask, run_id: int) -> None:
    """Claim and run one run in its own app context, committing at every stage."""
    with app.app_context():
        run_now(db.session, run_id)


def run_now(session, run_id: int) -> None:
    """Claim, execute and commit a run; a failure is recorded on the run, never raised."""
    run = service.claim_run(session, run_id)
    session.commit()
    if run is None:
        return
    try:
        service.execute_run(session, run, session.commit)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - whatever failed, the run says so
        session.rollback()
        if not isinstance(exc, DomainError):
            log.exception("agreement run %s failed", run_id)
        service.fail_run(session, run_id, f"{type(exc).__name__}: {exc}")
        session.commit()
