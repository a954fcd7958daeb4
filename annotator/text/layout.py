"""Pure layout of a statement's text into paragraphs and flat segments for highlighting.

Overlapping and nested spans never produce crossing tags: the text is cut at every span
boundary, and each segment lists the spans that cover it. Paragraphs are runs of text
between newlines, so a save re-renders only the paragraphs it touches. Offsets are code
points, end-exclusive; every segment carries its absolute start for the page's script.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple


class Highlight(NamedTuple):
    """Something to draw over the text: a stance (``kind="stance"``) or an actor mention.

    Highlights and segments are named tuples: a page lays out a thousand highlights into
    thousands of segments, and a frozen dataclass costs several times as much to create."""

    start: int
    end: int
    kind: str
    ref: str  # stance id or actor key
    css: str = ""  # label key for stances


class Segment(NamedTuple):
    start: int
    end: int
    text: str
    stances: tuple[Highlight, ...]  # covering stances, innermost (shortest) first: its colour
    mention: Highlight | None  # mentions never overlap, so at most one covers a segment


def _innermost_first(m: Highlight) -> tuple[int, int]:
    return (m.end - m.start, m.start)


@dataclass(frozen=True)
class Paragraph:
    index: int
    start: int
    end: int
    segments: tuple[Segment, ...]
    newline: str  # the newline characters after this paragraph (kept for exact offsets)


def paragraph_bounds(text: str) -> list[tuple[int, int, int]]:
    """(start, end, next_start) of each newline-free run; the newlines sit in [end, next)."""
    bounds, pos, n = [], 0, len(text)
    while pos <= n:
        end = text.find("\n", pos)
        end = n if end < 0 else end
        nxt = end
        while nxt < n and text[nxt] == "\n":
            nxt += 1
        bounds.append((pos, end, nxt))
        if nxt >= n:
            break
        pos = nxt
    return bounds


def paragraphs_touching(
    bounds: Sequence[tuple[int, int, int]], spans: Iterable[tuple[int, int]]
) -> list[int]:
    """Indices of the paragraphs (``paragraph_bounds``) that any of ``spans`` overlaps."""
    starts = [b[0] for b in bounds]
    touched = set()
    for start, end in spans:
        first = max(bisect_right(starts, start) - 1, 0)
        last = max(bisect_right(starts, max(end - 1, start)) - 1, 0)
        touched.update(range(first, last + 1))
    return sorted(touched)


def layout(
    text: str,
    highlights: Sequence[Highlight],
    only: Iterable[int] | None = None,
    bounds: Sequence[tuple[int, int, int]] | None = None,
) -> list[Paragraph]:
    """Cut ``text`` into paragraphs of segments covered by ``highlights``; ``only`` limits
    paragraphs.

    One pass over the highlights sorted by start keeps those open at each paragraph, so a
    page of 40 paragraphs and 1,000 highlights does not test each against every paragraph.
    ``bounds`` are ``paragraph_bounds(text)``, when the caller has them already.
    """
    bounds = paragraph_bounds(text) if bounds is None else bounds
    wanted = None if only is None else set(only)
    by_start = sorted(highlights, key=lambda m: m.start)
    paragraphs: list[Paragraph] = []
    open_ones: list[Highlight] = []
    i = 0
    for index, (start, end, nxt) in enumerate(bounds):
        while i < len(by_start) and by_start[i].start < end:
            open_ones.append(by_start[i])
            i += 1
        open_ones = [m for m in open_ones if m.end > start]
        if wanted is None or index in wanted:
            paragraphs.append(_paragraph(text, index, (start, end, nxt), open_ones))
    return paragraphs


def _paragraph(text: str, index: int, bound, inside: list[Highlight]) -> Paragraph:
    """``inside`` are the highlights that overlap the paragraph."""
    start, end, nxt = bound
    cuts = sorted({start, end, *(c for m in inside for c in (m.start, m.end) if start < c < end)})
    return Paragraph(index, start, end, tuple(_sweep(text, cuts, inside)), text[end:nxt])


def _sweep(text: str, cuts: list[int], inside: list[Highlight]):
    """Segments between consecutive cuts with their covering highlights, in one pass (no n*k).

    A stance leaves where it ends, which is a cut: it is dropped there by its end, not by
    testing every open stance at every cut (a save lays out ~40 segments a paragraph).
    """
    first = cuts[0]
    opening = sorted(inside, key=lambda m: max(m.start, first))
    starts = [max(m.start, first) for m in opening]
    stances: dict[int, Highlight] = {}
    ending: dict[int, list[int]] = {}
    mention: Highlight | None = None
    i, n = 0, len(opening)
    for a, b in zip(cuts, cuts[1:], strict=False):
        for key in ending.pop(a, ()):
            del stances[key]
        while i < n and starts[i] <= a:
            mark = opening[i]
            if mark.kind == "stance":
                stances[id(mark)] = mark
                ending.setdefault(mark.end, []).append(id(mark))
            else:
                mention = mark
            i += 1
        if mention is not None and mention.end <= a:
            mention = None
        covering = tuple(stances.values())
        if len(covering) > 1:
            covering = tuple(sorted(covering, key=_innermost_first))
        yield Segment(a, b, text[a:b], covering, mention)
