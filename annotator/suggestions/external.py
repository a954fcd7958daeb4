"""External models over the Label Studio ML backend protocol (annotator/suggestions/ls_protocol.py).

A model that is slow, down or answers garbage costs nothing: every call has a hard deadline
(the recommender's ``timeout``, enforced on the whole exchange, not per socket read), bad
items are dropped and counted, nothing is stored from them, and the failure is kept on the
recommender (``last_error``) and in the job's counts for the lead's page. Network calls are
made with no write pending, so a slow model never holds SQLite's writer lock.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from sqlalchemy.orm import Session

from annotator.models import (
    Project,
    Recommender,
    Statement,
    utcnow,
)
from annotator.suggestions import ls_protocol
from annotator.suggestions.proposals import Proposal, actor_ids, label_ids, store_suggestions

MAX_BYTES = 20 * 1024 * 1024  # an answer larger than this is garbage, not predictions


@dataclass
class Answer:
    """What a call to the model server gave: a parsed JSON body, or why there is none."""

    body: Any = None
    failure: str | None = None
    status: int | None = None
    seconds: float = 0.0


class ModelServer:
    """A Label Studio ML backend at ``url``; every call returns within ``timeout`` (+ ~0.1 s)."""

    def __init__(
        self, url: str, timeout: float, token: str | None = None, auth_scheme: str = "Bearer"
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = float(timeout)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            secret = base64.b64encode(token.encode()).decode() if auth_scheme == "Basic" else token
            self.headers["Authorization"] = f"{auth_scheme} {secret}"

    @classmethod
    def of(cls, recommender: Recommender) -> ModelServer:
        """The server a recommender's settings name."""
        s = recommender.settings
        return cls(
            s["url"], s.get("timeout", 5.0), recommender.token, s.get("auth_scheme", "Bearer")
        )

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        """One request under the deadline; never raises for the server's faults."""
        began = time.monotonic()
        deadline = began + self.timeout
        data = json.dumps(body).encode() if body is not None else None
        try:
            with requests.request(
                method,
                self.url + path,
                data=data,
                headers=self.headers,
                timeout=(self.timeout, self.timeout),
                stream=True,
                allow_redirects=False,
            ) as response:
                raw = _read(response, deadline)
                status = response.status_code
        except _TimedOut:
            return Answer(failure="timeout", seconds=time.monotonic() - began)
        except requests.Timeout:
            return Answer(failure="timeout", seconds=time.monotonic() - began)
        except requests.RequestException as exc:
            return Answer(
                failure=f"unreachable: {type(exc).__name__}", seconds=time.monotonic() - began
            )
        seconds = time.monotonic() - began
        if raw is None:
            return Answer(failure="answer too large", status=status, seconds=seconds)
        if status >= 400:
            return Answer(failure=f"HTTP {status}", status=status, seconds=seconds)
        try:
            return Answer(json.loads(raw or b"null"), status=status, seconds=seconds)
        except (ValueError, UnicodeDecodeError):
            return Answer(failure="invalid JSON", status=status, seconds=seconds)

    def health(self) -> Answer:
        """``GET /health``."""
        return self.call("GET", "/health")

    def setup(self, config: str, project: str) -> Answer:
        """``POST /setup``: what Label Studio sends when a backend is connected."""
        return self.call("POST", "/setup", ls_protocol.setup_request(config, project))

    def predict(self, body: dict) -> Answer:
        """``POST /predict``."""
        return self.call("POST", "/predict", body)

    def webhook(self, body: dict) -> Answer:
        """``POST /webhook``."""
        return self.call("POST", "/webhook", body)


class _TimedOut(Exception):
    pass


