"""What the endpoints do: pagination, stance lifecycle, actors, assignments, import, export."""

from __future__ import annotations

import io
import json

from sqlalchemy import func, select

from annotator.accounts.users import find_user
from annotator.formats.statement_readers import StatementRecord
from annotator.models import Actor, Stance, Statement
from annotator.projects.assignments import assign_statement
from annotator.statements.statements import import_statements

from .test_api_helpers import api, api_demo, assert_error
from .workspace_helpers import stance_data


def _add_statements(session, project, n: int) -> None:
    records = [
        StatementRecord(external_id=f"x{i}", text=f"Statement number {i}.") for i in range(n)
    ]
    import_statements(session, project, records)
    session.commit()


def test_statement_pages_cover_everything_once(client, session):
    project, _, tokens = api_demo(session)
    _add_statements(session, project, 12)
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=5" + (f"&cursor={cursor}" if cursor else "")
        body = api(client, "GET", f"/projects/demo/statements{query}", tokens["lead"]).get_json()
        seen += [s["id"] for s in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    session.commit()
    assert seen == sorted(session.scalars(select(Statement.id)))
    assert len(seen) == 13 and pages == 3


def test_statement_filters_by_state_and_assignee(client, session):
    project, statement, tokens = api_demo(session)
    _add_statements(session, project, 3)
    other = session.scalar(select(Statement).where(Statement.external_id == "x0"))
    assign_statement(session, project, other, find_user(session, "annotator2"))
    session.commit()

    def ids(query):
        body = api(client, "GET", f"/projects/demo/statements?{query}", tokens["lead"]).get_json()
        return [s["id"] for s in body["items"]]

    assert ids("assignee=annotator2") == [statement.id, other.id]
    assert ids("assignee=annotator1") == [statement.id]
    assert ids("assignee=nobody") == []
    assert ids("state=new") == [statement.id, other.id]
    assert ids("state=done") == []
    mine = api(client, "GET", "/projects/demo/statements", tokens["annotator2"]).get_json()
    assert [s["id"] for s in mine["items"]] == [statement.id, other.id]


def test_statement_get_has_text_and_code_point_length(client, session):
    _, statement, tokens = api_demo(session)
    body = api(client, "GET", f"/projects/demo/statements/{statement.id}", tokens["lead"])
    data = body.get_json()
    assert data["text"] == statement.text and data["length"] == len(statement.text)


def test_stance_lifecycle(client, session):
    _, statement, tokens = api_demo(session)
    base = f"/projects/demo/statements/{statement.id}/stances"
    created = api(client, "POST", base, tokens["annotator1"], json=stance_data(statement))
    assert created.status_code == 201
    stance = created.get_json()
    assert (stance["label"], stance["target"], stance["annotator"]) == (
        "condemnation",
        "iran",
        "annotator1",
    )
    edit = stance_data(statement, label="claim", target=None) | {"version": 1, "note": "n"}
    updated = api(client, "PUT", f"{base}/{stance['id']}", tokens["annotator1"], json=edit)
    assert updated.get_json()["version"] == 2 and updated.get_json()["target"] is None
    stale = api(client, "DELETE", f"{base}/{stance['id']}?version=1", tokens["annotator1"])
    assert_error(stale, 409)
    gone = api(client, "DELETE", f"{base}/{stance['id']}?version=2", tokens["annotator1"])
    assert gone.status_code == 200 and gone.get_json()["deleted_at"]
    assert api(client, "GET", base, tokens["annotator1"]).get_json()["items"] == []
    session.commit()
    assert session.get(Stance, stance["id"]).deleted_at is not None  # kept, not erased


def test_stance_domain_errors_name_the_field(client, session):
    _, statement, tokens = api_demo(session)
    base = f"/projects/demo/statements/{statement.id}/stances"
    bad_label = stance_data(statement, label="praise")
    assert_error(api(client, "POST", base, tokens["annotator1"], json=bad_label), 422, "label")
    no_target = stance_data(statement, target=None)
    assert_error(api(client, "POST", base, tokens["annotator1"], json=no_target), 422, "target")
    moved = stance_data(statement) | {"start": 0}
    assert_error(api(client, "POST", base, tokens["annotator1"], json=moved), 409, "text")
    missing = api(client, "DELETE", f"{base}/999?version=1", tokens["annotator1"])
    assert_error(missing, 404)
    assert_error(api(client, "DELETE", f"{base}/1", tokens["annotator1"]), 422, "version")
    session.commit()
    assert session.scalar(select(func.count()).select_from(Stance)) == 0


def test_actor_create_edit_alias_search_and_merge(client, session):
    _, statement, tokens = api_demo(session)
    lead = tokens["lead"]
    made = api(
        client,
        "POST",
        "/projects/demo/actors",
        lead,
        json={"name": "Islamic State", "type": "armed group", "aliases": ["داعش"], "key": "isis"},
    )
    assert made.status_code == 201 and made.get_json()["key"] == "isis"
    actor = made.get_json()
    assert_error(
        api(client, "POST", "/projects/demo/actors", lead, json={"name": "X", "key": "isis"}),
        409,
        "key",
    )
    edited = api(
        client, "PATCH", f"/projects/demo/actors/{actor['id']}", lead, json={"wikidata": "Q2429253"}
    )
    assert edited.get_json()["wikidata"] == "Q2429253"
    assert edited.get_json()["aliases"] == ["داعش"]
    added = api(
        client,
        "POST",
        f"/projects/demo/actors/{actor['id']}/aliases",
        lead,
        json={"aliases": ["ISIS"]},
    )
    assert added.get_json()["aliases"] == ["داعش", "ISIS"]
    found = api(client, "GET", "/projects/demo/actors?q=داعش", lead).get_json()["items"]
    assert sorted(a["key"] for a in found) == ["daesh", "isis"]  # the demo has the alias too
    # a stance on the new actor is re-pointed by the merge
    base = f"/projects/demo/statements/{statement.id}/stances"
    api(client, "POST", base, tokens["annotator1"], json=stance_data(statement, target="isis"))
    iran = api(client, "GET", "/projects/demo/actors?q=iran", lead).get_json()["items"][0]
    merged = api(
        client,
        "POST",
        f"/projects/demo/actors/{actor['id']}/merge",
        lead,
        json={"into": iran["id"]},
    )
    assert merged.status_code == 200, merged.get_json()
    assert merged.get_json()["as_target"] == 1 and "ISIS" in merged.get_json()["actor"]["aliases"]
    stances = api(client, "GET", base, tokens["annotator1"]).get_json()["items"]
    assert stances[0]["target"] == "iran"
    again = api(
        client,
        "POST",
        f"/projects/demo/actors/{actor['id']}/merge",
        lead,
        json={"into": iran["id"]},
    )
    assert_error(again, 422, "into")


def test_actor_bad_values_change_nothing(client, session):
    _, _, tokens = api_demo(session)
    session.commit()
    before = session.scalar(select(func.count()).select_from(Actor))
    for body, field in (
        ({"name": "X", "type": "alien"}, "type"),
        ({"name": "X", "wikidata": "794"}, "wikidata"),
        ({"name": " "}, "name"),
        ({"name": "X", "aliases": "one"}, "aliases"),
    ):
        response = api(client, "POST", "/projects/demo/actors", tokens["lead"], json=body)
        assert_error(response, 422, field)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Actor)) == before


