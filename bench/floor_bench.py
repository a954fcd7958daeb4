"""The stack's own ceiling on this machine: how many requests/s Flask and the ORM allow at all.

Serves two endpoints with gunicorn configured as ``annotator serve`` (2 workers x 2 gthread
threads) and drives each with the 16 keep-alive client processes the other benchmarks use:

- ``hello``: a Flask view that returns a short text (no database);
- ``orm-insert``: a Flask view that, like the smallest possible save, reads one row and inserts
  one through a SQLAlchemy ORM session on SQLite (the project's engine: WAL,
  group commit, the writer queue) and commits.

The issues ask for 1,500 saves/s; these two figures say how much of a request's budget the
framework and one ORM write already take before any of the application's own work.

Usage:  python bench/floor_bench.py [--seconds 10] [--workers 2] [--threads 2]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import workspace_bench as wb  # noqa: E402
from flask import Flask, request  # noqa: E402
from sqlalchemy import Integer, String, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker  # noqa: E402

from annotator.db.engine import make_engine  # noqa: E402


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


def create_schema(url: str) -> None:
    """Tables and the one owner row, before the workers start."""
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with sessionmaker(engine)() as session:
        session.add(Owner(id=1, name="bench"))
        session.commit()
    engine.dispose()


def make_app() -> Flask:
    """The two endpoints; gunicorn calls this in each worker (``floor_bench:make_app()``)."""
    factory = sessionmaker(make_engine(os.environ["FLOOR_DATABASE_URL"]), expire_on_commit=False)
    app = Flask(__name__)

    @app.get("/hello")
    def hello():
        return "hello"

    @app.post("/orm-insert")
    def orm_insert():
        with factory() as session:
            owner = session.scalar(select(Owner).where(Owner.id == 1))
            item = Item(owner_id=owner.id, text=request.form.get("text", ""), created_at=_now())
            session.add(item)
            session.commit()
            return {"id": item.id}

    return app


def _now() -> datetime:
    return datetime.now(UTC)


def _client(args) -> int:
    port, method, path, seconds = args
    conn, done = http.client.HTTPConnection("127.0.0.1", port, timeout=60), 0
    body = "text=a+few+words" if method == "POST" else None
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        done += 1
    return done


def throughput(port: int, method: str, path: str, seconds: float) -> float:
    with mp.Pool(wb.CLIENTS) as pool:
        t = time.perf_counter()
        counts = pool.map(_client, [(port, method, path, seconds)] * wb.CLIENTS)
        return sum(counts) / (time.perf_counter() - t)


def serve(port: int, workers: int, threads: int, url: str) -> subprocess.Popen:
    cmd = [
        sys.executable, "-m", "gunicorn", "--chdir", str(HERE), "-k", "gthread",
        "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
        "floor_bench:make_app()",
    ]  # fmt: skip
    env = dict(os.environ, FLOOR_DATABASE_URL=url, PYTHONPATH=str(HERE.parent))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wb.wait_for_port(port, proc)
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp()}/floor.sqlite"
    create_schema(url)
    port = wb.free_port()
    server = serve(port, args.workers, args.threads, url)
    try:
        throughput(port, "GET", "/hello", 3)  # warm-up: workers import for a second or two
        hello = throughput(port, "GET", "/hello", args.seconds)
        insert = throughput(port, "POST", "/orm-insert", args.seconds)
    finally:
        server.terminate()
        server.wait(10)
    print(f"gunicorn {args.workers} workers x {args.threads} threads, {wb.CLIENTS} clients")
    print(f"  {'hello (Flask only)':>32}: {hello:,.0f} requests/s")
    print(f"  {'orm-insert (1 read, 1 insert)':>32}: {insert:,.0f} requests/s")


if __name__ == "__main__":
    main()
