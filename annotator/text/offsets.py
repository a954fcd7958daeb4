"""Convert code-point offsets (ours) to UTF-16 code units for tools that count like browsers.

Stored offsets count Unicode code points, end-exclusive, so ``text[start:end]`` is the
covered text in Python. JavaScript strings, WebAnno TSV and UIMA XMI count UTF-16 code
units, where every character outside the Basic Multilingual Plane (most emoji, each half
of a flag such as "🇮🇷") takes two units. Combining marks and right-to-left scripts need no
conversion: they are one code point and one unit each. Nothing reads UTF-16 offsets back:
the stance import refuses them (the covered text would not match).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable


class Utf16Offsets:
    """Precomputed converter for many offsets of one text (O(log n) per offset)."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # Code-point positions of astral characters; empty for pure-BMP text.
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def to_utf16(self, cp_offset: int) -> int:
        """UTF-16 offset of a code-point offset, for tools that count like JavaScript."""
        if not 0 <= cp_offset <= self.length:
            raise ValueError(f"code point offset {cp_offset} outside 0..{self.length}")
        return cp_offset + bisect_left(self._astral, cp_offset)


OFFSET_UNITS = ("codepoints", "utf16")


def converter(text: str, unit: str) -> Callable[[int], int]:
    """Map code-point offsets of ``text`` to ``unit`` ("codepoints" or "utf16")."""
    if unit == "codepoints":
        return int
    if unit == "utf16":
        return Utf16Offsets(text).to_utf16
    raise ValueError(f"unknown offset unit {unit!r}; expected one of {OFFSET_UNITS}")
