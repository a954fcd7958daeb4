"""One job-state shape and one progress panel for every background job (annotator.jobs.state).

A suggestion job and an agreement run are read into the same ``JobState``, and their panels
draw the same bar from it: a running job of either kind shows ``<progress max="100"
value=percent>`` and keeps polling; a finished one stops.
"""

from __future__ import annotations

from annotator.jobs.state import job_state
from annotator.models import AgreementRun, SuggestionJob, utcnow

from .suggestion_world import memory_world
from .test_review_helpers import setup

URL = "/p/demo/recommenders"


def test_both_job_tables_read_into_one_shape(session):
    project, _ = setup(session, annotators=("ann1",), statements=1)
    run = AgreementRun(project_id=project.id, state="running", stage="relation alignment", done=50)
    job = SuggestionJob(project_id=project.id, kind="predict", state="running", done=3, total=12)
    session.add_all([run, job])
    session.flush()
    a, b = job_state(run), job_state(job)
    assert (a.state, a.percent, a.stage, a.active) == ("running", 50, "relation alignment", True)
    assert (b.state, b.percent, b.stage, b.done, b.total) == ("running", 25, "", 3, 12)
    assert set(a.as_dict()) == set(b.as_dict())
    job.total, job.state, job.finished_at = None, "done", utcnow()
    assert job_state(job).percent is None and not job_state(job).active


def test_a_running_run_and_a_running_job_draw_the_same_bar(session, login):
    _project, _a, _b, mem = memory_world(session)
    job = SuggestionJob(
        project_id=mem.project_id, recommender_id=mem.id, kind="predict", state="running"
    )
    job.done, job.total = 1, 4
    run = AgreementRun(project_id=mem.project_id, state="running", stage="storing", done=25)
    session.add_all([job, run])
    session.commit()
    client = login("lead")
    panel = client.get(f"{URL}/{mem.id}/jobs", headers={"HX-Request": "true"}).get_data(True)
    bar = 'max="100" value="25"'
    assert bar in panel and "1 of 4" in panel and "every 2s" in panel
    part = client.get(f"/p/demo/review/agreement/runs/{run.id}", headers={"HX-Request": "true"})
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and bar in html and "storing" in html and "every 2s" in html
    run.state, run.done = "failed", 25
    run.error = "RuntimeError: boom"
    session.commit()
    part = client.get(f"/p/demo/review/agreement/runs/{run.id}", headers={"HX-Request": "true"})
    html = part.get_data(as_text=True)
    assert "failed: RuntimeError: boom" in html and "every 2s" not in html
