"""Faults: kill -9 during an import and during a burst of saves; lock contention under threads.

After each kill the database is consistent: the import left nothing, every acknowledged
save is stored as acknowledged, and SQLite's integrity check passes.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, text

from annotator.db.engine import make_engine
from annotator.models import Stance, Statement

from .factories import PASSWORD, make_project
from .workspace_helpers import demo

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from annotator.cli import main; main()"]
ITEM = re.compile(r'<li id="stance-(\d+)"[^>]*>.*?name="version" value="(\d+)"', re.S)


def _env(url: str) -> dict[str, str]:
    return dict(os.environ, ANNOTATOR_DATABASE_URL=url, ANNOTATOR_SECRET_KEY="faults")


def _consistent(url: str) -> None:
    """SQLite's own check of every page and index; PostgreSQL needs none after a crash."""
    if url.startswith("sqlite"):
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).first() is None
        engine.dispose()


def _input_position(pid: int, path: Path) -> int:
    """How far the process has read into ``path`` (from /proc), or -1 before it opened it."""
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.exists() else ():
        try:
            if os.readlink(fd) == str(path):
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text()
                return int(re.search(r"pos:\s+(\d+)", info).group(1))
        except OSError:
            continue
    return -1


def test_kill_during_a_large_import_leaves_nothing(app, session, database_url, tmp_path):
    make_project(session, "big")
    session.commit()
    big = tmp_path / "big.jsonl"
    with big.open("w") as fh:
        for n in range(150_000):
            fh.write(json.dumps({"id": f"s{n}", "text": f"Statement {n}: Iran condemns."}) + "\n")
    proc = subprocess.Popen([*CLI, "import", "big", str(big)], env=_env(database_url), cwd=ROOT)
    size, deadline = big.stat().st_size, time.monotonic() + 60
    try:
        while _input_position(proc.pid, big) < size // 10 and time.monotonic() < deadline:
            assert proc.poll() is None, "the import finished before it could be killed"
            time.sleep(0.02)
        assert _input_position(proc.pid, big) >= size // 10, "import never got a tenth of the way"
    finally:
        proc.send_signal(signal.SIGKILL)  # also when the test fails: never leave it running
        proc.wait(10)
    _consistent(database_url)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Statement)) == 0
    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"id": "a", "text": "After the crash."}) + "\n")
    again = subprocess.run(
        [*CLI, "import", "big", str(small)], env=_env(database_url), cwd=ROOT, capture_output=True
    )
    assert again.returncode == 0, again.stderr
    session.commit()
    assert session.scalar(select(func.count()).select_from(Statement)) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _kill_servers():
    """Whatever a test asserts or raises, every server it started is gone afterwards."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def _serve(url: str, port: int) -> subprocess.Popen:
    """``annotator serve`` in its own process group, so kill -9 reaches master and workers."""
    cmd = [*CLI, "serve", "--port", str(port), "--workers", "2", "--threads", "4"]
    proc = subprocess.Popen(
        cmd,
        env=_env(url),
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _STARTED.append(proc)
    for _ in range(150):  # ready when a worker answers, not merely when the port is bound
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("annotator serve did not start")


def _logged_in(base: str, username: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert http.post(f"{base}/login", data=form, timeout=30, allow_redirects=False).ok
    return http


def _saver(base, username, st, acks, stop, who):
    """Save stances until the server dies; keep (id, version, note) of every acknowledged one."""
    http = _logged_in(base, username)
    path = f"{base}/p/demo/s/{st['id']}"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', http.get(path, timeout=30).text).group(1)
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    n = 0
    while not stop.is_set():
        n += 1
        note = f"{who}-{n}"
        form = {"start": st["start"], "end": st["end"], "text": st["phrase"], "label": "claim"}
        form |= {"target": "iran", "note": note}
        try:
            response = http.post(f"{path}/stances", data=form, headers=headers, timeout=30)
        except requests.RequestException:
            return  # the server is gone: this save was never acknowledged
        if response.status_code == 200:
            stance_id, version = ITEM.search(response.text).groups()
            acks.append((int(stance_id), int(version), note))


def test_kill_during_a_burst_of_saves_loses_no_acknowledged_save(app, session, database_url):
    _, statement = demo(session)
    phrase = "condemns the reactionary aggression of Iran"
    start = statement.text.index(phrase)
    st = {"id": statement.id, "start": start, "end": start + len(phrase), "phrase": phrase}
    port = _free_port()
    server = _serve(database_url, port)
    acks: list[tuple[int, int, str]] = []
    stop = threading.Event()
    clients = [
        threading.Thread(
            target=_saver,
            args=(f"http://127.0.0.1:{port}", name, st, acks, stop, f"{name}-{k}"),
        )
        for name in ("annotator1", "annotator2")
        for k in range(4)
    ]
    for c in clients:
        c.start()
    deadline = time.monotonic() + 30
    while len(acks) < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(server.pid, signal.SIGKILL)  # master and workers, mid-burst
    server.wait(10)
    stop.set()
    for c in clients:
        c.join(30)
    assert len(acks) >= 40
    _consistent(database_url)
    session.commit()
    stored = {s.id: (s.version, s.note) for s in session.scalars(select(Stance))}
    for stance_id, version, note in acks:
        assert stored.get(stance_id) == (version, note)
    _serve(database_url, port)
    http = _logged_in(f"http://127.0.0.1:{port}", "annotator1")
    page = http.get(f"http://127.0.0.1:{port}/p/demo/s/{statement.id}", timeout=30)
    assert page.status_code == 200
    mine = [i for i, _, note in acks if note.startswith("annotator1-")]
    assert mine and all(f'id="stance-{i}"' in page.text for i in mine)


@pytest.mark.parametrize("threads", [12])
def test_concurrent_writers_never_see_a_lock_error(app, session, live_server, threads):
    """Many threads saving at once through one app: SQLite queues them; no request fails."""
    _, statement = demo(session)
    phrase = "condemns the reactionary aggression of Iran"
    start = statement.text.index(phrase)
    st = {"id": statement.id, "start": start, "end": start + len(phrase), "phrase": phrase}
    statuses: list[int] = []

    def burst(username: str) -> None:
        http = _logged_in(live_server, username)
        path = f"{live_server}/p/demo/s/{st['id']}"
        token = re.search(r'"X-CSRFToken": "([^"]+)"', http.get(path, timeout=30).text).group(1)
        form = {"start": st["start"], "end": st["end"], "text": phrase, "label": "claim"}
        for n in range(10):
            response = http.post(
                f"{path}/stances",
                data=form | {"note": f"{username}-{n}"},
                headers={"HX-Request": "true", "X-CSRFToken": token},
                timeout=60,
            )
            statuses.append(response.status_code)

    users = ["annotator1", "annotator2"] * (threads // 2)
    pool = [threading.Thread(target=burst, args=(u,)) for u in users]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    assert statuses == [200] * (threads * 10)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Stance)) == threads * 10


def _import_running(url: str) -> bool:
    """The upload's transaction is writing: PostgreSQL shows the INSERT, SQLite's WAL grows."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if url.startswith("postgresql"):
                query = (
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND query ILIKE 'INSERT INTO statements%' AND state = 'active'"
                )
                return bool(conn.execute(text(query)).scalar())
    finally:
        engine.dispose()
    wal = Path(url.removeprefix("sqlite:///") + "-wal")
    return wal.exists() and wal.stat().st_size > 4_000_000


