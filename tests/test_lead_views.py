"""Lead pages through the test client: role checks, CSRF, 422 on bad input, real effects."""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy import func, select

from annotator.actors.forms import ActorForm
from annotator.models import Assignment, AuditEvent, GuidelinesVersion, Label, Membership, Project
from annotator.projects.assignments import assign_statement
from annotator.projects.forms import LabelForm, MemberForm, RoleForm
from annotator.projects.progress import GRID_ANNOTATORS
from annotator.projects.projects import set_member
from annotator.statements.statements import import_statements, list_statements

from .conftest import csrf_from
from .factories import make_project, make_user
from .test_review_helpers import _Statement
from .workspace_helpers import demo

LEAD_PAGES = ("settings", "labels", "guidelines/edit", "team", "assignments", "progress")


def post(client, url, data, page=None):
    """POST a form with the CSRF token of the page it lives on."""
    token = csrf_from(client.get(page or url))
    return client.post(url, data={**data, "csrf_token": token})


def fresh(session, model, *where):
    session.expire_all()
    return session.scalar(select(model).where(*where))


@pytest.fixture
def lead(session, login):
    project = make_project(session, "p1", members={"boss": "lead", "ann": "annotator"})
    make_project(session, "other", members={"rev": "reviewer"})
    session.commit()
    return login("boss"), project


@pytest.mark.parametrize("path", LEAD_PAGES)
def test_lead_pages_render_for_lead(lead, path):
    client, _ = lead
    response = client.get(f"/p/p1/{path}")
    assert response.status_code == 200
    assert "Settings" in response.get_data(True) and "Progress" in response.get_data(True)


@pytest.mark.parametrize("path", LEAD_PAGES)
def test_lead_pages_refuse_annotators_and_strangers(session, login, path):
    make_project(session, "p1", members={"ann": "annotator"})
    make_user(session, "stranger")
    session.commit()
    assert login("ann").get(f"/p/p1/{path}").status_code == 403
    assert login("stranger").get(f"/p/p1/{path}").status_code == 404


def test_post_without_csrf_is_refused(lead, session):
    client, _ = lead
    response = client.post("/p/p1/settings", data={"name": "Hacked", "annotators_per_statement": 3})
    assert response.status_code == 400
    assert fresh(session, Project, Project.slug == "p1").name == "P1"


def test_show_page_has_manage_links_for_lead_only(session, login):
    make_project(session, "p1", members={"boss": "lead", "rev": "reviewer", "ann": "annotator"})
    session.commit()
    lead_page = login("boss").get("/p/p1/").get_data(True)
    for href in (
        "/p/p1/settings",
        "/p/p1/labels",
        "/p/p1/team",
        "/p/p1/assignments",
        "/p/p1/progress",
        "/p/p1/actors/",
        "/p/p1/import/",
        "/p/p1/export/",
        "/p/p1/review/",
    ):
        assert f'href="{href}"' in lead_page, href
    reviewer_page = login("rev").get("/p/p1/").get_data(True)
    assert 'href="/p/p1/review/"' in reviewer_page and "/p/p1/settings" not in reviewer_page
    annotator_page = login("ann").get("/p/p1/").get_data(True)
    assert "/p/p1/review/" not in annotator_page and "/p/p1/settings" not in annotator_page


def test_settings_save_and_refuse(lead, session):
    client, _ = lead
    data = {
        "name": "Renamed",
        "description": "About",
        "annotators_per_statement": "3",
        "allow_overlap": "",
        "snap_to_words": "y",
    }
    response = post(client, "/p/p1/settings", {k: v for k, v in data.items() if v})
    assert response.status_code == 303
    project = fresh(session, Project, Project.slug == "p1")
    assert (project.name, project.annotators_per_statement) == ("Renamed", 3)
    assert project.allow_overlap is False and project.snap_to_words is True
    bad = post(client, "/p/p1/settings", {"name": "X", "annotators_per_statement": "0"})
    assert bad.status_code == 422 and "1 to 50" in bad.get_data(True)
    assert fresh(session, Project, Project.slug == "p1").name == "Renamed"


def test_site_admin_creates_project_others_cannot(session, login):
    make_user(session, "root", admin=True)
    make_project(session, "p1", members={"boss": "lead"})
    session.commit()
    assert login("boss").get("/projects/new").status_code == 403
    client = login("root")
    assert 'href="/projects/new"' in client.get("/").get_data(True)
    response = post(client, "/projects/new", {"slug": "new-one", "name": "New", "description": "d"})
    assert response.status_code == 303 and response.location.endswith("/p/new-one/settings")
    project = fresh(session, Project, Project.slug == "new-one")
    assert project.description == "d" and len(project.labels) == 3
    again = post(client, "/projects/new", {"slug": "new-one", "name": "Again"})
    assert again.status_code == 422 and "already exists" in again.get_data(True)
    bad = post(client, "/projects/new", {"slug": "Bad Slug", "name": "B"})
    assert bad.status_code == 422 and "lower-case" in bad.get_data(True)


