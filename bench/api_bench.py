"""JSON API throughput and latency against ``annotator serve`` (reuses bench/workspace_bench.py).

Builds the workspace benchmark's data (a 20,000-character statement, 500 stances by bench0,
17 assigned annotators), gives every bench user a personal token, starts ``annotator serve``
and measures with keep-alive HTTP clients:

- list: GET of the statement's 500 stances as their annotator, sequentially (p50/p99);
- create: POST of new stances by 16 client processes for a fixed time (requests/s, p50/p99),
  with the CPU time per request of the server and of the clients.

Usage:  python bench/api_bench.py [--database-url URL] [--workers 2] [--threads 2] [--seconds 10]
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import workspace_bench as wb  # noqa: E402

CLIENTS = wb.CLIENTS


def make_tokens(url: str) -> dict[str, str]:
    """A personal token for bench0 … bench16."""
    from annotator import create_app
    from annotator.accounts.tokens import create_token
    from annotator.accounts.users import find_user
    from annotator.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        tokens = {}
        for n in range(CLIENTS + 1):
            _, tokens[f"bench{n}"] = create_token(db.session, find_user(db.session, f"bench{n}"))
        db.session.commit()
    return tokens


class ApiClient:
    """A keep-alive client that sends a bearer token and JSON."""

    def __init__(self, port: int, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        self.conn.request(method, "/api/v1" + path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def stance_body(text: str, spans, rnd) -> dict:
    """A random stance over a few words, targeting Iran."""
    i = rnd.randrange(len(spans) - 10)
    start, end = spans[i][0], spans[i + rnd.randint(0, 8)][1]
    label = rnd.choice(["claim", "condemnation", "support"])
    return {"start": start, "end": end, "text": text[start:end], "label": label, "target": "iran"}


def list_latency(port: int, token: str, statement_id: int) -> dict:
    client = ApiClient(port, token)
    path = f"/projects/demo/statements/{statement_id}/stances"
    status, body = client.request("GET", path)
    assert status == 200 and len(json.loads(body)["items"]) == 500, status
    times = wb.timed(lambda: client.request("GET", path), 200)
    return {"list_500_p50_ms": wb.pct(times, 50), "list_500_p99_ms": wb.pct(times, 99)}


def _worker(args) -> tuple[int, int, list[float]]:
    port, token, statement_id, text, seconds, seed = args
    client, spans, rnd = ApiClient(port, token), wb.words(text), random.Random(seed)
    path = f"/projects/demo/statements/{statement_id}/stances"
    ok = failed = 0
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t = time.perf_counter()
        status, _ = client.request("POST", path, stance_body(text, spans, rnd))
        times.append((time.perf_counter() - t) * 1000)
        ok, failed = (ok + 1, failed) if status == 201 else (ok, failed + 1)
    return ok, failed, times


def create_throughput(server, tokens, statement_id, text, seconds) -> dict:
    jobs = [
        (server.port, tokens[f"bench{n + 1}"], statement_id, text, seconds, n)
        for n in range(CLIENTS)
    ]
    with wb.cpu_meter(server.pid) as cpu, mp.Pool(CLIENTS) as pool:
        t = time.perf_counter()
        results = pool.map(_worker, jobs)
        elapsed = time.perf_counter() - t
    ok = sum(r[0] for r in results)
    times = [x for r in results for x in r[2]]
    return {
        "create_per_s_16_clients": ok / elapsed,
        "create_p50_ms": wb.pct(times, 50),
        "create_p99_ms": wb.pct(times, 99),
        "create_failed": sum(r[1] for r in results),
    } | wb.per_request(cpu, ok + sum(r[1] for r in results), "create")


def main() -> None:
    args = wb.options(__doc__)
    statement_id = wb.build(args.url)
    tokens = make_tokens(args.url)
    text = wb.statement_text(args.url, statement_id)
    with wb.serving(args.url, args.workers, args.threads) as server:
        figures = list_latency(server.port, tokens["bench0"], statement_id)
        figures |= create_throughput(server, tokens, statement_id, text, args.seconds)
    wb.report(f"{args.db}, {args.workers} workers x {args.threads} threads, API", figures)


if __name__ == "__main__":
    main()
