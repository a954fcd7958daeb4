"""Background jobs on huey: the embedded SQLite queue, ``annotator worker``, and Redis.

Redis tests run when a server answers at ``ANNOTATOR_TEST_REDIS_URL`` (default
redis://127.0.0.1:6379/15); with CI=true an unreachable Redis fails the run instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from sqlalchemy import select

from annotator.jobs import queue
from annotator.models import Recommender, SuggestionJob
from annotator.suggestions import tasks
from annotator.suggestions.jobs import request_job
from annotator.suggestions.recommenders import RecommenderInput, update_recommender

from .suggestion_helpers import SECOND_TEXT, add_statements, demo, recommender, stance

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("ANNOTATOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def wait_for(session, job_id: int, seconds: float = 30, fail: bool = True) -> SuggestionJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.rollback()  # a fresh read each time
        job = session.get(SuggestionJob, job_id, populate_existing=True)
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.1)
    if fail:
        pytest.fail(f"job {job_id} still {job.state} after {seconds} s")
    return job


@pytest.fixture
def memory_project(session):
    project, a = demo(session)
    add_statements(session, project, {"b": SECOND_TEXT})
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    rec = recommender(session, project)
    session.commit()
    return project, rec


@pytest.fixture
def consumer(app):
    running = queue.start_consumer(app)
    yield running
    running.stop(graceful=True)


def test_embedded_sqlite_queue_trains_and_predicts(app, session, memory_project, consumer):
    project, rec = memory_project
    assert queue.queue_address(app).endswith("instance/jobs.sqlite3")
    assert queue.embedded_worker_wanted(app)  # annotator serve starts a consumer thread
    job = request_job(session, project, "train", recommender=rec)
    assert request_job(session, project, "train", recommender=rec).id == job.id  # once
    session.commit()
    tasks.submit(app, job.id)
    done = wait_for(session, job.id)
    assert (done.state, done.error) == ("done", None)
    assert done.counts == {"stance_count": 1, "version": "v1", "stored": 1}
    assert done.done == done.total == 3
    assert done.started_at <= done.finished_at


def test_a_failing_job_is_recorded_for_the_lead(app, session, consumer):
    project, _ = demo(session)
    clf = recommender(session, project, "sentences", "classifier")
    job = request_job(session, project, "train", recommender=clf)
    session.commit()
    tasks.submit(app, job.id)
    failed = wait_for(session, job.id)
    assert failed.state == "failed" and "0 finished statements" in failed.error
    assert "0 finished statements" in session.get(Recommender, clf.id).last_error


def test_the_clock_asks_for_training_after_n_new_stances(app, session, memory_project):
    project, rec = memory_project
    update_recommender(session, project, None, rec, RecommenderInput(settings={"retrain_every": 1}))
    session.commit()
    (job_id,) = tasks.schedule_due(app)
    assert tasks.schedule_due(app) == [job_id]  # still queued: not asked for twice
    job = session.get(SuggestionJob, job_id)
    assert (job.kind, job.recommender_id, job.state) == ("train", rec.id, "queued")
    tasks.execute(app, job_id)
    assert wait_for(session, job_id).state == "done"
    assert tasks.schedule_due(app) == []  # trained on every stance there is


def test_a_failed_training_waits_for_n_more_stances(app, session):
    project, a = demo(session)
    clf = recommender(session, project, "sentences", "classifier", settings={"retrain_every": 1})
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    session.commit()
    (job_id,) = tasks.schedule_due(app)
    tasks.execute(app, job_id)
    assert wait_for(session, job_id).state == "failed"  # nothing finished yet
    assert tasks.schedule_due(app) == []  # not again every minute
    stance(session, project, a, "annotator1", "Mullah regime", "condemnation", "iran")
    session.commit()
    assert len(tasks.schedule_due(app)) == 1
    assert clf.id


def _worker(database_url: str, tmp_path, extra: dict) -> subprocess.Popen:
    env = {**os.environ, "ANNOTATOR_DATABASE_URL": database_url, "ANNOTATOR_SECRET_KEY": "x",
           "ANNOTATOR_INSTANCE_PATH": str(tmp_path / "worker-instance"), **extra}  # fmt: skip
    command = [sys.executable, "-c", "from annotator.cli import main; main()", "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output.decode(errors="replace")


def test_annotator_worker_runs_jobs_from_the_queue_file(
    app, session, memory_project, database_url, tmp_path
):
    project, rec = memory_project
    app.config["QUEUE_FILE"] = str(tmp_path / "shared-queue.sqlite3")
    worker = _worker(database_url, tmp_path, {"ANNOTATOR_QUEUE_FILE": app.config["QUEUE_FILE"]})
    try:
        job = request_job(session, project, "train", recommender=rec)
        session.commit()
        tasks.submit(app, job.id)
        state = wait_for(session, job.id, fail=False).state
    finally:
        output = _stop(worker)
    assert state == "done", output
    assert "Worker on" in output and "shared-queue.sqlite3" in output


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        reason = f"Redis at {REDIS_URL} is unreachable: {exc}"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)


def test_redis_queue_with_a_worker_process(app, session, memory_project, database_url, tmp_path):
    _redis_or_skip()
    project, rec = memory_project
    name = f"annotator-test-{uuid.uuid4().hex[:8]}"
    app.config.update(REDIS_URL=REDIS_URL, QUEUE_NAME=name)
    assert not queue.embedded_worker_wanted(app)  # with Redis, workers run on their own
    worker = _worker(database_url, tmp_path,
                     {"ANNOTATOR_REDIS_URL": REDIS_URL, "ANNOTATOR_QUEUE_NAME": name})  # fmt: skip
    try:
        job = request_job(session, project, "train", recommender=rec)
        session.commit()
        tasks.submit(app, job.id)
        done = wait_for(session, job.id)
        assert done.state == "done" and done.counts["stored"] == 1
    finally:
        output = _stop(worker)
        queue.get_huey(app).storage.flush_all()
    assert REDIS_URL in output
    assert session.scalar(select(SuggestionJob.state).where(SuggestionJob.id == job.id)) == "done"
