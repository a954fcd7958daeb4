"""The yardstick project, built in bulk and measured over HTTP page by page.

Builds, at ``--scale 1``, 100,000 statements of 1-20 kB in several scripts (through the real
import service; the search index job is run before measuring), 100 annotators with each statement
assigned to 2, 1,000,000 stances, 300,000 relations, 5,000 actors with 20,000 aliases and
10,000 gold statements; the demo project sits beside it as the small yardstick. Then it
starts ``annotator serve`` and measures every page a user opens (p50/p95/p99, sequentially and
with 16 clients), against the same page of the demo project in the same run, plus the worker
RSS. ``--scale 0.1`` builds a tenth of everything.

The demo holds one statement, so a list page there shows 1-3 rows where the full size shows a
page of 20-100. ``--yardstick 0.01`` (the default; 0 for none) builds a third project,
``small``, a hundredth of the full size (1,000 statements, 50 actors, pages full), and
measures every page on it too: the ratio full size / small is what the project's size alone
costs a page (a hundred times more of everything, the same rows shown). A kept build without
it gains it on the next run.

Usage:  python bench/scale.py [--scale 0.1] [--database-url URL] [--requests 20]
        [--pages 'review queue,progress']  (only these pages)
        [--keep /tmp/full.json]  (build once; later runs with it measure the kept data)
        [--yardstick 0.01]  (the size of the full-page small project; 0: none)
Targets: every page p95 < 150 ms sequentially at full size and within 2x its demo p95; a
search over 100,000 statements p95 < 100 ms; worker RSS < 300 MB. The ratio to ``small`` is
reported beside them (no target names it).
PostgreSQL: pass a URL of a scratch database; its public schema is dropped and recreated.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workspace_bench import CLIENTS, PASSWORD, Client, pct, serving  # noqa: E402

# Words of several scripts, so the search index and the pages see more than ASCII.
SCRIPTS = (
    "regime strikes Teheran condemn support workers imperialism solidarity missile rebels "
    "government Kurdish Baloch Syria Idlib résistance Zürich",
    "режим удары поддержка рабочие солидарность правительство",
    "داعش النظام الضربات الدعم العمال التضامن الحكومة",
    "政权 打击 支持 工人 团结 政府 导弹",
)
FULL = {
    "statements": 100_000,
    "annotators": 100,
    "stances": 1_000_000,
    "relations": 300_000,
    "actors": 5_000,
    "aliases": 20_000,
    "gold": 10_000,
}
HASH = "pbkdf2:sha256:1000"
SMALL = "small"  # the full-page small project's slug
BATCH = 5_000


def sizes(scale: float) -> dict[str, int]:
    return {k: max(2, int(v * scale)) for k, v in FULL.items()}


def make_text(rng: random.Random, size: int) -> str:
    words = [w for s in SCRIPTS for w in s.split()]
    out, length = [], 0
    while length < size:
        word = rng.choice(words)
        out.append(word + ("\n\n" if rng.random() < 0.02 else ""))
        length += len(word) + 1
    return " ".join(out)[:size]


def build(url: str, n: dict[str, int], small: dict[str, int] | None = None) -> dict:
    """Create the demo, the scale project and (``small``: its sizes) the full-page small
    project through bulk paths; returns ids for the pages."""
    from sqlalchemy import text

    from annotator import create_app
    from annotator.db.migrate import upgrade_schema
    from annotator.demo import load_demo
    from annotator.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_METHOD": HASH})
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(db.engine)
    with app.app_context():
        session = db.session
        load_demo(session, PASSWORD, method=HASH)
        session.commit()
        ids = _scale_project(session, n)
        session.commit()
        if small:
            ids["small_gold"] = _scale_project(session, small, SMALL)["gold"]
            session.commit()
    # What the index job does after an import's commit, done here so the pages are measured
    # with every statement searchable (the job would run in the served workers meanwhile).
    from annotator.jobs.search_index import index_all

    index_all(app)
    settle(db.engine)
    db.engine.dispose()
    return ids


def settle(engine) -> None:
    """What autovacuum (PostgreSQL) or a periodic ANALYZE does after a bulk load: statistics
    (without them PostgreSQL guessed 6 statements per project) and, on PostgreSQL, GIN
    pending lists merged into their indexes (until then the planner priced the actor search's
    trigram index above reading every alias)."""
    from sqlalchemy import text

    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def add_small(url: str, small: dict[str, int]) -> int:
    """Add the full-page small project to a kept build that lacks it; its gold statement."""
    from annotator import create_app
    from annotator.extensions import db
    from annotator.jobs.search_index import index_all

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_METHOD": HASH})
    with app.app_context():
        gold = _scale_project(db.session, small, SMALL)["gold"]
        db.session.commit()
    index_all(app)
    settle(db.engine)
    db.engine.dispose()
    return gold


def _scale_project(session, n: dict[str, int], slug: str = "scale") -> dict:
    from annotator.accounts.tokens import create_token
    from annotator.accounts.users import create_user, find_user
    from annotator.projects.projects import create_project, set_member

    project = create_project(session, slug, slug.title())
    set_member(session, project, find_user(session, "lead"), "lead")
    set_member(session, project, find_user(session, "reviewer"), "reviewer")
    annotators = []
    for k in range(n["annotators"]):
        name = f"ann{k}" if slug == "scale" else f"{slug}-ann{k}"
        user = create_user(session, name, PASSWORD, method=HASH)
        set_member(session, project, user, "annotator")
        annotators.append(user.id)
    set_member(session, project, find_user(session, "annotator1"), "annotator")
    session.flush()
    actors = _actors(session, project, n)
    _statements(session, project, n)
    _assignments(session, project, annotators, find_user(session, "annotator1").id)
    _stances(session, project, n, actors)
    _relations(session, project, n)
    gold = _gold(session, project, n, actors)
    token = create_token(session, find_user(session, "lead"), "bench")[1]
    return {"project": project.id, "gold": gold, "token": token}


def _bar(label: str, length: int):
    return click.progressbar(length=length, label=f"{label:<12}", file=sys.stderr, width=30)


def _insert(session, table, rows: list[dict], bar) -> None:
    from annotator.db.bulk import insert_rows

    for k in range(0, len(rows), BATCH):
        insert_rows(session, table, rows[k : k + BATCH])
        bar.update(len(rows[k : k + BATCH]))


def _actors(session, project, n) -> list[int]:
    from sqlalchemy import select

    from annotator.models import Actor, ActorAlias, utcnow

    now = utcnow()
    rows = [
        dict(project_id=project.id, key=f"actor-{k}", type="party", status="approved",
             name=f"Actor {k} {SCRIPTS[k % 4].split()[k % 5]}", created_at=now)
        for k in range(n["actors"])
    ]  # fmt: skip
    with _bar("actors", len(rows)) as bar:
        _insert(session, Actor.__table__, rows, bar)
    ids = list(session.scalars(select(Actor.id).where(Actor.project_id == project.id)))
    aliases = [
        dict(actor_id=ids[k % len(ids)], alias=f"alias {k}", normalized=f"alias {k}")
        for k in range(n["aliases"])
    ]
    with _bar("aliases", len(aliases)) as bar:
        _insert(session, ActorAlias.__table__, aliases, bar)
    return ids


def _statements(session, project, n) -> None:
    from annotator.formats.statement_readers import StatementRecord
    from annotator.statements.statements import import_statements

    rng = random.Random(0)
    pool = [make_text(rng, rng.randint(1_000, 20_000)) for _ in range(300)]
    orgs = ("RCIT", "SPD", "Party of Labour", None)

    def records():
        for k in range(n["statements"]):
            text = f"Statement {k}. " + pool[k % len(pool)]
            yield StatementRecord(
                external_id=f"s{k:06d}", text=text,
                title=f"Statement {k} on {rng.choice(SCRIPTS[0].split())}",
                organization=orgs[k % 4], date=f"20{10 + k % 15}-{1 + k % 12:02d}-{1 + k % 28:02d}",
            )  # fmt: skip

    with _bar("statements", n["statements"]) as bar:
        import_statements(session, project, records(), progress=bar.update)


def _statement_ids(session, project) -> list[int]:
    from sqlalchemy import select

    from annotator.models import Statement

    query = select(Statement.id).where(Statement.project_id == project.id).order_by(Statement.id)
    return list(session.scalars(query))


def _assignments(session, project, annotators: list[int], demo_annotator: int) -> None:
    """Each statement to 2 annotators, round robin; annotator1 of the demo gets a share too."""
    from annotator.models import Assignment, utcnow

    now, rows = utcnow(), []
    people = [*annotators, demo_annotator]
    for k, sid in enumerate(_statement_ids(session, project)):
        for a in (people[k % len(people)], people[(k + 1) % len(people)]):
            state = "done" if k % 3 == 0 else ("in_progress" if k % 3 == 1 else "new")
            rows.append(
                dict(statement_id=sid, annotator_id=a, state=state, active=True, updated_at=now)
            )
    with _bar("assignments", len(rows)) as bar:
        _insert(session, Assignment.__table__, rows, bar)


def _stances(session, project, n, actors: list[int]) -> None:
    from sqlalchemy import select

    from annotator.models import Assignment, Label, Stance, Statement, utcnow

    labels = list(session.scalars(select(Label.id).where(Label.project_id == project.id)))
    pairs = session.execute(
        select(Assignment.statement_id, Assignment.annotator_id, func_length(Statement.text))
        .join(Statement)
        .where(Statement.project_id == project.id)
    ).all()
    per_pair = max(1, n["stances"] // len(pairs))
    rng, now, rows = random.Random(1), utcnow(), []
    for sid, aid, length in pairs:
        for _ in range(per_pair):
            start = rng.randrange(0, max(1, length - 60))
            rows.append(
                dict(statement_id=sid, annotator_id=aid, is_gold=False, start=start, end=start + 40,
                     text="x" * 40, label_id=rng.choice(labels), target_id=rng.choice(actors),
                     holder_id=None, note="", version=1, created_at=now, updated_at=now)
            )  # fmt: skip
    with _bar("stances", len(rows)) as bar:
        _insert(session, Stance.__table__, rows, bar)


def func_length(column):
    from sqlalchemy import func

    return func.length(column)


def _relations(session, project, n) -> None:
    """Links between consecutive stances of one annotator on one statement."""
    from sqlalchemy import select

    from annotator.models import Relation, RelationType, Stance, Statement, utcnow

    types = list(
        session.scalars(select(RelationType.id).where(RelationType.project_id == project.id))
    )
    stances = session.execute(
        select(Stance.id, Stance.statement_id, Stance.annotator_id)
        .join(Statement)
        .where(Statement.project_id == project.id, Stance.is_gold.is_(False))
        .order_by(Stance.statement_id, Stance.annotator_id, Stance.id)
    ).all()
    now, rows = utcnow(), []
    for a, b in zip(stances, stances[1:], strict=False):
        if len(rows) >= n["relations"]:
            break
        if a[1:] == b[1:]:
            rows.append(
                dict(statement_id=a[1], annotator_id=a[2], is_gold=False, type_id=types[a[0] % 2],
                     from_stance_id=a[0], to_stance_id=b[0], note="", version=1,
                     created_at=now, updated_at=now, deleted_with_stance=False)
            )  # fmt: skip
    with _bar("relations", len(rows)) as bar:
        _insert(session, Relation.__table__, rows, bar)


def _gold(session, project, n, actors: list[int]) -> int:
    """Gold stances on the first statements, marked reviewed; returns one for the review page."""
    from sqlalchemy import select, update

    from annotator.models import Label, Stance, Statement, utcnow

    label = session.scalar(select(Label.id).where(Label.project_id == project.id))
    ids = _statement_ids(session, project)[: n["gold"]]
    now = utcnow()
    rows = [
        dict(statement_id=sid, annotator_id=None, is_gold=True, start=0, end=9, text="Statement",
             label_id=label, target_id=actors[0], holder_id=None, note="", version=1,
             created_at=now, updated_at=now)
        for sid in ids
    ]  # fmt: skip
    with _bar("gold", len(rows)) as bar:
        _insert(session, Stance.__table__, rows, bar)
    session.execute(update(Statement).where(Statement.id.in_(ids[:BATCH])).values(reviewed_at=now))
    return ids[-1]


def pages(slug: str, statement_id: int, review_id: int) -> dict[str, tuple[str, str]]:
    """Every page a user opens: name -> (who, path)."""
    return {
        "queue": ("annotator1", f"/p/{slug}/"),
        "statement": ("annotator1", f"/p/{slug}/s/{statement_id}"),
        "statement list + search": ("lead", f"/p/{slug}/statements/?q=regime+strikes"),
        "statement list": ("lead", f"/p/{slug}/statements/?sort=-id"),
        "progress": ("lead", f"/p/{slug}/progress"),
        "assignments": ("lead", f"/p/{slug}/assignments"),
        "review queue": ("reviewer", f"/p/{slug}/review/"),
        "review page": ("reviewer", f"/p/{slug}/review/s/{review_id}"),
        "agreement": ("reviewer", f"/p/{slug}/review/agreement"),
        "actors + search": ("lead", f"/p/{slug}/actors/?q=actor+1"),
        "export page": ("lead", f"/p/{slug}/export/"),
        "api statements": ("token", f"/api/v1/projects/{slug}/statements"),
        "api actors": ("token", f"/api/v1/projects/{slug}/actors"),
        "api assignments": ("token", f"/api/v1/projects/{slug}/assignments"),
    }


class TokenClient(Client):
    def __init__(self, port: int, token: str):  # noqa: D107 - no login: a bearer token
        import http.client

        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie, self.token = "", token

    def request(self, method, path, body=None, headers=None, expect=200) -> str:
        return super().request(
            method, path, body, {**(headers or {}), "Authorization": f"Bearer {self.token}"}, expect
        )


def client_for(port: int, who: str, token: str) -> Client:
    return TokenClient(port, token) if who == "token" else Client(port, who)


def measure(port: int, name: str, who: str, path: str, token: str, n: int) -> dict:
    """``n`` sequential loads after one warm-up: p50/p95/p99 in ms and the page's bytes."""
    client = client_for(port, who, token)
    try:
        body = client.request("GET", path)
    except RuntimeError as err:
        return {"page": name, "error": str(err)[:120]}
    times = []
    for _ in range(n):
        t = time.perf_counter()
        client.request("GET", path)
        times.append((time.perf_counter() - t) * 1000)
    return {"page": name, "bytes": len(body), **{f"p{q}": pct(times, q) for q in (50, 95, 99)}}


