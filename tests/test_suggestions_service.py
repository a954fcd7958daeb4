"""Suggestion services on a real database: recommenders, listing, accept/reject, training."""

from __future__ import annotations

import random
import threading
import time

import pytest
from sqlalchemy import func, select

from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.extensions import db
from annotator.models import (
    AuditEvent,
    Project,
    Recommender,
    Stance,
    Statement,
    Suggestion,
    SuggestionDecision,
    SuggestionRun,
    User,
)
from annotator.suggestions import suggestions as svc
from annotator.suggestions.packing import PACKED, unpack
from annotator.suggestions.recommenders import (
    RecommenderInput,
    active_model,
    create_recommender,
    delete_recommender,
    describe_recommender,
    update_recommender,
)
from annotator.suggestions.stats import suggestion_stats
from annotator.suggestions.training import refresh_statement, train_recommender, training_due

from .factories import make_project, make_user
from .suggestion_helpers import (
    SECOND_TEXT,
    add_statements,
    demo,
    get_user,
    mark_done,
    recommender,
    rule_sentence,
    stance,
)


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def memory_world(session):
    """Demo statement A with annotator1's stances; statement B repeats their texts."""
    project, a = demo(session)
    b = add_statements(session, project, {"b": SECOND_TEXT})["b"]
    stance(session, project, a, "annotator1", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator2", "Teheran claims", "claim", "iran")
    stance(session, project, a, "annotator1", "Mullah regime", "condemnation", "iran")
    mem = recommender(session, project)
    train_recommender(session, project, mem)
    session.commit()
    return project, a, b, mem


def test_recommender_crud_keeps_the_token_out_of_sight(session):
    project, _ = demo(session)
    lead, annotator = get_user(session, "lead"), get_user(session, "annotator1")
    data = RecommenderInput(
        name="bert",
        kind="external",
        token="s3cret-token",
        settings={"url": "http://127.0.0.1:9/", "timeout": 2},
    )
    rec = create_recommender(session, project, lead, data)
    shown = describe_recommender(rec)
    assert shown["has_token"] and "s3cret-token" not in repr(shown) + repr(rec)
    assert shown["settings"] == {
        "url": "http://127.0.0.1:9/",
        "timeout": 2,
        "batch_size": 20,
        "webhooks": False,
        "auth_scheme": "Bearer",
    }
    update_recommender(session, project, lead, rec, RecommenderInput(token="other", threshold=0.4))
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "recommender")).all()
    assert [e.action for e in events] == ["create", "update"]
    assert "s3cret" not in repr([e.data for e in events]) and events[1].data["token_changed"]
    assert rec.token == "other" and rec.threshold == 0.4
    with pytest.raises(Forbidden):
        create_recommender(session, project, annotator, RecommenderInput(name="x", kind="file"))
    with pytest.raises(Conflict):
        create_recommender(session, project, lead, RecommenderInput(name="bert", kind="file"))
    delete_recommender(session, project, lead, rec)
    assert describe_recommender(rec)["name"] == "bert"


@pytest.mark.parametrize(
    "data,field",
    [
        (RecommenderInput(name="Bad Name", kind="file"), "name"),
        (RecommenderInput(name="x", kind="magic"), "kind"),
        (RecommenderInput(name="x", kind="external"), "url"),
        (RecommenderInput(name="x", kind="external", settings={"url": "ftp://h/"}), "url"),
        (RecommenderInput(name="x", kind="span_memory", settings={"colour": 1}), "colour"),
        (RecommenderInput(name="x", kind="file", threshold=1.5), "threshold"),
        (RecommenderInput(name="x", kind="file", token="a\nb"), "token"),
    ],
)
def test_bad_recommender_input_writes_nothing(session, data, field):
    project, _ = demo(session)
    with pytest.raises(Invalid) as err:
        create_recommender(session, project, None, data)
    assert err.value.field == field
    assert count(session, Recommender) == 0