def test_assignment_create_and_list(client, session):
    project, _, tokens = api_demo(session)
    _add_statements(session, project, 1)
    new = session.scalar(select(Statement.id).where(Statement.external_id == "x0"))
    body = {"statement_id": new, "annotator": "annotator1"}
    made = api(client, "POST", "/projects/demo/assignments", tokens["lead"], json=body)
    assert made.status_code == 201 and made.get_json()["state"] == "new"
    again = api(client, "POST", "/projects/demo/assignments", tokens["lead"], json=body)
    assert again.get_json()["id"] == made.get_json()["id"]
    listed = api(client, "GET", f"/projects/demo/assignments?statement_id={new}", tokens["lead"])
    assert [a["annotator"] for a in listed.get_json()["items"]] == ["annotator1"]
    stranger = body | {"annotator": "outsider"}
    response = api(client, "POST", "/projects/demo/assignments", tokens["lead"], json=stranger)
    assert_error(response, 422, "annotator")


def test_import_raw_and_multipart_all_or_nothing(client, session):
    _, _, tokens = api_demo(session)
    lines = b'{"id": "a", "text": "One."}\n{"id": "b", "text": "Two."}\n'
    raw = api(
        client,
        "POST",
        "/projects/demo/statements/import?filename=s.jsonl",
        tokens["lead"],
        data=lines,
        content_type="application/x-ndjson",
    )
    assert raw.status_code == 201 and raw.get_json() == {"imported": 2, "skipped": []}
    csv = b"id,text\nc,Three.\n"
    multi = api(
        client,
        "POST",
        "/projects/demo/statements/import",
        tokens["lead"],
        data={"file": (io.BytesIO(csv), "more.csv")},
        content_type="multipart/form-data",
    )
    assert multi.status_code == 201 and multi.get_json()["imported"] == 1
    broken = b'{"id": "d", "text": "Four."}\n{"id": "e"}\n'
    bad = api(
        client,
        "POST",
        "/projects/demo/statements/import?filename=bad.jsonl",
        tokens["lead"],
        data=broken,
    )
    assert_error(bad, 422, "file")
    assert_error(
        api(client, "POST", "/projects/demo/statements/import", tokens["lead"], data=lines),
        422,
        "filename",
    )
    session.commit()
    ids = set(session.scalars(select(Statement.external_id)))
    assert {"a", "b", "c"} <= ids and "d" not in ids


