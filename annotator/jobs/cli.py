"""``annotator worker`` (a job worker on any host) and ``annotator search-index`` (index the
statements imported since the index job last ran)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.jobs.search_index import index_all


@click.command("search-index")
@with_appcontext
def search_index_command() -> None:
    """Make every imported statement searchable now (without waiting for a job worker)."""
    count = index_all(current_app._get_current_object())
    click.echo(f"Indexed {count} statements for search.")


@click.command("worker")
@click.option("--threads", default=1, show_default=True, help="Jobs run at the same time.")
@click.option(
    "--nice",
    "niceness",
    default=10,
    show_default=True,
    type=click.IntRange(0, 19),
    help="CPU priority to give up (Unix nice): web requests on the same host come first.",
)
@with_appcontext
def worker_command(threads: int, niceness: int) -> None:
    """Run a job worker until interrupted, on any host: every feature's jobs (training,
    predictions, webhooks, agreement runs, the search index).

    It lowers its own CPU priority (``--nice``, default 10), so a training beside the web
    workers takes the cores they leave idle: measured in bench/suggest_bench.py (c).
    """
    from annotator.jobs.queue import get_huey, queue_address  # huey: only for this command

    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    app = current_app._get_current_object()  # the tasks outlive this context: the real app
    huey = get_huey(app)
    click.echo(f"Worker on {queue_address(app)} with {threads} thread(s).", err=True)
    huey.create_consumer(workers=threads, worker_type="thread", periodic=True).run()


COMMANDS = [search_index_command, worker_command]
