"""Set-up commands: schema, users, projects, members, the demo and the server."""

from __future__ import annotations

import click
from flask import current_app

from ..extensions import db
from ..models import ROLES
from ..services import projects as project_service
from ..services import users as user_service
from ..services.demo import load_demo
from . import read_password, unit_of_work


@click.command("init")
@unit_of_work
def init_command() -> None:
    """Create or upgrade the database schema (runs the migrations)."""
    from ..migrate import upgrade_schema

    upgrade_schema(db.engine)
    click.echo(f"Schema is up to date in {_masked_url()}.")


def _masked_url() -> str:
    from ..config import masked

    return masked(current_app.config["DATABASE_URL"])


@click.group("users")
def users_group() -> None:
    """Manage user accounts."""


@users_group.command("add")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the user a site admin.")
@unit_of_work
def users_add(username: str, admin: bool) -> None:
    """Add a user; the password comes from ANNOTATOR_PASSWORD or a prompt."""
    method = current_app.config["PASSWORD_METHOD"]
    user_service.create_user(db.session, username, read_password(), is_admin=admin, method=method)
    click.echo(f"Added user {username}{' (site admin)' if admin else ''}.")


@click.group("projects")
def projects_group() -> None:
    """Manage projects."""


@projects_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Display name.")
@click.option("--description", default=None, help="A sentence or two about the project.")
@unit_of_work
def projects_create(slug: str, name: str, description: str | None) -> None:
    """Create a project with the labels claim, condemnation and support."""
    project_service.create_project(db.session, slug, name, description=description or "")
    click.echo(f"Created project {slug}.")


@projects_group.command("list")
@unit_of_work
def projects_list() -> None:
    """List every project with its settings (tab-separated)."""
    click.echo("slug\tname\tper_statement\toverlap\tsnap_to_words\thide_names")
    for p in project_service.list_projects(db.session):
        flags = (p.allow_overlap, p.snap_to_words, p.hide_annotator_names)
        yes_no = "\t".join("yes" if f else "no" for f in flags)
        click.echo(f"{p.slug}\t{p.name}\t{p.annotators_per_statement}\t{yes_no}")


@projects_group.command("set")
@click.argument("project")
@click.option("--name", default=None, help="Display name.")
@click.option("--description", default=None)
@click.option("--per-statement", type=int, default=None, help="Annotators per statement.")
@click.option("--overlap/--no-overlap", default=None, help="Allow overlapping stances.")
@click.option("--snap/--no-snap", default=None, help="Snap selections to word boundaries.")
@click.option("--hide-names/--show-names", default=None, help="Hide annotators from reviewers.")
@unit_of_work
def projects_set(project: str, per_statement, overlap, snap, hide_names, **text) -> None:
    """Change a project's name, description or settings; options left out stay as they are."""
    proj = project_service.get_project(db.session, project)
    project_service.update_project(
        db.session, proj, annotators_per_statement=per_statement, allow_overlap=overlap,
        snap_to_words=snap, hide_annotator_names=hide_names, **text,
    )  # fmt: skip
    click.echo(
        f"{proj.slug}: {proj.annotators_per_statement} annotator(s) per statement, "
        f"overlap {'on' if proj.allow_overlap else 'off'}, "
        f"snap to words {'on' if proj.snap_to_words else 'off'}, "
        f"annotator names {'hidden' if proj.hide_annotator_names else 'shown'}."
    )


@click.group("members")
def members_group() -> None:
    """Manage project members."""


@members_group.command("add")
@click.argument("project")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@unit_of_work
def members_add(project: str, username: str, role: str) -> None:
    """Add USERNAME to PROJECT with ROLE (or change their role)."""
    proj = project_service.get_project(db.session, project)
    user = user_service.get_user(db.session, username)
    project_service.set_member(db.session, proj, user, role)
    click.echo(f"{username} is {role} in {project}.")


@members_group.command("remove")
@click.argument("project")
@click.argument("username")
@unit_of_work
def members_remove(project: str, username: str) -> None:
    """Remove USERNAME from PROJECT; their stances and finished work are kept."""
    proj = project_service.get_project(db.session, project)
    user = user_service.get_user(db.session, username)
    project_service.remove_member(db.session, proj, user)
    click.echo(f"Removed {username} from {project}; their work is kept.")


@members_group.command("list")
@click.argument("project")
@unit_of_work
def members_list(project: str) -> None:
    """List PROJECT's members and roles (tab-separated), leads first."""
    proj = project_service.get_project(db.session, project)
    for membership in project_service.list_members(db.session, proj):
        click.echo(f"{membership.user.username}\t{membership.role}")


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
    from ..server import run

    run(host=host, port=port, workers=workers, threads=threads)


COMMANDS = (init_command, users_group, projects_group, members_group, demo_command, serve_command)
