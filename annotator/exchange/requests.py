"""Export requests as the download page, the API and the CLI make them, and streamed downloads.

One place turns the user's choices (format, scope, pseudonyms, BOM, hf split, the
options a format declares such as ``doccano_offsets``) into an
``ExportRequest``, so the three entry points cannot drift apart. ``export.check_request``
checks it without the database, before any file or response exists; the writer's context
is then built once, by ``write_export``, in the session that runs the export.

Downloads: the writers push text into a file object while a response must be pulled, so
``stream_export`` runs the export in a worker thread with its own read session and hands
over chunks through a small bounded queue: memory stays flat and the first bytes leave at
once. A client that goes away stops the worker at its next chunk.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from annotator.exchange.export import ExportRequest, check_request, pseudonym_key, write_export
from annotator.formats import EXPORTERS
from annotator.models import Project

CHUNK = 64 * 1024
# The formats a download can stream and the options they declare (the page's selects and
# the API's query parameters).
STREAMED = [e.name for e in EXPORTERS.values() if e.kind == "stream"]
STREAMED_OPTIONS = [o for e in EXPORTERS.values() if e.kind == "stream" for o in e.options]


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
    exporter = check_request(request, streamed=True)
    filename = f"{project.slug}-{request.scope}-{request.format}{exporter.extension}"
    chunks = stream_export(factory, project.id, request)
    return Download(request, exporter.media_type, filename, chunks)


def stream_export(factory: Callable, project_id: int, request: ExportRequest) -> Iterator[bytes]:
    """Run the export in a thread; yield its UTF-8 output in chunks as it is written."""
    chunks: queue.Queue = queue.Queue(maxsize=8)
    stop = threading.Event()
    worker = threading.Thread(target=_work, args=(factory, project_id, request, chunks, stop))
    worker.daemon = True
    worker.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # a closed download stops the worker at its next chunk


def _work(factory, project_id, request, chunks: queue.Queue, stop: threading.Event) -> None:
    sink = _QueueWriter(chunks, stop)
    try:
        with factory() as session:
            project = session.get(Project, project_id)
            write_export(session, project, request, sink)
        sink.flush()
        sink.put(None)
    except _Cancelled:
        return
    except Exception as exc:  # noqa: BLE001 - handed to the response, which logs it
        try:
            sink.put(exc)
        except _Cancelled:
            return


class _Cancelled(Exception):
    """The client went away; the worker stops."""


class _QueueWriter:
    """A text file object whose output goes to the queue in UTF-8 chunks."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self.chunks, self.stop, self.parts, self.size = chunks, stop, [], 0

    def write(self, text: str) -> int:
        self.parts.append(text)
        self.size += len(text)
        if self.size >= CHUNK:
            self.flush()
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.parts:
            data = "".join(self.parts).encode("utf-8")
            self.parts, self.size = [], 0
            self.put(data)

    def put(self, item) -> None:
        while True:
            if self.stop.is_set():
                raise _Cancelled
            try:
                self.chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
