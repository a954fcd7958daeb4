"""Real-browser tests: Playwright for Python driving Debian's Chromium, headless."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.accounts.users import get_user
from annotator.formats.statement_readers import StatementRecord
from annotator.models import Stance
from annotator.projects.assignments import assign_statement
from annotator.statements.statements import import_statements, list_statements

from .factories import PASSWORD
from .workspace_helpers import PHRASE, demo

pytestmark = pytest.mark.browser

# Finds a phrase in the statement's segments and returns the DOM range's client rects.
FIND_RANGE = """
(phrase) => {
  const segs = Array.from(document.querySelectorAll('#text .seg'));
  const full = segs.map(s => s.textContent).join('');
  const at = full.indexOf(phrase);
  if (at < 0) return null;
  const locate = (pos) => {
    let acc = 0;
    for (const s of segs) {
      const n = s.textContent.length;
      if (pos <= acc + n && !s.hidden) return [s.firstChild, pos - acc];
      acc += n;
    }
  };
  const range = document.createRange();
  range.setStart(...locate(at));
  range.setEnd(...locate(at + phrase.length));
  window.__range = range;
  range.startContainer.parentElement.scrollIntoView({block: 'center'});
  const rects = Array.from(range.getClientRects()).filter(r => r.width > 1);
  const a = rects[0], b = rects[rects.length - 1];
  return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
}
"""


# Selects the range FIND_RANGE stored and lets the page react as to a mouse selection.
SELECT_RANGE = """() => {
  const s = getSelection();
  s.removeAllRanges();
  s.addRange(window.__range);
  document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


def demo_with_stance(session):
    """The demo with annotator1's condemnation of Iran saved; returns the statement."""
    from annotator.annotation.stances import StanceInput, create_stance

    project, st = demo(session)
    start = st.text.find(PHRASE)
    data = StanceInput(start, start + len(PHRASE), PHRASE, "condemnation", "iran")
    create_stance(session, project, st, get_user(session, "annotator1"), data)
    session.commit()
    return st


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def drag_select(page, phrase):
    box = page.evaluate(FIND_RANGE, phrase)
    assert box, f"{phrase!r} not on the page"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def open_form(session, page, base, phrase):
    """annotator1 on the demo statement, with ``phrase`` drag-selected and the form open."""
    _, st = demo(session)
    log_in(page, base, "annotator1")
    page.goto(f"{base}/p/demo/s/{st.id}")
    drag_select(page, phrase)
    page.wait_for_selector("#stance-form.open")
    return st


def choose_target(page, typed, key):
    page.fill("#target_q", typed)
    page.wait_for_selector(f'#target-options li[data-key="{key}"]')
    page.click(f'#target-options li[data-key="{key}"]')


def stances(session):
    session.commit()  # end the read snapshot so the server's commits are visible
    session.expire_all()
    return session.scalars(select(Stance).order_by(Stance.id)).all()


def test_login_through_the_login_page(session, live_server, page):
    demo(session)
    log_in(page, live_server, "annotator1")
    assert page.locator("h1").inner_text() == "Projects"
    assert "Demo" in page.content()


def test_select_label_target_save_reload(session, live_server, page):
    st = open_form(session, page, live_server, PHRASE)
    assert page.locator("#sel-text").inner_text() == PHRASE
    page.keyboard.press("2")
    assert page.locator("input[name=label][value=condemnation]").is_checked()
    choose_target(page, "Iran", "iran")
    page.click("#stance-form button[type=submit]")
    page.wait_for_selector("#stance-list li.stance")
    assert page.locator("mark.seg.lbl-condemnation").count() >= 1
    assert page.locator("#stance-count").inner_text() == "1"
    assert page.locator("#assignment-state").inner_text() == "in progress"  # was "new"
    saved = stances(session)
    assert [(s.text, s.label.key, s.target.key) for s in saved] == [
        (PHRASE, "condemnation", "iran")
    ]
    assert saved[0].start == st.text.find(PHRASE)
    page.reload()
    assert page.locator("mark.seg.lbl-condemnation").first.is_visible()
    assert PHRASE in page.locator("#stance-list").inner_text()


def test_after_a_save_the_form_closes_empty_for_the_next_stance(session, live_server, page):
    """A create answers only fragments: the script must clear what the last stance used."""
    open_form(session, page, live_server, PHRASE)
    page.keyboard.press("2")
    choose_target(page, "Iran", "iran")
    page.fill("#note", "first")
    page.click("#stance-form button[type=submit]")
    page.wait_for_selector("#stance-form", state="hidden")
    page.wait_for_selector("#stance-list li.stance")
    drag_select(page, "Daesh")
    page.wait_for_selector("#stance-form.open")
    assert page.locator("#sel-text").inner_text() == "Daesh"
    assert page.locator("input[name=label]:checked").count() == 0
    assert page.input_value("#target_q") == "" and page.input_value("#target") == ""
    assert page.input_value("#note") == ""
    page.keyboard.press("1")
    page.click("#stance-form button[type=submit]")
    page.locator("#stance-list li.stance").nth(1).wait_for()
    assert page.locator("#stance-count").inner_text() == "2"
    saved = [(s.text, s.label.key, s.target, s.note) for s in stances(session)]
    assert saved == [(PHRASE, "condemnation", saved[0][2], "first"), ("Daesh", "claim", None, "")]
    assert saved[0][2].key == "iran"


def test_keyboard_edit_then_delete_and_undo(session, live_server, page):
    st = demo_with_stance(session)
    log_in(page, live_server, "annotator1")
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    edit = page.locator("#stance-list a", has_text="Edit")
    edit.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('#stance-form.open[data-mode="edit"]')
    page.locator("input[name=label]:checked").focus()
    page.keyboard.press("3")
    assert page.locator("input[name=label][value=support]").is_checked()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-list .chip.lbl-support")
    assert stances(session)[0].label.key == "support"
    page.locator("#stance-list button", has_text="Delete").click()
    page.wait_for_selector("#stance-list button.undo")
    assert stances(session)[0].deleted_at is not None
    assert page.locator("mark.seg").count() == 0
    page.locator("#stance-list button.undo").click()
    page.wait_for_selector("#stance-list .chip.lbl-support")
    assert stances(session)[0].deleted_at is None
    assert page.locator("mark.seg.lbl-support").count() >= 1


def test_two_contexts_editing_one_stance_conflict(session, live_server, browser):
    st = demo_with_stance(session)
    pages = []
    for _ in range(2):
        context = browser.new_context()
        pg = context.new_page()
        pg.set_default_timeout(10_000)
        log_in(pg, live_server, "annotator1")
        pg.goto(f"{live_server}/p/demo/s/{st.id}")
        pg.locator("#stance-list a", has_text="Edit").click()
        pg.wait_for_selector('#stance-form.open[data-mode="edit"]')
        pages.append(pg)
    first, second = pages
    first.locator("label.lbl-btn", has_text="Claim").click()
    first.click("#stance-form button[type=submit]")
    first.wait_for_selector("#stance-list .chip.lbl-claim")
    second.locator("label.lbl-btn", has_text="Support").click()
    second.fill("#note", "my reasoning")
    with second.expect_response(lambda r: r.request.method == "POST") as info:
        second.click("#stance-form button[type=submit]")
    assert info.value.status == 409
    second.wait_for_selector("#form-error")
    assert "changed elsewhere" in second.locator("#form-error").inner_text()
    assert second.locator("input[name=label][value=claim]").is_checked()
    assert second.locator("#unsaved dd").all_inner_texts() == ["Support", "my reasoning"]
    assert stances(session)[0].label.key == "claim"
    for pg in pages:
        pg.context.close()


MIXED = (
    "Intro 😀 text. Café de l'Unio\u0301n said: الحكومة تدين العدوان على غزة "
    "and more 👩‍👩‍👧 words at the end."
)


@pytest.mark.parametrize("phrase", ["Unio\u0301n said", "تدين العدوان", "👩‍👩‍👧 words", "😀 text"])
def test_offsets_are_code_points_with_emoji_accents_and_arabic(session, live_server, page, phrase):
    project, _ = demo(session)
    import_statements(
        session, project, [StatementRecord(external_id="mixed", text=MIXED, title="Mixed scripts")]
    )
    st = [s for s in list_statements(session, project) if s.external_id == "mixed"][0]
    assign_statement(session, project, st, get_user(session, "annotator1"))
    session.commit()
    log_in(page, live_server, "annotator1")
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    page.evaluate(FIND_RANGE, phrase)
    page.evaluate(SELECT_RANGE)
    page.wait_for_selector("#stance-form.open")
    assert page.locator("#sel-text").inner_text() == phrase
    page.keyboard.press("1")
    page.click("#stance-form button[type=submit]")
    page.wait_for_selector("#stance-list li.stance")
    saved = stances(session)[-1]
    assert (saved.start, saved.end) == (MIXED.find(phrase), MIXED.find(phrase) + len(phrase))
    assert saved.text == phrase


def test_keyboard_only_create(session, live_server, page):
    _, st = demo(session)
    log_in(page, live_server, "annotator1")
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    page.locator("[data-open-form]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#stance-form.open")
    page.keyboard.type(PHRASE)
    page.locator("input[name=label][value=claim]").focus()
    page.keyboard.press("2")
    page.locator("#target_q").focus()
    page.keyboard.type("Tehe")
    page.wait_for_selector('#target-options li[data-key="iran"]')
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")  # picks the highlighted option
    assert page.locator("#target").input_value() == "iran"
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_selector("#stance-list li.stance")
    saved = stances(session)
    assert [(s.text, s.label.key, s.target.key) for s in saved] == [
        (PHRASE, "condemnation", "iran")
    ]


def test_a_missing_target_is_announced_and_focuses_the_target_field(session, live_server, page):
    open_form(session, page, live_server, PHRASE)
    page.keyboard.press("2")  # condemnation requires a target
    page.keyboard.press("Enter")
    page.wait_for_selector("#form-error")
    assert page.locator("#form-error").get_attribute("role") == "alert"
    assert page.locator("#target_q-error").inner_text() == "A condemnation needs a target actor."
    # Focus moves once htmx has settled the swap, a moment after the alert is in the page.
    from playwright.sync_api import expect  # polls with Playwright's own script: CSP allows it

    expect(page.locator("#target_q")).to_be_focused()
    focused = page.evaluate("[document.activeElement.id, document.activeElement.ariaInvalid]")
    assert focused == ["target_q", "true"]
    assert page.locator("input[name=label][value=condemnation]").is_checked()  # choice kept
    assert stances(session) == []


def test_clicking_a_mention_sets_the_target(session, live_server, page):
    open_form(session, page, live_server, "heinous terror attacks")
    mention = page.locator('#text .seg.mention[data-actor="daesh"]').last
    mention.click()
    assert page.locator("#target").input_value() == "daesh"
    assert page.locator("#target_q").input_value() == "Islamic State (Daesh)"


def test_edit_boundaries_by_selecting_again(session, live_server, page):
    st = demo_with_stance(session)
    log_in(page, live_server, "annotator1")
    page.goto(f"{live_server}/p/demo/s/{st.id}")
    page.locator("#stance-list a", has_text="Edit").click()
    page.wait_for_selector('#stance-form.open[data-mode="edit"]')
    wider = "The Revolutionary Communist International Tendency (RCIT) " + PHRASE
    page.evaluate(FIND_RANGE, wider)
    page.evaluate(SELECT_RANGE)
    assert page.locator("#sel-text").inner_text() == wider
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click("#stance-form button[type=submit]")
    assert info.value.status == 200
    saved = stances(session)[0]
    assert (saved.start, saved.text, saved.version) == (st.text.find(wider), wider, 2)
