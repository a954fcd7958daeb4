"""``annotator backup`` / ``restore``: the whole database as JSON Lines (gzip for .gz)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import IO

import click
from flask.cli import with_appcontext

from annotator.cli.frame import unit_of_work
from annotator.exchange import backup as backup_service
from annotator.extensions import db


def _open(path: Path, mode: str, gz: bool) -> IO[str]:
    """A text stream, gzip-compressed when asked (the name ends in .gz)."""
    if gz:
        return gzip.open(path, mode + "t", encoding="utf-8")
    return path.open(mode, encoding="utf-8")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--include-credentials", is_flag=True, help="Keep password hashes (else users must be reset)."
)
@with_appcontext
def backup_command(path: Path, include_credentials: bool) -> None:
    """Write every project, user and annotation to PATH as JSON Lines, from one snapshot."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # private from the start
    try:
        rows = _write_backup(tmp, path.suffix == ".gz", include_credentials)
    except BaseException:
        tmp.unlink(missing_ok=True)  # never leave a partial backup behind
        raise
    os.replace(tmp, path)
    note = "" if include_credentials else " (without password hashes)"
    click.echo(f"Backed up {rows - 1} rows to {path}{note}.")


def _write_backup(tmp: Path, gz: bool, include_credentials: bool) -> int:
    """Stream every row into ``tmp`` from one snapshot; returns the number of lines."""
    rows = 0
    with db.factory() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        with _open(tmp, "w", gz) as out:
            for line in backup_service.iter_backup_lines(
                session, include_credentials=include_credentials
            ):
                out.write(line + "\n")
                rows += 1
    return rows


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Delete everything in the database first.")
@click.option(
    "--include-credentials", is_flag=True, help="Restore password hashes found in the backup."
)
@unit_of_work
def restore_command(path: Path, force: bool, include_credentials: bool) -> None:
    """Load a backup into this database in one transaction: all of it or nothing."""
    try:
        with _open(path, "r", path.suffix == ".gz") as lines:
            counts = backup_service.restore_backup(
                db.session, lines, force=force, include_credentials=include_credentials
            )
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        db.session.rollback()
        raise click.ClickException(f"Cannot read {path}: {exc}. Nothing was restored.") from None
    click.echo(f"Restored {sum(counts.values())} rows from {path}.")
    if not include_credentials and counts.get("users"):
        click.echo("Passwords were not restored: set them with 'annotator set-password USERNAME'.")


COMMANDS = (backup_command, restore_command)
