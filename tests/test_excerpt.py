"""Excerpts cut at a word boundary with an ellipsis (pure, plain data)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from annotator.text.excerpt import excerpt


def test_short_text_is_kept_and_long_text_is_cut_at_a_word():
    assert excerpt("Iran condemns Israel", 40) == "Iran condemns Israel"
    text = "The Mullah regime in Iran has launched missile strikes against Pakistan, Iraq"
    assert excerpt(text, 30) == "The Mullah regime in Iran has…"
    assert excerpt("a b,  c", 5) == "a b…"  # trailing punctuation is dropped before the …


def test_one_long_word_is_cut_inside():
    assert excerpt("https://example.org/a/very/long/path", 10) == "https://e…"


@given(st.text(), st.integers(min_value=2, max_value=200))
def test_an_excerpt_fits_and_is_a_prefix_of_the_words(text, length):
    out = excerpt(text, length)
    assert len(out) <= length
    words = " ".join(text.split())
    assert words.startswith(out.removesuffix("…").rstrip())
    assert out == words or out.endswith("…")


def test_history_summaries_cut_long_stance_text_at_a_word():
    from annotator.models import AuditEvent
    from annotator.review.side_by_side import _summary

    text = (
        "Teheran rather exploits the popular outrage at home about the terrorist attack in Kerman"
    )
    event = AuditEvent(data={"after": {"label_id": 1, "start": 0, "end": 88, "text": text}})
    summary = _summary(event, {1: "claim"}, {})
    cut = "Teheran rather exploits the popular outrage at home about the terrorist attack…"
    assert summary == f"claim 0–88 “{cut}”"