def test_span_memory_proposes_learned_spans_elsewhere_only(session, memory_world):
    project, a, b, mem = memory_world
    user = get_user(session, "annotator2")
    assert refresh_statement(session, project, b) == 2
    assert refresh_statement(session, project, b) == 0  # this version already ran there
    listed = svc.list_suggestions(session, project, b, user)
    assert [(s.text, s.label.key, s.target.key if s.target else None) for s in listed] == [
        ("Teheran claims", "claim", "iran"),
        ("Mullah regime", "condemnation", "iran"),
    ]
    assert listed[0].score == 1.0 and listed[0].model_version == mem.active_version
    refresh_statement(session, project, a)  # learned from A alone: never proposed back on A
    assert svc.list_suggestions(session, project, a, user) == []


def test_accept_makes_the_annotators_own_stance_once(session, memory_world):
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    user = get_user(session, "annotator2")
    first = svc.list_suggestions(session, project, b, user)[0]
    made = svc.accept_suggestion(session, project, b, user, first.id)
    session.commit()
    assert (made.annotator_id, made.origin_suggestion_id, made.version) == (user.id, first.id, 1)
    assert svc.stance_origins(session, [made.id, 0]) == {
        made.id: {
            "recommender": "memory",
            "kind": "span_memory",
            "model_version": "v1",
            "score": 1.0,
        }
    }
    assert made.text == "Teheran claims" and made.holder.key == "rcit"
    with pytest.raises(Conflict) as err:  # the second tab
        svc.accept_suggestion(session, project, b, user, first.id)
    session.rollback()
    assert err.value.status == 409 and err.value.current.stance_id == made.id
    assert count(session, Stance, Stance.statement_id == b.id) == 1
    assert count(session, SuggestionDecision) == 1
    assert [s.text for s in svc.list_suggestions(session, project, b, user)] == ["Mullah regime"]
    other = get_user(session, "annotator1")  # blind: their list ignores annotator2's decision
    assert len(svc.list_suggestions(session, project, b, other)) == 2


def test_reject_hides_it_from_that_annotator_and_is_idempotent(session, memory_world):
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    user = get_user(session, "annotator2")
    first = svc.list_suggestions(session, project, b, user)[0]
    once = svc.reject_suggestion(session, project, b, user, first.id)
    twice = svc.reject_suggestion(session, project, b, user, first.id)
    assert once.id == twice.id and once.decision == "reject" and once.stance_id is None
    assert first.id not in [s.id for s in svc.list_suggestions(session, project, b, user)]
    with pytest.raises(Conflict):
        svc.accept_suggestion(session, project, b, user, first.id)
    assert count(session, Stance, Stance.statement_id == b.id) == 0


def test_only_assigned_annotators_decide(session, memory_world):
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    suggestion_id = svc.list_suggestions(session, project, b, get_user(session, "annotator2"))[0].id
    outsider = make_user(session, "outsider")
    with pytest.raises(Forbidden):
        svc.accept_suggestion(session, project, b, outsider, suggestion_id)
    with pytest.raises(Forbidden):
        svc.list_suggestions(session, project, b, outsider)
    other = make_project(session, "other")
    with pytest.raises(NotFound):
        svc.accept_suggestion(session, other, b, get_user(session, "annotator2"), suggestion_id)
    with pytest.raises(NotFound):
        svc.accept_suggestion(session, project, b, get_user(session, "annotator2"), 999_999)
    assert count(session, Stance, Stance.statement_id == b.id) == 0


def test_accept_with_edits_and_stance_rules(session, memory_world):
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    user = get_user(session, "annotator2")
    condemnation = svc.list_suggestions(session, project, b, user)[1]
    made = svc.accept_suggestion(
        session, project, b, user, condemnation.id, svc.SuggestionEdit(target="israel", note="x")
    )
    assert made.target.key == "israel" and made.note == "x" and made.label.key == "condemnation"
    claim = svc.list_suggestions(session, project, b, user)[0]
    with pytest.raises(Invalid):  # the stance service's rule: condemnation needs a target
        svc.accept_suggestion(
            session, project, b, user, claim.id, svc.SuggestionEdit(label="condemnation", target="")
        )


def test_own_stances_hide_suggestions_and_overlap_rule(session, memory_world):
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    user = get_user(session, "annotator2")
    stance(session, project, b, "annotator2", "Teheran claims", "claim", "iran")
    assert [s.text for s in svc.list_suggestions(session, project, b, user)] == ["Mullah regime"]
    stance(session, project, b, "annotator2", "the Mullah", "claim")
    assert len(svc.list_suggestions(session, project, b, user)) == 1  # overlaps are allowed
    project.allow_overlap = False
    assert svc.list_suggestions(session, project, b, user) == []


