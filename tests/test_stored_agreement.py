"""The stored agreement: a run equals the direct computation, fully and incrementally.

Generated data through the services (several statements, three annotators, stances and
relations); runs on SQLite and, with ANNOTATOR_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import json
import random

from annotator.accounts.users import find_user
from annotator.annotation.relations import RelationInput, create_relation
from annotator.annotation.stances import StanceInput, create_stance
from annotator.models import AgreementRun, Stance, StatementAgreement
from annotator.review import stored_agreement as sa
from annotator.review.agreement_jobs import run_now
from annotator.review.agreement_report import agreement_report

from .test_review_helpers import done, setup

WHO = ("ann1", "ann2", "ann3")
LABELS = ("condemnation", "claim", "support")
TARGETS = ("israel", "usa", "iran")


def _generate(session, statements=6, seed=3):
    """Each annotator copies three reference stances with noise and links some of them."""
    rnd = random.Random(seed)
    project, sts = setup(session, annotators=WHO, statements=statements)
    for st in sts:
        ref = [(0, 20), (22, 45), (47, 68)]
        for who in WHO:
            user, made = find_user(session, who), []
            for start, end in ref:
                if rnd.random() < 0.2:
                    continue
                s, e = start + rnd.choice((0, 0, 2)), end - rnd.choice((0, 0, 3))
                data = StanceInput(s, e, st.text[s:e], rnd.choice(LABELS), rnd.choice(TARGETS))
                made.append(create_stance(session, project, st, user, data))
            if len(made) >= 2 and rnd.random() < 0.8:
                kind = rnd.choice(("supports", "attacks"))
                create_relation(
                    session, project, st, user, RelationInput(made[0].id, made[1].id, kind)
                )
        done(session, project, st, *WHO)
    session.commit()
    return project, sts


def _names():
    return {}


def _direct(session, project, names):
    return agreement_report(session, project, names, intervals=True)


def _run(session, project):
    run = sa.request_run(session, project, None)
    session.commit()
    run_now(session, run.id)
    return session.get(AgreementRun, run.id, populate_existing=True)


def _comparable(report: dict) -> str:
    report = dict(report)
    report.pop("stored", None)
    return json.dumps(report, sort_keys=True, default=str)


def _names_of(session, project):
    from annotator.review.review import annotator_names

    return annotator_names(session, project, hide=False)


def test_full_run_equals_the_direct_computation(app, session):
    project, sts = _generate(session)
    names = _names_of(session, project)
    run = _run(session, project)
    assert run.state == "done", run.error
    assert run.recomputed == len(sts) and run.reused == 0
    stored = sa.stored_report(session, project, names)
    assert stored["relations"]["n_relations"] > 0 and stored["relations"]["pairs"]
    assert stored["intervals"]["project"] and stored["relations"]["intervals"]["project"]
    assert _comparable(stored) == _comparable(_direct(session, project, names))
    assert stored["stored"]["run"] == run.id and stored["stored"]["stale"] is False


def test_incremental_run_after_one_edit_equals_the_direct_computation(app, session):
    project, sts = _generate(session)
    names = _names_of(session, project)
    _run(session, project)
    before = sa.stored_report(session, project, names)
    # ann1 widens one stance on the third statement: only that statement is compared again.
    stance = session.query(Stance).filter_by(statement_id=sts[2].id).first()
    stance.start = 0
    stance.end = 30
    session.commit()
    assert sa.stored_report(session, project, names)["stored"]["stale"] is True
    run = _run(session, project)
    assert (run.recomputed, run.reused) == (1, len(sts) - 1)
    stored = sa.stored_report(session, project, names)
    assert stored["stored"]["stale"] is False
    assert _comparable(stored) == _comparable(_direct(session, project, names))
    assert _comparable(stored) != _comparable(before)  # the edit shows


def test_stored_statement_figures_match_the_queue_computation(app, session):
    from annotator.agreement.stances import stance_agreement_by_statement
    from annotator.review.agreement_input import load_input

    project, sts = _generate(session)
    _run(session, project)
    own = sa.stored_stance_agreement(session, project, [s.id for s in sts])
    data = load_input(session, project, False)
    assert own == stance_agreement_by_statement(data.units, data.stances)
    assert session.query(StatementAgreement).count() == len(sts)


def test_unchanged_data_reuses_every_statement(app, session):
    project, sts = _generate(session, statements=3)
    _run(session, project)
    run = _run(session, project)
    assert (run.recomputed, run.reused) == (0, 3)


def test_a_failing_run_says_why_and_keeps_the_last_result(app, session, monkeypatch):
    project, _ = _generate(session, statements=2)
    first = _run(session, project)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sa, "agreement_report", broken)
    run = _run(session, project)
    assert run.state == "failed" and "disk full" in run.error
    assert sa.latest_run(session, project, False).id == first.id


def test_no_run_means_no_stored_report(app, session):
    project, _ = _generate(session, statements=1)
    assert sa.stored_report(session, project, {}) is None
    assert _names() == {}


# --- the page, the CLI and the API ---------------------------------------------------------


def test_page_recompute_button_queues_a_run_and_the_page_reads_it(app, session, client, login):
    from .conftest import csrf_from

    project, _ = _generate(session, statements=3)
    login("rev")
    page = client.get("/p/rev/review/agreement")
    html = page.get_data(as_text=True)
    assert 'id="ag-recompute"' in html and "Computed now for this page" in html
    refused = client.post("/p/rev/review/agreement/recompute", data={})
    assert refused.status_code == 400 and session.query(AgreementRun).count() == 0
    sent = client.post("/p/rev/review/agreement/recompute", data={"csrf_token": csrf_from(page)})
    assert sent.status_code == 303
    run = session.query(AgreementRun).one()
    assert run.state == "queued" and run.requested_by_id == find_user(session, "rev").id
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "waiting for a worker" in html and 'hx-trigger="every 2s"' in html
    run_now(session, run.id)
    part = client.get(f"/p/rev/review/agreement/runs/{run.id}", headers={"HX-Request": "true"})
    assert "done in" in part.get_data(as_text=True) and "hx-trigger" not in part.get_data(
        as_text=True
    )
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert f"(run {run.id}," in html and 'id="ag-current"' in html


def test_page_says_stale_after_an_edit(app, session, client, login, monkeypatch):
    project, sts = _generate(session, statements=2)
    _run(session, project)
    stance = session.query(Stance).filter_by(statement_id=sts[0].id).first()
    stance.end = stance.end - 1
    session.commit()
    login("boss")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Annotations of 1 statement changed since" in html
    monkeypatch.setattr(sa, "SCAN_CAP", 0)  # the count stops at the first edits it reads
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Annotations of more than 1 statements changed since" in html
    body = client.get("/api/v1/projects/rev/agreement", headers=_token(session)).get_json()
    assert body["stored"]["changed_more"] and body["stored"]["stale"]


def _token(session, username: str = "boss") -> dict:
    from annotator.accounts.tokens import create_token

    token = create_token(session, find_user(session, username), "t")[1]
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_annotators_cannot_recompute_or_see_runs(app, session, client, login):
    from .conftest import csrf_from

    project, _ = _generate(session, statements=1)
    run = _run(session, project)
    login("ann1")
    token = csrf_from(client.get("/"))
    sent = client.post("/p/rev/review/agreement/recompute", data={"csrf_token": token})
    assert sent.status_code in (403, 404) and session.query(AgreementRun).count() == 1
    assert client.get(f"/p/rev/review/agreement/runs/{run.id}").status_code in (403, 404)
    login("rev")
    assert client.get("/p/rev/review/agreement/runs/99999").status_code == 404


def test_cli_store_then_reads_the_stored_result(app, session, runner):
    project, _ = _generate(session, statements=3)
    out = runner.invoke(args=["agreement", "rev", "--json", "--store"])
    assert out.exit_code == 0, out.output
    assert "Stored run" in out.stderr
    stored = json.loads(out.stdout)
    assert stored["stored"]["stale"] is False and "intervals" not in stored
    fresh = json.loads(runner.invoke(args=["agreement", "rev", "--json", "--fresh"]).stdout)
    assert "stored" not in fresh
    assert _comparable(stored) == _comparable(fresh)
    again = runner.invoke(args=["agreement", "rev", "--json", "--intervals", "200"])
    assert "intervals" in json.loads(again.stdout) and "Stored result of" in again.stderr


def test_api_reads_the_stored_result(app, session, client):
    from annotator.accounts.tokens import create_token

    project, _ = _generate(session, statements=2)
    token = create_token(session, find_user(session, "rev"), "t")[1]
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    direct = client.get("/api/v1/projects/rev/agreement", headers=headers).get_json()
    assert "stored" not in direct
    run = _run(session, project)
    body = client.get("/api/v1/projects/rev/agreement", headers=headers).get_json()
    assert body["stored"]["run"] == run.id and "intervals" not in body
    assert _comparable(body) == _comparable(direct)


def test_sparse_sums_give_the_dense_intervals(app, session, monkeypatch):
    """Above DENSE_CELLS the per-statement tables are kept sparse: the same intervals."""
    from annotator.agreement import resampling

    project, _ = _generate(session, statements=8, seed=5)
    names = _names_of(session, project)
    dense = _direct(session, project, names)
    monkeypatch.setattr(resampling, "DENSE_CELLS", 0)
    sparse = _direct(session, project, names)
    assert dense["intervals"]["project"] and dense["relations"]["intervals"]["project"]
    assert _comparable(sparse) == _comparable(dense)


def test_hidden_names_are_letters_in_the_stored_result_too(app, session, client, login):
    project, _ = _generate(session, statements=2)
    project.hide_annotator_names = True
    session.commit()
    _run(session, project)
    login("rev")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Stored result of" in html and "Annotator A / Annotator B" in html
    assert "ann1" not in html
    login("boss")
    html = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "ann1 / ann2" in html


def test_the_job_queue_runs_a_recompute(app, session):
    """The real huey queue (SQLite file in the instance folder) and a consumer thread."""
    import time

    from annotator.jobs import queue
    from annotator.review import agreement_jobs

    project, _ = _generate(session, statements=2)
    run = sa.request_run(session, project, None)
    assert sa.request_run(session, project, None).id == run.id  # one waiting run per scope
    session.commit()
    consumer = queue.start_consumer(app, periodic=False)
    try:
        agreement_jobs.submit(app, run.id)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            session.rollback()
            done = session.get(AgreementRun, run.id, populate_existing=True)
            if done.state in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert (done.state, done.error) == ("done", None)
    assert done.done == done.total and done.started_at <= done.finished_at


def test_hidden_letters_of_a_stored_run_are_the_projects_letters(app, session, client, login):
    """A reviewer's "Annotator B" is one person on every page: an annotator the run did not
    count (assigned, nothing done) keeps their letter, and the others keep theirs."""
    from .test_review_helpers import mark

    project, (st,) = setup(session, annotators=("ann0", "ann1", "ann2"), hide=True)
    for who in ("ann1", "ann2"):
        mark(session, project, st, who, "Iran condemns Israel")
    done(session, project, st, "ann1", "ann2")
    _run(session, project)
    login("rev")
    stored = client.get("/p/rev/review/agreement").get_data(as_text=True)
    assert "Stored result of" in stored and "Annotator B / Annotator C" in stored
    board = client.get(f"/p/rev/review/s/{st.id}").get_data(as_text=True)
    assert "Annotator B" in board and "Annotator C" in board and "ann1" not in board
    api = client.get("/api/v1/projects/rev/agreement", headers=_token(session, "rev"))
    assert {(p["a"], p["b"]) for p in api.get_json()["pairs"]} == {("Annotator B", "Annotator C")}
