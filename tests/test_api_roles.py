"""Every endpoint with every role: anonymous 401, non-member 404, then the browser's rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from annotator.models import Actor, Project, Suggestion

from .test_api_helpers import api, api_demo, assert_error
from .workspace_helpers import stance_data

WHO = ("anonymous", "outsider", "annotator1", "reviewer", "lead", "admin")
ALL = (401, 404, 200, 200, 200, 200)
LEADS = (401, 404, 403, 403, 200, 200)
REVIEWERS = (401, 404, 403, 200, 200, 200)
ASSIGNED = (401, 404, 200, 403, 403, 403)  # stance writes need the statement in your queue


def _created(codes):
    return tuple(201 if c == 200 else c for c in codes)


def _actor_ids(session) -> tuple[int, int]:
    ids = session.scalars(
        select(Actor.id).where(Actor.status == "approved").order_by(Actor.id.desc()).limit(2)
    ).all()
    return ids[0], ids[1]


def _stance(client, st, tokens) -> dict:
    base = f"/projects/demo/statements/{st.id}/stances"
    return api(client, "POST", base, tokens["annotator1"], json=stance_data(st)).get_json()


def _ends(client, st, tokens) -> dict:
    """Two of annotator1's stances as a relation's ends."""
    claim = stance_data(st, phrase="Teheran claims", label="claim", target=None)
    base = f"/projects/demo/statements/{st.id}/stances"
    made = api(client, "POST", base, tokens["annotator1"], json=claim).get_json()
    return {"from": made["id"], "to": _stance(client, st, tokens)["id"]}


def _relation(client, st, tokens) -> int:
    """A relation of annotator1's; its id."""
    body = _ends(client, st, tokens) | {"type": "supports"}
    base = f"/projects/demo/statements/{st.id}/relations"
    return api(client, "POST", base, tokens["annotator1"], json=body).get_json()["id"]


def _suggestion(session, st) -> int:
    """A file recommender's suggestion of annotator1's demo phrase; returns its id."""
    from annotator.suggestions.proposals import Proposal, store_suggestions
    from annotator.suggestions.recommenders import RecommenderInput, create_recommender

    project = session.get(Project, st.project_id)
    label = next(lab for lab in project.labels if lab.key == "condemnation")
    target = session.scalar(select(Actor.id).where(Actor.key == "iran"))
    data = stance_data(st)
    rec = create_recommender(session, project, None, RecommenderInput(name="f", kind="file"))
    store_suggestions(
        session, rec, st, "v1", [Proposal(data["start"], data["end"], label.id, 0.9, target)]
    )
    session.commit()
    return session.scalar(select(Suggestion.id).where(Suggestion.recommender_id == rec.id))