def test_threshold_switch_and_stale_versions(session, memory_world):
    project, a, b, mem = memory_world
    refresh_statement(session, project, b)
    user = get_user(session, "annotator2")
    mem.threshold = 0.9
    assert len(svc.list_suggestions(session, project, b, user)) == 2
    mem.enabled = False
    assert svc.list_suggestions(session, project, b, user) == []
    mem.enabled, mem.threshold = True, 0.0
    decided = svc.list_suggestions(session, project, b, user)[0]
    svc.reject_suggestion(session, project, b, user, decided.id)
    second = train_recommender(session, project, mem)  # a new version withdraws undecided ones
    assert second.version == "v2" and mem.active_version == "v2"
    assert count(session, Suggestion) == 1  # the decided one stays
    assert count(session, SuggestionRun) == 0
    assert refresh_statement(session, project, b) == 2
    assert len(svc.list_suggestions(session, project, b, user)) == 2  # v2's are new ones


def test_training_due_after_n_new_stances(session, memory_world):
    project, a, _b, mem = memory_world
    update_recommender(session, project, None, mem, RecommenderInput(settings={"retrain_every": 2}))
    assert not training_due(session, project, mem)
    stance(session, project, a, "annotator2", "Mullah regime", "condemnation", "iran")
    assert not training_due(session, project, mem)
    stance(session, project, a, "annotator2", "Islamabad", "claim")
    assert training_due(session, project, mem)


def test_stats_define_shown(session, memory_world):
    project, _a, b, mem = memory_world
    refresh_statement(session, project, b)
    one, two = get_user(session, "annotator1"), get_user(session, "annotator2")
    first, second = svc.list_suggestions(session, project, b, two)
    svc.accept_suggestion(session, project, b, two, first.id)
    svc.reject_suggestion(session, project, b, two, second.id)
    mark_done(session, project, b, "annotator1")  # left both alone: both ignored
    stats = suggestion_stats(session, project)
    rows = {r["annotator"]: r for r in stats["annotators"]}
    assert rows["annotator2"] == {
        "recommender": "memory",
        "annotator": "annotator2",
        "accepted": 1,
        "rejected": 1,
        "ignored": 0,
        "shown": 2,
        "acceptance_rate": 0.5,
    }
    assert (rows["annotator1"]["ignored"], rows["annotator1"]["shown"]) == (2, 2)
    assert stats["recommenders"][0]["shown"] == 4 and "ignored" in stats["shown"]
    assert one.id != two.id
    with pytest.raises(Forbidden):
        suggestion_stats(session, project, two)


def test_suggestions_are_nobodys_work(session, memory_world):
    """Agreement, review and export read stances: storing suggestions adds none."""
    project, _a, b, _ = memory_world
    before = count(session, Stance)
    refresh_statement(session, project, b)
    assert count(session, Suggestion) == 2 and count(session, Stance) == before


def _classifier_world(session, n_statements=100, seed=7):
    project, _ = demo(session)
    rng = random.Random(seed)
    texts, truth = {}, {}
    for i in range(n_statements):
        sentences = [rule_sentence(rng) for _ in range(4)]
        texts[f"gen-{i}"] = " ".join(s for s, _, _ in sentences)
        truth[f"gen-{i}"] = sentences
    statements = add_statements(session, project, texts, assign=("annotator1",))
    for key, statement in list(statements.items())[: n_statements - 10]:
        for sentence, label, actor in truth[key]:
            if label:
                target = actor.lower()
                stance(session, project, statement, "annotator1", sentence, label, target)
        mark_done(session, project, statement, "annotator1")
    session.commit()
    return project, statements


