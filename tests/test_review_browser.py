"""The side-by-side board in a real browser: htmx posts a group's form with the clicked button."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import GoldDecision, Stance

from .test_browser import log_in
from .test_review_helpers import done, mark, setup

pytestmark = pytest.mark.browser


def test_accept_then_reject_through_htmx(app, session, live_server, page):
    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    mark(session, project, st, "ann2", "Russia claims victory", label="claim", target=None)
    done(session, project, st, "ann1", "ann2")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/s/{st.id}")
    page.fill("#g0 input[name=reason]", "ann1 has the right target")
    page.click(f"#g0 button[name=stance][value='{a.id}:1']")
    page.wait_for_selector("#board .flash")
    assert "Version accepted into gold." in page.inner_text("#board")
    assert page.get_attribute("#g1 input[name=review_version]", "value") == "1"
    page.click("#g1 button:has-text('Reject all')")
    page.wait_for_selector("#board .flash:has-text('rejected')")
    session.commit()
    gold = session.scalars(select(Stance).where(Stance.is_gold)).all()
    assert [g.target.key for g in gold] == ["israel"]
    decisions = session.scalars(select(GoldDecision).order_by(GoldDecision.id)).all()
    assert [d.decision for d in decisions] == ["accept", "reject"]
    assert decisions[0].reason == "ann1 has the right target"
    assert page.url.endswith(f"/review/s/{st.id}")  # htmx swapped the board, no navigation
    assert not [e for e in errors if "Content Security Policy" in e]
