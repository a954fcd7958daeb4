"""The suggestions API: list what the caller may see, accept (edited or not), reject; status."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.models import Stance, SuggestionDecision, SuggestionView

from .factories import make_user
from .suggestion_world import memory_world
from .test_api_helpers import api, assert_error


def _world(session):
    project, a, b, mem = memory_world(session)
    make_user(session, "outsider")
    tokens = {}
    for name in ("annotator1", "annotator2", "reviewer", "lead", "outsider"):
        _, tokens[name] = create_token(session, find_user(session, name), "tests")
    session.commit()
    return project, a, b, mem, tokens


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _path(statement, rest=""):
    return f"/projects/demo/statements/{statement.id}/suggestions{rest}"


def test_list_shows_the_suggestions_and_records_them_as_shown(client, session):
    _, _, b, mem, tokens = _world(session)
    body = api(client, "GET", _path(b), tokens["annotator2"]).get_json()
    assert [(i["text"], i["label"], i["target"]) for i in body["items"]] == [
        ("Teheran claims", "claim", "iran"),
        ("Mullah regime", "condemnation", "iran"),
    ]
    item = body["items"][0]
    assert item["recommender"] == "memory" and item["kind"] == "span_memory"
    assert item["model_version"] == mem.active_version and 0 <= item["score"] <= 1
    assert _count(session, SuggestionView) == 2
    api(client, "GET", _path(b), tokens["annotator2"])  # a reload adds nothing
    assert _count(session, SuggestionView) == 2


def test_accept_twice_gives_one_stance_and_a_409(client, session):
    _, _, b, _, tokens = _world(session)
    first = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"][0]
    made = api(client, "POST", _path(b, f"/{first['id']}/accept"), tokens["annotator2"], json={})
    assert made.status_code == 201, made.get_data(as_text=True)
    stance = made.get_json()
    assert (stance["text"], stance["label"], stance["target"]) == (
        "Teheran claims",
        "claim",
        "iran",
    )
    again = api(client, "POST", _path(b, f"/{first['id']}/accept"), tokens["annotator2"], json={})
    assert_error(again, 409)
    assert again.get_json()["current"]["id"] == stance["id"]
    assert _count(session, Stance, Stance.statement_id == b.id) == 1
    assert session.get(Stance, stance["id"]).origin_suggestion_id == first["id"]
    listed = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"]
    assert first["id"] not in [i["id"] for i in listed]


def test_accept_with_edits_and_bad_edits(client, session):
    _, _, b, _, tokens = _world(session)
    items = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"]
    url = _path(b, f"/{items[1]['id']}/accept")
    bad = api(client, "POST", url, tokens["annotator2"], json={"label": "no-such-label"})
    assert_error(bad, 422)
    assert _count(session, Stance, Stance.statement_id == b.id) == 0
    assert _count(session, SuggestionDecision) == 0  # the refusal left no decision behind
    edited = api(client, "POST", url, tokens["annotator2"], json={"label": "claim", "note": "n"})
    assert edited.status_code == 201
    assert (edited.get_json()["label"], edited.get_json()["note"]) == ("claim", "n")


def test_reject_hides_it_from_that_annotator_only(client, session):
    _, _, b, _, tokens = _world(session)
    first = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"][0]
    url = _path(b, f"/{first['id']}/reject")
    done = api(client, "POST", url, tokens["annotator2"])
    assert done.status_code == 200 and done.get_json()["decision"] == "reject"
    assert api(client, "POST", url, tokens["annotator2"]).status_code == 200  # twice: fine
    mine = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"]
    theirs = api(client, "GET", _path(b), tokens["annotator1"]).get_json()["items"]
    assert first["id"] not in [i["id"] for i in mine]
    assert first["id"] in [i["id"] for i in theirs]  # blind: another's decision is invisible
    accept = api(client, "POST", _path(b, f"/{first['id']}/accept"), tokens["annotator2"], json={})
    assert_error(accept, 409)


def test_roles_and_unassigned_statements(client, session):
    _, a, b, _, tokens = _world(session)
    assert_error(api(client, "GET", _path(b), tokens["outsider"]), 404)
    assert_error(api(client, "GET", _path(b)), 401)
    assert api(client, "GET", _path(b), tokens["reviewer"]).status_code in (403, 404)
    first = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"][0]
    wrong = api(client, "POST", _path(a, f"/{first['id']}/accept"), tokens["annotator2"], json={})
    assert_error(wrong, 404)  # a suggestion of another statement
    assert_error(api(client, "POST", _path(b, "/2147483647/reject"), tokens["annotator2"]), 404)


def test_recommender_status_is_for_leads(client, session):
    _, _, b, _, tokens = _world(session)
    first = api(client, "GET", _path(b), tokens["annotator2"]).get_json()["items"][0]
    api(client, "POST", _path(b, f"/{first['id']}/accept"), tokens["annotator2"], json={})
    assert_error(api(client, "GET", "/projects/demo/recommenders", tokens["annotator1"]), 403)
    body = api(client, "GET", "/projects/demo/recommenders", tokens["lead"]).get_json()
    (memory,) = body["items"]
    assert memory["name"] == "memory" and "token" not in memory
    assert memory["acceptance"]["accepted"] == 1 and memory["acceptance"]["shown"] == 2
    assert memory["acceptance"]["acceptance_rate"] == 0.5
    assert memory["model"]["training_size"] > 0 and memory["runs"]["stored"] == 2
