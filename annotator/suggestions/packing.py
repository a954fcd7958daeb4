"""Trained models as stored: their JSON, compressed into one string (never pickle).

A recommender's artefact (the classifier's vocabulary, idf and coefficients; the span
memory's entries) is written in the transaction that makes it the active version, and on
SQLite that transaction holds the one writer, so every annotator's save waits while its
pages go to the WAL. The sentence classifier of 100,000 stances is 3.7 MB of JSON; zlib
(level 1) of its JSON bytes is 1.3 MB, 1.8 MB as base64, the compression done before the
write begins (bench/suggest_bench.py ``--model-write`` has the figures). It stays in the
JSON column as ``{"packed": PACKED, "data": ...}``, so no migration, backups and restores
carry it as before, and loading it runs no code: base64, zlib and JSON only.

A stored artefact without ``packed`` was written before packing and is read as it is.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import orjson

PACKED = "zlib+json/1"
LEVEL = 1  # level 6 saves another 16 % for seven times the CPU (measured on the 3.7 MB model)


def pack(artefact: dict[str, Any]) -> dict[str, Any]:
    """The stored form of an artefact: its JSON, compressed, as base64 text."""
    data = zlib.compress(orjson.dumps(artefact), LEVEL)
    return {"packed": PACKED, "data": base64.b64encode(data).decode("ascii")}


def unpack(stored: dict[str, Any]) -> dict[str, Any]:
    """The artefact of a stored form; a plain one (written before packing) as it is."""
    kind = stored.get("packed")
    if kind is None:
        return stored
    if kind != PACKED:
        raise ValueError(f"unknown packing of a stored model: {kind!r}")
    return orjson.loads(zlib.decompress(base64.b64decode(stored["data"])))