def test_kill_the_server_during_an_uploaded_import_leaves_nothing(
    app, session, database_url, tmp_path
):
    make_project(session, "big", members={"boss": "lead"})
    session.commit()
    lines = (json.dumps({"id": f"s{n}", "text": f"Statement {n}."}) for n in range(150_000))
    body = ("\n".join(lines) + "\n").encode()
    port = _free_port()
    server = _serve(database_url, port)
    base = f"http://127.0.0.1:{port}"
    http = _logged_in(base, "boss")
    token = re.search(r'"X-CSRFToken": "([^"]+)"', http.get(f"{base}/p/big/import/").text)
    outcome: list[object] = []

    def upload() -> None:
        files = {"files": ("big.jsonl", body, "application/octet-stream")}
        try:
            form = {"csrf_token": token.group(1)}
            outcome.append(http.post(f"{base}/p/big/import/", data=form, files=files, timeout=120))
        except requests.RequestException as exc:
            outcome.append(exc)

    sender = threading.Thread(target=upload)
    sender.start()
    deadline = time.monotonic() + 60
    while not _import_running(database_url) and time.monotonic() < deadline and not outcome:
        time.sleep(0.01)
    assert not outcome, "the import finished before the server could be killed"
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(10)
    sender.join(30)
    assert isinstance(outcome[0], requests.RequestException)  # never acknowledged
    _consistent(database_url)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Statement)) == 0
