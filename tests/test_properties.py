"""Property-based tests (hypothesis) for what the other suites cover only by example.

Already elsewhere: JSONL/CSV reader round trips (test_formats_import), the UTF-16 round trip
(test_formats_export), annotator-name invariance and identical annotations (test_agreement).
Here: the page layout, alias mentions, UTF-16 splits and ordering, zip and txt readers, the
symmetry of the pure agreement coefficients, and the review queue's per-statement agreement
(its equality with compute_agreement is in test_agreement).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from annotator.agreement import stances as agreement
from annotator.agreement.coefficients import cohen_kappa, fleiss_kappa, nominal_alpha
from annotator.formats.statement_readers import iter_statements
from annotator.text import offsets
from annotator.text.layout import Highlight, layout, paragraph_bounds, paragraphs_touching
from annotator.text.mentions import compile_aliases, find_mentions, fold

CHARS = st.characters(exclude_categories=("Cs",))
TEXT = st.text(st.one_of(CHARS, st.sampled_from("\n\n 🇮🇷👍🏽é\u0301ß")), max_size=60)


@st.composite
def text_and_marks(draw):
    """A text with newlines, stances overlapping, nested or crossing empty paragraphs in any
    way, and actor mentions, which never overlap each other (as ``find_mentions`` gives them)."""
    text = draw(TEXT)
    n = len(text)
    spans = draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=8))
    marks = [
        Highlight(min(a, b), max(a, b), "stance", str(i), "claim")
        for i, (a, b) in enumerate(spans)
        if a != b
    ]
    cuts = sorted(set(draw(st.lists(st.integers(0, n), max_size=6))))
    mentions = [
        Highlight(a, b, "mention", f"actor{i}")
        for i, (a, b) in enumerate(zip(cuts[::2], cuts[1::2], strict=False))
    ]
    return text, marks + mentions


@settings(max_examples=300, deadline=None)
@given(text_and_marks())
def test_segments_partition_every_paragraph_exactly(case):
    text, marks = case
    paragraphs = layout(text, marks)
    rebuilt = "".join("".join(s.text for s in p.segments) + p.newline for p in paragraphs)
    assert rebuilt == text
    for p in paragraphs:
        assert "\n" not in text[p.start : p.end]
        pos = p.start
        for seg in p.segments:
            assert (
                seg.start == pos and seg.end > seg.start and seg.text == text[seg.start : seg.end]
            )
            pos = seg.end
        assert pos == p.end


@settings(max_examples=300, deadline=None)
@given(text_and_marks())
def test_every_mark_covers_exactly_the_segments_within_its_span(case):
    text, marks = case
    segments = [s for p in layout(text, marks) for s in p.segments]
    for mark in marks:
        covered = [s for s in segments if mark in s.stances or mark == s.mention]
        inside = [s for s in segments if mark.start <= s.start and s.end <= mark.end]
        assert covered == inside
        assert "".join(s.text for s in covered) == text[mark.start : mark.end].replace("\n", "")


@settings(max_examples=200, deadline=None)
@given(text_and_marks())
def test_partial_layout_equals_the_same_paragraphs_of_the_full_one(case):
    text, marks = case
    spans = [(m.start, m.end) for m in marks[:2]]
    bounds = paragraph_bounds(text)
    touched = paragraphs_touching(bounds, spans)
    full = {p.index: p for p in layout(text, marks)}
    assert layout(text, marks, only=touched) == [full[i] for i in touched]
    assert layout(text, marks, only=touched, bounds=bounds) == [full[i] for i in touched]


WORDS = st.text(st.sampled_from("aAbBéÉßSsİı\u0301 -"), min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=4), st.lists(WORDS, max_size=8))
def test_every_mention_folds_to_its_alias(aliases, words):
    pattern, table = compile_aliases((f"actor{i}", a) for i, a in enumerate(aliases))
    text = " ".join(words + aliases)
    mentions = find_mentions(text, pattern, table)
    last_end = 0
    for m in mentions:
        assert fold(text[m.start : m.end])[0] == fold(m.alias.strip())[0]
        assert m.start >= last_end  # non-overlapping, in text order
        last_end = m.end


def _regex_mentions(text: str, aliases: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """The rule as a regex states it (the implementation before the automaton): one
    alternation of the folded aliases, longest first, on word boundaries, ``finditer``."""
    table = {}
    for actor, alias in aliases:
        key = fold(alias.strip())[0]
        if key.strip():
            table.setdefault(key, actor)
    if not table:
        return []
    alternatives = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
    folded, origin = fold(text)
    return [
        (origin[m.start()], origin[m.end() - 1], table[m.group(0)])
        for m in re.finditer(rf"(?<!\w)(?:{alternatives})(?!\w)", folded)
    ]


@settings(max_examples=500, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=6), st.lists(WORDS | st.just("_"), max_size=10))
def test_mentions_follow_the_regex_rule(aliases, words):
    """Aho-Corasick finds what the regex alternation found: same places, same actors."""
    pairs = [(f"actor{i}", a) for i, a in enumerate(aliases)]
    text = "".join(w + (" " if i % 3 else "") for i, w in enumerate(words + aliases))
    found = find_mentions(text, *compile_aliases(pairs))
    expected = _regex_mentions(text, pairs)
    assert [(m.start, m.actor) for m in found] == [(s, a) for s, _, a in expected]
    # the end is the regex's last code point, plus any combining marks after it
    assert all(m.end - 1 >= last for m, (_, last, _) in zip(found, expected, strict=True))


@settings(max_examples=300, deadline=None)
@given(TEXT, st.data())
def test_utf16_offsets_slice_the_same_text_from_the_encoding(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    u16 = offsets.Utf16Offsets(text)
    encoded = text.encode("utf-16-le")
    js_slice = encoded[2 * u16.to_utf16(start) : 2 * u16.to_utf16(end)]
    assert js_slice.decode("utf-16-le") == text[start:end]


@settings(max_examples=200, deadline=None)
@given(TEXT, st.data())
def test_utf16_conversion_is_strictly_increasing(text, data):
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(0, len(text)))
    assume(a < b)
    u16 = offsets.Utf16Offsets(text)
    assert u16.to_utf16(a) < u16.to_utf16(b)


# What a statement may hold: NUL, like lone surrogates, is refused at import.
STORABLE = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
STATEMENT = st.text(STORABLE, min_size=1, max_size=40).filter(lambda t: t.strip())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(STATEMENT, min_size=1, max_size=3), min_size=1, max_size=4))
def test_a_zip_reads_as_its_members_in_name_order(files):
    members = {
        f"m{n:02d}.jsonl": "".join(
            json.dumps({"id": f"{n}-{k}", "text": t}) + "\n" for k, t in enumerate(texts)
        ).encode()
        for n, texts in enumerate(files)
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in reversed(list(members)):  # stored out of order on purpose
            archive.writestr(name, data=members[name])
    zipped = list(iter_statements("all.zip", io.BytesIO(buffer.getvalue())))
    one_by_one = [r for name in sorted(members) for r in _read(name, members[name])]
    assert [(r.external_id, r.text) for r in zipped] == [
        (r.external_id, r.text) for r in one_by_one
    ]


def _read(name: str, data: bytes):
    return list(iter_statements(name, io.BytesIO(data)))


@settings(max_examples=200, deadline=None)
@given(STATEMENT.filter(lambda t: "\r" not in t and t.removeprefix("\ufeff").strip()))
@example("\ufeffa")
def test_a_txt_file_is_its_text(text):
    """A leading U+FEFF is read as the byte-order mark, not as text (a file of only that is
    empty, which the reader refuses)."""
    (record,) = _read("note.txt", text.encode("utf-8"))
    assert record.text.strip() == text.removeprefix("\ufeff").strip()
    assert record.external_id == "note"


LABELS = st.sampled_from(["claim", "support", "condemnation", None])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(LABELS, LABELS), min_size=1, max_size=30))
def test_cohen_kappa_is_symmetric_in_the_two_annotators(pairs):
    assert cohen_kappa(pairs) == pytest.approx(cohen_kappa([(b, a) for a, b in pairs]), nan_ok=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(LABELS, min_size=2, max_size=4), min_size=1, max_size=20), st.randoms())
def test_alpha_ignores_the_order_of_coders_and_items(items, rnd):
    shuffled = [rnd.sample(values, len(values)) for values in items]
    rnd.shuffle(shuffled)
    one, two = nominal_alpha(items), nominal_alpha(shuffled)
    assert one == two or one == pytest.approx(two)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(LABELS, min_size=2, max_size=4), min_size=2, max_size=20))
def test_alpha_of_identical_codings_is_one(items):
    same = [[values[0]] * len(values) for values in items]
    assume(len({v[0] for v in same}) > 1)  # one value only: alpha is undefined
    assert nominal_alpha(same) == pytest.approx(1.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=1, max_size=15),
    st.permutations(range(3)),
)
def test_fleiss_kappa_ignores_the_order_of_categories(rows, order):
    rows = [r for r in rows if sum(r) == 3]
    assume(rows)
    permuted = [[r[i] for i in order] for r in rows]
    one, two = fleiss_kappa(rows), fleiss_kappa(permuted)
    assert one == two or one == pytest.approx(two)


STANCES = st.tuples(
    st.integers(0, 9),
    st.integers(0, 9),
    st.sampled_from(["claim", "support"]),
    st.sampled_from([None, "iran"]),
    st.sampled_from([None, "usa"]),
)
BATCHES = st.lists(  # per statement: how many of A, B, C work on it, and who marks what
    st.tuples(st.integers(0, 3), st.lists(st.tuples(st.sampled_from("ABC"), STANCES), max_size=12)),
    min_size=1,
    max_size=6,
)


def _batch(case) -> tuple[list, list]:
    """Units s0, s1, ... and their marks (some by annotators not on the statement)."""
    units = [agreement.Unit(f"s{k}", 10, tuple("ABC"[:team])) for k, (team, _) in enumerate(case)]
    marks = [
        agreement.Mark(f"s{k}", who, *stance)
        for k, (_, stances) in enumerate(case)
        for who, stance in stances
    ]
    return units, marks


@settings(max_examples=200, deadline=None)
@given(BATCHES, st.randoms())
def test_a_statements_agreement_ignores_other_statements_and_order(case, rnd):
    units, marks = _batch(case)
    figures = agreement.stance_agreement_by_statement(units, marks)
    assert all(x is None or 0 <= x <= 1 for x in figures.values())
    for unit in units:
        own = [m for m in marks if m.statement == unit.statement]
        rnd.shuffle(own)
        alone = agreement.stance_agreement_by_statement([unit], own)
        assert alone == {unit.statement: figures[unit.statement]}


@settings(max_examples=200, deadline=None)
@given(BATCHES)
def test_identical_versions_agree_fully_statement_by_statement(case):
    units, marks = _batch(case)
    team = [replace(u, annotators=("A", "B", "C")) for u in units]
    copies = [replace(m, annotator=a) for m in marks if m.annotator == "A" for a in "ABC"]
    figures = agreement.stance_agreement_by_statement(team, copies)
    marked = {m.statement for m in copies}
    assert figures == {u.statement: 1.0 if u.statement in marked else None for u in units}
