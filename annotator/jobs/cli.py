"""``annotator search-index``: index the statements imported since the index job last ran."""

from __future__ import annotations

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


COMMANDS = [search_index_command]
