"""Retake docs/screenshot.png: the demo statement with two stances and the form open.

Usage:  python docs/screenshot.py   (needs Debian's /usr/bin/chromium and the test extra)
        python docs/screenshot.py --relations [OUT]   the statement with three stances and two
        relations drawn as arcs, and the link picker open (default docs/screenshot-relations.png)
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from annotator import create_app
from annotator.accounts.users import get_user
from annotator.annotation.relations import RelationInput, create_relation
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
# With --relations: one more stance, and (from, to, type) between the stances by index.
ARGUMENT = ("support for the rebels in Syria", "support", "syria-rebels")
RELATIONS = ((2, 0, "supports"), (1, 0, "attacks"))


def demo_app(relations: bool = False):
    url = f"sqlite:///{tempfile.mkdtemp()}/shot.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "screenshot"})
    upgrade_schema(db.engine)
    with app.app_context():
        load_demo(db.session, "annotate", method="pbkdf2:sha256:1000")
        project = get_project(db.session, "demo")
        statement = list_statements(db.session, project)[0]
        user = get_user(db.session, "annotator1")
        made = []
        for phrase, label, target in STANCES + ((ARGUMENT,) if relations else ()):
            start = statement.text.index(phrase)
            data = StanceInput(start, start + len(phrase), phrase, label, target)
            made.append(create_stance(db.session, project, statement, user, data))
        for source, target, kind in RELATIONS if relations else ():
            data = RelationInput(made[source].id, made[target].id, kind)
            create_relation(db.session, project, statement, user, data)
        db.session.commit()
        return app, statement.id


def main() -> None:
    if "--relations" in sys.argv:
        rest = [a for a in sys.argv[1:] if a != "--relations"]
        relations_shot(Path(rest[0]) if rest else OUT.with_name("screenshot-relations.png"))
        return
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


def relations_shot(out: Path) -> None:
    """The demo statement with its two relations drawn, and the picker open from a third stance."""
    app, statement_id = demo_app(relations=True)
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
        page.wait_for_selector("#rel-arcs g.rel-arc")
        page.locator("#stance-list li.stance a.link-to").nth(1).click()
        page.wait_for_selector("#rel-targets")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out), full_page=True)
        browser.close()
    server.shutdown()
    print(f"wrote {out}")


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
