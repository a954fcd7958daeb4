"""``annotator export`` and ``annotator import-stances``: datasets out and back in.

Exports read in a reader session (no write lock) and write to a temporary file next to the
target, renamed into place only when complete, so a failure never leaves a partial file.
"""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from annotator.cli.frame import unit_of_work
from annotator.errors import DomainError, Invalid
from annotator.exchange import brat_import
from annotator.exchange import export as export_service
from annotator.exchange import requests as export_request
from annotator.exchange.stance_import import import_stances
from annotator.extensions import db
from annotator.formats import archive
from annotator.projects.projects import get_project


def read_only(fn: Callable) -> Callable:
    """Run a command in a read session; a domain error is one line and exit status 1."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args, **kwargs):
        try:
            with db.factory() as session:
                return fn(session, *args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


def parse_split(value: str | None) -> dict[str, float] | None:
    """``0.8,0.1,0.1`` as train/validation/test ratios."""
    if value is None:
        return None
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise Invalid(f"--split needs three numbers like 0.8,0.1,0.1, got {value!r}.") from None
    if len(numbers) != 3:
        raise Invalid(f"--split needs three numbers like 0.8,0.1,0.1, got {value!r}.")
    return dict(zip(("train", "validation", "test"), numbers, strict=True))


def parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--option KEY=VALUE`` pairs as given; the export service checks keys and values."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Invalid(
                f"--option needs KEY=VALUE, e.g. doccano_offsets=codepoints, got {pair!r}."
            )
        options[key.strip()] = value.strip()
    return options


@click.command("export")
@click.argument("project")
@click.option("--format", "format_name", required=True, help="jsonl, csv, semeval, conll, hf, …")
@click.option(
    "--scope",
    default="gold",
    show_default=True,
    help="gold, annotators or all; suggestions (jsonl only) writes the model suggestions.",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path),
    help="File; a folder for aif, brat and hf, or a zip of it when PATH ends in .zip.",
)  # fmt: skip
@click.option("--pseudonymize", is_flag=True, help="Replace usernames by stable pseudonyms.")
@click.option("--csv-bom", is_flag=True, help="Start csv/actors with a UTF-8 BOM for Excel.")
@click.option("--split", help="hf: train,validation,test ratios [0.8,0.1,0.1].")
@click.option("--seed", type=int, default=0, show_default=True, help="hf: split seed.")
@click.option("--licence", help="hf: licence id for the dataset card.")
@click.option(
    "--option",
    "options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A format option, repeatable: doccano_offsets, label_studio_offsets, "
    "label_studio_actors (docs/export-formats.md).",
)
@click.option(
    "--statement-text",
    is_flag=True,
    help="jsonl, hf: the statement's text in every record (same as --option statement_text=true).",
)
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
    help="jsonl, relations, statements-jsonl, doccano: build in N processes (same output).",
)  # fmt: skip
@read_only
def export_command(session, project, format_name, scope, output, jobs, **opts) -> None:
    """Export PROJECT as a dataset to -o PATH (with PATH.meta.json) or standard output."""
    proj = get_project(session, project)
    request = _request(proj, format_name, scope, **opts)
    export_service.check_request(request)  # before any file exists (suggestions: jsonl only)
    if scope == export_service.SUGGESTIONS:
        _export_suggestions(session, proj, output)
        return
    exporter = export_service.get_exporter(format_name)
    if exporter.kind == "folder" and output is None:
        raise Invalid(f"The {format_name} format writes a folder: give it with -o PATH.")
    as_folder = exporter.kind == "folder" and not _zipped(output)
    if output is not None and output.exists() and output.is_dir() != as_folder:
        kind = "a folder" if output.is_dir() else "a file"
        raise Invalid(f"{output} is {kind}; the {format_name} format writes the other kind.")
    with _Progress(session, proj, scope) as progress:
        write = functools.partial(
            export_service.write_export, session, proj, request, progress=progress, jobs=jobs
        )
        if output is None:
            _write_stdout(write)
            return
        meta = _write_atomically(output, exporter.kind, write)
    click.echo(f"Wrote {meta['counts']['records']} stances to {output}.", err=True)


def _zipped(output: Path | None) -> bool:
    """A folder format written as a zip: ``-o NAME.zip``."""
    return output is not None and output.suffix.lower() == ".zip"


def _export_suggestions(session, project, output: Path | None) -> None:
    """The project's suggestions as JSON Lines (docs/export-formats.md), only on request."""
    from annotator.suggestions.records import suggestion_lines

    lines = suggestion_lines(session, project)
    if output is None:
        for line in lines:
            sys.stdout.buffer.write(line)
        return
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    count = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for count, line in enumerate(lines, 1):  # noqa: B007 - the last count is the total
                out.write(line)
        os.replace(name, output)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {count} suggestions to {output}.", err=True)


