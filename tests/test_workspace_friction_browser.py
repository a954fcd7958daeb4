"""Browser tests for the annotator workspace's bugs and friction (issue 17, daily use).

Each test failed before its fix: Playwright driving Debian's Chromium, headless.
"""

from __future__ import annotations

import pytest

from annotator.accounts.users import get_user
from annotator.projects.assignments import set_assignment_state

from .test_browser import demo_with_stance, drag_select, log_in, stances
from .workspace_helpers import PHRASE, demo

pytestmark = pytest.mark.browser

REBELS = "continue our support for the rebels in Syria"


def _open_statement(session, page, base, size=(1400, 1000), with_stance=False):
    """annotator1 on the demo statement in a window of ``size``; returns the statement."""
    page.set_viewport_size({"width": size[0], "height": size[1]})
    st = demo_with_stance(session) if with_stance else demo(session)[1]
    log_in(page, base, "annotator1")
    page.goto(f"{base}/p/demo/s/{st.id}")
    return st


def _in_window(page, selector):
    """True when the element's box lies wholly inside the window (no scrolling needed)."""
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box, f"{selector} has no box"
    inside = box["x"] >= 0 and box["y"] >= 0
    return (
        inside
        and box["x"] + box["width"] <= size["width"]
        and (box["y"] + box["height"] <= size["height"])
    )


def test_edit_opens_the_form_beside_the_highlight_with_focus_in_it(session, live_server, page):
    _open_statement(session, page, live_server, with_stance=True)
    page.locator("#stance-list a", has_text="Edit").click()
    page.wait_for_selector('#stance-form.open[data-mode="edit"]')
    assert page.evaluate("document.getElementById('stance-form-slot').style.left") != ""
    assert _in_window(page, "#stance-form button[type=submit]")
    mark = page.locator("mark.seg").first.bounding_box()
    form = page.locator("#stance-form").bounding_box()
    assert mark["y"] >= 0 and mark["y"] + mark["height"] <= 1000  # the highlight stays in view
    # beside it: the form's nearest edge is within 40 px of the highlight, above or below
    gap = min(
        abs(form["y"] - (mark["y"] + mark["height"])), abs(mark["y"] - (form["y"] + form["height"]))
    )
    assert gap < 40 or (form["y"] <= mark["y"] <= form["y"] + form["height"])
    assert page.evaluate("!!document.activeElement.closest('#stance-form')")


def test_clicking_a_mention_inside_the_selection_sets_the_target_first_time(
    session, live_server, page
):
    _open_statement(session, page, live_server)
    drag_select(page, REBELS)
    page.wait_for_selector("#stance-form.open")
    page.keyboard.press("3")
    page.locator('#text .seg.mention[data-actor="syria-rebels"]').last.click()
    assert page.locator("#target").input_value() == "syria-rebels"
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click("#stance-form button[type=submit]")
    assert info.value.status == 200
    saved = stances(session)
    assert [(s.text, s.label.key, s.target.key) for s in saved] == [
        (REBELS, "support", "syria-rebels")
    ]


def test_a_statement_marked_done_shows_no_dead_controls(session, live_server, page):
    from annotator.projects.projects import get_project

    st = demo_with_stance(session)
    project = get_project(session, "demo")
    set_assignment_state(session, project, st, get_user(session, "annotator1"), "done")
    session.commit()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "annotator1")
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    items = page.locator("#stance-list li.stance")
    assert items.count() == 1
    assert items.locator("a, button, form").count() == 0  # no Edit, no Delete
    hint = page.locator("#text-hint").inner_text()
    assert "Select words" not in hint
    assert "Reopen" in hint
    assert page.locator("[data-open-form]").count() == 0
    assert errors == []


@pytest.mark.parametrize("size", [(1400, 1000), (820, 1000), (820, 560)])
def test_the_form_is_fully_visible_without_scrolling(session, live_server, page, size):
    _open_statement(session, page, live_server, size=size)
    scrolled = []
    for phrase in (REBELS, "The Mullah regime in Iran", PHRASE):
        drag_select(page, phrase)
        page.wait_for_selector("#stance-form.open")
        y = page.evaluate("window.scrollY")
        assert _in_window(page, "#stance-form button[type=submit]"), phrase
        assert _in_window(page, "#stance-form"), phrase
        scrolled.append(page.evaluate("window.scrollY") == y)
        page.keyboard.press("Escape")
        page.wait_for_selector("#stance-form", state="hidden")
    assert all(scrolled)


