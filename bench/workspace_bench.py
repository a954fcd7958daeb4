"""Annotation page and save-stance latency over HTTP against ``annotator serve``.

Builds a 20,000-character statement with 500 stances (nested and overlapping ones included),
starts ``annotator serve`` on a free loopback port, then measures with keep-alive HTTP clients:

- page render: GET of the statement page of the user with the 500 stances, sequentially
  (p50/p99), then by 16 client processes for a fixed time (pages/s, p50/p99);
- save: htmx POST of a new stance by that user, sequentially (p50/p99), then by 16 client
  processes, each its own annotator, for a fixed time (saves/s, p50/p99), with the CPU time per
  save of the server and of the clients (which share the machine's cores).

Usage:  python bench/workspace_bench.py [--database-url URL] [--workers 2] [--threads 2]
PostgreSQL: pass a URL of a scratch database; its public schema is dropped and recreated.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-password"
CLIENTS = 16


def build(url: str) -> int:
    """Create the project, 17 users, the statement and 500 stances; return the statement id."""
    from sqlalchemy import text

    from annotator import create_app
    from annotator.db.migrate import upgrade_schema
    from annotator.demo import load_demo
    from annotator.extensions import db
    from annotator.statements.statements import list_statements

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_METHOD": "pbkdf2"})
    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade_schema(db.engine)
    with app.app_context():
        session = db.session
        load_demo(session, PASSWORD, method="pbkdf2:sha256:1000")
        project, statement = _big_statement(session)
        users = _users(session, project, statement)
        _stances(session, project, statement, users[0])
        session.commit()
        assert list_statements(session, project)
        return statement.id


def _big_statement(session):
    from annotator.formats.statement_readers import StatementRecord
    from annotator.projects.projects import get_project
    from annotator.statements.statements import import_statements, list_statements

    project = get_project(session, "demo")
    base = list_statements(session, project)[0]
    paragraphs = base.text.split("\n\n")
    text, i = "", 0
    while len(text) < 20_000:
        text += paragraphs[i % len(paragraphs)] + "\n\n"
        i += 1
    text = text[:20_000].rstrip() + "."
    record = StatementRecord(
        external_id="big", text=text, title="Benchmark statement", organization=base.organization
    )
    import_statements(session, project, [record])
    return project, [s for s in list_statements(session, project) if s.external_id == "big"][0]


def _users(session, project, statement):
    from annotator.accounts.users import create_user
    from annotator.projects.assignments import assign_statement
    from annotator.projects.projects import set_member

    users = []
    for n in range(CLIENTS + 1):
        user = create_user(session, f"bench{n}", PASSWORD, method="pbkdf2:sha256:1000")
        set_member(session, project, user, "annotator")
        assign_statement(session, project, statement, user)
        users.append(user)
    return users


def words(text: str) -> list[tuple[int, int]]:
    """Word spans of the text, to draw random stance boundaries from."""
    return [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]


def _stances(session, project, statement, user) -> None:
    from annotator.annotation.stances import StanceInput, create_stance

    rnd = random.Random(7)
    spans = words(statement.text)
    for _ in range(500):
        i = rnd.randrange(len(spans) - 30)
        start, end = spans[i][0], spans[i + rnd.randint(0, 25)][1]
        label = rnd.choice(["claim", "condemnation", "support"])
        text = statement.text[start:end]
        create_stance(
            session, project, statement, user, StanceInput(start, end, text, label, "iran", None)
        )


class Client:
    """A keep-alive HTTP client with a session cookie and the page's CSRF token."""

    def __init__(self, port: int, username: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        page = self.request("GET", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        body = urlencode({"username": username, "password": PASSWORD, "csrf_token": token})
        self.request("POST", "/login", body, expect=302)

    def request(self, method, path, body=None, headers=None, expect=200) -> str:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]}")
        return data

    def csrf(self, page: str) -> str:
        return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def save_body(text: str, spans, rnd, target: str = "iran") -> str:
    i = rnd.randrange(len(spans) - 10)
    start, end = spans[i][0], spans[i + rnd.randint(0, 8)][1]
    return urlencode(
        {
            "start": start,
            "end": end,
            "text": text[start:end],
            "label": rnd.choice(["claim", "condemnation", "support"]),
            "target": target,
        }
    )


def timed(fn, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[int(q) - 1] if len(times) > 1 else times[0]


def sequential(port: int, statement_id: int, text: str, kind: str) -> dict:
    """One client: 100 page loads or 300 saves by bench0, the user with the 500 stances."""
    client = Client(port, "bench0")
    path = f"/p/demo/s/{statement_id}"
    page = client.request("GET", path)
    if kind == "page":
        times = timed(lambda: client.request("GET", path), 100)
        return {"page_p50": pct(times, 50), "page_p99": pct(times, 99), "page_bytes": len(page)}
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf(page)}
    spans, rnd = words(text), random.Random(1)

    def save() -> str:
        return client.request("POST", path + "/stances", save_body(text, spans, rnd), headers)

    times = timed(save, 300)
    return {"save_p50": pct(times, 50), "save_p99": pct(times, 99)}


