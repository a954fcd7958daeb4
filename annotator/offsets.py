"""Convert between code-point offsets (ours) and UTF-16 code units (browsers, some tools).

Stored offsets count Unicode code points, end-exclusive, so ``text[start:end]`` is the
covered text in Python. JavaScript strings, WebAnno TSV and UIMA XMI count UTF-16 code
units, where every character outside the Basic Multilingual Plane (most emoji, each half
of a flag such as "🇮🇷") takes two units. Combining marks and right-to-left scripts need no
conversion: they are one code point and one unit each.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache


class Utf16Offsets:
    """Precomputed converter for many offsets of one text (O(log n) per offset)."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        # Code-point positions of astral characters; empty for pure-BMP text.
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self._astral_u16 = [cp + n for n, cp in enumerate(self._astral)]
        self.utf16_length = self.length + len(self._astral)

    def to_utf16(self, cp_offset: int) -> int:
        """UTF-16 offset of a code-point offset, for tools that count like JavaScript."""
        if not 0 <= cp_offset <= self.length:
            raise ValueError(f"code point offset {cp_offset} outside 0..{self.length}")
        return cp_offset + bisect_left(self._astral, cp_offset)

    def from_utf16(self, u16_offset: int) -> int:
        """Code-point offset of a UTF-16 offset; refuses the middle of a surrogate pair."""
        if not 0 <= u16_offset <= self.utf16_length:
            raise ValueError(f"UTF-16 offset {u16_offset} outside 0..{self.utf16_length}")
        before = bisect_left(self._astral_u16, u16_offset)
        if before and self._astral_u16[before - 1] + 1 == u16_offset:
            raise ValueError(f"UTF-16 offset {u16_offset} splits a surrogate pair")
        return u16_offset - before


@lru_cache(maxsize=64)
def utf16_offsets(text: str) -> Utf16Offsets:
    """Cached converter, so repeated one-off calls on the same text stay cheap."""
    return Utf16Offsets(text)


def to_utf16(text: str, cp_offset: int) -> int:
    """UTF-16 offset of one code-point offset in ``text``."""
    return utf16_offsets(text).to_utf16(cp_offset)


def from_utf16(text: str, u16_offset: int) -> int:
    """Code-point offset of one UTF-16 offset in ``text``."""
    return utf16_offsets(text).from_utf16(u16_offset)


OFFSET_UNITS = ("codepoints", "utf16")


def converter(text: str, unit: str) -> Callable[[int], int]:
    """Map code-point offsets of ``text`` to ``unit`` ("codepoints" or "utf16")."""
    if unit == "codepoints":
        return int
    if unit == "utf16":
        return Utf16Offsets(text).to_utf16
    raise ValueError(f"unknown offset unit {unit!r}; expected one of {OFFSET_UNITS}")
