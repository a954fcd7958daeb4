"""The lead's pages in a real browser: boosted forms, 422 swaps, CSP-clean SVG chart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import GuidelinesVersion, Label

from .factories import PASSWORD
from .workspace_helpers import demo

pytestmark = pytest.mark.browser


def log_in(page, base, username):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def watch_console(page) -> list[str]:
    """Collect console errors such as CSP violations (a refused 422 form is expected)."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and "status of 422" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    return errors


def test_label_editor_refuses_then_adds(session, live_server, page):
    demo(session)
    errors = watch_console(page)
    log_in(page, live_server, "lead")
    page.goto(f"{live_server}/p/demo/")
    page.click("nav.manage >> text=Labels")
    page.wait_for_url(f"{live_server}/p/demo/labels")
    page.fill("#key", "irony")
    page.fill("#name", "Irony")
    page.select_option("#hotkey", "1")  # taken by Claim
    page.click("text=Add label")
    page.wait_for_selector("text=Hotkey 1 is already used by 'Claim'.")
    assert page.input_value("#key") == "irony"  # what the lead typed survives
    page.select_option("#hotkey", "7")
    page.click("text=Add label")
    page.wait_for_selector("#label-irony")
    session.commit()
    label = session.scalar(select(Label).where(Label.key == "irony"))
    assert label.hotkey == "7" and label.name == "Irony"
    assert not errors, errors


def test_guidelines_and_progress_pages(session, live_server, page):
    demo(session)
    errors = watch_console(page)
    log_in(page, live_server, "lead")
    page.goto(f"{live_server}/p/demo/guidelines/edit")
    page.fill("#body", "# Mark stances\n\n<script>window.pwned = 1</script>")
    page.click("text=Save as new version")
    page.wait_for_selector("text=Saved as version 1.")
    assert page.evaluate("window.pwned") is None
    assert page.locator(".guidelines h1").inner_text() == "Mark stances"
    page.click("nav.manage >> text=Progress")
    page.wait_for_selector("figure.chart svg rect", state="attached")
    assert page.locator("figure.chart rect").count() == 4  # a bar per label, premise too
    session.commit()
    assert session.scalar(select(GuidelinesVersion.version)) == 1
    assert not errors, errors
