"""Pure sentence splitting on code-point offsets, for the sentence classifier.

Deliberately simple (no language model): a sentence ends at ``.``, ``!``, ``?`` or ``…``
(with any closing quotes or brackets) followed by white space and a character that is not a
lower-case letter, or at a line break. Abbreviations followed by a capital ("Dr. Smith")
split too; the classifier tolerates that, and the spans it proposes stay editable.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|\n")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence, white space trimmed, empty ones skipped."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _END.finditer(text):
        if match.group() != "\n" and _continues_lower(text, match.end()):
            continue
        _append(text, start, match.end(), spans)
        start = match.end()
    _append(text, start, len(text), spans)
    return spans


def _continues_lower(text: str, at: int) -> bool:
    """Whether the next visible character is lower case (then it was no sentence end)."""
    rest = text[at : at + 40].lstrip(" \t")
    return bool(rest) and rest[0].islower()


def _append(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