def test_each_validation_message_appears_once(session, live_server, page):
    _open_statement(session, page, live_server)
    drag_select(page, PHRASE)
    page.wait_for_selector("#stance-form.open")
    page.keyboard.press("2")  # condemnation needs a target
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.keyboard.press("Enter")
    assert info.value.status == 422
    page.wait_for_selector("#form-error")
    assert page.locator("#stance-form").inner_text().count("needs a target actor") == 1
    # Focus moves once htmx has settled the swap, a moment after the alert is in the page.
    from playwright.sync_api import expect  # polls with Playwright's own script: CSP allows it

    expect(page.locator("#target_q")).to_be_focused()
    assert _in_window(page, "#stance-form button[type=submit]")


def test_after_a_save_focus_returns_to_the_text_without_an_outline(session, live_server, page):
    _open_statement(session, page, live_server)
    drag_select(page, "Daesh")
    page.wait_for_selector("#stance-form.open")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-form", state="hidden")
    assert page.evaluate("document.activeElement.id") == "text"
    outline = page.evaluate("getComputedStyle(document.getElementById('text')).outlineStyle")
    assert outline == "none"


def test_after_a_keyboard_save_focus_returns_to_the_button(session, live_server, page):
    _open_statement(session, page, live_server)
    page.locator("[data-open-form]").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("Daesh")
    page.locator("input[name=label][value=claim]").focus()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-form", state="hidden")
    assert page.evaluate("document.activeElement.matches('[data-open-form]')")


def test_keyboard_path_puts_the_words_first_and_shows_the_match(session, live_server, page):
    st = _open_statement(session, page, live_server)
    page.locator("[data-open-form]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-form.open")
    assert page.evaluate("document.activeElement.id") == "quote"
    first = page.evaluate(
        """() => Array.from(document.querySelectorAll('#stance-form input, #stance-form textarea'))
             .find(el => el.type !== 'hidden' && el.offsetParent !== null).id"""
    )
    assert first == "quote"
    assert not page.locator("p.selected").is_visible()  # no `Selected: “”`
    page.keyboard.type("Iran")
    start = st.text.find("Iran")
    match = page.locator("#quote-match").inner_text()
    assert f"{start}–{start + 4}" in match and "first of" in match
    page.fill("#quote", "no such words")
    assert "Not found" in page.locator("#quote-match").inner_text()
    assert _in_window(page, "#stance-form button[type=submit]")


def _second_statement(session, text="A second statement about Iran."):
    """Another statement assigned to annotator1 (queue order follows the statement ids)."""
    from annotator.formats.statement_readers import StatementRecord
    from annotator.projects.assignments import assign_statement
    from annotator.projects.projects import get_project
    from annotator.statements.statements import import_statements, list_statements

    project = get_project(session, "demo")
    import_statements(session, project, [StatementRecord(external_id="second", text=text)])
    st = [s for s in list_statements(session, project) if s.external_id == "second"][0]
    assign_statement(session, project, st, get_user(session, "annotator1"))
    session.commit()
    return st


def test_question_mark_lists_the_keys_and_scripts_can_add_keys(session, live_server, page):
    _open_statement(session, page, live_server)
    page.evaluate("annotatorKeys.register('L', 'Link two stances', () => { window.__linked = 1; })")
    page.locator("#text").focus()
    page.keyboard.press("?")
    dialog = page.locator("dialog.keys-help")
    dialog.wait_for()
    listed = dialog.inner_text()
    for key, words in (("J", "Next statement"), ("K", "Previous"), ("D", "done"), ("Z", "Undo")):
        assert key in listed and words in listed
    assert "Link two stances" in listed
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.keyboard.press("l")
    assert page.evaluate("window.__linked") == 1


def test_hotkeys_never_fire_while_typing(session, live_server, page):
    _open_statement(session, page, live_server)
    url = page.url
    page.locator("[data-open-form]").click()
    page.keyboard.type("jkd?")
    assert page.input_value("#quote") == "jkd?"
    assert page.url == url and not page.locator("dialog.keys-help").is_visible()
    page.keyboard.press("Escape")
    drag_select(page, "Daesh")  # the form is open, focus in the text: J must not leave
    page.wait_for_selector("#stance-form.open")
    page.locator("#text").focus()
    page.keyboard.press("j")
    page.wait_for_timeout(300)
    assert page.url == url and page.locator("#stance-form.open").count() == 1


def test_j_and_k_walk_the_queue_and_d_marks_done(session, live_server, page):
    first = _open_statement(session, page, live_server)
    second = _second_statement(session)
    page.locator("#text").focus()
    page.keyboard.press("j")
    page.wait_for_url(f"{live_server}/p/demo/s/{second.id}")
    page.keyboard.press("k")
    page.wait_for_url(f"{live_server}/p/demo/s/{first.id}")
    page.keyboard.press("k")  # the first of the queue: stays, and says so
    page.wait_for_selector("#flash .flash")
    assert "first statement of your queue" in page.locator("#flash").inner_text()
    page.keyboard.press("d")
    page.wait_for_url(f"{live_server}/p/demo/s/{second.id}")  # done leads on to the next
    from annotator.models import Assignment

    session.commit()
    annotator = get_user(session, "annotator1")
    state = (
        session.query(Assignment.state)
        .filter_by(statement_id=first.id, annotator_id=annotator.id, active=True)
        .scalar()
    )
    assert state == "done"