def label_data(**extra):
    base = {
        "name": "Irony",
        "color": "#123456",
        "hotkey": "5",
        "semeval": "NONE",
        "polarity": "",
        "definition": "Saying the opposite.",
        "example": "Great job.",
    }
    return {**base, **extra}


def test_add_edit_and_reject_labels(lead, session):
    client, project = lead
    assert post(client, "/p/p1/labels", label_data(key="irony")).status_code == 303
    label = fresh(session, Label, Label.key == "irony")
    assert (label.color, label.hotkey, label.requires_target) == ("#123456", "5", False)
    bad = post(client, "/p/p1/labels", label_data(key="Bad!", name="B"))
    assert bad.status_code == 422 and "lower-case" in bad.get_data(True)
    taken = post(client, "/p/p1/labels", label_data(key="x", hotkey="1"))
    assert taken.status_code == 422 and "already used by" in taken.get_data(True)
    colour = post(client, "/p/p1/labels", label_data(key="y", color="red", hotkey=""))
    assert colour.status_code == 422 and "#rrggbb" in colour.get_data(True)
    edit = post(
        client,
        "/p/p1/labels/irony",
        label_data(name="Sarcasm", semeval="AGAINST", requires_target="y"),
    )
    assert edit.status_code == 303
    label = fresh(session, Label, Label.key == "irony")
    assert (label.name, label.semeval, label.requires_target) == ("Sarcasm", "AGAINST", True)
    assert session.scalar(select(func.count()).select_from(Label)) == 7  # 3 + 3 + irony


def test_label_actions_move_retire_delete(lead, session):
    client, project = lead
    post(client, "/p/p1/labels/support/move", {"direction": "up"}, page="/p/p1/labels")
    session.expire_all()
    keys = session.scalars(
        select(Label.key).where(Label.project_id == project.id).order_by(Label.position)
    ).all()
    assert keys == ["claim", "support", "condemnation"]
    post(client, "/p/p1/labels/claim/retire", {}, page="/p/p1/labels")
    assert fresh(session, Label, Label.key == "claim", Label.project_id == project.id).retired
    post(client, "/p/p1/labels/claim/delete", {}, page="/p/p1/labels")
    assert fresh(session, Label, Label.key == "claim", Label.project_id == project.id) is None


def test_label_in_use_cannot_be_deleted_in_browser(session, login):
    project, statement = demo(session)
    client = login("lead")
    stance = {"start": 0, "end": 4, "text": statement.text[:4], "label": "claim", "target": ""}
    annotator = login("annotator1")
    post(annotator, f"/p/demo/s/{statement.id}/stances", stance, page=f"/p/demo/s/{statement.id}")
    client = login("lead")
    response = post(client, "/p/demo/labels/claim/delete", {}, page="/p/demo/labels")
    assert response.status_code == 303
    page = client.get("/p/demo/labels").get_data(True)
    assert "retire it instead" in page
    assert fresh(session, Label, Label.key == "claim", Label.project_id == project.id) is not None