# ``write_export`` with all but its output given.
Write = Callable[[object], tuple[object, dict]]


def _write_stdout(write: Write) -> None:
    """UTF-8 whatever the locale, line ends untouched; a closed pipe (``| head``) is no error."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
    try:
        write(out)
        out.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        out.detach()


def _request(
    project, format_name, scope, *, pseudonymize, csv_bom, split, seed, licence, options,
    statement_text,
):  # fmt: skip
    """The request from the options; ``--split`` is read only where it applies (hf)."""
    if statement_text:
        options = (*options, "statement_text=true")
    return export_request.make_request(
        project,
        format_name,
        scope,
        secret=current_app.config["SECRET_KEY"],
        pseudonymize=pseudonymize,
        csv_bom=csv_bom,
        split=parse_split(split) if split and format_name == "hf" else None,
        seed=seed,
        licence=licence,
        options=parse_options(options),
    )


class _Progress:
    """A progress bar on standard error, only when that is a terminal."""

    def __init__(self, session, project, scope) -> None:
        self.bar = None
        if sys.stderr.isatty():
            total = export_service.count_stances(session, project, scope)
            self.bar = click.progressbar(length=total, label="Exporting", file=sys.stderr)

    def __enter__(self):
        if self.bar is None:
            return None
        return self.bar.__enter__().update

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


def _write_atomically(output: Path, kind: str, write: Write) -> dict:
    """Write into a temporary sibling and rename it into place; then the sidecar likewise."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder" and not _zipped(output):
        tmp = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        if kind == "folder" and _zipped(output):
            with tempfile.TemporaryDirectory(dir=output.parent) as folder:
                _, meta = write(Path(folder))
                archive.zip_folder(folder, tmp)
        elif kind == "folder":
            _, meta = write(tmp)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                _, meta = write(out)
        _replace(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        raise
    sidecar = output.with_name(output.name + ".meta.json")
    sidecar_tmp = sidecar.with_name(f".{sidecar.name}.part")
    sidecar_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    os.replace(sidecar_tmp, sidecar)
    return meta


def _replace(tmp: Path, output: Path) -> None:
    """Move a finished file or folder into place, replacing an earlier export."""
    if tmp.is_dir() and output.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{output.name}.old.", dir=output.parent))
        os.replace(output, old / output.name)
        os.replace(tmp, output)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, output)


@click.command("import-stances")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@unit_of_work
def import_stances_command(project: str, file: Path) -> None:
    """Read stances and relations from a jsonl, relations or statements-jsonl export into
    PROJECT (all or nothing)."""
    proj = get_project(db.session, project)

    def lines():
        with file.open(encoding="utf-8", newline="") as fh:
            yield from fh

    report = import_stances(db.session, proj, lines, file=file.name)
    click.echo(
        f"Imported {report.annotator} annotator and {report.gold} gold stances "
        f"({report.skipped} already present, {report.statements} statements created)"
        f" and {report.relations} relations ({report.relations_skipped} already present)."
    )


@click.command("import-brat")
@click.argument("project")
@click.argument("source", metavar="ZIP_OR_DIR", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML or JSON: [labels] and [relations] tables, brat type = our key.",
)  # fmt: skip
@click.option(
    "--map", "pairs", multiple=True, metavar="OURS=BRAT",
    help="Map a brat type (or, for a label, Type:Attribute=Value) to a label or relation type "
    "key, repeatable: --map claim=Claim --map pro=Claim:Stance=For.",
)  # fmt: skip
@unit_of_work
def import_brat_command(project: str, source: Path, mapping: Path | None, pairs) -> None:
    """Read brat standoff (.txt + .ann, a folder or a zip) into PROJECT (all or nothing)."""
    proj = get_project(db.session, project)
    found = brat_import.read_mapping(mapping) if mapping else brat_import.BratMapping()
    given = brat_import.parse_map_options(db.session, proj, pairs)
    found.labels.update(given.labels)
    found.relations.update(given.relations)
    report = brat_import.import_brat(db.session, proj, source, found)
    click.echo(
        f"Imported {report.statements} statements, {report.annotator} annotator and "
        f"{report.gold} gold stances ({report.skipped} already present) and "
        f"{report.relations} relations ({report.relations_skipped} already present)."
    )


COMMANDS = (export_command, import_stances_command, import_brat_command)