def _hammer(args) -> list[float]:
    port, who, path, token, seconds = args
    client, times = client_for(port, who, token), []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        client.request("GET", path)
        times.append((time.perf_counter() - t) * 1000)
    return times


def concurrent(port: int, who: str, path: str, token: str, seconds: float) -> dict:
    with mp.Pool(CLIENTS) as pool:
        runs = pool.map(_hammer, [(port, who, path, token, seconds)] * CLIENTS)
    times = [t for run in runs for t in run]
    return {"p50_16": pct(times, 50), "p95_16": pct(times, 95), "p99_16": pct(times, 99)}


def worker_rss_mb(pid: int) -> float:
    """The largest resident set among the server's worker processes."""
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = [int(p) for p in f.read().split()]
    sizes = []
    for child in children or [pid]:
        with open(f"/proc/{child}/status") as f:
            line = next(x for x in f if x.startswith("VmRSS"))
        sizes.append(int(line.split()[1]) / 1024)
    return max(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="per page with 16 clients")
    parser.add_argument("--concurrent", default="statement,statement list + search,queue")
    parser.add_argument("--pages", help="only these pages (comma-separated names), not all")
    parser.add_argument(
        "--keep", help="a JSON file: build once and note the ids there; measure again"
    )
    parser.add_argument("--yardstick", type=float, default=0.01, help="small's size; 0: none")
    args = parser.parse_args()
    url, ids = _built(args)
    results = _measure_all(url, ids, args)
    _report(results, args)


