"""Export requests as the download page, the API and the CLI make them, and streamed downloads.

One place turns the user's choices (format, scope, pseudonyms, BOM, hf split, the
options a format declares such as ``doccano_offsets``) into an
``ExportRequest``, so the three entry points cannot drift apart. ``export.check_request``
checks it without the database, before any file or response exists; the writer's context
is then built once, by ``write_export`` or ``export_chunks``, in the session that runs the
export.

Downloads: the writers are generators of text chunks, so ``stream_export`` pulls them
straight into the response in its own read session, re-cut into UTF-8 chunks of about
``CHUNK`` bytes: memory holds one statement and one chunk, the first bytes leave at once,
and a client that goes away closes the generator, which ends the export and its session.
No thread and no queue: see ``stream_export`` for the figures.

Folder formats (hf, aif, brat) download as a zip (``stream_zip``): the folder is written
into a temporary directory first (their writers need a folder, and hf's card needs every
split's counts), then zipped into the response as it is read, with the provenance sidecar.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.exchange.export import (
    SUGGESTIONS,
    ExportRequest,
    check_request,
    export_chunks,
    pseudonym_key,
    write_export,
)
from annotator.formats import EXPORTERS
from annotator.models import Project
from annotator.suggestions.records import suggestion_lines

CHUNK = 64 * 1024
# The formats a download can stream and the options they declare (the page's selects and
# the API's query parameters).
STREAMED = [e.name for e in EXPORTERS.values() if e.kind == "stream"]
STREAMED_OPTIONS = list(
    {o.name: o for e in EXPORTERS.values() if e.kind == "stream" for o in e.options}.values()
)
# Every format and option a download offers (folder formats as a zip): the page's choices.
DOWNLOADS = list(EXPORTERS)
DOWNLOAD_OPTIONS = list({o.name: o for e in EXPORTERS.values() for o in e.options}.values())


def make_request(
    project: Project,
    format_name: str,
    scope: str = "gold",
    *,
    secret: str | bytes,
    pseudonymize: bool = False,
    csv_bom: bool = False,
    split: Mapping[str, float] | None = None,
    seed: int = 0,
    licence: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> ExportRequest:
    """The request for the user's choices; pseudonyms are keyed per project from ``secret``
    (the installation's SECRET_KEY). ``options`` are format options as given (CLI words or
    API values). Checked by ``export.check_request``, not here: the CLI first tells apart
    a folder format without ``-o``."""
    own: dict[str, Any] = {"csv_bom": True} if csv_bom else {}
    if format_name == "hf":
        own |= {"split_seed": seed, "licence": licence or "unknown"}
        if split:
            own["split_ratios"] = dict(split)
    key = pseudonym_key(secret, project) if pseudonymize else None
    return ExportRequest(format_name, scope, own, key, dict(options or {}))


@dataclass(frozen=True)
class Download:
    """A checked export ready to stream: everything a response needs."""

    request: ExportRequest
    media_type: str
    filename: str
    chunks: Iterator[bytes]

    @property
    def headers(self) -> dict[str, str]:
        """An attachment under ``filename``."""
        return {"Content-Disposition": f'attachment; filename="{self.filename}"'}


def open_download(factory: Callable, project: Project, format_name: str, **choices) -> Download:
    """The download the page and the API serve: ``choices`` are ``make_request``'s; the
    request is checked here (Invalid before any byte is sent) and the export starts when
    the first chunk is pulled."""
    request = make_request(project, format_name, **choices)
    exporter = check_request(request)
    name = f"{project.slug}-{request.scope}-{request.format}"
    if exporter.kind == "folder":
        chunks = stream_zip(factory, project.id, request, name)
        return Download(request, "application/zip", f"{name}.zip", chunks)
    chunks = stream_export(factory, project.id, request)
    return Download(request, exporter.media_type, name + exporter.extension, chunks)


def stream_export(factory: Callable, project_id: int, request: ExportRequest) -> Iterator[bytes]:
    """The export's UTF-8 output in chunks of about ``CHUNK`` bytes, computed as pulled.

    A worker thread used to write into a bounded queue; pulling the writer's generator is
    as fast and as flat. bench/export_bench.py ``FORMAT@download``, 1,000,000 stances,
    2026-12-07, medians of three runs alternating with the thread (load average 4.2-6.0
    from other work): jsonl 138,000 stances per CPU second against 133,000 with the
    thread, csv 107,000 against 110,000; peak RSS 108.6-109.1 MB against 109.7-110.2 MB.
    The ``suggestions`` scope streams the project's suggestions as JSON Lines instead.
    """
    with factory() as session:
        project = session.get(Project, project_id)
        if request.scope == SUGGESTIONS:
            yield from rechunk(suggestion_lines(session, project))
        else:
            yield from rechunk(export_chunks(session, project, request))


def rechunk(pieces: Iterable[str] | Iterable[bytes]) -> Iterator[bytes]:
    """Pieces (text or bytes) as UTF-8 chunks of about ``CHUNK``: few writes to the socket,
    and text is encoded a chunk at a time rather than a piece at a time."""
    parts, size = [], 0
    for piece in pieces:
        parts.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield _joined(parts)
            parts, size = [], 0
    if parts:
        yield _joined(parts)


def _joined(parts: list) -> bytes:
    return b"".join(parts) if isinstance(parts[0], bytes) else "".join(parts).encode()


class _Sink:
    """A write-only target for ``zipfile`` that hands the bytes on as they are written
    (no ``tell``/``seek``: zipfile then writes data descriptors, as for a pipe)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the parts are drained by the generator."""

    def drain(self) -> Iterator[bytes]:
        """The bytes written since the last drain, as one chunk."""
        if self.parts:
            chunk, self.parts = b"".join(self.parts), []
            yield chunk


def stream_zip(
    factory: Callable, project_id: int, request: ExportRequest, name: str
) -> Iterator[bytes]:
    """A folder format as a zip: NAME/ holds the folder, NAME.meta.json its provenance.

    The folder is written in a temporary directory (removed when the download ends or is
    closed), then each file is deflated into the response in ``CHUNK``-sized reads.
    """
    with tempfile.TemporaryDirectory(prefix="annotator-export-") as tmp:
        folder = Path(tmp) / name
        with factory() as session:
            project = session.get(Project, project_id)
            _, meta = write_export(session, project, request, folder)
        sink = _Sink()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                arcname = f"{name}/{path.relative_to(folder).as_posix()}"
                with path.open("rb") as src, archive.open(arcname, "w", force_zip64=True) as dst:
                    for block in iter(lambda src=src: src.read(CHUNK), b""):
                        dst.write(block)
                        yield from sink.drain()
            sidecar = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
            archive.writestr(f"{name}.meta.json", sidecar.encode())
        yield from sink.drain()
