"""The reviewer's gold form and review keys in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import Stance

from .test_browser import log_in
from .test_review_helpers import done, mark, setup

pytestmark = pytest.mark.browser


def _errors(page) -> list[str]:
    """Uncaught page errors and console errors, collected as they happen."""
    seen: list[str] = []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    return seen


def _gold(session) -> list[Stance]:
    session.commit()  # end the read snapshot so the server's commits are visible
    session.expire_all()
    query = select(Stance).where(Stance.is_gold, Stance.deleted_at.is_(None)).order_by(Stance.id)
    return session.scalars(query).all()


def test_typing_exact_words_in_the_gold_form_throws_nothing(app, session, live_server, page):
    """Bug 4: the page script reached for the workspace's form and read ``null.elements``."""
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    done(session, project, st, "ann1", "ann2")
    errors = _errors(page)
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/s/{st.id}/gold/new")
    page.click("details.offsets summary")  # the keyboard path, as in the workspace
    page.click("#quote")
    page.keyboard.type("USA supports")
    assert page.input_value("#quote") == "USA supports"
    assert errors == []