def test_export_streams_the_cli_formats(client, session):
    _, statement, tokens = api_demo(session)
    base = f"/projects/demo/statements/{statement.id}/stances"
    api(client, "POST", base, tokens["annotator1"], json=stance_data(statement))
    response = api(
        client, "GET", "/projects/demo/export?format=jsonl&scope=annotators", tokens["lead"]
    )
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    records = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert len(records) == 1 and records[0]["label"] == "condemnation"
    csv = api(client, "GET", "/projects/demo/export?format=csv&scope=all", tokens["lead"])
    assert csv.mimetype == "text/csv" and "condemnation" in csv.get_data(as_text=True)
    assert_error(api(client, "GET", "/projects/demo/export?format=hf", tokens["lead"]), 422)
    assert_error(api(client, "GET", "/projects/demo/export", tokens["lead"]), 422, "format")


def _unicode_lead_token(session) -> tuple:
    from annotator.accounts.tokens import create_token

    from .test_export_data import unicode_project

    project = unicode_project(session)
    _, token = create_token(session, find_user(session, "unilead"), "tests")
    session.commit()
    return project, token


def test_export_format_options_are_documented_query_parameters(client, session):
    doc = api(client, "GET", "/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/projects/{slug}/export"]["get"]["parameters"]}
    assert params["doccano_offsets"]["schema"] == {
        "type": "string",
        "enum": ["codepoints", "utf16"],
    }
    assert params["label_studio_offsets"]["schema"]["enum"] == ["codepoints", "utf16"]
    assert params["label_studio_actors"]["schema"] == {"type": "boolean"}
    assert "Default: utf16" in params["doccano_offsets"]["description"]


def test_export_format_options_change_the_output(client, session):
    from .test_export_data import actor_results, assert_offsets_in

    project, token = _unicode_lead_token(session)
    for name, query, unit in [
        ("doccano", "", "utf16"),
        ("doccano", "&doccano_offsets=codepoints", "codepoints"),
        ("label-studio", "", "codepoints"),
        ("label-studio", "&label_studio_offsets=utf16", "utf16"),
    ]:
        response = api(client, "GET", f"/projects/uni/export?format={name}{query}", token)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert_offsets_in(unit, name, response.get_data(as_text=True), session, project)
    url = "/projects/uni/export?format=label-studio&scope=all&label_studio_actors="
    assert actor_results(api(client, "GET", url + "true", token).get_data(as_text=True)) > 0
    assert actor_results(api(client, "GET", url + "false", token).get_data(as_text=True)) == 0


