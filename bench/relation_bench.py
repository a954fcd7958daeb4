"""Relations in the workspace: page render and create latency over HTTP, against their baselines.

Builds the 20,000-character statement of ``workspace_bench.py`` and gives two annotators the
same 500 stances (nested and overlapping ones included); the second also links 300 pairs of
them (random pairs and types). Against ``annotator serve`` (2 workers x 2 threads), measured
in one run, requests alternating so both columns see the same machine:

- page render: GET of the statement page, 500 stances with 300 relations against 500 stances
  without (p50/p99 of 150 loads each);
- create: htmx POST of a new relation (by the annotator with the relations) against an htmx
  POST of a new stance (by the other annotator) on the same statement (p50/p99 of 200 each).

Usage:  python bench/relation_bench.py [--database-url URL] [--workers 2] [--threads 2]
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workspace_bench as wb  # noqa: E402 - the shared statement, client and server helpers

RELATIONS = 300
PAGES = 150
CREATES = 200


def build(url: str) -> int:
    """The statement with bench0's 500 stances (wb.build), bench1's copy and 300 relations."""
    statement_id = wb.build(url)
    from annotator import create_app
    from annotator.accounts.users import get_user
    from annotator.annotation.relations import RelationInput, create_relation
    from annotator.extensions import db
    from annotator.projects.projects import get_project
    from annotator.statements.statements import get_statement

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        session = db.session
        project = get_project(session, "demo")
        st = get_statement(session, project, statement_id)
        user = get_user(session, "bench1")
        wb._stances(session, project, st, user)  # the same random spans as bench0's
        session.flush()
        ids = _stance_ids(session, st.id, user.id)
        rnd, made = random.Random(3), set()
        while len(made) < RELATIONS:
            a, b = rnd.sample(ids, 2)
            kind = rnd.choice(["supports", "attacks"])
            if (a, b, kind) not in made:
                create_relation(session, project, st, user, RelationInput(a, b, kind))
                made.add((a, b, kind))
        session.commit()
    return statement_id


def _stance_ids(session, statement_id: int, user_id: int) -> list[int]:
    from sqlalchemy import select

    from annotator.models import Stance

    query = select(Stance.id).where(
        Stance.statement_id == statement_id, Stance.annotator_id == user_id
    )
    return list(session.scalars(query))


def measure(port: int, statement_id: int, text: str) -> dict:
    """Alternate the page loads and the creates of the two annotators; p50/p99 of each."""
    path = f"/p/demo/s/{statement_id}"
    plain, linked = wb.Client(port, "bench0"), wb.Client(port, "bench1")
    page = linked.request("GET", path)
    assert page.count('class="relation"') == RELATIONS and 'id="relation-list"' in page
    times: dict[str, list[float]] = {k: [] for k in ("page", "page_rel", "stance", "relation")}
    for _ in range(PAGES):
        times["page"] += wb.timed(lambda: plain.request("GET", path), 1)
        times["page_rel"] += wb.timed(lambda: linked.request("GET", path), 1)
    headers = {"HX-Request": "true", "X-CSRFToken": plain.csrf(plain.request("GET", path))}
    rel_headers = {"HX-Request": "true", "X-CSRFToken": linked.csrf(page)}
    spans, rnd = wb.words(text), random.Random(1)
    pairs = _new_pairs(page, CREATES)
    for pair in pairs:
        body = wb.save_body(text, spans, rnd)
        form = urlencode({"from_stance": pair[0], "to_stance": pair[1], "type": pair[2]})
        times["stance"].append(_once(plain, f"{path}/stances", body, headers))
        times["relation"].append(_once(linked, f"{path}/relations", form, rel_headers))
    figures = {"page_bytes_without": len(plain.request("GET", path)), "page_bytes_with": len(page)}
    for key, values in times.items():
        figures[f"{key}_p50"] = wb.pct(values, 50)
        figures[f"{key}_p99"] = wb.pct(values, 99)
    figures["page_ratio_p50"] = figures["page_rel_p50"] / figures["page_p50"]
    figures["create_ratio_p50"] = figures["relation_p50"] / figures["stance_p50"]
    return figures


def _once(client, path: str, body: str, headers: dict) -> float:
    """One htmx POST, in milliseconds."""
    return wb.timed(lambda: client.request("POST", path, body, headers), 1)[0]


def _new_pairs(page: str, n: int) -> list[tuple[str, str, str]]:
    """(from, to, type) triples not linked yet, from the stance ids on the page."""
    ids = sorted(set(re.findall(r'<li id="stance-(\d+)"', page)))
    taken = set(re.findall(r'data-from="(\d+)" data-to="(\d+)" data-type="(\w+)"', page))
    rnd, out = random.Random(11), []
    while len(out) < n:
        a, b = rnd.sample(ids, 2)
        triple = (a, b, rnd.choice(["supports", "attacks"]))
        if triple not in taken:
            taken.add(triple)
            out.append(triple)
    return out


def main() -> None:
    args = wb.options(__doc__)
    statement_id = build(args.url)
    text = wb.statement_text(args.url, statement_id)
    with wb.serving(args.url, args.workers, args.threads) as server:
        figures = measure(server.port, statement_id, text)
    title = (
        f"{args.db}, {args.workers} workers x {args.threads} threads, 20,000 chars, "
        f"500 stances, {RELATIONS} relations"
    )
    wb.report(title, figures)


if __name__ == "__main__":
    main()
