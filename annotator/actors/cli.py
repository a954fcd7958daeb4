"""``annotator actors``: import and export the actor registry as CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from annotator.actors.registry import import_actors, list_actors
from annotator.cli.frame import unit_of_work
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.formats import FormatError
from annotator.formats.actor_csv import ActorRow, iter_actor_rows, write_actor_rows
from annotator.projects import projects as project_service


@click.group("actors")
def actors_group() -> None:
    """Import and export a project's actor registry (CSV: id,name,type,aliases,wikidata)."""


@actors_group.command("import")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@unit_of_work
def actors_import(project: str, file: Path) -> None:
    """Create or update actors from FILE by id; re-importing changes nothing, never duplicates."""
    proj = project_service.get_project(db.session, project)
    with file.open("rb") as stream:
        try:
            created, updated = import_actors(db.session, proj, iter_actor_rows(str(file), stream))
        except FormatError as err:
            raise Invalid(f"{err}. Nothing was imported.") from None
    click.echo(f"Created {created} and updated {updated} actors in {project}.")


@actors_group.command("export")
@click.argument("project")
@click.option(
    "--status",
    type=click.Choice(["approved", "proposed", "rejected", "active"]),
    default="approved",
    show_default=True,
    help="Which actors: active means approved and proposed.",
)
@unit_of_work
def actors_export(project: str, status: str) -> None:
    """Write the registry as CSV to standard output, aliases joined by '|'."""
    proj = project_service.get_project(db.session, project)
    actors = list_actors(db.session, proj, with_aliases=True, status=None)
    wanted = ("approved", "proposed") if status == "active" else (status,)
    rows = (_row(a) for a in actors if a.status in wanted)
    write_actor_rows(rows, sys.stdout)


def _row(actor) -> ActorRow:
    aliases = tuple(a.alias for a in actor.aliases)
    return ActorRow(actor.key, actor.name, actor.type, aliases, actor.wikidata)


COMMANDS = (actors_group,)
