"""The search index job: indexes what an import queued, after the import has committed.

``init_app`` hooks the session's commit: a transaction that queued statements
(``search.queue_new_statements``) starts the job once it has committed (in a process that
uses the queue: ``start``), so the job never sees an import that may still roll back. The
job takes ``search.INDEX_BATCH`` statements per transaction until the backlog is empty; jobs
running at once take different statements (``search.index_backlog``). A clock task every
minute indexes a backlog nobody started (a CLI import, an unreachable queue, a stopped
worker), so nothing stays unsearchable for good.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from huey import crontab
from huey.api import Huey
from sqlalchemy import event
from sqlalchemy.orm import Session

from annotator.extensions import db
from annotator.jobs.queue import built_huey
from annotator.statements import search

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Start the job after every commit that queued statements (hooked once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    if not session.info.pop(search.QUEUED, False) or not has_app_context():
        return
    try:
        start(current_app._get_current_object())
    except Exception:  # noqa: BLE001 - the import is committed; the clock indexes it later
        log.warning("could not start the search index job; the clock will", exc_info=True)


def _after_rollback(session: Session) -> None:
    session.info.pop(search.QUEUED, None)  # the queued ids went with the transaction


def start(app: Flask) -> None:
    """Put the index job on the queue, if this process uses the queue already.

    A process that has not built the queue (a CLI import; a web process on Redis before its
    first job) does not build it for this: its configuration may still be changing (tests), and
    the clock of the running consumers indexes the backlog within a minute anyway.
    """
    huey = built_huey(app)
    if huey is not None:
        huey.annotator_index_search()


def register(huey: Huey, app: Flask) -> None:
    """The job and its clock, on the app's queue."""

    @huey.task(name="search.index")
    def index_task() -> None:
        index_all(app)

    @huey.periodic_task(crontab(minute="*"), name="search.clock")
    def clock_task() -> None:
        index_all(app)  # one small read when the backlog is empty

    huey.annotator_index_search, huey.annotator_search_clock = index_task, clock_task


def index_all(app: Flask) -> int:
    """Index the whole backlog, a batch per commit; how many statements were indexed."""
    total = 0
    with app.app_context():
        session = db.session
        while count := search.index_backlog(session):
            session.commit()
            total += count
        session.commit()
    return total