def test_ctrl_z_undoes_create_edit_and_delete(session, live_server, page):
    _open_statement(session, page, live_server)
    drag_select(page, "Daesh")
    page.wait_for_selector("#stance-form.open")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-list li.stance")
    page.keyboard.press("Control+z")  # undo the create
    page.wait_for_selector("#stance-list li.stance.deleted")
    assert stances(session)[0].deleted_at is not None
    page.locator("#stance-list button.undo").click()
    page.wait_for_selector("#stance-list .chip.lbl-claim")
    page.locator("#stance-list a", has_text="Edit").click()
    page.wait_for_selector('#stance-form.open[data-mode="edit"]')
    page.fill("#note", "second thoughts")
    page.click("#stance-form button[type=submit]")
    page.wait_for_selector("#stance-list .note")
    assert stances(session)[0].note == "second thoughts"
    page.wait_for_selector("#stance-form.open", state="detached")  # keys wait while it is open
    page.keyboard.press("Control+z")  # undo the edit
    page.wait_for_selector("#stance-list .note", state="detached")
    saved = stances(session)[0]
    assert (saved.label.key, saved.deleted_at, saved.text, saved.note) == (
        "claim",
        None,
        "Daesh",
        "",
    )
    page.locator("#stance-list button", has_text="Delete").click()
    page.wait_for_selector("#stance-list li.stance.deleted")
    page.locator("#text").focus()
    page.keyboard.press("Control+z")  # undo the delete
    page.wait_for_selector("#stance-list .chip.lbl-claim")
    assert stances(session)[0].deleted_at is None


def test_labels_are_drawn_on_the_text_and_highlight_and_item_light_each_other(
    session, live_server, page
):
    _open_statement(session, page, live_server, with_stance=True)
    saved = stances(session)[0]
    tag = page.locator(f'#text .tag[data-for="{saved.id}"]')
    content = "getComputedStyle(document.querySelector('#text .tag'), '::before').content"
    assert page.evaluate(content) == '"Condemnation"'
    box = tag.bounding_box()
    first = "(() => { const r = document.querySelector('mark.seg').getClientRects()[0];"
    mark = page.evaluate(first + " return {x: r.left, y: r.top, height: r.height}; })()")
    assert box["width"] > 10 and abs(box["y"] - mark["y"]) < mark["height"]  # on the line
    assert mark["x"] - 8 <= box["x"] + box["width"] <= mark["x"] + 2  # just before the words
    item = page.locator(f"#stance-{saved.id}")
    page.locator("mark.seg").first.hover()
    assert "linked" in item.get_attribute("class")
    page.mouse.move(1, 1)
    page.locator("#st-title").hover()
    assert "linked" not in item.get_attribute("class")
    item.locator("a", has_text="Edit").focus()
    assert "linked" in page.locator("mark.seg").first.get_attribute("class")


ARABIC_THEN_ENGLISH = "قال المتحدث الرسمي: We condemn the attack on civilians."

# Where the final full stop and the word before it are drawn.
STOP_AND_WORD = """() => {
  const range = (node, a, b) => { const r = document.createRange(); r.setStart(node, a);
    r.setEnd(node, b); return r.getBoundingClientRect(); };
  const seg = Array.from(document.querySelectorAll('#text .seg')).find(
    s => s.textContent.includes('civilians.'));
  const node = seg.firstChild, at = node.data.indexOf('civilians.');
  return {word: range(node, at, at + 9).right, stop: range(node, at + 9, at + 10).left};
}"""


def test_a_paragraph_in_arabic_then_english_keeps_the_full_stop_with_the_english(
    session, live_server, page
):
    _open_statement(session, page, live_server)
    st = _second_statement(session, ARABIC_THEN_ENGLISH)
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    assert page.locator("#text .para").first.get_attribute("dir") == "auto"
    assert page.locator("#text bdi[dir=ltr]").inner_text() == "We condemn the attack on civilians."
    where = page.evaluate(STOP_AND_WORD)
    assert where["stop"] >= where["word"] - 1  # to the right of "civilians", not at the left
    # offsets stay exact across the isolate
    drag_select(page, "the attack on civilians")
    page.wait_for_selector("#stance-form.open")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-list li.stance")
    saved = stances(session)[-1]
    assert saved.start == ARABIC_THEN_ENGLISH.find("the attack on civilians")
    assert saved.text == "the attack on civilians"
    assert page.locator("#text bdi[dir=ltr]").inner_text() == "We condemn the attack on civilians."
