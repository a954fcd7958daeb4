"""Span memory, like INCEpTION's string matcher: a span text already labelled is proposed again.

Pure: plain data in, plain data out. ``build_memory`` turns labelled spans into one entry per
span text (gold labellings first: a text with any gold labelling learns from gold alone; else
from every annotator's labelling), with its most frequent label, the most frequent target
under that label, and the label's relative frequency as the score. ``SpanMatcher`` finds
every entry in a text with one Aho-Corasick automaton (pyahocorasick), keeps matches on word
boundaries and lets the longest win where matches overlap.

Measured (bench/suggest_bench.py, 20,000-character statement, 50,000 entries): the
automaton is over ten times faster than one compiled regex of every text (the approach of
text/mentions.py), which is why it is used here; see docs/suggestions.md for the figures.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import ahocorasick

MIN_LENGTH = 2  # one character is never a useful proposal


@dataclass(frozen=True)
class LabelledSpan:
    """One labelling the memory learns from: a stance's text, label and target."""

    text: str
    label: str
    target: str | None
    statement: int
    gold: bool = False


@dataclass(frozen=True)
class Entry:
    """What the memory proposes for one span text."""

    text: str
    label: str
    target: str | None
    score: float
    count: int
    only_statement: int | None  # all labellings came from this statement (else None)


class Match(NamedTuple):  # a tuple: made by the thousand per statement, cheaply
    start: int
    end: int
    entry: Entry


def fold(text: str, ignore_case: bool) -> str:
    """Lower-case code point by code point, keeping the length so offsets stay exact."""
    if not ignore_case:
        return text
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in text)


def build_memory(spans: Iterable[LabelledSpan], *, ignore_case: bool = False) -> list[Entry]:
    """One entry per span text: gold first, else the annotators' majority label."""
    gold: dict[str, list[LabelledSpan]] = defaultdict(list)
    annotated: dict[str, list[LabelledSpan]] = defaultdict(list)
    for span in spans:
        key = fold(span.text.strip(), ignore_case)
        if len(key) >= MIN_LENGTH:
            (gold if span.gold else annotated)[key].append(span)
    entries = [_entry(key, gold.get(key) or annotated[key]) for key in annotated.keys() | gold]
    entries.sort(key=lambda e: e.text)
    return entries


def _entry(key: str, spans: list[LabelledSpan]) -> Entry:
    labels = Counter(s.label for s in spans)
    label, votes = min(labels.items(), key=lambda kv: (-kv[1], kv[0]))  # ties: by key
    targets = Counter(s.target for s in spans if s.label == label)
    target = min(targets.items(), key=lambda kv: (-kv[1], kv[0] or ""))[0]
    statements = {s.statement for s in spans}
    only = next(iter(statements)) if len(statements) == 1 else None
    return Entry(key, label, target, round(votes / len(spans), 4), len(spans), only)


def to_json(entries: list[Entry], ignore_case: bool) -> dict[str, Any]:
    """The memory as compact JSON (never pickle), as stored in RecommenderModel.artefact."""
    rows = [[e.text, e.label, e.target, e.score, e.count, e.only_statement] for e in entries]
    return {"format": "span-memory/1", "ignore_case": ignore_case, "entries": rows}


def from_json(data: dict[str, Any]) -> tuple[list[Entry], bool]:
    """Read back what ``to_json`` wrote."""
    if data.get("format") != "span-memory/1":
        raise ValueError(f"not a span memory: {data.get('format')!r}")
    return [Entry(*row) for row in data["entries"]], bool(data.get("ignore_case"))


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_NOT_WORD = re.compile(r"\W")  # exactly not (str.isalnum() or "_"), run in C


def _spaced(text: str) -> str:
    """Every non-word character as a space, same length: word boundaries become spaces."""
    return _NOT_WORD.sub(" ", text)


class SpanMatcher:
    """An automaton over every entry; build once per memory version and reuse (thread-safe).

    The automaton runs over the text with every non-word character turned into a space
    (same length) and padded with one space each side, and each entry's pattern carries a
    space where the entry must meet a word boundary. So it reports only matches on word
    boundaries, instead of every entry that occurs inside a longer word ("ran" in "Iran"),
    which made most of the work (measured: 10,000 raw hits against 1,800 real ones in the
    benchmark's statement). A hit is then checked against the original characters, which
    also tells apart entries that differ only in punctuation.
    """

    def __init__(self, entries: Iterable[Entry], *, ignore_case: bool = False) -> None:
        self.ignore_case = ignore_case
        self.automaton = ahocorasick.Automaton()
        patterns: dict[str, tuple[int, int, dict[str, Entry]]] = {}
        for entry in entries:
            left, right = int(_is_word(entry.text[0])), int(_is_word(entry.text[-1]))
            pattern = " " * left + _spaced(entry.text) + " " * right
            patterns.setdefault(pattern, (left, right, {}))[2][entry.text] = entry
        for pattern, (left, right, by_text) in patterns.items():
            self.automaton.add_word(pattern, (len(pattern), left, right, by_text))
        self.empty = not patterns
        if not self.empty:
            self.automaton.make_automaton()

    def find(self, text: str, *, statement: int | None = None) -> list[Match]:
        """Non-overlapping matches on word boundaries, longest first, in text order.

        Entries learned from ``statement`` alone are not proposed there: they would only
        repeat that statement's own annotations back to the next annotator.
        """
        if self.empty or not text:
            return []
        folded = fold(text, self.ignore_case)
        candidates = []
        for last, (length, left, right, by_text) in self.automaton.iter(f" {_spaced(folded)} "):
            start, end = last - length + left, last - right
            entry = by_text.get(folded[start:end])
            if entry is None or (
                entry.only_statement is not None and entry.only_statement == statement
            ):
                continue
            candidates.append((start, end, entry))
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))  # longest first, then leftmost
        taken = bytearray(len(text))
        chosen = []
        for start, end, entry in candidates:
            if taken.find(1, start, end) == -1:
                taken[start:end] = b"\x01" * (end - start)
                chosen.append(Match(start, end, entry))
        chosen.sort(key=lambda m: m.start)
        return chosen