def _worker(args) -> list[float]:
    """One of the 16 clients for ``seconds``: saves as its own annotator (bench1 ... bench16),
    or loads of bench0's page with its 500 stances; returns each request's latency in ms."""
    port, n, statement_id, text, seconds, kind = args
    client = Client(port, f"bench{n}" if kind == "save" else "bench0")
    path = f"/p/demo/s/{statement_id}"
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf(client.request("GET", path))}
    spans, rnd, times = words(text), random.Random(n), []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        if kind == "save":
            client.request("POST", path + "/stances", save_body(text, spans, rnd), headers)
        else:
            client.request("GET", path)
        times.append((time.perf_counter() - t) * 1000)
    return times


def concurrent(port: int, statement_id: int, text: str, seconds: float, kind: str) -> dict:
    """16 client processes saving (or loading the page) for ``seconds``: rate, p50, p99."""
    jobs = [(port, n + 1, statement_id, text, seconds, kind) for n in range(CLIENTS)]
    with mp.Pool(CLIENTS) as pool:
        t = time.perf_counter()
        times = [x for worker in pool.map(_worker, jobs) for x in worker]
        elapsed = time.perf_counter() - t
    return {
        f"{kind}s_16_clients": len(times),
        f"{kind}s_per_s_16_clients": len(times) / elapsed,
        f"{kind}_p50_16_clients": pct(times, 50),
        f"{kind}_p99_16_clients": pct(times, 99),
    }


@contextmanager
def cpu_meter(server_pid: int) -> Iterator[dict[str, float]]:
    """CPU seconds used during the block by the server (master and workers) and by this
    script's client processes (counted once they have exited), so each run says how much of
    the two cores the load generator itself took."""
    pids = [server_pid, *_children(server_pid)]
    server, clients = _cpu(pids), _children_cpu()
    used: dict[str, float] = {}
    yield used
    used["server"] = _cpu(pids) - server
    used["clients"] = _children_cpu() - clients


def per_request(cpu: dict[str, float], requests: int, noun: str) -> dict[str, float]:
    return {
        f"server_cpu_ms_per_{noun}": 1000 * cpu["server"] / requests,
        f"client_cpu_ms_per_{noun}": 1000 * cpu["clients"] / requests,
    }


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = dict(os.environ, ANNOTATOR_DATABASE_URL=url, ANNOTATOR_SECRET_KEY="bench")
    cmd = [
        sys.executable,
        "-c",
        "from annotator.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    wait_for_port(port, proc)
    return proc


def wait_for_port(port: int, proc: subprocess.Popen) -> None:
    """Wait until the server accepts connections; kill it if it never does."""
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


def statement_text(url: str, statement_id: int) -> str:
    from sqlalchemy import text as sql

    from annotator.db.engine import make_engine

    with make_engine(url).connect() as conn:
        query = sql("SELECT text FROM statements WHERE id = :i")
        return conn.execute(query, {"i": statement_id}).scalar()


class Served(NamedTuple):
    port: int
    pid: int


@contextmanager
def serving(url: str, workers: int, threads: int) -> Iterator[Served]:
    """``annotator serve`` on a free port for the duration of the block."""
    port = free_port()
    server = serve(url, port, workers, threads)
    try:
        yield Served(port, server.pid)
    finally:
        server.terminate()
        server.wait(10)


def report(title: str, figures: dict) -> None:
    print(title)
    for key, value in figures.items():
        print(f"  {key:>24}: {value:,.1f}")


def options(doc: str, *, workers: int = 2, seconds: float = 10.0) -> argparse.Namespace:
    """The options every HTTP benchmark takes (``--database-url``, server shape, duration)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=seconds)
    args = parser.parse_args()
    args.url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    args.db = "PostgreSQL" if args.url.startswith("postgresql") else "SQLite"
    return args


def main() -> None:
    args = options(__doc__)
    statement_id = build(args.url)
    text = statement_text(args.url, statement_id)
    with serving(args.url, args.workers, args.threads) as server:
        figures = sequential(server.port, statement_id, text, "page")
        figures |= concurrent(server.port, statement_id, text, args.seconds, "page")
        figures |= sequential(server.port, statement_id, text, "save")  # bench0 gets 300 more
        with cpu_meter(server.pid) as cpu:
            figures |= concurrent(server.port, statement_id, text, args.seconds, "save")
    figures |= per_request(cpu, figures["saves_16_clients"], "save")
    title = f"{args.db}, {args.workers} workers x {args.threads} threads, 20,000 chars, 500 stances"
    report(title, figures)


if __name__ == "__main__":
    main()
