"""Pure dataset readers and writers: no Flask, no SQLAlchemy.

Writers consume a stream of statement bundles ``{"statement": {...}, "stances": [...]}``
ordered by statement, and hold at most one statement in memory. A stream format is a
generator of text chunks (about one statement each) that returns its ``Counts``, so a
download pulls it straight into the response and a file is written by ``Exporter.write``.
A new format is one module plus one line in ``EXPORTERS``; one meant for spreadsheets
writes through ``spreadsheet.SheetWriter``. See docs/export-formats.md.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

from annotator.text.offsets import OFFSET_UNITS


class FormatError(ValueError):
    """A malformed input item, located so the user can fix the file."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field

    def __str__(self) -> str:
        """Render as "file:line: field: message", omitting missing parts.

        A lone surrogate (a file name undecodable on this system) is escaped, so the
        message can always be printed and sent.
        """
        where = ":".join(str(p) for p in (self.file, self.line) if p is not None)
        parts = [p for p in (where, self.field, self.message) if p]
        return ": ".join(parts).encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass
class Counts:
    """What a writer wrote, for the provenance sidecar and the dataset card."""

    statements: int = 0
    records: int = 0
    rows: int = 0  # lines/rows/tasks/actors in the output's own unit
    skipped: int = 0  # stances the format cannot express (see each writer)
    by_label: dict[str, int] = field(default_factory=dict)

    def add_bundle(self, stances: Sequence[Mapping[str, Any]]) -> None:
        """Count one statement and its stances."""
        self.statements += 1
        self.records += len(stances)
        for record in stances:
            self.by_label[record["label"]] = self.by_label.get(record["label"], 0) + 1

    def add(self, other: Counts) -> None:
        """Fold in the counts of another part of the same export (a parallel worker's)."""
        self.statements += other.statements
        self.records += other.records
        self.rows += other.rows
        self.skipped += other.skipped
        for key, n in other.by_label.items():
            self.by_label[key] = self.by_label.get(key, 0) + n

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "statements": self.statements,
            "records": self.records,
            "rows": self.rows,
            "skipped": self.skipped,
            "by_label": dict(sorted(self.by_label.items())),
        }


@dataclass(frozen=True)
class ExportContext:
    """Everything a writer needs besides the bundles; built by the export service.

    ``labels``: dicts with key, name, definition, example, semeval ("FAVOR"/"AGAINST"/
    "NONE"), polarity, color, in scheme order. ``actors``: a callable returning a fresh
    iterator of actor dicts (id, name, type, aliases, wikidata), so big registries stream.
    ``stance_values``: the stance's own values every record carries between ``scope`` and
    ``created_at`` (note, guidelines_version, and any field the stance row declares), in
    order: the writers that lay records out in columns read them from here.
    ``options`` (all optional): csv_bom (bool), split_ratios ({"train", "validation",
    "test"} -> float, default 0.8/0.1/0.1), split_seed (default 0), licence (HF licence
    id, default "unknown"), and the ``FormatOption``s each writer declares (read them
    with ``option``, which turns a user's word such as "false" into the writer's value).
    """

    project_slug: str
    project_name: str
    tool_version: str
    labels: Sequence[Mapping[str, Any]]
    actors: Callable[[], Iterable[Mapping[str, Any]]]
    guidelines_version: int | None
    scope: str
    exported_at: str
    stance_values: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)

    def label(self, key: str) -> Mapping[str, Any]:
        """The label dict of a key, or a bare stand-in for a key outside the scheme."""
        for label in self.labels:
            if label["key"] == key:
                return label
        return {"key": key, "name": key}

    def option(self, option: FormatOption) -> Any:
        """The writer's value of a declared option: the one given, else its default."""
        return option.parse(self.options.get(option.name, option.default))


@dataclass(frozen=True)
class FormatOption:
    """A writer option users may set (CLI ``--option``, API query, download page).

    ``values`` maps each word a user may give to the value the writer gets, so the CLI's
    text and the API's typed values are checked and read by one table.
    """

    name: str
    help: str
    values: Mapping[str, Any]
    default: str
    sets_offsets: bool = False  # its value is the unit the file's offsets count (OFFSET_WORDS)

    def parse(self, given: Any) -> Any:
        """The writer's value of a word, or of a value already parsed; ValueError otherwise."""
        for word, value in self.values.items():
            if given == word or (type(given) is type(value) and given == value):
                return value
        words = ", ".join(self.values)
        raise ValueError(f"Option {self.name} must be one of {words}, not {given!r}.")


