"""External models: a real label-studio-ml backend on a free loopback port, started per test.

label-studio-ml (1.0.9, the newest on PyPI) pins Flask 1.1.2, so it runs from its own
virtual environment (``.venv-lsml``, made here on first use from
tests/lsml_backend/requirements.txt; ``ANNOTATOR_LSML_PYTHON`` names another interpreter).
Invalid JSON cannot come out of that backend (it always answers through ``jsonify``), so
that one case, and the token header, are served by a minimal Flask app speaking the same
protocol on another free loopback port.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from flask import Flask, Response, request
from sqlalchemy import func, select
from werkzeug.serving import make_server

from annotator.models import Suggestion
from annotator.suggestions import external
from annotator.suggestions import suggestions as svc
from annotator.suggestions.jobs import request_job
from annotator.suggestions.tasks import execute

from .suggestion_helpers import SECOND_TEXT, add_statements, demo, get_user, recommender, stance

IN_CI = os.environ.get("CI", "").lower() == "true"
ROOT = Path(__file__).resolve().parent.parent
BACKEND = Path(__file__).resolve().parent / "lsml_backend"


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def lsml_python() -> str:
    """An interpreter with label-studio-ml installed, made once in .venv-lsml if need be."""
    given = os.environ.get("ANNOTATOR_LSML_PYTHON")
    python = Path(given) if given else ROOT / ".venv-lsml" / "bin" / "python"
    check = [str(python), "-c", "import label_studio_ml.api"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    if given:
        _unavailable(f"ANNOTATOR_LSML_PYTHON={given} cannot import label_studio_ml.api")
    venv = ROOT / ".venv-lsml"
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "pip"), "install", "-q", "-r", str(BACKEND / "requirements.txt")],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            _unavailable(f"cannot install label-studio-ml: {done.stderr.strip()[-500:]}")
    return str(python)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Backend:
    """The label-studio-ml server process and the files that steer and observe it."""

    def __init__(self, python: str, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode_file, self.events_file = tmp / "mode.json", tmp / "events.jsonl"
        self.set_mode("ok")
        env = {**os.environ, "LSML_MODE_FILE": str(self.mode_file),
               "LSML_EVENTS_FILE": str(self.events_file), "LSML_MODEL_DIR": str(tmp / "models"),
               "LABEL_STUDIO_ML_BACKEND_V2": "true"}  # fmt: skip
        env.pop("USE_REDIS", None)
        self.log = (tmp / "backend.log").open("w")
        self.process = subprocess.Popen(
            [python, str(BACKEND / "serve.py"), str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the backend exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        pytest.fail("the backend did not start within 30 s")

    def set_mode(self, mode: str, seconds: float = 0) -> None:
        self.mode_file.write_text(json.dumps({"mode": mode, "seconds": seconds}))

    def events(self) -> list[dict]:
        if not self.events_file.exists():
            return []
        return [json.loads(line) for line in self.events_file.read_text().splitlines()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def backend(lsml_python, tmp_path):
    server = Backend(lsml_python, tmp_path)
    yield server
    server.stop()


@pytest.fixture
def world(session, backend):
    project, a = demo(session)
    b = add_statements(session, project, {"b": SECOND_TEXT})["b"]
    rec = recommender(session, project, "ls", "external", token="tok",
                      settings={"url": backend.url, "timeout": 2.0})  # fmt: skip
    session.commit()
    return project, a, b, rec


def count(session, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Suggestion).where(*where))


def test_predictions_of_a_real_backend_become_suggestions(session, world):
    project, _a, b, rec = world
    status = external.check_server(project, rec)
    assert status["health"]["status"] == "UP" and status["setup_failure"] is None
    answer, parsed = external.ask_model(project, rec, [b])
    result = external.store_answer(session, project, rec, [b], answer, parsed)
    assert (result.stored, result.failure, dict(result.dropped)) == (2, None, {})
    assert rec.active_version == "kw-1" and rec.last_error is None
    listed = svc.list_suggestions(session, project, b, get_user(session, "annotator1"))
    assert [(s.text, s.label.key, s.target.key, s.score) for s in listed] == [
        ("Teheran", "claim", "iran", 0.75),
        ("Mullah regime", "condemnation", "iran", 0.75),
    ]
    made = svc.accept_suggestion(session, project, b, get_user(session, "annotator1"),
                                 listed[1].id)  # fmt: skip
    assert made.origin_suggestion_id == listed[1].id and made.target.key == "iran"


def test_garbage_items_are_dropped_counted_and_recorded(session, world, backend):
    project, _a, b, rec = world
    backend.set_mode("garbage")
    answer, parsed = external.ask_model(project, rec, [b])
    result = external.store_answer(session, project, rec, [b], answer, parsed)
    assert result.stored == 1
    assert dict(result.dropped) == {"offsets": 1, "text_mismatch": 1, "unknown_label": 1,
                                    "bad_score": 1}  # fmt: skip
    assert rec.last_error == "dropped 1 bad_score, 1 offsets, 1 text_mismatch, 1 unknown_label"
    assert count(session) == 1


def test_a_failing_model_costs_nothing(session, world, backend):
    project, _a, b, rec = world
    backend.set_mode("error")
    job = request_job(session, project, "predict", recommender=rec, params={"statements": [b.id]})
    session.commit()
    execute(_app(session), job.id)
    session.expire_all()
    assert job.state == "done" and job.counts["failed_batches"] == 1
    assert job.counts["dropped_failed_http_500"] == 1 and job.counts["stored"] == 0
    assert rec.last_error.startswith("HTTP 500") and count(session) == 0


def _app(session):
    from flask import current_app

    return current_app._get_current_object()


def test_a_slow_model_returns_within_the_timeout(session, world, backend):
    project, _a, b, rec = world
    rec.settings = {**rec.settings, "timeout": 0.5}
    backend.set_mode("sleep", seconds=3)
    began = time.monotonic()
    answer, parsed = external.ask_model(project, rec, [b])
    elapsed = time.monotonic() - began
    assert answer.failure == "timeout" and parsed is None
    assert elapsed < 0.5 + 0.1, elapsed
    result = external.store_answer(session, project, rec, [b], answer, parsed)
    assert result.stored == 0 and count(session) == 0 and "timeout" in rec.last_error


def test_annotation_webhooks_reach_the_backend_once(session, world, backend):
    project, a, _b, rec = world
    rec.settings = {**rec.settings, "webhooks": True}
    made = stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    session.commit()
    job = request_job(session, project, "webhooks", recommender=rec)
    session.commit()
    execute(_app(session), job.id)
    session.expire_all()
    assert job.state == "done" and job.counts == {"sent": 1}
    deadline = time.monotonic() + 10
    while not backend.events() and time.monotonic() < deadline:
        time.sleep(0.1)  # label-studio-ml runs fit in a forked process
    (event,) = backend.events()
    assert event["event"] == "ANNOTATION_CREATED"
    annotation = event["data"]["annotation"]
    assert annotation["id"] == made.id and annotation["result"][0]["value"]["labels"] == ["claim"]
    assert event["data"]["task"]["data"]["text"] == a.text
    again = request_job(session, project, "webhooks", recommender=rec)
    session.commit()
    execute(_app(session), again.id)
    session.expire_all()
    assert again.counts == {} and len(backend.events()) == 1


def _trickle():
    """Headers at once, then a byte every 0.2 s: never a read timeout, always too slow."""
    yield b'{"results": ['
    for _ in range(20):
        time.sleep(0.2)
        yield b" "
    yield b"]}"


@pytest.fixture
def plain_server():
    """A minimal server of the same protocol: answers invalid JSON, records the headers."""
    seen = []
    app = Flask("plain")

    @app.post("/predict")
    def predict():
        seen.append(dict(request.headers))
        if request.json["tasks"][0]["data"]["text"].startswith("trickle"):
            return Response(_trickle(), content_type="application/json")
        return "{not json", 200, {"Content-Type": "application/json"}

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    thread.join(5)


def test_invalid_json_is_a_failure_and_the_token_is_sent(session, plain_server):
    url, seen = plain_server
    project, a = demo(session)
    rec = recommender(session, project, "plain", "external", token="tok-9",
                      settings={"url": url, "timeout": 2.0})  # fmt: skip
    answer, parsed = external.ask_model(project, rec, [a])
    assert (answer.failure, parsed) == ("invalid JSON", None)
    assert seen[0]["Authorization"] == "Bearer tok-9"
    result = external.store_answer(session, project, rec, [a], answer, parsed)
    assert result.stored == 0 and rec.last_error.startswith("invalid JSON")


def test_a_trickling_answer_is_cut_off_at_the_deadline(session, plain_server):
    url, _seen = plain_server
    project, _a = demo(session)
    slow = add_statements(session, project, {"slow": "trickle of words"})["slow"]
    rec = recommender(session, project, "plain", "external", settings={"url": url, "timeout": 0.5})
    began = time.monotonic()
    answer, parsed = external.ask_model(project, rec, [slow])
    assert (answer.failure, parsed) == ("timeout", None)
    assert time.monotonic() - began < 0.5 + 0.1
