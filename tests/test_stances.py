"""Stance services and views: create, edit, delete, restore, conflicts, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.annotation import stances as svc
from annotator.annotation.rows import list_stance_rows
from annotator.annotation.versions import RowEdit
from annotator.errors import Conflict, Forbidden, Invalid
from annotator.models import AuditEvent, Stance

from .conftest import csrf_from
from .factories import make_user
from .workspace_helpers import PHRASE, demo, stance_data


def make_input(statement, **kw):
    data = stance_data(statement, **kw)
    return svc.StanceInput(
        data["start"],
        data["end"],
        data["text"],
        data["label"],
        data["target"] or None,
        data.get("holder"),
    )


def test_create_stance_defaults_holder_and_moves_state(session):
    project, st = demo(session)
    user = get_user(session, "annotator1")
    stance = svc.create_stance(session, project, st, user, make_input(st))
    assert st.text[stance.start : stance.end] == PHRASE == stance.text
    assert stance.holder.key == "rcit" and stance.target.key == "iran" and stance.version == 1
    state = session.scalar(select(func.min(AuditEvent.action)).where(AuditEvent.entity == "stance"))
    assert state == "create"


def test_selection_whitespace_is_trimmed(session):
    project, st = demo(session)
    start = st.text.index(PHRASE) - 1  # the space before, and the space after "condemns"
    end = start + len(" condemns ")
    data = svc.StanceInput(start, end, st.text[start:end], "condemnation", "iran")
    stance = svc.create_stance(session, project, st, get_user(session, "annotator1"), data)
    assert stance.text == "condemns" and stance.start == start + 1


def test_snap_to_words_setting(session):
    project, st = demo(session)
    project.snap_to_words = True
    start = st.text.index(PHRASE) + 2  # inside "condemns"
    data = svc.StanceInput(start, start + 14, st.text[start : start + 14], "claim")  # "...rea"
    stance = svc.create_stance(session, project, st, get_user(session, "annotator1"), data)
    assert stance.text.startswith("condemns") and stance.text.endswith("reactionary")


@pytest.mark.parametrize(
    "change,error,field",
    [
        (dict(start=-1), Invalid, "start"),
        (dict(start=10, end=10), Invalid, "start"),
        (dict(end=10**6), Invalid, "start"),
        (dict(text="something else"), Conflict, "text"),
        (dict(label="nope"), Invalid, "label"),
        (dict(target="nope"), Invalid, "target"),
        (dict(target=None), Invalid, "target"),  # condemnation requires a target
        (dict(holder="nope"), Invalid, "holder"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(session, change, error, field):
    project, st = demo(session)
    data = make_input(st)
    for key, value in change.items():
        setattr(data, key, value)
    with pytest.raises(error) as info:
        svc.create_stance(session, project, st, get_user(session, "annotator1"), data)
    assert info.value.field == field
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Stance)) == 0


def test_label_of_another_project_is_refused(session):
    from .factories import make_project

    project, st = demo(session)
    other = make_project(session, "other")
    other.labels[0].key = "only-there"
    session.flush()
    with pytest.raises(Invalid):
        svc.create_stance(
            session,
            project,
            st,
            get_user(session, "annotator1"),
            make_input(st, label="only-there"),
        )


def test_unassigned_user_cannot_annotate(session):
    from annotator.projects.projects import set_member

    project, st = demo(session)
    outsider = make_user(session, "outsider")
    set_member(session, project, outsider, "annotator")
    with pytest.raises(Forbidden):
        svc.create_stance(session, project, st, outsider, make_input(st))


def test_stale_version_conflicts_and_keeps_data(session):
    project, st = demo(session)
    user = get_user(session, "annotator1")
    stance = svc.create_stance(session, project, st, user, make_input(st))
    svc.update_stance(
        session,
        RowEdit(project, st, user, row_id=stance.id, version=1),
        make_input(st, label="claim"),
    )
    assert stance.version == 2
    with pytest.raises(Conflict) as info:
        svc.update_stance(
            session,
            RowEdit(project, st, user, row_id=stance.id, version=1),
            make_input(st, label="support"),
        )
    assert info.value.current.label.key == "claim"
    with pytest.raises(Conflict):
        svc.delete_stance(session, RowEdit(project, st, user, row_id=stance.id, version=1))


def test_delete_is_soft_and_restorable(session):
    project, st = demo(session)
    user = get_user(session, "annotator1")
    stance = svc.create_stance(session, project, st, user, make_input(st))
    svc.delete_stance(session, RowEdit(project, st, user, row_id=stance.id, version=1))
    assert list_stance_rows(session, st.id, user.id) == []
    assert session.get(Stance, stance.id).deleted_at is not None
    svc.restore_stance(session, RowEdit(project, st, user, row_id=stance.id, version=2))
    assert [s.id for s in list_stance_rows(session, st.id, user.id)] == [stance.id]
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "stance").order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "delete", "restore"]


def test_blind_annotation(session):
    project, st = demo(session)
    one, two = get_user(session, "annotator1"), get_user(session, "annotator2")
    stance = svc.create_stance(session, project, st, one, make_input(st))
    assert list_stance_rows(session, st.id, two.id) == []
    with pytest.raises(Exception) as info:
        svc.get_stance(session, st, stance.id, two)
    assert getattr(info.value, "status", None) == 404


def test_overlap_policy(session):
    project, st = demo(session)
    user = get_user(session, "annotator1")
    svc.create_stance(session, project, st, user, make_input(st))
    nested = make_input(st, phrase="reactionary aggression", label="claim", target=None)
    svc.create_stance(session, project, st, user, nested)  # allowed by default
    project.allow_overlap = False
    with pytest.raises(Invalid):
        svc.create_stance(
            session,
            project,
            st,
            user,
            make_input(st, phrase="aggression of Iran", label="claim", target=None),
        )


def test_done_statement_is_locked_until_reopened(session):
    from annotator.projects.assignments import set_assignment_state

    project, st = demo(session)
    user = get_user(session, "annotator1")
    set_assignment_state(session, project, st, user, "done")
    with pytest.raises(Conflict):
        svc.create_stance(session, project, st, user, make_input(st))
    set_assignment_state(session, project, st, user, "reopen")
    assert svc.create_stance(session, project, st, user, make_input(st)).id


# ---- views: plain forms and htmx ----


def url(st, suffix=""):
    return f"/p/demo/s/{st.id}{suffix}"


def test_statement_page_shows_text_labels_and_mentions(session, client, login):
    _, st = demo(session)
    login("annotator1")
    page = client.get(url(st)).get_data(as_text=True)
    assert "Condemnation" in page and 'data-actor="iran"' in page
    assert 'class="seg' in page and "Revolutionary Communist International Tendency" in page


def test_mentions_follow_every_registry_change_at_once(session, client, login):
    """Alias patterns are cached per process; approving, renaming or rejecting shows at once."""
    from annotator.actors.curation import set_actor_status
    from annotator.actors.registry import propose_actor
    from annotator.projects.projects import get_project

    _, st = demo(session)
    project, lead = get_project(session, "demo"), get_user(session, "lead")
    login("annotator1")
    assert 'data-actor-name="Kerman"' not in client.get(url(st)).get_data(as_text=True)
    kerman = propose_actor(session, project, get_user(session, "annotator1"), "Kerman")
    session.commit()  # proposed: not yet a suggestion
    assert 'data-actor-name="Kerman"' not in client.get(url(st)).get_data(as_text=True)
    set_actor_status(session, project, lead, kerman, "approved")
    session.commit()
    assert 'data-actor-name="Kerman"' in client.get(url(st)).get_data(as_text=True)
    kerman.name = "Kerman (city)"
    session.commit()
    assert 'data-actor-name="Kerman (city)"' in client.get(url(st)).get_data(as_text=True)
    set_actor_status(session, project, lead, kerman, "rejected")
    session.commit()
    assert f'data-actor="{kerman.key}"' not in client.get(url(st)).get_data(as_text=True)


def test_plain_form_create_redirects_and_persists(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    response = client.post(url(st, "/stances"), data=stance_data(st, csrf_token=token))
    assert response.status_code == 303
    page = client.get(url(st)).get_data(as_text=True)
    assert "Stance saved." in page and 'data-stances="' in page


def test_htmx_create_returns_oob_fragments(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    response = client.post(
        url(st, "/stances"),
        data=stance_data(st),
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="para-' in body and 'hx-swap-oob="true"' in body
    assert 'hx-swap-oob="beforeend:#stance-list"' in body
    assert '<span id="stance-count" hx-swap-oob="true">1</span>' in body
    assert "HX-Request" in response.headers.get("Vary", "")
    pill = '<span id="assignment-state" class="state state-in_progress" hx-swap-oob="true">'
    assert pill + "in progress</span>" in body  # the first stance starts the statement


def test_htmx_bad_input_is_422_with_message_and_nothing_written(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    response = client.post(
        url(st, "/stances"),
        data=stance_data(st, target=""),
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "needs a target actor" in body
    assert 'aria-invalid="true" aria-describedby="target_q-error"' in body  # on the visible field
    assert session.scalar(select(func.count()).select_from(Stance)) == 0


def test_mismatched_text_is_409(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    data = stance_data(st, csrf_token=token)
    data["text"] = "tampered"
    assert client.post(url(st, "/stances"), data=data).status_code == 409


def test_typed_target_resolves_alias_or_is_proposed(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    client.post(
        url(st, "/stances"), data=stance_data(st, target="", target_q="Teheran", csrf_token=token)
    )
    data = stance_data(
        st,
        phrase="heinous terror attacks",
        target="",
        target_q="Terror cell X",
        propose_target="y",
        csrf_token=token,
    )
    assert client.post(url(st, "/stances"), data=data).status_code == 303
    targets = session.scalars(select(Stance).order_by(Stance.id)).all()
    assert targets[0].target.key == "iran"
    assert targets[1].target.status == "proposed" and targets[1].target.name == "Terror cell X"


def test_quote_field_is_the_keyboard_path(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    data = {"quote": PHRASE, "label": "condemnation", "target_q": "Iran", "csrf_token": token}
    assert client.post(url(st, "/stances"), data=data).status_code == 303
    assert session.scalar(select(Stance.text)) == PHRASE


def test_edit_with_stale_version_shows_current(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    client.post(url(st, "/stances"), data=stance_data(st, csrf_token=token))
    sid = session.scalar(select(Stance.id))
    first = client.post(
        url(st, f"/stances/{sid}"), data=stance_data(st, label="claim", version=1, csrf_token=token)
    )
    assert first.status_code == 303
    stale = client.post(
        url(st, f"/stances/{sid}"),
        data=stance_data(
            st, label="support", version=1, note="mine", holder="rcit", csrf_token=token
        ),
        headers={"HX-Request": "true"},
    )
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "changed elsewhere" in body
    assert 'name="version" value="2"' in body
    # the refused edit is listed beside the stored version: only what differs from it
    unsaved = body.split('id="unsaved"')[1].split("</div>")[0]
    assert "<dt>Label</dt><dd>Support</dd><dt>Note</dt><dd>mine</dd></dl>" in unsaved
    session.expire_all()
    assert session.get(Stance, sid).label.key == "claim"


def test_delete_and_undo_over_htmx(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    client.post(url(st, "/stances"), data=stance_data(st, csrf_token=token))
    sid = session.scalar(select(Stance.id))
    hx = {"HX-Request": "true", "X-CSRFToken": token}
    deleted = client.post(url(st, f"/stances/{sid}/delete"), data={"version": 1}, headers=hx)
    assert deleted.status_code == 200 and "Undo" in deleted.get_data(as_text=True)
    restored = client.post(url(st, f"/stances/{sid}/restore"), data={"version": 2}, headers=hx)
    assert restored.status_code == 200
    session.expire_all()
    assert session.get(Stance, sid).deleted_at is None


def test_other_annotator_cannot_touch_my_stance(session, client, login):
    _, st = demo(session)
    user = get_user(session, "annotator1")
    from annotator.projects.projects import get_project

    stance = svc.create_stance(session, get_project(session, "demo"), st, user, make_input(st))
    session.commit()
    login("annotator2")
    token = csrf_from(client.get(url(st)))
    assert client.get(url(st, f"/stances/{stance.id}/edit")).status_code == 404
    response = client.post(
        url(st, f"/stances/{stance.id}/delete"), data={"version": 1, "csrf_token": token}
    )
    assert response.status_code == 404
    assert PHRASE not in client.get(url(st)).get_data(as_text=True).split("stance-list")[1]


def test_state_done_then_next_and_queue(session, client, login):
    _, st = demo(session)
    login("annotator1")
    token = csrf_from(client.get(url(st)))
    response = client.post(url(st, "/state"), data={"action": "done", "csrf_token": token})
    assert response.status_code == 303 and "/next" in response.headers["Location"]
    queue = client.get("/p/demo/").get_data(as_text=True)
    assert "1 of 1 statements finished" in queue
    assert "next statement →" not in queue  # nothing left to open
    page = client.get(url(st)).get_data(as_text=True)
    assert "1 of 1 statement in your queue done" in page  # says what it counts


def test_the_queue_counter_says_what_it_counts(session, client, login):
    _, st = demo(session)
    login("annotator1")
    page = client.get(url(st)).get_data(as_text=True)
    assert "0 of 1 statement in your queue done" in page and "0/1" not in page


def test_queue_opens_the_next_statement_in_one_click(session, client, login):
    _, st = demo(session)
    login("annotator1")
    queue = client.get("/p/demo/").get_data(as_text=True)
    assert '<a class="button primary" href="/p/demo/next">Start: next statement →</a>' in queue
    response = client.get("/p/demo/next")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/s/{st.id}")


def test_suggest_shows_matched_alias(session, client, login):
    demo(session)
    login("annotator1")
    body = client.get("/p/demo/actors/suggest?field=target&target_q=tehe").get_data(as_text=True)
    assert 'data-key="iran"' in body and "matched “Teheran”" in body
    arabic = client.get("/p/demo/actors/suggest?field=target&target_q=%D8%AF").get_data(True)
    assert "Propose new actor" in arabic


def test_labels_css_and_guidelines(session, client, login):
    demo(session)
    login("annotator1")
    css = client.get("/p/demo/labels.css")
    assert css.mimetype == "text/css" and ".lbl-condemnation { --label: #e15759; }" in css.get_data(
        True
    )
    assert client.get("/p/demo/guidelines").status_code == 200


def test_next_statement_skips_finished_and_wraps(session):
    from annotator.formats.statement_readers import StatementRecord
    from annotator.projects.assignments import assign_statement, set_assignment_state
    from annotator.projects.queue import list_queue, next_open_statement, queue_progress
    from annotator.statements.statements import import_statements, list_statements

    project, first = demo(session)
    user = get_user(session, "annotator1")
    records = [StatementRecord(external_id=f"s{n}", text=f"Statement number {n}.") for n in (2, 3)]
    import_statements(session, project, records)
    second, third = list_statements(session, project)[1:]
    for st in (second, third):
        assign_statement(session, project, st, user)
    set_assignment_state(session, project, second, user, "done")
    assert next_open_statement(session, project, user, first.id) == third.id
    assert next_open_statement(session, project, user, third.id) == first.id  # wraps, skips done
    assert queue_progress(session, project, user) == list_queue(session, project, user).progress
    assert (
        queue_progress(session, project, user).done,
        queue_progress(session, project, user).total,
    ) == (1, 3)
    for st in (first, third):
        set_assignment_state(session, project, st, user, "skip")
    assert next_open_statement(session, project, user, None) is None


def test_an_edit_that_loses_a_race_is_a_409_and_keeps_the_winner(session):
    """The version is checked on what the request read; the UPDATE re-checks it as it writes."""
    from annotator.extensions import db
    from annotator.projects.projects import get_project
    from annotator.statements.statements import get_statement

    project, st = demo(session)
    user = get_user(session, "annotator1")
    stance = svc.create_stance(session, project, st, user, make_input(st))
    session.commit()
    with db.factory() as other:  # another request saves version 2 after this one has read
        o_project = get_project(other, "demo")
        o_st = get_statement(other, o_project, st.id)
        o_input = svc.StanceInput(stance.start, stance.end, stance.text, "claim", "iran")
        svc.update_stance(
            other,
            RowEdit(o_project, o_st, get_user(other, "annotator1"), row_id=stance.id, version=1),
            o_input,
        )
        other.commit()
    assert stance.version == 1  # what this session read
    late = svc.StanceInput(stance.start, stance.end, stance.text, "support", "iran", note="late")
    with pytest.raises(Conflict, match="changed elsewhere"):
        svc.update_stance(session, RowEdit(project, st, user, row_id=stance.id, version=1), late)
    session.rollback()
    stored = session.get(Stance, stance.id)
    assert (stored.version, stored.label.key, stored.note) == (2, "claim", "")


def _fresh(client, path, method="GET", **kw):
    """A request whose user Flask-Login loads anew, as in production: the tests' requests
    share one app context, whose ``g`` would keep the user the last request loaded."""
    from flask import g

    g.pop("_login_user", None)
    return client.open(path, method=method, **kw)


def test_an_htmx_save_loads_user_project_and_role_in_one_statement(session, client, login):
    """The session's user comes with the project of the URL and the role: one statement."""
    from .test_api_core import _statements_run

    _, st = demo(session)
    login("annotator1")
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(client.get(url(st)))}
    answers = []

    def save():
        answers.append(
            _fresh(client, url(st, "/stances"), "POST", data=stance_data(st), headers=headers)
        )

    seen = _statements_run(session, save)
    assert answers[0].status_code == 200
    users = [s for s in seen if "FROM users" in s]
    assert len(users) == 1 and "JOIN memberships" in users[0] and "JOIN labels" in users[0]
    assert not [s for s in seen if s.lstrip().startswith("SELECT projects.")], seen


@pytest.mark.parametrize(
    "username, slug, status",
    [
        ("annotator1", "demo", 403),  # a member, below the reviewer the page needs
        ("reviewer", "demo", 200),
        ("lead", "demo", 200),
        ("outsider", "demo", 404),  # not a member: the project does not show
        ("admin", "demo", 200),  # a site admin is a lead everywhere
        ("admin", "nope", 404),
    ],
)
def test_the_role_check_reads_what_loading_the_user_brought(
    session, client, login, username, slug, status
):
    """The role check on the project and role that came with the user (not a query of its
    own) refuses and admits exactly as ``require_role`` does."""
    demo(session)
    if username in ("outsider", "admin"):
        make_user(session, username, admin=username == "admin")
        session.commit()
    login(username)
    assert _fresh(client, f"/p/{slug}/review/").status_code == status