# name -> (expected statuses by WHO, function building (method, path, kwargs))
CASES = {
    "projects list": ((401, 200, 200, 200, 200, 200), lambda c, s, st, t: ("GET", "/projects", {})),
    "project get": (ALL, lambda c, s, st, t: ("GET", "/projects/demo", {})),
    "statements list": (ALL, lambda c, s, st, t: ("GET", "/projects/demo/statements", {})),
    "statement get": (ALL, lambda c, s, st, t: ("GET", f"/projects/demo/statements/{st.id}", {})),
    "statements import": (
        _created(LEADS),
        lambda c, s, st, t: (
            "POST",
            "/projects/demo/statements/import?filename=new.jsonl",
            {"data": b'{"id": "n1", "text": "Hello."}\n', "content_type": "application/x-ndjson"},
        ),
    ),
    "actors list": (ALL, lambda c, s, st, t: ("GET", "/projects/demo/actors?q=teheran", {})),
    "actor create": (
        _created(LEADS),
        lambda c, s, st, t: ("POST", "/projects/demo/actors", {"json": {"name": "Hamas"}}),
    ),
    "actor edit": (
        LEADS,
        lambda c, s, st, t: (
            "PATCH",
            f"/projects/demo/actors/{_actor_ids(s)[0]}",
            {"json": {"wikidata": "Q1"}},
        ),
    ),
    "actor aliases": (
        LEADS,
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/actors/{_actor_ids(s)[0]}/aliases",
            {"json": {"aliases": ["Another name"]}},
        ),
    ),
    "actor merge": (
        LEADS,
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/actors/{_actor_ids(s)[0]}/merge",
            {"json": {"into": _actor_ids(s)[1]}},
        ),
    ),
    "stances list": (
        ALL,
        lambda c, s, st, t: ("GET", f"/projects/demo/statements/{st.id}/stances", {}),
    ),
    "stance create": (
        _created(ASSIGNED),
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/statements/{st.id}/stances",
            {"json": stance_data(st)},
        ),
    ),
    "stance update": (
        ASSIGNED,
        lambda c, s, st, t: (
            "PUT",
            f"/projects/demo/statements/{st.id}/stances/{_stance(c, st, t)['id']}",
            {"json": stance_data(st, label="claim") | {"version": 1}},
        ),
    ),
    "stance delete": (
        ASSIGNED,
        lambda c, s, st, t: (
            "DELETE",
            f"/projects/demo/statements/{st.id}/stances/{_stance(c, st, t)['id']}?version=1",
            {},
        ),
    ),
    "relations list": (
        ASSIGNED,
        lambda c, s, st, t: ("GET", f"/projects/demo/statements/{st.id}/relations", {}),
    ),
    "relation create": (
        _created(ASSIGNED),
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/statements/{st.id}/relations",
            {"json": _ends(c, st, t) | {"type": "supports"}},
        ),
    ),
    "relation update": (
        ASSIGNED,
        lambda c, s, st, t: (
            "PUT",
            f"/projects/demo/statements/{st.id}/relations/{_relation(c, st, t)}",
            {"json": {"version": 1, "type": "attacks"}},
        ),
    ),
    "relation delete": (
        ASSIGNED,
        lambda c, s, st, t: (
            "DELETE",
            f"/projects/demo/statements/{st.id}/relations/{_relation(c, st, t)}?version=1",
            {},
        ),
    ),
    "assignments list": (ALL, lambda c, s, st, t: ("GET", "/projects/demo/assignments", {})),
    "assignment create": (
        _created(LEADS),
        lambda c, s, st, t: (
            "POST",
            "/projects/demo/assignments",
            {"json": {"statement_id": st.id, "annotator": "reviewer"}},
        ),
    ),
    "agreement": (REVIEWERS, lambda c, s, st, t: ("GET", "/projects/demo/agreement", {})),
    "export": (LEADS, lambda c, s, st, t: ("GET", "/projects/demo/export?format=jsonl", {})),
    "suggestions list": (
        ASSIGNED,
        lambda c, s, st, t: ("GET", f"/projects/demo/statements/{st.id}/suggestions", {}),
    ),
    "suggestion accept": (
        _created(ASSIGNED),
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/statements/{st.id}/suggestions/{_suggestion(s, st)}/accept",
            {"json": {}},
        ),
    ),
    "suggestion reject": (
        ASSIGNED,
        lambda c, s, st, t: (
            "POST",
            f"/projects/demo/statements/{st.id}/suggestions/{_suggestion(s, st)}/reject",
            {},
        ),
    ),
    "recommenders": (LEADS, lambda c, s, st, t: ("GET", "/projects/demo/recommenders", {})),
}


@pytest.mark.parametrize("who", range(len(WHO)), ids=WHO)
@pytest.mark.parametrize("name", list(CASES))
def test_role_rules(client, session, name, who):
    _, statement, tokens = api_demo(session)
    expected, build = CASES[name]
    method, path, kwargs = build(client, session, statement, tokens)
    response = api(client, method, path, tokens.get(WHO[who]), **kwargs)
    if expected[who] >= 400:
        assert_error(response, expected[who])
    else:
        assert response.status_code == expected[who], response.get_data(as_text=True)


def test_every_endpoint_has_a_role_case(app):
    """A new endpoint without a row here fails, so no route escapes the matrix."""
    from annotator.api.openapi import document

    with app.app_context():
        operations = [op for ops in document()["paths"].values() for op in ops]
    assert len(CASES) == len(operations)


def test_annotators_see_only_their_own(client, session):
    _, statement, tokens = api_demo(session)
    _stance(client, statement, tokens)
    base = f"/projects/demo/statements/{statement.id}/stances"
    mine = api(client, "GET", base, tokens["annotator1"]).get_json()["items"]
    assert len(mine) == 1
    assert api(client, "GET", base, tokens["annotator2"]).get_json()["items"] == []
    other = api(client, "GET", base + "?annotator=annotator1", tokens["annotator2"])
    assert_error(other, 403, "annotator")
    reviewed = api(client, "GET", base + "?annotator=annotator1", tokens["reviewer"])
    assert [s["id"] for s in reviewed.get_json()["items"]] == [mine[0]["id"]]
    assert_error(
        api(client, "GET", "/projects/demo/statements?assignee=annotator2", tokens["annotator1"]),
        403,
        "assignee",
    )
    assert_error(
        api(client, "GET", "/projects/demo/assignments?annotator=annotator2", tokens["annotator1"]),
        403,
        "annotator",
    )
    own = api(client, "GET", "/projects/demo/assignments", tokens["annotator1"]).get_json()
    assert {a["annotator"] for a in own["items"]} == {"annotator1"}


def test_non_member_cannot_tell_a_project_exists(client, session):
    _, _, tokens = api_demo(session)
    real = api(client, "GET", "/projects/demo", tokens["outsider"])
    fake = api(client, "GET", "/projects/nope", tokens["outsider"])
    assert real.status_code == fake.status_code == 404
    assert (
        real.get_json()["error"]["message"].replace("demo", "nope")
        == (fake.get_json()["error"]["message"])
    )