def scale_app(path: Path, scale: float):
    """An app on the SQLite file ``path``: built at ``scale`` if missing, migrated to the head.

    For the benches that time one service in process on the yardstick project.
    """
    from annotator import create_app
    from annotator.db.engine import make_engine
    from annotator.db.migrate import upgrade_schema

    url = f"sqlite:///{path}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build(url, sizes(scale))
    upgrade_schema(make_engine(url))
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})


def cpu_ms(fn) -> float:
    """The CPU milliseconds of one call of ``fn``."""
    began = time.process_time()
    fn()
    return (time.process_time() - began) * 1000


def _built(args) -> tuple[str, dict]:
    """The database URL and the ids of the pages, building the project unless ``--keep`` has it.

    A full-size build takes 6-7 minutes on SQLite; with ``--keep`` the pages can be measured
    again (another day, another load) on the same data. The SQLite file lies beside the JSON.
    """
    keep = Path(args.keep) if args.keep else None
    folder = keep.parent if keep else Path(tempfile.mkdtemp(prefix="scale-"))
    stem = keep.stem if keep else "scale"
    url = args.database_url or f"sqlite:///{folder}/{stem}.sqlite"
    small = small_sizes(args.yardstick)
    if keep and keep.exists():
        saved = json.loads(keep.read_text())
        print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, kept build {saved['sizes']}")
        _migrated(saved["url"])  # a build kept from an older revision gains its migrations
        if small and "small_gold" not in saved["ids"]:
            print(f"adding the small project: {small}")
            saved["ids"]["small_gold"] = add_small(saved["url"], small)
            keep.write_text(json.dumps(saved))
        return saved["url"], saved["ids"]
    n = sizes(args.scale)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scale {args.scale}: {n}; small: {small}")
    t = time.perf_counter()
    ids = build(url, n, small)
    print(f"built in {time.perf_counter() - t:.0f} s")
    if keep:
        keep.write_text(json.dumps({"url": url, "ids": ids, "sizes": n}))
    return url, ids


