"""``conll``: token-level BIO tags, one tag column, for sequence labelling.

Layout: per block a ``# statement_id = <id>`` comment (plus ``# annotator = <name>`` in
annotator scope), then one token per line ``token<TAB>start<TAB>end<TAB>tag`` with
code-point offsets into the statement text (end-exclusive), then a blank line. A block is
one statement (gold scope) or one (statement, annotator) pair (annotator scope), so each
block holds one consistent annotation; statements are not split into sentences because a
stance may span several. Statements without stances still get an all-``O`` block.

Tokenizer (documented so others can reproduce it): the regex ``\\w+|[^\\w\\s]`` over the
text, then pieces that touch are glued when the later one starts with a combining mark,
variation selector, emoji modifier or tag character, follows a zero-width joiner, or
continues a word broken by such a mark, and two regional indicators form one flag. So
"Café" written with a combining accent, "🇮🇷" and "👩‍⚕️" are one token each; Arabic words
keep their vowel marks.

Tags are ``B-<label>``/``I-<label>``/``O``. A stance covers every token it overlaps
(spans are widened to whole tokens). Overlap rule: stances are placed by start, and at
equal start the longer first; a stance touching a token already tagged is left out
entirely (counted in ``Counts.skipped``), so no stance is cut into fragments.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from typing import Any

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter, iter_statements

Token = tuple[str, int, int]
_PIECE = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w")
_ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it."""
    cp = ord(ch)
    return (
        unicodedata.category(ch).startswith("M")
        or ch == _ZWJ
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
        or 0xE0020 <= cp <= 0xE007F
    )


def _is_flag_half(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _joins(text: str, start: int, end: int, nxt: int) -> bool:
    """Whether the piece at ``nxt`` continues the token ``text[start:end]``."""
    first, last = text[nxt], text[end - 1]
    if _extends(first) or last == _ZWJ:
        return True
    if end - start == 1 and _is_flag_half(last) and _is_flag_half(first):
        return True
    return bool(_WORD.match(first) and _WORD.match(text[start]))


def tokenize(text: str) -> Iterator[Token]:
    """Tokens with their code-point offsets, as described in the module docstring."""
    start = end = -1
    for match in _PIECE.finditer(text):
        s, e = match.span()
        if start >= 0 and s == end and _joins(text, start, end, s):
            end = e
            continue
        if start >= 0:
            yield text[start:end], start, end
        start, end = s, e
    if start >= 0:
        yield text[start:end], start, end


def bio_tags(tokens: list[Token], stances: list[Mapping[str, Any]]) -> tuple[list[str], int]:
    """One tag per token and the number of stances left out by the overlap rule."""
    starts = [t[1] for t in tokens]
    ends = [t[2] for t in tokens]
    tags = ["O"] * len(tokens)
    skipped = 0
    for record in sorted(stances, key=lambda r: (r["start"], r["start"] - r["end"])):
        first = bisect_right(ends, record["start"])
        last = bisect_left(starts, record["end"])
        if first >= last or any(t != "O" for t in tags[first:last]):
            skipped += 1
            continue
        tags[first] = f"B-{record['label']}"
        tags[first + 1 : last] = [f"I-{record['label']}"] * (last - first - 1)
    return tags, skipped


def blocks(stances: list[Mapping[str, Any]]) -> list[tuple[str | None, list[Mapping]]]:
    """Stances grouped by annotator (None for gold), in order of first appearance."""
    groups: dict[str | None, list[Mapping]] = {}
    for record in stances:
        groups.setdefault(record.get("annotator"), []).append(record)
    return list(groups.items()) or [(None, [])]


def block_text(statement: Mapping, annotator: str | None, tagged: list) -> str:
    """One comment header, the token lines and the closing blank line."""
    lines = [f"# statement_id = {' '.join(str(statement['id']).split())}\n"]
    if annotator is not None:
        lines.append(f"# annotator = {annotator}\n")
    lines.extend(f"{tok}\t{s}\t{e}\t{tag}\n" for (tok, s, e), tag in tagged)
    lines.append("\n")
    return "".join(lines)


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """One tagged block per statement (per annotator in annotator scope), a chunk each."""
    counts = Counts()
    for statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        tokens = list(tokenize(statement["text"]))
        for annotator, group in blocks(stances):
            tags, skipped = bio_tags(tokens, group)
            counts.skipped += skipped
            counts.rows += 1
            yield block_text(statement, annotator, list(zip(tokens, tags, strict=True)))
    return counts


EXPORTER = Exporter(
    name="conll",
    kind="stream",
    media_type="text/plain",
    extension=".conll",
    description="Token-level BIO tags (token, start, end, tag) for sequence labelling.",
    chunks=chunks,
)
