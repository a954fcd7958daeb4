"""The relations API: list, create, update, delete per statement; 409s, 422s and roles."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.models import AuditEvent, Relation

from .test_api_helpers import api, api_demo, assert_error
from .workspace_helpers import stance_data

PHRASES = (
    ("Teheran claims to have hit", "claim"),
    ("condemns the reactionary aggression of Iran", "condemnation"),
    ("provoked outrage", "claim"),
)


def stances_of(client, statement, token):
    """Three stances of the token's annotator, through the stance API; their ids."""
    base = f"/projects/demo/statements/{statement.id}/stances"
    ids = []
    for phrase, label in PHRASES:
        target = "iran" if label == "condemnation" else None
        body = stance_data(statement, phrase=phrase, label=label, target=target)
        made = api(client, "POST", base, token, json=body)
        assert made.status_code == 201, made.get_data(as_text=True)
        ids.append(made.get_json()["id"])
    return ids


def setup(client, session):
    project, statement, tokens = api_demo(session)
    ids = stances_of(client, statement, tokens["annotator1"])
    return (project, statement), tokens, ids, f"/projects/demo/statements/{statement.id}/relations"


def count_relations(session) -> int:
    session.commit()
    return session.scalar(select(func.count()).select_from(Relation))


def test_relation_lifecycle(client, session):
    (project, statement), tokens, (a, b, c), base = setup(client, session)
    ann = tokens["annotator1"]
    made = api(client, "POST", base, ann, json={"from": a, "to": b, "type": "supports"})
    assert made.status_code == 201, made.get_data(as_text=True)
    rel = made.get_json()
    assert (rel["from"], rel["to"], rel["type"], rel["aif"]) == (a, b, "supports", "RA")
    assert (rel["annotator"], rel["gold"], rel["version"], rel["deleted_at"]) == (
        "annotator1", False, 1, None,
    )  # fmt: skip
    listed = api(client, "GET", base, ann).get_json()["items"]
    assert [item["id"] for item in listed] == [rel["id"]]
    edit = {"version": 1, "type": "attacks", "note": "rebuts it"}
    updated = api(client, "PUT", f"{base}/{rel['id']}", ann, json=edit).get_json()
    assert (updated["type"], updated["aif"], updated["note"], updated["version"]) == (
        "attacks", "CA", "rebuts it", 2,
    )  # fmt: skip
    stale = api(client, "PUT", f"{base}/{rel['id']}", ann, json={"version": 1, "note": "x"})
    body = stale.get_json()
    assert_error(stale, 409)
    assert body["current"]["version"] == 2 and body["current"]["type"] == "attacks"
    assert_error(api(client, "DELETE", f"{base}/{rel['id']}?version=1", ann), 409)
    gone = api(client, "DELETE", f"{base}/{rel['id']}?version=2", ann)
    assert gone.status_code == 200 and gone.get_json()["deleted_at"]
    assert api(client, "GET", base, ann).get_json()["items"] == []
    session.commit()
    assert session.get(Relation, rel["id"]).deleted_at is not None  # kept, not erased
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "relation"))
    assert list(actions) == ["create", "update", "delete"]


def test_bad_relations_are_422_naming_the_problem_and_write_nothing(client, session):
    (project, statement), tokens, (a, b, c), base = setup(client, session)
    ann, other = tokens["annotator1"], tokens["annotator2"]
    theirs = stances_of(client, statement, other)
    assert (
        api(client, "POST", base, ann, json={"from": a, "to": c, "type": "supports"}).status_code
        == 201
    )
    stance_base = f"/projects/demo/statements/{statement.id}/stances"
    assert api(client, "DELETE", f"{stance_base}/{b}?version=1", ann).status_code == 200
    cases = [
        ({"from": a, "to": a, "type": "supports"}, "to", "itself"),
        ({"from": a, "to": theirs[0], "type": "supports"}, "to", "not one of your stances"),
        ({"from": a, "to": c, "type": "supports"}, "type", "already linked"),
        ({"from": a, "to": c, "type": "praises"}, "type", "unknown"),
        ({"from": c, "to": b, "type": "attacks"}, "to", "deleted"),
        ({"from": a, "to": 2**31, "type": "supports"}, "to", None),  # out of range: schema
        ({"from": a, "type": "supports"}, "to", None),
    ]
    before = count_relations(session)
    for body, field, words in cases:
        error = assert_error(api(client, "POST", base, ann, json=body), 422, field)
        assert words is None or words in error["message"], (body, error)
    assert count_relations(session) == before == 1