def test_classifier_learns_the_rule_and_proposes_targets(session):
    project, statements = _classifier_world(session)
    clf = recommender(session, project, "sentences", "classifier", min_precision=0.8)
    model = train_recommender(session, project, clf)
    baseline = model.metrics["baseline"]
    assert model.precision >= 0.9 and model.recall >= 0.8
    assert model.metrics["accuracy"] > baseline["accuracy"] + 0.3
    assert baseline["recall"] == 0.0 and model.metrics["statements"] == 90
    assert model.artefact["packed"] == PACKED and set(model.artefact) == {"packed", "data"}
    assert "coef" in unpack(model.artefact)  # JSON inside, never pickle
    last = statements["gen-99"]  # never annotated: open
    assert refresh_statement(session, project, last) >= 1
    listed = svc.list_suggestions(session, project, last, get_user(session, "annotator1"))
    assert listed and all(s.recommender.kind == "classifier" for s in listed)
    for s in listed:
        assert s.text in last.text and s.label.key in ("claim", "condemnation", "support")
        assert s.target is not None and s.target.name.lower() in s.text.lower()
    clf.min_precision = model.precision + 0.01  # the lead asks for more than it reached
    assert svc.list_suggestions(session, project, last, get_user(session, "annotator1")) == []


def _as_stored_before_packing(session, model) -> None:
    """The row as an older version wrote it (plain JSON), and not in this process's cache."""
    model.artefact = unpack(model.artefact)
    model.trained_at = model.trained_at.replace(microsecond=1)
    session.flush()
    session.expire(model)
    assert "packed" not in model.artefact and "format" in model.artefact


def test_a_classifier_stored_before_packing_still_proposes(session):
    project, statements = _classifier_world(session)
    clf = recommender(session, project, "old", "classifier")
    _as_stored_before_packing(session, train_recommender(session, project, clf))
    assert refresh_statement(session, project, statements["gen-99"]) >= 1


def test_a_span_memory_stored_before_packing_still_proposes(session, memory_world):
    project, _a, _b, mem = memory_world
    _as_stored_before_packing(session, active_model(session, mem))
    again = add_statements(session, project, {"c": SECOND_TEXT + " Once more."})["c"]
    assert refresh_statement(session, project, again) >= 1


def test_classifier_without_finished_work_says_why(session):
    project, _ = demo(session)
    clf = recommender(session, project, "sentences", "classifier")
    with pytest.raises(Invalid) as err:
        train_recommender(session, project, clf)
    assert "0 finished statements" in err.value.message


def test_two_tabs_racing_give_one_stance_and_a_409(app, session, memory_world):
    """Both tabs pass every read; the unique decision makes the later one wait, then lose."""
    project, _a, b, _ = memory_world
    refresh_statement(session, project, b)
    user_id = get_user(session, "annotator2").id
    suggestion_id = svc.list_suggestions(session, project, b, get_user(session, "annotator2"))[0].id
    session.commit()
    results, first_wrote = {}, threading.Event()

    def tab(name: str, hold: bool) -> None:
        with app.app_context(), db.new_session() as s:
            args = (s.get(Project, project.id), s.get(Statement, b.id), s.get(User, user_id))
            try:
                made = svc.accept_suggestion(s, *args, suggestion_id)
                if hold:  # keep the transaction open while the other tab tries
                    first_wrote.set()
                    time.sleep(0.5)
                s.commit()
                results[name] = made.id
            except Conflict as exc:
                results[name] = (exc.status, exc.current.stance_id)
                s.rollback()

    one = threading.Thread(target=tab, args=("one", True))
    one.start()
    assert first_wrote.wait(10)
    two = threading.Thread(target=tab, args=("two", False))
    two.start()
    one.join(20)
    two.join(20)
    assert results["two"] == (409, results["one"])
    assert count(session, Stance, Stance.statement_id == b.id) == 1


@pytest.mark.parametrize("kind", ["file", None])
def test_only_span_memories_and_classifiers_are_trained_here(session, kind):
    """A train job for a recommender that trains elsewhere (or for none) is refused, no job."""
    from annotator.models import SuggestionJob
    from annotator.suggestions.jobs import request_job

    project, _ = demo(session)
    lead = get_user(session, "lead")
    rec = kind and create_recommender(session, project, lead, RecommenderInput(name="f", kind=kind))
    with pytest.raises(Invalid, match="train") as refused:
        request_job(session, project, "train", recommender=rec or None, user=lead)
    assert refused.value.field == "recommender"
    assert session.scalar(select(func.count()).select_from(SuggestionJob)) == 0
