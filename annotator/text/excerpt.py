"""Short excerpts of long text for lists and histories: cut at a word, marked with an ellipsis."""

from __future__ import annotations


def excerpt(text: str, length: int) -> str:
    """``text`` if it fits in ``length`` code points, else its words up to that, plus "…".

    A single word longer than ``length`` is cut inside (a URL, a run of CJK text without
    spaces), since nothing else would be left to show.
    """
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if text[len(cut)] != " ":  # the cut fell inside a word: drop that word
        head, space, _ = cut.rpartition(" ")
        cut = head if space and head else cut
    return cut.rstrip(" ,;:.") + "…"