def _migrated(url: str) -> None:
    """Upgrade a kept build; settle it only when a migration ran (VACUUM ANALYZE of the
    full size is no cost to pay on every run)."""
    from sqlalchemy.orm import Session

    from annotator.db.engine import make_engine
    from annotator.db.migrate import upgrade_schema
    from annotator.exchange.backup import schema_revision

    engine = make_engine(url)
    with Session(engine) as session:
        before = schema_revision(session)
    upgrade_schema(engine)
    with Session(engine) as session:
        if schema_revision(session) != before:
            settle(engine)
    engine.dispose()


def small_sizes(fraction: float) -> dict[str, int] | None:
    """The small project's sizes: ``fraction`` of everything but the team (100 annotators
    either way, so pages listing annotators or their pairs show as many rows)."""
    return {**sizes(fraction), "annotators": FULL["annotators"]} if fraction else None


DEMO_STATEMENT = (
    "SELECT min(s.id) FROM statements s JOIN projects p ON p.id = s.project_id "
    "WHERE p.slug = 'demo'"
)
ANNOTATOR1_STATEMENT = (  # a project's last statement of annotator1, the demo's annotator
    "SELECT s.id FROM statements s JOIN assignments a ON a.statement_id = s.id "
    "JOIN users u ON u.id = a.annotator_id JOIN projects p ON p.id = s.project_id "
    "WHERE u.username = 'annotator1' AND p.slug = :slug ORDER BY s.id DESC LIMIT 1"
)


