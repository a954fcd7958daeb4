"""The relation routes of the workspace over HTTP: htmx fragments and plain pages, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.annotation.relations import RelationInput, create_relation
from annotator.annotation.stances import StanceInput, create_stance, delete_stance
from annotator.annotation.versions import RowEdit
from annotator.formats.statement_readers import StatementRecord
from annotator.models import AuditEvent, Relation
from annotator.projects.assignments import assign_statement, set_assignment_state
from annotator.statements.statements import import_statements, list_statements

from .conftest import csrf_from
from .workspace_helpers import PHRASE, demo

OTHER = "heinous terror attacks"


def _stance(session, project, st, user, phrase, label="claim", target=None):
    start = st.text.index(phrase)
    data = StanceInput(start, start + len(phrase), phrase, label, target)
    return create_stance(session, project, st, user, data)


@pytest.fixture
def world(session):
    """annotator1 with two stances on the demo statement, annotator2 with one."""
    project, st = demo(session)
    a1, a2 = get_user(session, "annotator1"), get_user(session, "annotator2")
    first = _stance(session, project, st, a1, PHRASE, "condemnation", "iran")
    second = _stance(session, project, st, a1, OTHER)
    theirs = _stance(session, project, st, a2, "Daesh")
    session.commit()
    return dict(project=project, st=st, a=first.id, b=second.id, theirs=theirs.id, a1=a1, a2=a2)


def url(st, suffix=""):
    return f"/p/demo/s/{st.id}{suffix}"


def _hx(token):
    return {"HX-Request": "true", "X-CSRFToken": token}


def _counts(session) -> tuple[int, int]:
    session.commit()  # a fresh snapshot: the server's commits are visible
    relations = session.scalar(select(func.count()).select_from(Relation))
    return relations, session.scalar(select(func.count()).select_from(AuditEvent))


def _relations(session) -> list[Relation]:
    session.commit()
    session.expire_all()
    return list(session.scalars(select(Relation).order_by(Relation.id)))


def test_htmx_create_answers_the_item_counter_and_event(session, client, login, world):
    st = world["st"]
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    data = {"from_stance": world["a"], "to_stance": world["b"], "type": "attacks"}
    response = client.post(url(st, "/relations"), data=data, headers=_hx(token))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["HX-Reswap"] == "none"
    assert "relation-created" in response.headers["HX-Trigger"]
    [saved] = _relations(session)
    assert (saved.from_stance_id, saved.to_stance_id, saved.type.key) == (
        world["a"],
        world["b"],
        "attacks",
    )
    item = f'id="relation-{saved.id}" class="relation" data-from="{world["a"]}"'
    assert item in body and f'data-to="{world["b"]}"' in body
    assert '<span id="relation-count" hx-swap-oob="true">1</span>' in body
    page = client.get(url(st)).get_data(as_text=True)
    assert item in page and '<span id="relation-count">1</span>' in page


def test_plain_form_link_to_page_and_create(session, client, login, world):
    st = world["st"]
    login("annotator1")
    new = client.get(url(st, f"/relations/new?from={world['a']}"))
    page = new.get_data(as_text=True)
    assert new.status_code == 200 and 'id="rel-to_stance"' in page
    assert f'<option value="{world["a"]}" selected>' in page  # the source is chosen
    assert f'<option value="{world["theirs"]}"' not in page  # blind: only the user's stances
    token = csrf_from(new)
    data = {"from_stance": world["a"], "to_stance": world["b"], "type": "supports"}
    response = client.post(url(st, "/relations"), data=data | {"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/p/demo/s/{st.id}#relations")
    assert [r.type.key for r in _relations(session)] == ["supports"]
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Relation saved." in followed
    # each stance item offers the plain "Link to…" page
    assert f"/relations/new?from={world['b']}" in followed


def _other_statement_stance(session, world):
    project, a1 = world["project"], world["a1"]
    record = StatementRecord(external_id="other", text="Another text with words.")
    import_statements(session, project, [record])
    other = [s for s in list_statements(session, project) if s.external_id == "other"][0]
    assign_statement(session, project, other, a1)
    stance = _stance(session, project, other, a1, "words")
    session.commit()
    return stance.id


@pytest.mark.parametrize(
    "case, status, field, message",
    [
        ("self-loop", 422, "to_stance", "not a stance to itself"),
        ("unknown type", 422, "type", "is unknown in this project"),
        ("no type", 422, "type", "Pick a relation type."),
        ("another owner", 422, "to_stance", "is not one of your stances"),
        ("another statement", 422, "to_stance", "belongs to another statement"),
        ("duplicate", 422, "type", "already linked by this type"),
        ("deleted end", 422, "to_stance", "was deleted"),
    ],
)
def test_bad_relations_are_refused_and_write_nothing(
    session, client, login, world, case, status, field, message
):
    st, a, b = world["st"], world["a"], world["b"]
    data = {"from_stance": a, "to_stance": b, "type": "supports"}
    if case == "self-loop":
        data["to_stance"] = a
    elif case == "unknown type":
        data["type"] = "rebuts"
    elif case == "no type":
        del data["type"]
    elif case == "another owner":
        data["to_stance"] = world["theirs"]
    elif case == "another statement":
        data["to_stance"] = _other_statement_stance(session, world)
    elif case == "duplicate":
        create_relation(session, world["project"], st, world["a1"], RelationInput(a, b, "supports"))
        session.commit()
    elif case == "deleted end":
        delete_stance(session, RowEdit(world["project"], st, world["a1"], row_id=b, version=1))
        session.commit()
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    before = _counts(session)
    response = client.post(url(st, "/relations"), data=data, headers=_hx(token))
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert message in body and 'role="alert"' in body
    assert f'id="rel-{field}-error"' in body or f'aria-describedby="rel-{field}-error"' in body
    assert _counts(session) == before
    plain = client.post(url(st, "/relations"), data=data | {"csrf_token": token})
    assert plain.status_code == status and message in plain.get_data(as_text=True)
    assert "<html" not in body  # htmx got the form alone, not the page
    assert _counts(session) == before


def _linked(session, world, type_="supports"):
    data = RelationInput(world["a"], world["b"], type_)
    relation = create_relation(session, world["project"], world["st"], world["a1"], data)
    session.commit()
    return relation.id


def test_edit_the_type_then_a_stale_edit_is_409_with_the_stored_version(
    session, client, login, world
):
    st, rid = world["st"], _linked(session, world)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    edit = client.get(url(st, f"/relations/{rid}/edit"), headers={"HX-Request": "true"})
    form = edit.get_data(as_text=True)
    assert edit.status_code == 200 and 'name="version" value="1"' in form
    assert 'value="supports" data-rel-hotkey="s" data-color' in form and "checked" in form
    saved = client.post(
        url(st, f"/relations/{rid}"),
        data={"type": "attacks", "version": 1, "note": "why"},
        headers=_hx(token),
    )
    assert saved.status_code == 200 and "relation-updated" in saved.headers["HX-Trigger"]
    assert f'id="relation-{rid}" class="relation"' in saved.get_data(as_text=True)
    [relation] = _relations(session)
    assert (relation.type.key, relation.note, relation.version) == ("attacks", "why", 2)
    stale = client.post(
        url(st, f"/relations/{rid}"),
        data={"type": "supports", "version": 1, "note": "mine"},
        headers=_hx(token),
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed elsewhere" in body
    assert 'name="version" value="2"' in body
    unsaved = body.split('id="rel-unsaved"')[1].split("</div>")[0]
    assert "<dt>Type</dt><dd>Supports</dd><dt>Note</dt><dd>mine</dd>" in unsaved
    assert [(r.type.key, r.version) for r in _relations(session)] == [("attacks", 2)]


def test_delete_and_undo_and_a_stale_delete_is_409(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    stale = client.post(
        url(st, f"/relations/{rid}/delete"), data={"version": 7}, headers=_hx(token)
    )
    assert stale.status_code == 409 and "changed elsewhere" in stale.get_data(as_text=True)
    assert _relations(session)[0].deleted_at is None
    deleted = client.post(
        url(st, f"/relations/{rid}/delete"), data={"version": 1}, headers=_hx(token)
    )
    body = deleted.get_data(as_text=True)
    assert deleted.status_code == 200 and "relation-deleted" in deleted.headers["HX-Trigger"]
    assert f'id="relation-{rid}" class="relation deleted"' in body and "Undo" in body
    assert '<span id="relation-count" hx-swap-oob="true">0</span>' in body
    assert _relations(session)[0].deleted_at is not None
    assert f'data-from="{world["a"]}"' not in client.get(url(st)).get_data(as_text=True)
    undo = client.post(
        url(st, f"/relations/{rid}/restore"), data={"version": 2}, headers=_hx(token)
    )
    assert undo.status_code == 200 and f'id="relation-{rid}" class="relation"' in undo.get_data(
        True
    )
    assert _relations(session)[0].deleted_at is None
    again = client.post(
        url(st, f"/relations/{rid}/restore"), data={"version": 2}, headers=_hx(token)
    )
    assert again.status_code == 409


def test_deleting_a_stance_takes_its_relation_off_the_panel(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    client.post(url(st, f"/stances/{world['b']}/delete"), data={"version": 1}, headers=_hx(token))
    panel = client.get(url(st, "/relations"), headers={"HX-Request": "true"})
    assert panel.status_code == 200 and f"relation-{rid}" not in panel.get_data(as_text=True)
    assert '<span id="relation-count">0</span>' in panel.get_data(as_text=True)
    plain = client.get(url(st, "/relations"))
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#relations")


def test_others_get_404_and_unassigned_users_403(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    login("annotator2")
    token = csrf_from(client.get(url(st)))
    assert f"relation-{rid}" not in client.get(url(st)).get_data(as_text=True)
    assert client.get(url(st, f"/relations/{rid}/edit")).status_code == 404
    for suffix, data in (("", {"type": "attacks"}), ("/delete", {}), ("/restore", {})):
        response = client.post(
            url(st, f"/relations/{rid}{suffix}"), data=data | {"version": 1, "csrf_token": token}
        )
        assert response.status_code == 404, suffix
        assert "No such relation." in response.get_data(as_text=True)
    mine = {"from_stance": world["a"], "to_stance": world["b"], "type": "attacks"}
    response = client.post(url(st, "/relations"), data=mine | {"csrf_token": token})
    assert response.status_code == 422  # annotator1's stances are not annotator2's
    client.post("/logout", data={"csrf_token": token})
    login("lead")  # a lead is not assigned the statement: no relations of their own here
    token = csrf_from(client.get(url(st)))
    response = client.post(url(st, "/relations"), data=mine | {"csrf_token": token})
    assert response.status_code == 403
    assert [(r.type.key, r.version) for r in _relations(session)] == [("supports", 1)]


def test_csrf_is_required(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    login("annotator1")
    before = _counts(session)
    data = {"from_stance": world["a"], "to_stance": world["b"], "type": "attacks"}
    assert client.post(url(st, "/relations"), data=data).status_code == 400
    assert client.post(url(st, f"/relations/{rid}/delete"), data={"version": 1}).status_code == 400
    update = client.post(url(st, f"/relations/{rid}"), data={"type": "attacks", "version": 1})
    assert update.status_code == 400
    assert _counts(session) == before


def test_a_done_statement_is_read_only(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    set_assignment_state(session, world["project"], st, world["a1"], "done")
    session.commit()
    login("annotator1")
    page = client.get(url(st))
    html = page.get_data(as_text=True)
    assert 'data-editable="false"' in html and 'id="relation-form"' not in html
    assert f'id="relation-{rid}"' in html  # still listed and drawn
    token = csrf_from(page)
    data = {"from_stance": world["b"], "to_stance": world["a"], "type": "attacks"}
    response = client.post(url(st, "/relations"), data=data, headers=_hx(token))
    assert response.status_code == 409 and "reopen it" in response.get_data(as_text=True)
    delete = client.post(
        url(st, f"/relations/{rid}/delete"), data={"version": 1}, headers=_hx(token)
    )
    assert delete.status_code == 409
    assert [r.deleted_at for r in _relations(session)] == [None]


def test_without_javascript_edit_and_delete_are_pages(session, client, login, world):
    st, rid = world["st"], _linked(session, world)
    login("annotator1")
    edit = client.get(url(st, f"/relations/{rid}/edit"))
    page = edit.get_data(as_text=True)
    assert edit.status_code == 200 and "<html" in page and 'data-mode="edit"' in page
    assert 'class="relation-slot open"' in page  # the form is shown in the panel
    token = csrf_from(edit)
    saved = client.post(
        url(st, f"/relations/{rid}"), data={"type": "attacks", "version": 1, "csrf_token": token}
    )
    assert saved.status_code == 303
    missing = client.post(url(st, f"/relations/{rid}"), data={"type": "", "csrf_token": token})
    assert missing.status_code == 422 and "<html" in missing.get_data(as_text=True)
    deleted = client.post(
        url(st, f"/relations/{rid}/delete"), data={"version": 2, "csrf_token": token}
    )
    assert deleted.status_code == 303
    assert "Relation deleted." in client.get(deleted.headers["Location"]).get_data(as_text=True)
    assert [(r.type.key, r.deleted_at is not None) for r in _relations(session)] == [
        ("attacks", True)
    ]
