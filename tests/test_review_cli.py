"""The agreement and adjudicate commands, including their failure cases."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from annotator.agreement.stances import METRICS
from annotator.models import Stance
from annotator.review.review import NO_STATEMENT

from .test_review_helpers import done, mark, setup


def _finished(session):
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Russia claims victory", label="claim", target=None)
    done(session, project, st, "ann1", "ann2")
    return project, st


def test_agreement_json_has_every_key(app, session, runner):
    _finished(session)
    result = runner.invoke(args=["agreement", "rev", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = set(METRICS) | {"per_label", "pairs", "n_statements", "n_stances", "notes"}
    assert expected <= set(data)
    assert data["n_statements"] == 1 and data["n_stances"] == 3
    assert data["span_f1_exact"] == round(2 / 3, 4)
    assert data["pairs"][0]["a"] == "ann1"


def test_agreement_text_table(app, session, runner):
    _finished(session)
    result = runner.invoke(args=["agreement", "rev"])
    assert result.exit_code == 0, result.output
    assert "1 statements, 3 stances" in result.output
    assert "span_f1_exact" in result.output and "condemnation" in result.output
    assert "ann1 / ann2" in result.output


def test_agreement_unknown_project_exits_1(app, runner):
    result = runner.invoke(args=["agreement", "nope"])
    assert result.exit_code == 1
    assert "Unknown project 'nope'" in result.output


def test_agreement_without_finished_statements_explains_and_exits_0(app, session, runner):
    project, (st,) = setup(session)
    mark(session, project, st, "ann1", "Iran condemns Israel")
    mark(session, project, st, "ann2", "Iran condemns Israel")
    session.commit()
    result = runner.invoke(args=["agreement", "rev", "--json"])
    assert result.exit_code == 0
    assert NO_STATEMENT in result.stderr
    data = json.loads(result.stdout)
    assert data["n_statements"] == 0 and data["notes"][0] == NO_STATEMENT
    unfinished = runner.invoke(args=["agreement", "rev", "--json", "--include-unfinished"])
    assert json.loads(unfinished.stdout)["n_statements"] == 1


def test_adjudicate_auto_is_idempotent(app, session, runner):
    _finished(session)
    first = runner.invoke(args=["adjudicate", "rev", "--auto"])
    assert first.exit_code == 0, first.output
    assert "Accepted 1 unanimous stance(s) and 0 relation(s)" in first.output
    second = runner.invoke(args=["adjudicate", "rev", "--auto"])
    assert "Accepted 0 unanimous" in second.output
    session.commit()
    assert session.scalar(select(func.count()).where(Stance.is_gold)) == 1


def test_adjudicate_failures_exit_1(app, session, runner):
    _finished(session)
    assert runner.invoke(args=["adjudicate", "nope", "--auto"]).exit_code == 1
    result = runner.invoke(args=["adjudicate", "rev"])
    assert result.exit_code == 1 and "Only --auto" in result.output
    session.commit()
    assert session.scalar(select(func.count()).where(Stance.is_gold)) == 0