def test_export_refuses_bad_format_options_with_422(client, session):
    _, token = _unicode_lead_token(session)
    for query, field, words in [
        ("format=doccano&doccano_offsets=graphemes", "doccano_offsets", "graphemes"),
        ("format=label-studio&label_studio_actors=maybe", "label_studio_actors", "true or false"),
        ("format=jsonl&doccano_offsets=utf16", "doccano_offsets", "jsonl format has no option"),
        ("format=doccano&label_studio_actors=false", "label_studio_actors", "takes doccano_off"),
    ]:
        response = api(client, "GET", f"/projects/uni/export?{query}", token)
        error = assert_error(response, 422, field)
        assert words in error["message"] and "Content-Disposition" not in response.headers


def test_agreement_is_the_cli_object(client, session, runner):
    _, _, tokens = api_demo(session)
    data = api(client, "GET", "/projects/demo/agreement", tokens["reviewer"]).get_json()
    cli = json.loads(runner.invoke(args=["agreement", "demo", "--json"]).stdout)
    assert data == cli


def test_project_detail_has_labels_and_settings(client, session):
    _, _, tokens = api_demo(session)
    data = api(client, "GET", "/projects/demo", tokens["annotator1"]).get_json()
    assert data["role"] == "annotator"
    assert [lab["key"] for lab in data["labels"]][:3] == ["claim", "condemnation", "support"]
    assert set(data["settings"]) >= {"annotators_per_statement", "allow_overlap"}
    admin = api(client, "GET", "/projects", tokens["admin"]).get_json()["items"]
    assert admin[0]["role"] == "lead"


def test_fast_stance_list_equals_the_orm_objects(client, session):
    """The API reads stances as plain rows for speed; they must equal the ORM objects' JSON."""
    from sqlalchemy import select

    from annotator.api.schemas import dump_stance
    from annotator.models import Stance

    _, statement, tokens = api_demo(session)
    base = f"/projects/demo/statements/{statement.id}/stances"
    for phrase, label, target in (
        ("condemns the reactionary aggression of Iran", "condemnation", "iran"),
        ("Iran", "claim", None),
    ):
        data = stance_data(statement, phrase=phrase, label=label, target=target)
        assert api(client, "POST", base, tokens["annotator1"], json=data).status_code == 201
    listed = api(client, "GET", base, tokens["annotator1"]).get_json()["items"]
    session.commit()
    owner = find_user(session, "annotator1")
    objects = session.scalars(
        select(Stance)
        .where(Stance.statement_id == statement.id, Stance.annotator_id == owner.id)
        .where(Stance.deleted_at.is_(None))
        .order_by(Stance.start, Stance.end, Stance.id)
    )
    expected = [dump_stance(s) for s in objects]
    assert listed == expected and len(listed) == 2


def test_hidden_names_stay_hidden_from_reviewers_in_the_api(client, session):
    from annotator.annotation.stances import StanceInput, create_stance

    project, st, tokens = api_demo(session)
    phrase = "condemns the reactionary aggression of Iran"
    start = st.text.index(phrase)
    data = StanceInput(start, start + len(phrase), phrase, "condemnation", "iran")
    create_stance(session, project, st, find_user(session, "annotator1"), data)
    project.hide_annotator_names = True
    session.commit()
    rows = api(client, "GET", "/projects/demo/assignments", tokens["reviewer"]).get_json()
    shown = {a["annotator"] for a in rows["items"]}
    assert shown == {"Annotator A", "Annotator B"}
    path = f"/projects/demo/statements/{st.id}/stances"
    by_letter = api(client, "GET", path + "?annotator=Annotator%20A", tokens["reviewer"])
    assert [s["annotator"] for s in by_letter.get_json()["items"]] == ["Annotator A"]
    assert_error(
        api(client, "GET", path + "?annotator=annotator1", tokens["reviewer"]), 404, "annotator"
    )
    lead = api(client, "GET", "/projects/demo/assignments", tokens["lead"]).get_json()
    assert {a["annotator"] for a in lead["items"]} == {"annotator1", "annotator2"}


