"""``annotator suggest ...``: thin commands, one transaction each, one-line errors."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from annotator.models import Recommender, Suggestion, SuggestionJob

from .suggestion_helpers import SECOND_TEXT, add_statements, demo, stance


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def prediction(statement, phrase, label="claim", target="iran", **extra):
    start = statement.text.index(phrase)
    record = {
        "statement_id": statement.external_id,
        "start": start,
        "end": start + len(phrase),
        "text": phrase,
        "label": label,
        "target": {"id": target, "name": "Iran"},
        "score": 0.8,
        "model": "gpt-x-2024",
    }
    return json.dumps(record | extra, ensure_ascii=False)


def test_add_list_train_run_stats_and_jobs(runner, session, monkeypatch):
    project, a = demo(session)
    b = add_statements(session, project, {"b": SECOND_TEXT})["b"]
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    session.commit()
    monkeypatch.setenv("MODEL_TOKEN", "tok-123")
    out = runner.invoke(args=["suggest", "add", "demo", "memory", "--kind", "span_memory"])
    assert out.exit_code == 0, out.output
    ext = [
        "suggest",
        "add",
        "demo",
        "remote",
        "--kind",
        "external",
        "--set",
        "url=http://127.0.0.1:9",
        "--set",
        "timeout=0.5",
        "--token-env",
        "MODEL_TOKEN",
    ]
    assert runner.invoke(args=ext).exit_code == 0
    listed = runner.invoke(args=["suggest", "list", "demo"]).output
    assert "tok-123" not in listed and '"has_token": true' in listed
    trained = runner.invoke(args=["suggest", "train", "demo"])
    assert trained.exit_code == 0, trained.output
    job = json.loads(trained.output)
    assert (job["state"], job["counts"]["version"], job["counts"]["stored"]) == ("done", "v1", 1)
    assert count(session, Suggestion) == 1  # "Teheran claims" on statement b
    again = runner.invoke(
        args=["suggest", "run", "demo", "--recommender", "memory", "--statement", "b"]
    )
    assert json.loads(again.output)["counts"] == {"stored": 0}
    down = runner.invoke(args=["suggest", "run", "demo", "--recommender", "remote"])
    assert down.exit_code == 0, down.output  # a model server that is down costs nothing
    counts = json.loads(down.output)["counts"]
    assert counts["failed_batches"] == 1 and counts["stored"] == 0
    session.expire_all()
    remote = session.scalar(select(Recommender).where(Recommender.name == "remote"))
    assert remote.last_error.startswith("unreachable")
    stats = runner.invoke(args=["suggest", "stats", "demo", "--json"])
    assert json.loads(stats.output)["recommenders"][0]["shown"] == 0
    jobs = runner.invoke(args=["suggest", "jobs", "demo"]).output.splitlines()
    assert [json.loads(j)["kind"] for j in jobs] == ["predict", "predict", "train"]
    assert b.id


def test_import_is_all_or_nothing_with_file_and_line(runner, session, tmp_path):
    project, a = demo(session)
    session.commit()
    good = tmp_path / "preds.jsonl"
    good.write_text(
        prediction(a, "Teheran claims")
        + "\n\n"
        + prediction(a, "Mullah regime", "condemnation", score=0.4)
        + "\n",
        encoding="utf-8",
    )
    out = runner.invoke(args=["suggest", "import", "demo", str(good)])
    assert out.exit_code == 0, out.output
    assert "Imported 2 new suggestions from 2 lines" in out.output
    rows = session.scalars(select(Suggestion).order_by(Suggestion.start)).all()
    assert {(r.text, r.model_version, r.score) for r in rows} == {
        ("Teheran claims", "gpt-x-2024", 0.8),
        ("Mullah regime", "gpt-x-2024", 0.4),
    }
    assert runner.invoke(args=["suggest", "import", "demo", str(good)]).exit_code == 0
    assert count(session, Suggestion) == 2  # importing again adds nothing


def test_import_errors_name_file_line_and_field(runner, session, tmp_path):
    _project, a = demo(session)
    session.commit()
    cases = [
        (prediction(a, "Teheran claims", text="Tehran claims"), "bad.jsonl:2: text:"),
        (prediction(a, "Teheran claims", label="rumour"), "bad.jsonl:2: label:"),
        (prediction(a, "Teheran claims", score=2), "bad.jsonl:2: score:"),
        (prediction(a, "Teheran claims", model=""), "bad.jsonl:2: model:"),
        (prediction(a, "Teheran claims", target="atlantis"), "bad.jsonl:2: target.id:"),
        (prediction(a, "Teheran claims", statement_id="nope"), "bad.jsonl:2: statement_id:"),
        (prediction(a, "Teheran claims", end=10**6), "bad.jsonl:2: end:"),
        ('{"statement_id": 1', "bad.jsonl:2: invalid JSON"),
    ]
    bad = tmp_path / "bad.jsonl"
    for line, message in cases:
        bad.write_text(prediction(a, "Mullah regime") + "\n" + line + "\n", encoding="utf-8")
        out = runner.invoke(args=["suggest", "import", "demo", str(bad)])
        assert out.exit_code == 1 and message in out.output, (line, out.output)
        assert "nothing was imported" in out.output
    assert count(session, Suggestion) == 0 and count(session, Recommender) == 0
    assert count(session, SuggestionJob) == 0


def test_unknown_project_and_recommender_fail_in_one_line(runner, session):
    demo(session)
    session.commit()
    for args in (
        ["suggest", "train", "nope"],
        ["suggest", "run", "demo", "--recommender", "x"],
        ["suggest", "train", "demo"],
    ):
        out = runner.invoke(args=args)
        assert out.exit_code == 1 and len(out.output.strip().splitlines()) == 1, out.output
