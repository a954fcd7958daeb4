"""The lead's recommender page: roles, CSRF, create/edit/delete, figures, queued jobs."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.jobs import queue
from annotator.models import Recommender, SuggestionJob, SuggestionRun, SuggestionView
from annotator.suggestions import suggestions as svc
from annotator.suggestions import tasks
from annotator.suggestions.shown import note_shown

from .conftest import csrf_from
from .suggestion_world import memory_world
from .workspace_helpers import demo

URL = "/p/demo/recommenders"


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _post(client, url, data=None, page=URL):
    token = csrf_from(client.get(page))
    return client.post(url, data={"csrf_token": token, **(data or {})})


@pytest.mark.parametrize("username,status", [("annotator1", 403), ("reviewer", 403)])
def test_only_leads_see_the_page(session, login, username, status):
    demo(session)
    client = login(username)
    assert client.get(URL).status_code == status
    assert client.post(URL, data={"name": "x", "kind": "file"}).status_code in (400, 403)
    assert _count(session, Recommender) == 0


def test_add_an_external_model_and_the_token_never_comes_back(session, login):
    demo(session)
    client = login("lead")
    data = {"name": "bert", "kind": "external", "enabled": "y", "threshold": "0.5",
            "url": "http://127.0.0.1:9090", "timeout": "3", "token": "s3cret-token"}  # fmt: skip
    response = _post(client, URL, data)
    assert response.status_code == 303, response.get_data(as_text=True)
    rec = session.scalar(select(Recommender))
    assert (rec.kind, rec.settings["url"], rec.settings["timeout"]) == (
        "external", "http://127.0.0.1:9090", 3.0)  # fmt: skip
    assert rec.token == "s3cret-token" and rec.threshold == 0.5
    for page in (URL, f"{URL}/{rec.id}"):
        body = client.get(page).get_data(as_text=True)
        assert "s3cret-token" not in body and "bert" in body
    # an edit with the token left empty keeps it; "Remove the token" clears it
    edit = f"{URL}/{rec.id}"
    saved = _post(client, edit, {"name": "bert", "threshold": "0.7", "enabled": "y"}, page=edit)
    assert saved.status_code == 303
    session.expire_all()
    assert (rec.token, rec.threshold) == ("s3cret-token", 0.7)
    _post(client, edit, {"name": "bert", "threshold": "0.7", "clear_token": "y"}, page=edit)
    session.expire_all()
    assert rec.token is None and rec.enabled is False  # the unticked box switched it off


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "Bad Name", "kind": "file"}, "lower-case"),
        ({"name": "bert", "kind": "external"}, "url"),
        ({"name": "bert", "kind": "external", "url": "ftp://x"}, "http(s)"),
        ({"name": "c", "kind": "classifier", "threshold": "2"}, "between"),
        ({"name": "c", "kind": "classifier", "threshold": "nan"}, "between 0 and 1"),
    ],
)
def test_bad_input_is_a_422_and_writes_nothing(session, login, data, message):
    demo(session)
    response = _post(login("lead"), URL, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(session, Recommender) == 0


def test_state_changes_need_the_csrf_token(session, login):
    demo(session)
    client = login("lead")
    response = client.post(URL, data={"name": "m", "kind": "span_memory"})
    assert response.status_code == 400
    assert _count(session, Recommender) == 0


def test_train_now_queues_a_job_and_never_trains_in_the_request(app, session, login):
    project, _a, _b, mem = memory_world(session)
    version = mem.active_version
    client = login("lead")
    response = _post(client, f"{URL}/{mem.id}/train")
    assert response.status_code == 303
    job = session.scalar(select(SuggestionJob).where(SuggestionJob.kind == "train"))
    assert (job.state, job.recommender_id) == ("queued", mem.id)
    assert queue.get_huey(app).pending_count() == 1  # on the SQLite queue
    session.expire_all()
    assert mem.active_version == version  # nothing trained here
    _post(client, f"{URL}/{mem.id}/train")  # the same job while it waits
    assert _count(session, SuggestionJob) == 1
    body = client.get(URL).get_data(as_text=True)
    assert f'id="jobs-{mem.id}"' in body and 'hx-trigger="every 2s"' in body
    run = _post(client, f"{URL}/{mem.id}/run")
    assert run.status_code == 303
    assert _count(session, SuggestionJob, SuggestionJob.kind == "predict") == 1


def test_the_jobs_panel_polls_while_busy_and_stops_when_done(app, session, login):
    _project, _a, _b, mem = memory_world(session)
    client = login("lead")
    _post(client, f"{URL}/{mem.id}/train")
    job_id = session.scalar(select(SuggestionJob.id))
    panel = client.get(f"{URL}/{mem.id}/jobs", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "<html" not in panel.get_data(as_text=True)
    assert "every 2s" in panel.get_data(as_text=True) and "waiting for a worker" in panel.get_data(
        as_text=True
    )
    session.commit()  # end this test's read, as a page request would
    tasks.execute(app, job_id)  # what a worker does
    session.expire_all()
    panel = client.get(f"{URL}/{mem.id}/jobs", headers={"HX-Request": "true"}).get_data(True)
    assert "every 2s" not in panel and "state-done" in panel and 'value="100"' in panel
    assert client.get(f"{URL}/{mem.id}/jobs").get_data(as_text=True).startswith("<!")


def test_figures_acceptance_rate_and_dropped_items(session, login):
    project, _a, b, mem = memory_world(session)
    two = get_user(session, "annotator2")
    one = get_user(session, "annotator1")
    first, second = svc.list_suggestions(session, project, b, two)
    note_shown(session, two, [first, second])
    note_shown(session, two, [first])  # shown again: still once
    note_shown(session, one, [first])
    svc.accept_suggestion(session, project, b, two, first.id)
    session.execute(SuggestionRun.__table__.update().values(dropped=3))
    mem.last_error = "TimeoutError: model server did not answer"
    session.commit()
    assert _count(session, SuggestionView) == 3
    body = login("lead").get(URL).get_data(as_text=True)
    # annotator2: 1 accepted of 2 shown; annotator1: 1 shown, undecided -> 1 of 3
    assert "33.3 %" in body and "1 accepted of 3 shown" in body
    assert "3 dropped" in body and "model server did not answer" in body
    assert "Held-out precision" in body and mem.active_version in body


def test_delete_is_refused_once_suggestions_were_decided(session, login):
    project, _a, b, mem = memory_world(session)
    two = get_user(session, "annotator2")
    first = svc.list_suggestions(session, project, b, two)[0]
    svc.reject_suggestion(session, project, b, two, first.id)
    session.commit()
    client = login("lead")
    _post(client, f"{URL}/{mem.id}/delete")
    assert _count(session, Recommender) == 1
    assert "disable it instead" in client.get(URL).get_data(as_text=True)
    other = _post(client, URL, {"name": "spare", "kind": "file"})
    assert other.status_code == 303
    spare = session.scalar(select(Recommender).where(Recommender.name == "spare"))
    assert _post(client, f"{URL}/{spare.id}/delete").status_code == 303
    assert _count(session, Recommender) == 1


def test_another_projects_recommender_is_not_found(session, login):
    _project, _a, _b, mem = memory_world(session)
    client = login("lead")
    assert client.get(f"{URL}/{mem.id + 1000}").status_code == 404
    assert _post(client, f"{URL}/{mem.id + 1000}/train").status_code == 404
