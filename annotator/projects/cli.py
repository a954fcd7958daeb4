"""Lead commands: projects, members, assignments, label scheme and guidelines."""

from __future__ import annotations

import click

from annotator.accounts import users as user_service
from annotator.accounts.users import get_user
from annotator.cli.frame import options, unit_of_work
from annotator.extensions import db
from annotator.models import SEMEVAL_VALUES
from annotator.projects import assignments as assignment_service
from annotator.projects import guidelines as guidelines_service
from annotator.projects import labels as label_service
from annotator.projects import projects as project_service
from annotator.projects.projects import get_project
from annotator.roles import ROLES


@click.command("assign")
@click.argument("project")
@click.option("--per-statement", type=int, default=None, help="Default: the project's setting.")
@unit_of_work
def assign_command(project: str, per_statement: int | None) -> None:
    """Give every statement of PROJECT to N distinct annotators, least loaded first.

    Running it again only tops up statements that have fewer than N.
    """
    proj = get_project(db.session, project)
    report = assignment_service.assign_project(db.session, proj, per_statement)
    click.echo(
        f"{report.created} new assignment(s) across {report.annotators} annotator(s), "
        f"{report.per_statement} per statement."
    )
    if report.short:
        click.echo(f"{report.short} statement(s) have fewer than {report.per_statement}: "
                   "add annotators to the project.")  # fmt: skip


@click.command("reassign")
@click.argument("project")
@click.argument("statement")
@click.argument("from_user")
@click.argument("to_user", required=False)
@unit_of_work
def reassign_command(project: str, statement: str, from_user: str, to_user: str | None) -> None:
    """Move STATEMENT (external id, or #number) from FROM_USER to TO_USER; no TO_USER unassigns.

    The first annotator's stances are kept.
    """
    proj = get_project(db.session, project)
    st = assignment_service.get_statement_ref(db.session, proj, statement)
    old = get_user(db.session, from_user)
    if to_user is None:
        assignment_service.unassign_statement(db.session, proj, st, old)
        click.echo(f"Unassigned {statement} from {from_user}; their work is kept.")
        return
    assignment_service.reassign_statement(db.session, proj, st, old, get_user(db.session, to_user))
    click.echo(f"Reassigned {statement} from {from_user} to {to_user}.")


@click.group("labels")
def labels_group() -> None:
    """Edit a project's label scheme."""


@labels_group.command("list")
@click.argument("project")
@unit_of_work
def labels_list(project: str) -> None:
    """List the labels in display order (tab-separated)."""
    click.echo(
        "key\tname\tcolor\thotkey\trequires_target\tpolarity\tsemeval\tstatus\tstances\tgold"
    )
    for row in label_service.list_label_rows(db.session, get_project(db.session, project)):
        lab = row.label
        click.echo("\t".join(str(v) for v in (
            lab.key, lab.name, lab.color, lab.hotkey or "", "yes" if lab.requires_target else "no",
            lab.polarity or "", lab.semeval, "retired" if lab.retired else "active",
            row.stances, row.gold,
        )))  # fmt: skip


# The editable label fields as options; left out means unchanged.
label_options = options(
    click.option("--name", default=None),
    click.option("--color", default=None, help="#rrggbb"),
    click.option("--hotkey", default=None, help="A digit 1-9; '' removes it."),
    click.option("--definition", default=None),
    click.option("--example", default=None),
    click.option("--requires-target/--no-target", "requires_target", default=None),
    click.option("--polarity", default=None, help="positive, negative, neutral or ''."),
    click.option("--semeval", type=click.Choice(SEMEVAL_VALUES), default=None),
)


@labels_group.command("add")
@click.argument("project")
@click.argument("key")
@label_options
@unit_of_work
def labels_add(project: str, key: str, **values) -> None:
    """Add label KEY at the end of PROJECT's scheme."""
    values = {k: v for k, v in values.items() if v is not None}
    label_service.create_label(db.session, get_project(db.session, project), key, **values)
    click.echo(f"Added label {key}.")


@labels_group.command("set")
@click.argument("project")
@click.argument("key")
@label_options
@unit_of_work
def labels_set(project: str, key: str, **values) -> None:
    """Rename, recolour or remap label KEY; its key never changes."""
    proj = get_project(db.session, project)
    values = {k: v for k, v in values.items() if v is not None}
    label_service.update_label(db.session, proj, label_service.get_label(db.session, proj, key),
                               **values)  # fmt: skip
    click.echo(f"Saved label {key}.")


@labels_group.command("retire")
@click.argument("project")
@click.argument("key")
@click.option("--restore", is_flag=True, help="Bring a retired label back.")
@unit_of_work
def labels_retire(project: str, key: str, restore: bool) -> None:
    """Hide label KEY from annotators (its stances keep it), or --restore it."""
    proj = get_project(db.session, project)
    label = label_service.get_label(db.session, proj, key)
    (label_service.restore_label if restore else label_service.retire_label)(
        db.session, proj, label
    )
    click.echo(f"Label {key} is {'active' if restore else 'retired'}.")


# Same shape as suggest remove: click declarations, see docs/architecture.md.
@labels_group.command("delete")
@click.argument("project")
@click.argument("key")
@unit_of_work
def labels_delete(project: str, key: str) -> None:
    """Delete label KEY; refused when any stance uses it (retire it instead)."""
    proj = get_project(db.session, project)
    label_service.delete_label(db.session, proj, label_service.get_label(db.session, proj, key))
    click.echo(f"Deleted label {key}.")


@click.group("guidelines")
def guidelines_group() -> None:
    """Read and write a project's versioned guidelines."""


@guidelines_group.command("set")
@click.argument("project")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@unit_of_work
def guidelines_set(project: str, file) -> None:
    """Save FILE (Markdown, '-' for stdin) as the next guidelines version."""
    version, created = guidelines_service.save_guidelines(
        db.session, get_project(db.session, project), file.read()
    )
    click.echo(f"Saved as version {version.version}." if created else
               f"Unchanged; version {version.version} stays in force.")  # fmt: skip


@guidelines_group.command("show")
@click.argument("project")
@click.option("--version", type=int, default=None, help="Default: the version in force.")
@unit_of_work
def guidelines_show(project: str, version: int | None) -> None:
    """Print the Markdown of the guidelines in force (or of --version)."""
    proj = get_project(db.session, project)
    if version is None:
        versions = guidelines_service.list_guidelines_versions(db.session, proj)
        if not versions:
            raise click.ClickException(f"'{project}' has no guidelines yet.")
        version = versions[0][0]
    click.echo(guidelines_service.get_guidelines_version(db.session, proj, version).body)


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


COMMANDS: tuple = (
    projects_group,
    members_group,
    assign_command,
    reassign_command,
    labels_group,
    guidelines_group,
)
