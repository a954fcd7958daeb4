"""Suggestions in a real browser: keys, exact code-point offsets, reload, the hide toggle."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import Stance
from annotator.suggestions import suggestions as svc
from annotator.suggestions.training import refresh_statement, train_recommender

from .suggestion_helpers import add_statements, demo, get_user, recommender, stance
from .test_browser import FIND_RANGE, log_in

pytestmark = pytest.mark.browser

# Emoji (one of them a ZWJ sequence of five code points) before the suggested spans: the
# browser counts UTF-16 units, the server code points.
EMOJI_TEXT = (
    "Yesterday 😀 and 👩‍👩‍👧 saw it: Teheran claims to have hit a new target, "
    "and the Mullah regime gloats again."
)


@pytest.fixture
def world(session):
    """annotator2 has two span-memory suggestions on the emoji statement."""
    project, a = demo(session)
    st = add_statements(session, project, {"emoji": EMOJI_TEXT})["emoji"]
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator1", "Mullah regime", "condemnation", "iran")
    mem = recommender(session, project)
    train_recommender(session, project, mem)
    refresh_statement(session, project, st)
    session.commit()
    shown = svc.list_suggestions(session, project, st, get_user(session, "annotator2"))
    return st, {s.text: s.id for s in shown}


def open_statement(page, base, st):
    log_in(page, base, "annotator2")
    page.goto(f"{base}/p/demo/s/{st.id}")
    page.wait_for_selector(".sugg-box", state="attached")


def stances(session, st) -> list[Stance]:
    """The live stances on the statement (annotator2 is the only one working it)."""
    session.commit()
    session.expire_all()
    query = select(Stance).where(Stance.statement_id == st.id, Stance.deleted_at.is_(None))
    return list(session.scalars(query))


def focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_keys_move_accept_and_the_offsets_are_code_points(session, live_server, page, world):
    st, ids = world
    open_statement(page, live_server, st)
    boxes = page.locator(".sugg-box")
    assert {boxes.nth(i).get_attribute("data-id") for i in range(boxes.count())} == {
        str(i) for i in ids.values()
    }  # "Mullah regime" wraps: two lines, two boxes
    box = page.locator(f'.sugg-box[data-id="{ids["Teheran claims"]}"]').bounding_box()
    words = page.evaluate(FIND_RANGE, "Teheran claims")  # where the browser drew the words
    assert (
        abs(box["x"] + 2 - (words["x1"] - 1)) < 3
        and box["y"] < words["y1"] < box["y"] + box["height"]
    )
    page.focus("#text")
    page.keyboard.press("Tab")
    assert focused_id(page) == f"sugg-{ids['Teheran claims']}"
    card = page.locator("#sugg-card")
    assert (
        card.is_visible()
        and "Claim → Iran" in card.inner_text()
        and "score 1.00" in card.inner_text()
    )
    page.keyboard.press("Tab")
    assert focused_id(page) == f"sugg-{ids['Mullah regime']}"
    page.keyboard.press("Shift+Tab")
    assert focused_id(page) == f"sugg-{ids['Teheran claims']}"
    page.keyboard.press("Shift+Tab")
    assert focused_id(page) == "text"
    page.keyboard.press("Tab")
    page.keyboard.press("a")
    page.wait_for_selector("#stance-list li.stance")
    from playwright.sync_api import expect  # its own polling: CSP blocks eval

    expect(page.locator(f"#sugg-{ids['Mullah regime']}")).to_be_focused()
    assert page.locator("#sugg-count").inner_text() == "1"
    assert page.locator(f'.sugg-box[data-id="{ids["Teheran claims"]}"]').count() == 0
    assert page.locator("#stance-count").inner_text() == "1"
    [made] = stances(session, st)
    start = EMOJI_TEXT.index("Teheran claims")  # Python counts code points
    assert (made.start, made.end, made.text) == (start, start + 14, "Teheran claims")
    assert made.origin_suggestion_id == ids["Teheran claims"] and made.target.key == "iran"
    page.reload()
    page.wait_for_selector("mark.seg.lbl-claim")
    assert page.locator(f"#sugg-{ids['Teheran claims']}").count() == 0


def test_reject_with_x_stays_rejected_after_a_reload(session, live_server, page, world):
    st, ids = world
    open_statement(page, live_server, st)
    box = page.locator(f'.sugg-box[data-id="{ids["Mullah regime"]}"]').first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#sugg-card:not([hidden])")  # hover shows what it proposes
    assert page.locator("#sugg-card").inner_text().startswith("Condemnation → Iran")
    page.focus("#text")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("x")
    page.wait_for_selector(f"#sugg-{ids['Mullah regime']}", state="detached")
    from playwright.sync_api import expect  # its own polling: CSP blocks eval

    expect(page.locator(f"#sugg-{ids['Teheran claims']}")).to_be_focused()
    assert page.locator(f'.sugg-box[data-id="{ids["Mullah regime"]}"]').count() == 0
    page.reload()
    page.wait_for_selector(".sugg-box", state="attached")
    assert page.locator(f"#sugg-{ids['Mullah regime']}").count() == 0
    assert page.locator("#sugg-count").inner_text() == "1"
    assert stances(session, st) == []  # a rejected suggestion makes nothing


def test_accept_then_edit_with_e(session, live_server, page, world):
    st, ids = world
    open_statement(page, live_server, st)
    page.focus("#text")
    page.keyboard.press("Tab")
    page.keyboard.press("e")
    page.wait_for_selector("#stance-form.open")
    assert page.locator("#form-h").inner_text() == "Accept suggestion"
    assert page.locator("input[name=label][value=claim]").is_checked()
    assert page.locator("#target_q").input_value() == "Iran"
    page.keyboard.press("2")  # condemnation
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-list li.stance")
    [made] = stances(session, st)
    assert (made.label.key, made.target.key, made.origin_suggestion_id) == (
        "condemnation",
        "iran",
        ids["Teheran claims"],
    )
    assert made.start == EMOJI_TEXT.index("Teheran claims")
    assert page.locator("#stance-form.open").count() == 0  # back to a closed new-stance form


def test_the_toggle_hides_suggestions_and_is_remembered(session, live_server, page, world):
    st, _ = world
    open_statement(page, live_server, st)
    assert page.locator("#suggestion-list").is_visible()
    page.click("[data-sugg-toggle]")
    assert page.locator(".sugg-box").count() == 0
    assert not page.locator("#suggestion-list").is_visible()
    page.reload()
    page.wait_for_selector("[data-sugg-toggle]:not([hidden])")
    assert (
        page.locator(".sugg-box").count() == 0 and not page.locator("#suggestion-list").is_visible()
    )
    assert page.locator("[data-sugg-toggle]").inner_text() == "Show"
    page.focus("#text")
    page.keyboard.press("Tab")  # hidden suggestions take no keys
    assert focused_id(page) != "sugg-1" and not focused_id(page).startswith("sugg-")
    page.click("[data-sugg-toggle]")
    assert page.locator(".sugg-box").count() >= 2 and page.locator("#suggestion-list").is_visible()


def test_two_tabs_accepting_one_suggestion_give_one_stance_and_a_409(
    session, live_server, browser, world
):
    st, ids = world
    tabs = [browser.new_context().new_page() for _ in range(2)]
    try:
        for tab in tabs:
            tab.set_default_timeout(10_000)
            open_statement(tab, live_server, st)
        row = f"#sugg-{ids['Teheran claims']}"
        for tab in tabs:
            tab.click(f"{row} [data-act=accept]")
            tab.wait_for_selector(row, state="detached")  # both panels redrawn by the server
        assert tabs[0].locator("#flash").inner_text() == "Suggestion accepted."
        assert "You already accepted this suggestion." in tabs[1].locator("#flash").inner_text()
        assert len(stances(session, st)) == 1
        assert tabs[1].locator("#sugg-count").inner_text() == "1"
    finally:
        for tab in tabs:
            tab.context.close()