def test_relations_on_another_statement_are_422(client, session):
    from annotator.accounts.users import get_user
    from annotator.models import Statement
    from annotator.projects.assignments import assign_statement

    (project, statement), tokens, (a, b, c), base = setup(client, session)
    text = "Iran claims to fight terrorism."
    st2 = Statement(project_id=project.id, external_id="s2", text=text, text_sha256="x")
    session.add(st2)
    session.flush()
    assign_statement(session, project, st2, get_user(session, "annotator1"))
    session.commit()
    body = {"start": 0, "end": 11, "text": "Iran claims", "label": "claim"}
    made = api(client, "POST", f"/projects/demo/statements/{st2.id}/stances",
               tokens["annotator1"], json=body)  # fmt: skip
    elsewhere = made.get_json()["id"]
    wrong = api(client, "POST", base, tokens["annotator1"],
                json={"from": a, "to": elsewhere, "type": "supports"})  # fmt: skip
    assert "another statement" in assert_error(wrong, 422, "to")["message"]


def test_roles_blindness_and_gold(client, session):
    (project, statement), tokens, (a, b, c), base = setup(client, session)
    made = api(
        client, "POST", base, tokens["annotator1"], json={"from": a, "to": b, "type": "supports"}
    )
    rel = made.get_json()
    # annotator2 sees none of annotator1's relations and cannot touch them (blind: 404)
    assert api(client, "GET", base, tokens["annotator2"]).get_json()["items"] == []
    assert_error(api(client, "DELETE", f"{base}/{rel['id']}?version=1", tokens["annotator2"]), 404)
    # gold needs the reviewer role; gold ends must be gold stances
    gold = {"from": a, "to": b, "type": "supports", "gold": True}
    assert_error(api(client, "POST", base, tokens["annotator1"], json=gold), 403)
    assert_error(api(client, "POST", base, tokens["reviewer"], json=gold), 422, "from")
    assert api(client, "GET", f"{base}?gold=true", tokens["reviewer"]).get_json()["items"] == []
    assert_error(api(client, "GET", f"{base}?gold=true", tokens["annotator1"]), 403)
    # no token, a stranger, an unknown statement
    assert_error(api(client, "GET", base), 401)
    assert_error(api(client, "GET", base, tokens["outsider"]), 404)
    assert_error(
        api(client, "GET", "/projects/demo/statements/999999/relations", tokens["lead"]), 404
    )
    assert count_relations(session) == 1


def test_a_done_statement_is_409(client, session):
    from annotator.accounts.users import get_user
    from annotator.projects.assignments import set_assignment_state

    (project, statement), tokens, (a, b, c), base = setup(client, session)
    user = get_user(session, "annotator1")
    set_assignment_state(session, project, statement, user, "done")
    session.commit()
    body = {"from": a, "to": b, "type": "supports"}
    assert_error(api(client, "POST", base, tokens["annotator1"], json=body), 409)
    assert count_relations(session) == 0


def test_the_openapi_document_lists_the_relation_operations(client, session):
    doc = client.get("/api/v1/openapi.json").get_json()
    path = doc["paths"]["/projects/{slug}/statements/{statement_id}/relations"]
    assert set(path) >= {"get", "post"}
    item = doc["paths"]["/projects/{slug}/statements/{statement_id}/relations/{relation_id}"]
    assert set(item) >= {"put", "delete"}
    assert any(name.startswith("Relation") for name in doc["components"]["schemas"])
