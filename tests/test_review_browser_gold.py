"""The reviewer's gold form and review keys in a real browser (Chromium through Playwright)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import Stance

from .test_browser import log_in
from .test_review_helpers import done, mark, setup
from .workspace_helpers import wait_until

pytestmark = pytest.mark.browser


def _errors(page) -> list[str]:
    """Uncaught page errors and console errors, collected as they happen."""
    seen: list[str] = []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    page.on("console", lambda m: seen.append(m.text) if _reported(m) else None)
    return seen


def _reported(message) -> bool:
    """A console error other than the browser's note of a refused request (a 409 is expected)."""
    return message.type == "error" and not message.text.startswith("Failed to load resource")


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


def test_gold_by_mouse_selection_and_type_ahead(app, session, live_server, page):
    """Select words, press a label's digit, pick the target in the type-ahead, Enter: gold."""
    from .test_browser import drag_select

    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    done(session, project, st, "ann1", "ann2")
    errors = _errors(page)
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/s/{st.id}/gold/new")
    assert page.locator("#start").get_attribute("type") == "hidden"  # no typed offsets
    drag_select(page, "USA supports Israel")
    wait_until(page, "document.getElementById('sel-text').textContent.length > 0")
    assert page.inner_text("#sel-text") == "USA supports Israel"
    page.keyboard.press("3")  # the third label: support
    assert page.is_checked("input[name=label][value=support]")
    page.fill("#target_q", "isra")
    page.wait_for_selector('#target-options li[data-key="israel"]')
    page.click('#target-options li[data-key="israel"]')
    assert page.input_value("#target") == "israel"
    page.focus("#note")
    page.keyboard.press("Escape")  # Esc leaves the gold form in place (it is the page)
    assert page.is_visible("#stance-form")
    page.click("#stance-form button[type=submit]")
    page.wait_for_url(f"{live_server}/p/rev/review/s/{st.id}")
    (gold,) = _gold(session)
    start = st.text.index("USA supports Israel")
    assert (gold.start, gold.end, gold.label.key, gold.target.key) == (
        start,
        start + len("USA supports Israel"),
        "support",
        "israel",
    )
    assert errors == []


def _relation_world(session):
    """Two annotators; ann1 links IRAN supports USA, ann2 links them the other way round."""
    from annotator.accounts.users import find_user
    from annotator.annotation.relations import RelationInput, create_relation

    project, (st,) = setup(session)
    ends = {}
    for who in ("ann1", "ann2"):
        a = mark(session, project, st, who, "Iran condemns Israel")
        b = mark(session, project, st, who, "The USA supports Israel", label="support")
        ends[who] = (a, b) if who == "ann1" else (b, a)
        user = find_user(session, who)
        create_relation(session, project, st, user, RelationInput(*(s.id for s in ends[who]),
                                                                   "supports"))  # fmt: skip
    done(session, project, st, "ann1", "ann2")
    session.commit()
    return project, st


def test_accept_a_relation_with_its_ends(app, session, live_server, page):
    from annotator.models import Relation

    project, st = _relation_world(session)
    errors = _errors(page)
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/s/{st.id}")
    assert "direction differs" in page.inner_text("#r0")
    page.click("#r0 button[name=relation]:has-text('Accept…') >> nth=0")
    page.wait_for_selector("#offer")
    assert "not in gold yet" in page.inner_text("#board-error")
    assert _gold(session) == []  # the offer wrote nothing
    page.click("#offer-accept")
    page.wait_for_selector("#board .flash:has-text('Relation accepted')")
    session.commit()
    gold = session.scalars(select(Relation).where(Relation.is_gold)).all()
    assert len(gold) == 1 and len(_gold(session)) == 2
    assert page.url.endswith(f"/review/s/{st.id}")
    assert errors == []


def test_review_keys_move_accept_and_reject(app, session, live_server, page):
    from annotator.models import GoldDecision

    project, (st,) = setup(session)
    a = mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel", target="usa")
    mark(session, project, st, "ann2", "Russia claims victory", label="claim", target=None)
    done(session, project, st, "ann1", "ann2")
    errors = _errors(page)
    log_in(page, live_server, "rev")
    page.goto(f"{live_server}/p/rev/review/s/{st.id}")
    page.keyboard.press("?")
    assert page.get_attribute("#review-keys", "open") is not None
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "g0"
    page.keyboard.press("a")  # ann1's version: the first lane
    page.wait_for_selector("#board .flash:has-text('accepted')")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == "g1"
    page.keyboard.press("r")
    page.wait_for_selector("#board .flash:has-text('rejected')")
    session.commit()
    decisions = session.scalars(select(GoldDecision).order_by(GoldDecision.id)).all()
    assert [(d.decision, d.source_stance_ids[:1]) for d in decisions][0] == ("accept", [a.id])
    assert [d.decision for d in decisions] == ["accept", "reject"]
    assert errors == []
