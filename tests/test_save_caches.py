"""The per-process caches of the save path follow the data they are derived from."""

from __future__ import annotations

from annotator.accounts.users import get_user
from annotator.annotation.workspace import statement_mentions, touched_paragraphs
from annotator.statements.statements import text_sha256
from annotator.text.layout import paragraph_bounds

from .workspace_helpers import demo

PREFIX = "A new first paragraph.\n\n"


def _last_paragraph(session, project, st, user):
    end = len(st.text)
    paragraphs, _, _ = touched_paragraphs(session, project, st, user, [(end - 1, end)])
    return paragraphs[0]


def test_a_save_lays_out_the_text_as_it_is_now(session):
    """The cached paragraph bounds are keyed by the text's hash: a new text, new bounds."""
    project, st = demo(session)
    user = get_user(session, "annotator1")
    before = _last_paragraph(session, project, st, user)
    st.text = PREFIX + st.text
    st.text_sha256 = text_sha256(st.text)
    session.flush()
    after = _last_paragraph(session, project, st, user)
    assert (after.index, after.start) == (before.index + 1, before.start + len(PREFIX))
    assert after.segments[-1].text == before.segments[-1].text


def test_a_save_draws_the_mentions_of_its_paragraphs_only_and_all_of_them(session):
    """The mentions a save's paragraphs draw are the statement's that overlap them."""
    project, st = demo(session)
    user = get_user(session, "annotator1")
    found, _ = statement_mentions(session, project, st)
    every = {(m.start, m.end) for m in found}
    drawn_anywhere = set()
    for start, end, _ in paragraph_bounds(st.text):
        (paragraph,), _, _ = touched_paragraphs(session, project, st, user, [(start, start + 1)])
        drawn = {(s.mention.start, s.mention.end) for s in paragraph.segments if s.mention}
        assert drawn == {(a, b) for a, b in every if a < end and b > start}
        drawn_anywhere |= drawn
    assert drawn_anywhere == every and len(every) > 1
