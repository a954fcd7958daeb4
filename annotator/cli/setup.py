"""Set-up commands: the schema, the demo and the server."""

from __future__ import annotations

import click
from flask import current_app

from annotator.cli.frame import unit_of_work
from annotator.demo import load_demo
from annotator.extensions import db


@click.command("init")
@unit_of_work
def init_command() -> None:
    """Create or upgrade the database schema (runs the migrations)."""
    from annotator.db.migrate import upgrade_schema

    upgrade_schema(db.engine)
    click.echo(f"Schema is up to date in {_masked_url()}.")


def _masked_url() -> str:
    from annotator.config import masked

    return masked(current_app.config["DATABASE_URL"])


@click.command("demo")
@unit_of_work
def demo_command() -> None:
    """Load the demo project, its actors and users; running it again changes nothing."""
    created = load_demo(db.session, _env_password(), method=current_app.config["PASSWORD_METHOD"])
    for username, password in created.items():
        click.echo(f"Created user {username} with password: {password}")
    click.echo("Demo project 'demo' is ready.")


def _env_password() -> str | None:
    import os

    return os.environ.get("ANNOTATOR_PASSWORD") or None


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="Worker processes.")
@click.option(
    "--threads",
    default=2,
    show_default=True,
    type=int,
    help="Threads per worker: two lets a long export run beside quick saves; more only add "
    "contention for the interpreter lock on a CPU-bound app (fewer saves/s, measured).",
)
def serve_command(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the app with gunicorn (a production WSGI server), on loopback by default."""
    from annotator.web.server import run

    run(host=host, port=port, workers=workers, threads=threads)


COMMANDS = (init_command, demo_command, serve_command)
