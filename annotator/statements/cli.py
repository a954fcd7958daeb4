"""``annotator import``: statements from JSONL, CSV, text or zip files, all or nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import click

from annotator.cli.frame import unit_of_work
from annotator.errors import Invalid
from annotator.extensions import db
from annotator.formats import FormatError
from annotator.formats.statement_readers import SUPPORTED_SUFFIXES, StatementRecord, iter_statements
from annotator.projects import projects as project_service
from annotator.statements.statements import import_statements

SHOWN_SKIPPED = 20


@click.command("import")
@click.argument("project")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--txt-header", is_flag=True, help="Read a first line 'title | author | date | url'.")
@click.option("--dry-run", is_flag=True, help="Check and count everything, then store nothing.")
@click.option("--show-skipped", is_flag=True, help="List every skipped duplicate.")
@unit_of_work
def import_command(
    project: str, files: tuple[Path, ...], txt_header: bool, dry_run: bool, show_skipped: bool
) -> None:
    """Import statements from .jsonl, .csv, .txt, .zip FILES or folders; all or nothing."""
    proj = project_service.get_project(db.session, project)
    paths = _expand(files)
    bar = _progress_bar(sum(p.stat().st_size for p in paths))
    with bar:
        records = _records(paths, txt_header, bar)
        try:
            report = import_statements(db.session, proj, records, progress=lambda _n: bar.sync())
        except FormatError as err:
            raise Invalid(f"{err}. Nothing was imported.") from None
    if dry_run:
        db.session.rollback()
    verb = "Would import" if dry_run else "Imported"
    click.echo(f"{verb} {report.imported} statements into {project}; ", nl=False)
    click.echo(f"skipped {len(report.skipped)} duplicates.")
    _echo_skipped(report.skipped, show_skipped)


def _expand(files: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder stands for the importable files under it, in name order."""
    paths: list[Path] = []
    for path in files:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED_SUFFIXES)
            paths.extend(p for p in found if p.is_file())
        else:
            paths.append(path)
    if not paths:
        raise Invalid("No .jsonl, .csv, .txt or .zip file found in the given folders.")
    return paths


def _records(paths: list[Path], txt_header: bool, bar) -> Iterator[StatementRecord]:
    """Stream every file's records, opening one file at a time and telling the bar where."""

    def one(path: Path) -> Iterator[StatementRecord]:
        with path.open("rb") as stream:
            bar.current = stream
            yield from iter_statements(str(path), stream, txt_header=txt_header)
            bar.finish_file(path.stat().st_size)

    return chain.from_iterable(one(p) for p in paths)


class _Bar:
    """A byte-based progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, total: int, visible: bool) -> None:
        self.current, self.done, self.shown = None, 0, 0
        self._bar = (
            click.progressbar(length=total, label="Importing", file=sys.stderr, width=30)
            if visible
            else None
        )

    def __enter__(self):
        if self._bar is not None:
            self._bar.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def finish_file(self, size: int) -> None:
        """Count a whole file as read, so the next one starts from its end."""
        self.done += size
        self.current = None
        self.sync()

    def sync(self) -> None:
        """Move the bar to the bytes read so far (the open file's position included)."""
        position = self.done + (self.current.tell() if self.current is not None else 0)
        if self._bar is not None and position > self.shown:
            self._bar.update(position - self.shown)
        self.shown = max(self.shown, position)


def _progress_bar(total: int) -> _Bar:
    return _Bar(total, visible=sys.stderr.isatty())


def _echo_skipped(skipped: list[str], show_all: bool) -> None:
    shown = skipped if show_all else skipped[:SHOWN_SKIPPED]
    for line in shown:
        click.echo(f"  skipped {line}")
    if len(skipped) > len(shown):
        click.echo(f"  ... and {len(skipped) - len(shown)} more (--show-skipped lists them all)")


COMMANDS = (import_command,)
