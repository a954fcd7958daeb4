"""Pure matching of registry aliases in a text, case- and accent-insensitively.

Each code point is folded on its own (NFKD, casefold, combining marks dropped), keeping a map
from folded positions back to original code points, so matches land on exact offsets even
when folding changes lengths ("ß" → "ss", "é" → "e"). Matches must sit on word boundaries,
and the longest alias wins where several start at one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    actor: str
    alias: str


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """Fold one code point for matching; may return "" (a combining mark) or several chars."""
    decomposed = unicodedata.normalize("NFKD", ch).casefold()
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded char, the index of the original code point."""
    out, origin = [], []
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def compile_aliases(aliases: Iterable[tuple[str, str]]) -> tuple[re.Pattern | None, dict]:
    """One regex over all folded aliases (longest first) and folded alias → (actor, alias)."""
    table: dict[str, tuple[str, str]] = {}
    for actor, alias in aliases:
        key = fold(alias.strip())[0]
        if key.strip():
            table.setdefault(key, (actor, alias))
    if not table:
        return None, table
    alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)"), table


def find_mentions(text: str, pattern: re.Pattern | None, table: dict) -> list[Mention]:
    """Every non-overlapping alias occurrence in ``text`` with code-point offsets."""
    if pattern is None or not text:
        return []
    folded, origin = fold(text)
    mentions = []
    for match in pattern.finditer(folded):
        actor, alias = table[match.group(0)]
        start = origin[match.start()]
        end = origin[match.end() - 1] + 1
        while end < len(text) and not fold_char(text[end]):  # keep trailing combining marks
            end += 1
        mentions.append(Mention(start, end, actor, alias))
    return mentions