def _projects(url: str, ids: dict) -> list[tuple[str, int, int]]:
    """(slug, annotator1's statement, the review page's statement) of each project measured:
    the demo, the small project when built, the full size."""
    from sqlalchemy import text

    from annotator.db.engine import make_engine

    with make_engine(url).connect() as conn:
        demo = conn.execute(text(DEMO_STATEMENT)).scalar()
        mine = {
            slug: conn.execute(text(ANNOTATOR1_STATEMENT), {"slug": slug}).scalar()
            for slug in (SMALL, "scale")
        }
    small = [(SMALL, mine[SMALL], ids["small_gold"])] if "small_gold" in ids else []
    return [("demo", demo, demo), *small, ("scale", mine["scale"], ids["gold"])]


def _stored_agreement(url: str, slug: str = "scale") -> None:
    """Store a project's agreement once, as a reviewer's Compute would (a job).

    Without a stored result a project this size shows "Compute" instead of figures, so the
    page measured is the stored result's; the run's own time is printed as a figure.
    """
    from annotator import create_app
    from annotator.extensions import db
    from annotator.projects.projects import get_project
    from annotator.review import agreement_jobs, stored_agreement

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        project = get_project(db.session, slug)
        if stored_agreement.latest_run(db.session, project, False) is None:
            run = stored_agreement.request_run(db.session, project, None, include_unfinished=False)
            db.session.commit()
            t = time.perf_counter()
            agreement_jobs.run_now(db.session, run.id)
            took = time.perf_counter() - t
            print(f"{slug}: agreement stored in {took:.1f} s (run {run.id})")
    db.engine.dispose()


