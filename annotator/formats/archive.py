"""Zip archives of folder formats (``aif``, ``brat``, ``hf``): written byte for byte the same
for the same files, and read back with checks.

Entries are the folder's files in name order, each with the same fixed time (1980-01-01,
zip's earliest), so exporting the same data twice gives identical archives.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from annotator.formats import FormatError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAX_MEMBERS = 1_000_000


def zip_folder(folder: str | Path, out: str | Path) -> int:
    """Write every file under ``folder`` into the zip ``out``; returns the entry count."""
    folder = Path(folder)
    paths = sorted(p for p in folder.rglob("*") if p.is_file())
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in paths:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return len(paths)


def unzip(path: str | Path, folder: str | Path) -> Path:
    """Extract a zip into ``folder`` safely (no absolute or ``..`` names); the folder that
    holds its files (the single top folder when the archive has one)."""
    folder = Path(folder)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(names) > MAX_MEMBERS:
                raise FormatError(f"more than {MAX_MEMBERS} entries", file=Path(path).name)
            for name in names:
                parts = Path(name).parts
                if name.startswith("/") or ".." in parts:
                    raise FormatError(f"unsafe entry name {name!r}", file=Path(path).name)
            archive.extractall(folder)
    except zipfile.BadZipFile:
        raise FormatError("not a zip archive", file=Path(path).name) from None
    entries = [p for p in folder.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return folder
