"""The search index job: indexes what an import queued, after the import has committed.

``init_app`` hooks the session's commit: a transaction that queued statements
(``search.queue_new_statements``) starts the job once it has committed, so the job never sees
an import that may still roll back. The job takes ``search.INDEX_BATCH`` statements per
transaction until the backlog is empty; jobs running at once take different statements
(``search.index_backlog``). A clock task every minute picks up a backlog whose start was lost
(the queue was unreachable, or the worker stopped), so nothing stays unsearchable for good.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, has_app_context
from huey import crontab
from huey.api import Huey
from sqlalchemy import event
from sqlalchemy.orm import Session

from annotator.extensions import db
from annotator.statements import search

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Start the job after every commit that queued statements (hooked once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)


def _after_commit(session: Session) -> None:
    if not session.info.pop(search.QUEUED, False) or not has_app_context():
        return
    try:
        start(current_app._get_current_object())
    except Exception:  # noqa: BLE001 - the import is committed; the clock indexes it later
        log.warning("could not start the search index job; the clock will", exc_info=True)


def start(app: Flask) -> None:
    """Put the index job on the queue."""
    from annotator.suggestions.queue import get_huey

    get_huey(app).annotator_index_search()


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