def _measure_all(url: str, ids: dict, args) -> list[dict]:
    projects = _projects(url, ids)
    for slug, _sid, _rid in projects[1:]:
        _stored_agreement(url, slug)
    wanted = set(args.concurrent.split(","))
    only = set(args.pages.split(",")) if args.pages else None
    results = []
    with _serving(url) as served:
        for slug, sid, rid in projects:
            for name, (who, path) in pages(slug, sid, rid).items():
                if only is not None and name not in only:
                    continue
                row = {
                    "project": slug,
                    **measure(served.port, name, who, path, ids["token"], args.requests),
                }
                if slug == "scale" and name in wanted and "error" not in row:
                    row |= concurrent(served.port, who, path, ids["token"], args.seconds)
                results.append(row)
                print(_line(row), flush=True)
        results.append({"rss": worker_rss_mb(served.pid)})
    return results


@contextmanager
def _serving(url: str):
    """``serving`` with a second and third try: on a loaded machine gunicorn can take longer
    to boot than workspace_bench's wait."""
    for attempt in range(3):
        server = serving(url, 2, 4)
        try:
            served = server.__enter__()
            break
        except RuntimeError:
            if attempt == 2:
                raise
    try:
        yield served
    finally:
        server.__exit__(None, None, None)


def _line(row: dict) -> str:
    if "error" in row:
        return f"{row['project']:>5} {row['page']:<24} ERROR {row['error']}"
    more = (
        f"  16 clients p50 {row['p50_16']:.0f} p95 {row['p95_16']:.0f} p99 {row['p99_16']:.0f}"
        if "p95_16" in row
        else ""
    )
    return (f"{row['project']:>5} {row['page']:<24} p50 {row['p50']:6.1f}  p95 {row['p95']:6.1f}  "
            f"p99 {row['p99']:6.1f} ms  {row['bytes'] / 1000:7.1f} kB{more}")  # fmt: skip


def _report(results: list[dict], args) -> None:
    demo = {r["page"]: r for r in results if r.get("project") == "demo" and "p95" in r}
    small = {r["page"]: r for r in results if r.get("project") == SMALL and "p95" in r}
    misses = []
    for r in results:
        if r.get("project") != "scale":
            continue
        if "error" in r:
            misses.append(f"{r['page']}: {r['error']}")
            continue
        limit = 100 if "search" in r["page"] else 150
        if r["p95"] >= limit:
            misses.append(f"{r['page']}: p95 {r['p95']:.0f} ms >= {limit} ms")
        base = demo.get(r["page"])
        if base and r["p95"] > 2 * base["p95"]:
            misses.append(f"{r['page']}: p95 {r['p95']:.0f} ms > 2 x demo {base['p95']:.0f} ms")
        if r["page"] in small:
            ratio = r["p95"] / small[r["page"]]["p95"]
            print(f"{r['page']:<24} p95 full size / small: {ratio:.2f} x")
    rss = results[-1]["rss"]
    print(f"worker RSS: {rss:.0f} MB (target < 300 MB)")
    if rss >= 300:
        misses.append(f"worker RSS {rss:.0f} MB")
    print("TARGETS MET" if not misses else "TARGETS MISSED:\n  " + "\n  ".join(misses))


if __name__ == "__main__":
    main()