def test_api_offsets_are_code_points(client, session):
    project, _, tokens = api_demo(session)
    text = "🇮🇷 👍🏽 Cafe\u0301 — داعش تدين; Iran condemns the strikes."
    import_statements(session, project, [StatementRecord(external_id="astral", text=text)])
    st = session.scalar(select(Statement).where(Statement.external_id == "astral"))
    assign_statement(session, project, st, find_user(session, "annotator1"))
    session.commit()
    got = api(client, "GET", f"/projects/demo/statements/{st.id}", tokens["annotator1"])
    assert got.get_json()["length"] == len(text) != len(text.encode("utf-16-le")) // 2
    session.commit()  # requests share this test's app context: end the GET's read snapshot
    phrase = "Iran condemns"
    start = text.index(phrase)  # a code-point offset, past four astral characters
    body = {"start": start, "end": start + len(phrase), "text": phrase, "label": "claim"}
    created = api(
        client,
        "POST",
        f"/projects/demo/statements/{st.id}/stances",
        tokens["annotator1"],
        json=body,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    assert (created.get_json()["start"], created.get_json()["text"]) == (start, phrase)
    utf16 = len(text[:start].encode("utf-16-le")) // 2
    shifted = body | {"start": utf16, "end": utf16 + len(phrase)}
    refused = api(
        client,
        "POST",
        f"/projects/demo/statements/{st.id}/stances",
        tokens["annotator1"],
        json=shifted,
    )
    assert_error(refused, 409, "text")


def test_hidden_names_cannot_be_unmasked_through_filters(client, session):
    """A reviewer who may see only "Annotator A" cannot learn A's username by filtering.

    Before the fix, ``statements?assignee=annotator1&state=done`` listed the statement that
    the assignments list showed as done by "Annotator A", so A was annotator1.
    """
    from urllib.parse import quote

    from annotator.projects.assignments import set_assignment_state

    project, st, tokens = api_demo(session)
    set_assignment_state(session, project, st, find_user(session, "annotator1"), "done")
    project.hide_annotator_names = True
    session.commit()
    reviewer = tokens["reviewer"]

    def ids(query: str) -> list[int]:
        path = f"/projects/demo/statements?{query}"
        return [s["id"] for s in api(client, "GET", path, reviewer).get_json()["items"]]

    assert ids("state=done") == [st.id]
    assert ids("assignee=annotator1&state=done") == ids("assignee=annotator2&state=done") == []
    assert ids("assignee=annotator1") == ids("assignee=nobody") == []
    done = api(client, "GET", "/projects/demo/assignments?state=done", reviewer).get_json()
    [letter] = [a["annotator"] for a in done["items"]]
    assert letter.startswith("Annotator ")
    assert ids(f"assignee={quote(letter)}&state=done") == [st.id]
    by_name = api(client, "GET", "/projects/demo/assignments?annotator=annotator1", reviewer)
    assert_error(by_name, 404, "annotator")
    for path in (
        "/projects",
        "/projects/demo",
        "/projects/demo/statements",
        f"/projects/demo/statements/{st.id}",
        f"/projects/demo/statements/{st.id}/stances?annotator={quote(letter)}",
        "/projects/demo/assignments?include_inactive=true",
        "/projects/demo/agreement?include_unfinished=true",
    ):
        body = api(client, "GET", path, reviewer).get_data(as_text=True)
        assert "annotator1" not in body and "annotator2" not in body, path
    lead = api(client, "GET", "/projects/demo/statements?assignee=annotator1", tokens["lead"])
    assert [s["id"] for s in lead.get_json()["items"]] == [st.id]
