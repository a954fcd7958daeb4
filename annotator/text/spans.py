"""Pure span arithmetic on code-point offsets: validation, trimming, word snapping."""

from __future__ import annotations


def check_span(text: str, start: int, end: int) -> str | None:
    """Why ``[start, end)`` is not a span of ``text``, or None when it is."""
    if start < 0 or end > len(text):
        return f"The span {start}–{end} lies outside the text (0–{len(text)})."
    if start >= end:
        return "A stance covers at least one character (start must be before end)."
    return None


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop leading and trailing whitespace, which a mouse selection often catches."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch in "_'’-"


def snap_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span so it never cuts a word in half."""
    while start > 0 and _is_word(text[start - 1]) and _is_word(text[start]):
        start -= 1
    while end < len(text) and _is_word(text[end - 1]) and _is_word(text[end]):
        end += 1
    return start, end


def locate_quote(text: str, quote: str, after: int = 0) -> tuple[int, int] | None:
    """Offsets of ``quote`` in ``text`` at or after ``after``: the keyboard-only way to select."""
    if not quote:
        return None
    index = text.find(quote, max(after, 0))
    return (index, index + len(quote)) if index >= 0 else None