def test_guidelines_save_versions_and_escape_html(lead, session):
    client, project = lead
    body = "# Rules\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    assert post(client, "/p/p1/guidelines/edit", {"body": body}).status_code == 303
    assert post(client, "/p/p1/guidelines/edit", {"body": body + "\nMore."}).status_code == 303
    session.expire_all()
    versions = session.scalars(select(GuidelinesVersion.version)).all()
    assert sorted(versions) == [1, 2]
    page = client.get("/p/p1/guidelines/edit").get_data(True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "Version 2" in page
    assert "<h1>Rules</h1>" in client.get("/p/p1/guidelines/v/1").get_data(True)
    assert client.get("/p/p1/guidelines/v/9").status_code == 404
    empty = post(client, "/p/p1/guidelines/edit", {"body": "  "})
    assert empty.status_code == 422


def test_team_add_change_remove(lead, session):
    client, project = lead
    make_user(session, "newbie")
    session.commit()
    assert post(client, "/p/p1/team", {"username": "newbie", "role": "reviewer"}).status_code == 303
    member = fresh(
        session, Membership, Membership.project_id == project.id, Membership.role == "reviewer"
    )
    assert member is not None
    post(client, "/p/p1/team/newbie/role", {"role": "annotator"}, page="/p/p1/team")
    assert fresh(session, Membership, Membership.id == member.id).role == "annotator"
    post(client, "/p/p1/team/newbie/remove", {}, page="/p/p1/team")
    assert fresh(session, Membership, Membership.id == member.id) is None
    unknown = post(client, "/p/p1/team", {"username": "ghost", "role": "annotator"})
    assert unknown.status_code == 422 and "Unknown user" in unknown.get_data(True)
    last = post(client, "/p/p1/team/boss/remove", {}, page="/p/p1/team")
    assert last.status_code == 303
    assert "last lead" in client.get("/p/p1/team").get_data(True)


def test_assign_and_reassign_in_browser(session, login):
    project, statement = demo(session)
    make_user(session, "annotator3")
    from annotator.accounts.users import get_user

    set_member(session, project, get_user(session, "annotator3"), "annotator")
    session.commit()
    client = login("lead")
    response = post(client, "/p/demo/assignments", {"per_statement": "3"})
    assert response.status_code == 303
    assert re.search(r"\d+ new assignment", client.get("/p/demo/assignments").get_data(True))
    session.expire_all()
    per = session.execute(
        select(Assignment.statement_id, func.count())
        .where(Assignment.active)
        .group_by(Assignment.statement_id)
    ).all()
    assert per and all(n == 3 for _, n in per)
    bad = post(client, "/p/demo/assignments", {"per_statement": "0"})
    assert bad.status_code == 422
    gone = post(
        client,
        "/p/demo/assignments/reassign",
        {"statement_id": statement.id, "from_user": "annotator1", "to_user": ""},
    )
    assert gone.status_code == 303
    a1 = fresh(
        session,
        Assignment,
        Assignment.statement_id == statement.id,
        Assignment.annotator_id == get_user(session, "annotator1").id,
    )
    assert a1.active is False
    wrong = post(
        client,
        "/p/demo/assignments/reassign",
        {"statement_id": statement.id, "from_user": "annotator2", "to_user": "reviewer"},
    )
    assert wrong.status_code == 422 and "not an annotator" in wrong.get_data(True)


def test_progress_dashboard_counts_and_chart(session, login):
    project, statement = demo(session)
    annotator = login("annotator1")
    stance = {"start": 0, "end": 4, "text": statement.text[:4], "label": "claim", "target": ""}
    post(annotator, f"/p/demo/s/{statement.id}/stances", stance, page=f"/p/demo/s/{statement.id}")
    post(
        annotator,
        f"/p/demo/s/{statement.id}/state",
        {"action": "done"},
        page=f"/p/demo/s/{statement.id}",
    )
    page = login("lead").get("/p/demo/progress").get_data(True)
    assert "<svg" in page and "<rect" in page and 'fill="#4e79a7"' in page
    assert "style=" not in page
    assert re.search(r"annotator1</td><td>\d+</td><td>1</td>", page)
    assert 'class="state state-done"' in page
    done = select(AuditEvent).where(AuditEvent.entity == "assignment", AuditEvent.action == "done")
    assert session.scalar(done).data == {"from": "in_progress", "to": "done"}  # saved, then done


@pytest.mark.parametrize("form_class", [LabelForm, MemberForm, RoleForm, ActorForm])
def test_select_fields_use_no_deprecated_choice_shape(app, form_class):
    """WTForms 3.3 deprecates tuple choices (gone in 3.4): building the form must not warn."""
    with app.test_request_context(), warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        form = form_class(meta={"csrf": False})
        options = [[c.value for c in f.iter_choices()] for f in form if f.type == "SelectField"]
    assert options and all(options)


def test_progress_of_a_large_team_lists_each_statements_own_annotators(session, login):
    """Up to GRID_ANNOTATORS the statement table has a column per annotator; past it, one
    Annotators column whose cells name the row's own annotators, by name."""
    project, statement = demo(session)
    lead = login("lead")
    small = lead.get("/p/demo/progress").get_data(True)
    assert "<th>annotator1</th>" in small[small.index('id="statement-progress"') :]
    team = [make_user(session, f"zz{n:02d}") for n in range(GRID_ANNOTATORS)]
    for user in team:
        set_member(session, project, user, "annotator")
        assign_statement(session, project, statement, user)
    import_statements(session, project, [_Statement("second", "Another statement.")])
    second = list_statements(session, project)[-1]
    assign_statement(session, project, second, team[0])
    session.commit()
    page = lead.get("/p/demo/progress").get_data(True)
    table = page[page.index('id="statement-progress"') :]
    assert "<th>Annotators</th>" in table and "<th>zz00</th>" not in table
    row = re.search(rf"<td>{statement.id}</td>.*?</tr>", table, re.S).group(0)
    assert 'zz11 <span class="state state-new">new</span>' in row
    listed = re.findall(r"(\w+) <span class=\"state", row)
    assert listed == sorted(listed) and {"zz00", "zz11"} <= set(listed)
    other = re.search(rf"<td>{second.id}</td>.*?</tr>", table, re.S).group(0)
    assert re.findall(r"(\w+) <span class=\"state", other) == ["zz00"]  # its own annotator
