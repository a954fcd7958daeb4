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
                data = StanceInput(
                    s, e, st.text[s:e], rnd.choice(LABELS), rnd.choice(TARGETS)
                )
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
    from annotator.review.review import load_agreement_input

    project, sts = _generate(session)
    _run(session, project)
    own = sa.stored_stance_agreement(session, project, [s.id for s in sts])
    units, marks = load_agreement_input(session, project)
    assert own == stance_agreement_by_statement(units, marks)
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
