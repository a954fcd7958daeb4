"""Retake the README screenshots of the demo (needs Debian's /usr/bin/chromium and the test extra).

Usage:  python docs/screenshot.py                    docs/screenshot.png: two stances, the form open
        python docs/screenshot.py --relations [OUT]  three stances, two relations drawn as arcs,
                                                     the link picker open
        python docs/screenshot.py --review [OUT]     the side-by-side review of two annotators
        python docs/screenshot.py --agreement [OUT]  the agreement page for them
Without OUT, the shot goes to docs/screenshot-<name>.png.
"""

from __future__ import annotations

import sys
import tempfile
import threading
from contextlib import contextmanager
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
# annotator2 with --review/--agreement: the same spans, a different label on the second.
SECOND = (STANCES[0], ("Daesh", "claim", "daesh"))


def demo_app(relations: bool = False, second: bool = False):
    """The demo with annotator1's stances (and relations); ``second`` adds annotator2's, which
    differ in one label and one relation type, so review and agreement have something to show."""
    url = f"sqlite:///{tempfile.mkdtemp()}/shot.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "screenshot"})
    upgrade_schema(db.engine)
    with app.app_context():
        load_demo(db.session, "annotate", method="pbkdf2:sha256:1000")
        project = get_project(db.session, "demo")
        statement = list_statements(db.session, project)[0]
        annotate(project, statement, "annotator1", STANCES, relations)
        if second:
            annotate(project, statement, "annotator2", SECOND, relations, kinds=("attacks",) * 2)
        db.session.commit()
        return app, statement.id


def annotate(project, statement, username, stances, relations, kinds=None) -> None:
    """One annotator's stances (plus the argument stance and its relations)."""
    user = get_user(db.session, username)
    made = []
    for phrase, label, target in stances + ((ARGUMENT,) if relations else ()):
        start = statement.text.index(phrase)
        data = StanceInput(start, start + len(phrase), phrase, label, target)
        made.append(create_stance(db.session, project, statement, user, data))
    for i, (source, target, kind) in enumerate(RELATIONS if relations else ()):
        data = RelationInput(made[source].id, made[target].id, kinds[i] if kinds else kind)
        create_relation(db.session, project, statement, user, data)


@contextmanager
def logged_in(app, username: str, height: int = 1250):
    """A served app and a Chromium page logged in as ``username``; yields (page, base URL)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": height})
        page.goto(f"{base}/login")
        page.fill("#username", username)
        page.fill("#password", "annotate")
        page.click("button[type=submit]")
        try:
            yield page, base
        finally:
            browser.close()
            server.shutdown()


def main() -> None:
    args = sys.argv[1:]
    for flag, shot in SHOTS.items():
        if flag in args:
            rest = [a for a in args if a != flag]
            out = Path(rest[0]) if rest else OUT.with_name(f"screenshot-{flag[2:]}.png")
            shot(out)
            print(f"wrote {out}")
            return
    annotation_shot(OUT)
    print(f"wrote {OUT}")


def annotation_shot(out: Path) -> None:
    """The statement with two stances and the stance form open on a third."""
    app, statement_id = demo_app()
    with logged_in(app, "annotator1") as (page, base):
        page.goto(f"{base}/p/demo/s/{statement_id}")
        page.evaluate(SELECT, "support for the rebels in Syria")
        page.wait_for_selector("#stance-form.open")
        page.keyboard.press("3")
        page.fill("#target_q", "rebels")
        page.wait_for_selector("#target-options li[role=option]")
        page.evaluate("window.scrollTo(0, 0)")  # the sticky side panel then sits at the top
        page.screenshot(path=str(out), full_page=True)


def relations_shot(out: Path) -> None:
    """The demo statement with its two relations drawn, and the picker open from a third stance."""
    app, statement_id = demo_app(relations=True)
    with logged_in(app, "annotator1") as (page, base):
        page.goto(f"{base}/p/demo/s/{statement_id}")
        page.wait_for_selector("#rel-arcs g.rel-arc")
        page.locator("#stance-list li.stance a.link-to").nth(1).click()
        page.wait_for_selector("#rel-targets")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out), full_page=True)


def review_shot(out: Path) -> None:
    """The reviewer's side-by-side page: two annotators who differ in a label and a relation."""
    app, statement_id = demo_app(relations=True, second=True)
    with logged_in(app, "reviewer", height=1100) as (page, base):
        page.goto(f"{base}/p/demo/review/s/{statement_id}")
        page.screenshot(path=str(out), full_page=True)


def agreement_shot(out: Path) -> None:
    """The agreement page for the same two annotators."""
    app, _ = demo_app(relations=True, second=True)
    with logged_in(app, "reviewer", height=1000) as (page, base):
        page.goto(f"{base}/p/demo/review/agreement")
        page.get_by_role("link", name="Include unfinished statements").click()
        page.wait_for_load_state()
        page.screenshot(path=str(out), full_page=True)


SHOTS = {
    "--relations": relations_shot,
    "--review": review_shot,
    "--agreement": agreement_shot,
}


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