def offset_option(name: str, help: str, default: str) -> FormatOption:
    """A format's choice of offset unit, which the provenance sidecar then names."""
    return FormatOption(name, help, {unit: unit for unit in OFFSET_UNITS}, default, True)


Bundles = Iterable[Mapping[str, Any]]
T = TypeVar("T")
Chunks = Generator[str, None, Counts]  # text chunks; the return value counts what they hold
ChunksFn = Callable[[Bundles, ExportContext], Chunks]
FolderFn = Callable[[Bundles, Path, ExportContext], Counts]


@dataclass(frozen=True)
class Exporter:
    """One export format: a stream one gives ``chunks`` (a generator function), a folder
    one ``write_folder``; ``options`` are those users may set, checked by the export service."""

    name: str
    kind: Literal["stream", "folder"]
    media_type: str
    extension: str
    description: str
    chunks: ChunksFn | None = None
    write_folder: FolderFn | None = None
    options: tuple[FormatOption, ...] = ()
    relations: bool = False  # its bundles must carry "relations" (the export reads them only then)
    stances: bool = True  # False: it writes relations alone; bundles hold no stance records
    # True: its output is each statement's in turn, with no header, footer or numbering
    # across statements, so ranges of statements may be written side by side (--jobs).
    splittable: bool = False

    def write(self, bundles: Bundles, out: TextIO | str | Path, ctx: ExportContext) -> Counts:
        """Write to a text file (``newline=""``: line ends are the format's) or a folder."""
        if self.kind == "folder":
            return self.write_folder(bundles, Path(out), ctx)
        return write_chunks(self.chunks(bundles, ctx), out)


def write_chunks(chunks: Generator[str, None, T], out: TextIO) -> T:
    """Write a stream writer's chunks to a text file; what it returns (its counts)."""
    write = out.write
    while True:
        try:
            chunk = next(chunks)
        except StopIteration as done:
            return done.value
        write(chunk)


def iter_statements(bundles: Bundles) -> Iterator[tuple[Mapping[str, Any], list[Mapping]]]:
    """(statement, its stances) from the bundle stream, one statement in memory at a time."""
    for bundle in bundles:
        yield bundle["statement"], list(bundle["stances"])


def provenance(ctx: ExportContext, counts: Counts, *, format_name: str | None = None) -> dict:
    """Sidecar ``PATH.meta.json`` content: who made this file, from what, when."""
    return {
        "tool": "stance-annotator",
        "tool_version": ctx.tool_version,
        "format": format_name,
        "project": {"slug": ctx.project_slug, "name": ctx.project_name},
        "scope": ctx.scope,
        "exported_at": ctx.exported_at,
        "guidelines_version": ctx.guidelines_version,
        "labels": [_label_summary(label) for label in ctx.labels],
        "offsets": offset_unit(ctx, format_name),
        "counts": counts.as_dict(),
        "options": dict(ctx.options),
    }


OFFSET_WORDS = {
    "codepoints": "Unicode code points, end-exclusive",
    "utf16": "UTF-16 code units, end-exclusive",
}


def offset_unit(ctx: ExportContext, format_name: str | None) -> str:
    """What this file's offsets count: the format's offset option if it has one (doccano
    counts UTF-16 code units by default), else code points as stored."""
    exporter = EXPORTERS.get(format_name or "")
    for option in exporter.options if exporter else ():
        if option.sets_offsets:
            return OFFSET_WORDS[ctx.option(option)]
    return OFFSET_WORDS["codepoints"]


def _label_summary(label: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("key", "name", "definition", "semeval", "polarity")
    return {k: label.get(k) for k in keys}


# One line per format; imported late because writers import the types defined above.
_WRITER_MODULES = (
    "jsonl_export",
    "statements_jsonl",
    "csv_export",
    "semeval",
    "conll",
    "hf_dataset",
    "actors_export",
    "doccano",
    "label_studio",
    "relations",
    "aif",
    "brat",
)

EXPORTERS: dict[str, Exporter] = {
    e.name: e for e in (import_module(f"{__name__}.{m}").EXPORTER for m in _WRITER_MODULES)
}
RELATION_FORMATS = frozenset(e.name for e in EXPORTERS.values() if e.relations)
