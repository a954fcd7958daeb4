"""The statement page with 200 suggestions against the same page without them, in one run.

Two copies of the statement of bench/workspace_bench.py (20,000 characters; the copy's last
character differs, as an import skips a text it holds), each with the same 500 stances of
bench0; the second also holds 200 suggestions of an external
recommender at random word spans (none at a stance's span, so all 200 are shown). The page
of each is then loaded by one keep-alive client, alternately, 200 times each, over
``annotator serve``: the two medians are measured under the same load. Target: the page with
suggestions within 1.3 x the page without them (p50).

Usage:  python bench/suggest_workspace_bench.py [--database-url URL] [--workers 2] [--threads 2]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workspace_bench as wb  # noqa: E402

ROUNDS = 200
SUGGESTIONS = 200


def build(url: str) -> tuple[int, int]:
    """The statement of workspace_bench and a copy of it; 200 suggestions on the copy."""
    from annotator import create_app
    from annotator.extensions import db
    from annotator.formats.statement_readers import StatementRecord
    from annotator.models import Statement
    from annotator.projects.assignments import assign_statement
    from annotator.projects.projects import get_project
    from annotator.statements.statements import import_statements, list_statements

    plain = wb.build(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_METHOD": "pbkdf2"})
    with app.app_context():
        session = db.session
        project = get_project(session, "demo")
        original = session.get(Statement, plain)
        text = original.text[:-1] + "!"
        record = StatementRecord(
            external_id="big-suggested", text=text, title="Benchmark statement (2)",
            organization=original.organization,
        )  # fmt: skip
        import_statements(session, project, [record])
        copy = [s for s in list_statements(session, project) if s.external_id == "big-suggested"]
        user = _user(session, "bench0")
        assign_statement(session, project, copy[0], user)
        wb._stances(session, project, copy[0], user)  # the same 500 stances (same seed)
        _suggestions(session, project, copy[0])
        session.commit()
        return plain, copy[0].id


def _user(session, username):
    from annotator.accounts.users import get_user

    return get_user(session, username)


def _suggestions(session, project, statement) -> None:
    """200 suggestions of an external model at word spans no stance of bench0 covers."""
    from sqlalchemy import select

    from annotator.models import Actor, Stance
    from annotator.suggestions.proposals import Proposal, store_suggestions
    from annotator.suggestions.recommenders import RecommenderInput, create_recommender

    data = RecommenderInput(name="model", kind="external", settings={"url": "http://127.0.0.1:9"})
    recommender = create_recommender(session, project, None, data)
    taken = set(session.execute(select(Stance.start, Stance.end).where(
        Stance.statement_id == statement.id)).all())  # fmt: skip
    labels = [label.id for label in project.labels]
    actors = session.scalars(select(Actor.id).where(Actor.project_id == project.id)).all()
    spans, rnd, proposals = wb.words(statement.text), random.Random(11), {}
    while len(proposals) < SUGGESTIONS:
        i = rnd.randrange(len(spans) - 8)
        span = (spans[i][0], spans[i + rnd.randint(0, 6)][1])
        if span not in taken:
            proposals[span] = Proposal(
                *span, rnd.choice(labels), round(rnd.uniform(0.3, 1), 2), rnd.choice(actors)
            )
    store_suggestions(session, recommender, statement, "m1", proposals.values())


def alternate(port: int, plain: int, suggested: int) -> dict:
    """One client loading the two pages in turn; p50 and p95 of each, and the ratio."""
    client = wb.Client(port, "bench0")
    paths = {"without": f"/p/demo/s/{plain}", "with": f"/p/demo/s/{suggested}"}
    pages = {k: client.request("GET", p) for k, p in paths.items()}
    assert pages["with"].count('class="sugg lbl-') == SUGGESTIONS, "not every suggestion shown"
    assert "sugg lbl-" not in pages["without"]
    times: dict[str, list[float]] = {"without": [], "with": []}
    for _ in range(ROUNDS):
        for key, path in paths.items():
            t = time.perf_counter()
            client.request("GET", path)
            times[key].append((time.perf_counter() - t) * 1000)
    figures = {}
    for key, values in times.items():
        figures[f"page_{key}_p50_ms"] = statistics.median(values)
        figures[f"page_{key}_p95_ms"] = wb.pct(values, 95)
        figures[f"page_{key}_kb"] = len(pages[key]) / 1024
    figures["ratio_p50"] = figures["page_with_p50_ms"] / figures["page_without_p50_ms"]
    return figures


def main() -> None:
    args = wb.options(__doc__)
    plain, suggested = build(args.url)
    with wb.serving(args.url, args.workers, args.threads) as server:
        figures = alternate(server.port, plain, suggested)
    title = (
        f"{args.db}, {args.workers} workers x {args.threads} threads, 20,000 chars, "
        f"500 stances, {SUGGESTIONS} suggestions vs none"
    )
    wb.report(title, figures)
    ratio = figures["ratio_p50"]
    print(f"  target: ratio_p50 {ratio:.2f} <= 1.3: {'met' if ratio <= 1.3 else 'MISSED'}")


if __name__ == "__main__":
    main()
