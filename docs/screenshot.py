"""Retake docs/screenshot.png: the demo statement with two stances and the form open.

Usage:  python docs/screenshot.py   (needs Debian's /usr/bin/chromium and the test extra)
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from annotator import create_app
from annotator.accounts.users import get_user
from annotator.annotation.stances import StanceInput, create_stance
from annotator.db.migrate import upgrade_schema
from annotator.demo import load_demo
from annotator.extensions import db
from annotator.projects.projects import get_project
from annotator.statements.statements import list_statements

OUT = Path(__file__).with_name("screenshot.png")
STANCES = (
    ("condemns the reactionary aggression of Iran", "condemnation", "iran"),
    ("Daesh", "condemnation", "daesh"),
)


def demo_app():
    url = f"sqlite:///{tempfile.mkdtemp()}/shot.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "screenshot"})
    upgrade_schema(db.engine)
    with app.app_context():
        load_demo(db.session, "annotate", method="pbkdf2:sha256:1000")
        project = get_project(db.session, "demo")
        statement = list_statements(db.session, project)[0]
        user = get_user(db.session, "annotator1")
        for phrase, label, target in STANCES:
            start = statement.text.index(phrase)
            data = StanceInput(start, start + len(phrase), phrase, label, target)
            create_stance(db.session, project, statement, user, data)
        db.session.commit()
        return app, statement.id


def main() -> None:
    app, statement_id = demo_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1250})
        page.goto(f"{base}/login")
        page.fill("#username", "annotator1")
        page.fill("#password", "annotate")
        page.click("button[type=submit]")
        page.goto(f"{base}/p/demo/s/{statement_id}")
        page.evaluate(SELECT, "support for the rebels in Syria")
        page.wait_for_selector("#stance-form.open")
        page.keyboard.press("3")
        page.fill("#target_q", "rebels")
        page.wait_for_selector("#target-options li[role=option]")
        page.evaluate("window.scrollTo(0, 0)")  # the sticky side panel then sits at the top
        page.screenshot(path=str(OUT), full_page=True)
        browser.close()
    server.shutdown()
    print(f"wrote {OUT}")


# Selects a phrase of the statement as a user's drag would, then lets the page react.
SELECT = """(phrase) => {
  const segs = Array.from(document.querySelectorAll('#text .seg'));
  const full = segs.map(s => s.textContent).join('');
  const at = full.indexOf(phrase);
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
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
}"""


if __name__ == "__main__":
    main()
