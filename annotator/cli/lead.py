"""Lead commands: assignments, the label scheme and the guidelines, over the web's services."""

from __future__ import annotations

import click

from ..extensions import db
from ..models import SEMEVAL_VALUES
from ..services import assignments as assignment_service
from ..services import guidelines as guidelines_service
from ..services import labels as label_service
from ..services.projects import get_project
from ..services.users import get_user
from . import unit_of_work


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
    click.echo("key\tname\tcolor\thotkey\trequires_target\tpolarity\tsemeval\tstatus\tstances")
    for row in label_service.list_label_rows(db.session, get_project(db.session, project)):
        lab = row.label
        click.echo("\t".join(str(v) for v in (
            lab.key, lab.name, lab.color, lab.hotkey or "", "yes" if lab.requires_target else "no",
            lab.polarity or "", lab.semeval, "retired" if lab.retired else "active", row.stances,
        )))  # fmt: skip


def label_options(fn):
    """The editable label fields as options; left out means unchanged."""
    options = [
        click.option("--name", default=None),
        click.option("--color", default=None, help="#rrggbb"),
        click.option("--hotkey", default=None, help="A digit 1-9; '' removes it."),
        click.option("--definition", default=None),
        click.option("--example", default=None),
        click.option("--requires-target/--no-target", "requires_target", default=None),
        click.option("--polarity", default=None, help="positive, negative, neutral or ''."),
        click.option("--semeval", type=click.Choice(SEMEVAL_VALUES), default=None),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


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


COMMANDS: tuple = (assign_command, reassign_command, labels_group, guidelines_group)