def _read(response: requests.Response, deadline: float) -> bytes | None:
    """The body, read in chunks until ``deadline``: before each read the socket's timeout
    shrinks to the time left, so a server that stalls or trickles is cut off in time."""
    chunks, size = [], 0
    iterator = response.iter_content(chunk_size=65536)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _TimedOut
        _socket_timeout(response, left)
        try:
            chunk = next(iterator)
        except StopIteration:
            break
        except requests.ConnectionError:
            if time.monotonic() >= deadline - 0.01:
                raise _TimedOut from None  # requests reports a body read timeout this way
            raise
        size += len(chunk)
        if size > MAX_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _socket_timeout(response: requests.Response, seconds: float) -> None:
    """Set the timeout of the socket the body comes from.

    requests offers only a per-read timeout, so the socket is reached through urllib3's
    response and http.client's buffered socket file (``raw._fp.fp.raw._sock``); should a
    new version hide it, nothing breaks and the bound is the per-read timeout again.
    """
    fp = getattr(getattr(response.raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):  # closed already: the next read says so
            sock.settimeout(seconds)


def project_ref(project: Project) -> str:
    """How Label Studio names a project to a backend: ``{id}.{created timestamp}``."""
    return f"{project.id}.{int(project.created_at.timestamp())}"


def labeling_config(project: Project) -> str:
    """The project's labels as a Label Studio labeling config."""
    return ls_protocol.label_config([key for key in label_ids(project)])


@dataclass
class BatchResult:
    """What one batch did: suggestions stored, items dropped by reason, the failure if any."""

    stored: int = 0
    statements: int = 0
    dropped: Counter = field(default_factory=Counter)
    failure: str | None = None
    model_version: str | None = None


def ask_model(project: Project, recommender: Recommender, statements: Sequence[Statement]):
    """Send one batch of statements to ``/predict``: the answer, parsed, or the failure.

    Touches no database: call it between transactions (see ``store_answer``).
    """
    server = ModelServer.of(recommender)
    tasks = [
        ls_protocol.task(s.id, s.text, statement_id=s.external_id, title=s.title)
        for s in statements
    ]
    config, ref = labeling_config(project), project_ref(project)
    answer = server.predict(ls_protocol.predict_request(tasks, config, ref))
    # label-studio-ml answers 500 until /setup has loaded a model (first contact, or the
    # server restarted): set it up, then ask once more
    if answer.failure == "HTTP 500" and server.setup(config, ref).failure is None:
        answer = server.predict(ls_protocol.predict_request(tasks, config, ref))
    if answer.failure:
        return answer, None
    return answer, ls_protocol.parse_predictions(answer.body, tasks, set(label_ids(project)))


def store_answer(
    session: Session,
    project: Project,
    recommender: Recommender,
    statements: Sequence[Statement],
    answer: Answer,
    parsed: ls_protocol.Parsed | None,
) -> BatchResult:
    """Store the valid proposals of a batch and record failures on the recommender."""
    result = BatchResult(statements=len(statements))
    if parsed is None:
        result.failure = answer.failure
        result.dropped["failed_" + _reason(answer.failure)] += len(statements)
        record_failure(recommender, f"{answer.failure} after {answer.seconds:.2f} s")
        session.flush()
        return result
    result.dropped.update(parsed.dropped)
    result.model_version = parsed.model_version
    labels = label_ids(project)
    actors = actor_ids(session, project, [k for p in parsed.items for k in (p.target, p.holder)])
    by_task: dict[int, list[Proposal]] = {s.id: [] for s in statements}
    for p in parsed.items:
        for role, key in (("target", p.target), ("holder", p.holder)):
            if key and key not in actors:
                result.dropped[f"unknown_{role}"] += 1  # the span stays, without that actor
        by_task[p.task].append(
            Proposal(
                p.start, p.end, labels[p.label], p.score, actors.get(p.target), actors.get(p.holder)
            )
        )
    for statement in statements:
        result.stored += store_suggestions(
            session,
            recommender,
            statement,
            parsed.model_version,
            by_task[statement.id],
            replace_stale=True,
        )
    recommender.active_version = parsed.model_version
    if sum(parsed.dropped.values()):
        record_failure(recommender, _dropped_note(parsed.dropped))
    session.flush()
    return result


def _reason(failure: str | None) -> str:
    return (failure or "unknown").split(":")[0].replace(" ", "_").lower()


def _dropped_note(dropped: Counter) -> str:
    return "dropped " + ", ".join(f"{n} {reason}" for reason, n in sorted(dropped.items()))


def record_failure(recommender: Recommender, message: str) -> None:
    """Keep the last failure on the recommender, for the lead's page."""
    recommender.last_error = message[:1000]
    recommender.last_error_at = utcnow()


def check_server(project: Project, recommender: Recommender) -> dict[str, Any]:
    """Health and set-up of a model server, for the lead's "test connection" (no database)."""
    server = ModelServer.of(recommender)
    health = server.health()
    setup = server.setup(labeling_config(project), project_ref(project))
    return {
        "health": health.body if health.failure is None else None,
        "health_failure": health.failure,
        "setup": setup.body if setup.failure is None else None,
        "setup_failure": setup.failure,
    }
