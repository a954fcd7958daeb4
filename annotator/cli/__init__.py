"""The ``annotator`` command line: thin click commands over the same services as the web.

Each feature package declares its commands in ``<feature>/cli.py`` as ``COMMANDS``; this module
only gathers them. What every command shares is in ``frame``.
"""

from __future__ import annotations

from flask.cli import FlaskGroup


def register_cli(app) -> None:
    """Attach every command group to ``app.cli`` (so ``flask --app annotator`` has them too)."""
    from annotator.accounts import cli as accounts
    from annotator.actors import cli as actors
    from annotator.cli import setup
    from annotator.exchange import backup_cli
    from annotator.exchange import cli as exchange
    from annotator.jobs import cli as jobs
    from annotator.projects import cli as projects
    from annotator.review import cli as review
    from annotator.statements import cli as statements
    from annotator.suggestions import cli as suggestions

    for module in (
        setup,
        accounts,
        projects,
        actors,
        statements,
        exchange,
        review,
        backup_cli,
        suggestions,
        jobs,
    ):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def main() -> None:
    """Entry point of the ``annotator`` console script."""
    from annotator import create_app

    FlaskGroup(
        create_app=lambda: create_app(),
        add_default_commands=False,
        load_dotenv=False,
        set_debug_flag=False,
        help="Annotate stances in political statements. See README.md.",
    ).main(prog_name="annotator")
