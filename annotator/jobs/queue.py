"""The job queue: huey, on SQLite in the instance folder by default, on Redis for several hosts.

``ANNOTATOR_REDIS_URL`` switches to Redis (run ``annotator worker`` on any host); otherwise
the queue is the file ``jobs.sqlite3`` in the instance folder (``ANNOTATOR_QUEUE_FILE``
overrides it) and ``annotator serve`` runs a consumer thread in each worker process
(``ANNOTATOR_EMBEDDED_WORKER=0`` turns that off). The queue is built on first use, never in
``create_app``, which must not touch files or the network. ``ANNOTATOR_QUEUE_NAME`` keeps
several installations apart on one Redis.

The queue belongs to no feature: each feature that runs jobs has a module with
``register(huey, app)``, called by ``_register``, that adds its tasks (the suggestions'
jobs and clock, the stored agreement's runs, the search index). Messages carry only ids;
a job's state lives in its feature's table, read through ``annotator.jobs.state``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

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
    """Every feature's tasks, on the one queue (imported here: they import ``get_huey``)."""
    from annotator.jobs import search_index
    from annotator.review import agreement_jobs
    from annotator.suggestions import tasks

    tasks.register(huey, app)
    agreement_jobs.register(huey, app)
    search_index.register(huey, app)


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
