"""Bidirectional isolation of mixed-script paragraphs, so punctuation stays with its sentence.

The Unicode bidi algorithm gives a paragraph the direction of its first strong letter. In a
paragraph that starts in Arabic and continues in English, a full stop after the English
sits between a left-to-right letter and the paragraph's end, so it takes the paragraph's
right-to-left direction and is drawn at the far left of the English words. Wrapping each
run of the other direction, with the punctuation that follows it, in an isolate (``<bdi>``)
keeps it where a reader of that language expects it.

A run starts at a strong letter of the other direction and ends before the next strong
letter of the paragraph's direction; trailing white space stays outside, and so does a
closing quote or bracket whose opening partner stands just before the run (it belongs to
the sentence around the quotation). Pure: plain strings in, code-point offsets out.
"""

from __future__ import annotations

import re

# Strong right-to-left letters: Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and
# their presentation forms, and the right-to-left blocks beyond the BMP.
_R = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff\U0001e800-\U0001efff"
RTL = re.compile(f"[{_R}]")
_LTR = re.compile(f"(?![{_R}])[^\\W\\d_]")
_LTR_RUN = re.compile(f"(?![{_R}])[^\\W\\d_][^{_R}]*")
_RTL_RUN = re.compile(f"[{_R}](?:[{_R}]|(?![{_R}])[\\W\\d_])*")
_PAIRS = {"(": ")", "[": "]", "{": "}", '"': '"', "“": "”", "«": "»", "‘": "’", "'": "'"}


def isolated_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "ltr" or "rtl") of the runs to isolate; empty unless scripts are mixed."""
    first_rtl = RTL.search(text)
    if first_rtl is None:
        return []  # the common case costs one scan in C
    first_ltr = _LTR.search(text)
    if first_ltr is None:
        return []
    rtl = first_rtl.start() < first_ltr.start()
    runs = []
    for match in (_LTR_RUN if rtl else _RTL_RUN).finditer(text):
        start, end = match.start(), _trim(text, match.start(), match.end())
        if end > start:
            runs.append((start, end, "ltr" if rtl else "rtl"))
    return runs


def _trim(text: str, start: int, end: int) -> int:
    """The run's end without trailing white space, or a closer whose opener precedes it."""
    while end > start and text[end - 1].isspace():
        end -= 1
    before = start - 1
    while before >= 0 and text[before].isspace():
        before -= 1
    closer = _PAIRS.get(text[before]) if before >= 0 else None
    if closer is not None:
        at = text.rfind(closer, start + 1, end)
        if at > start:
            end = at
    return end
