"""The actor registry: browser list/search/create/edit/merge/approve, CSV import and export."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.actors import curation as registry
from annotator.actors.registry import get_actor, propose_actor, resolve_actor
from annotator.annotation import stances as stance_service
from annotator.errors import Conflict, Invalid
from annotator.models import Actor, AuditEvent, Stance, Statement

from .conftest import csrf_from
from .factories import PASSWORD, make_project, make_user
from .workspace_helpers import demo, stance_data

CSV_HEAD = "id,name,type,aliases,wikidata\n"


def write(tmp_path, text: str, name: str = "actors.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def n_actors(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Actor))


def make_stance(session, project, statement, username="annotator1", **kw):
    data = stance_data(statement, **kw)
    stance_input = stance_service.StanceInput(
        data["start"], data["end"], data["text"], data["label"], data["target"], data.get("holder")
    )
    user = get_user(session, username)
    return stance_service.create_stance(session, project, statement, user, stance_input)


# --- CLI import / export -------------------------------------------------------------------


def test_actor_import_then_reimport_updates_never_duplicates(runner, session, tmp_path):
    make_project(session, "p")
    session.commit()
    first = runner.invoke(args=["actors", "import", "p", "/work/shared/corpus/actors.csv"])
    assert first.exit_code == 0, first.output
    total = n_actors(session)
    assert total == 16 and "Created 16" in first.output
    again = runner.invoke(args=["actors", "import", "p", "/work/shared/corpus/actors.csv"])
    assert again.exit_code == 0 and "Created 0 and updated 0" in again.output
    changed = write(tmp_path, CSV_HEAD + "iran,Islamic Republic of Iran,state,Iran|ایران,Q794\n")
    third = runner.invoke(args=["actors", "import", "p", changed])
    assert "Created 0 and updated 1" in third.output
    assert n_actors(session) == total
    iran = session.scalar(select(Actor).where(Actor.key == "iran"))
    assert iran.name == "Islamic Republic of Iran"
    assert [a.alias for a in iran.aliases] == ["Iran", "ایران"]


@pytest.mark.parametrize(
    ("row", "where"),
    [
        ("x,X,state,,Q0\n", ":3: wikidata:"),
        ("x,X,state,,794\n", ":3: wikidata:"),
        ("x,X,planet,,\n", ":3: type:"),
    ],
)
def test_actor_import_bad_row_writes_nothing(runner, session, tmp_path, row, where):
    make_project(session, "p")
    session.commit()
    path = write(tmp_path, CSV_HEAD + "ok,Fine,state,,Q1\n" + row)
    result = runner.invoke(args=["actors", "import", "p", path])
    assert result.exit_code == 1
    assert f"actors.csv{where}" in result.output and "Nothing was imported" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert n_actors(session) == 0


def test_actor_import_unknown_column_is_rejected(runner, session, tmp_path):
    make_project(session, "p")
    session.commit()
    path = write(tmp_path, "id,name,type,aliases,wikidata,colour\nx,X,state,,,red\n")
    result = runner.invoke(args=["actors", "import", "p", path])
    assert result.exit_code == 1 and "actors.csv:1: colour: unknown column" in result.output
    assert n_actors(session) == 0


def test_actor_export_round_trips(runner, session, tmp_path):
    make_project(session, "p")
    session.commit()
    runner.invoke(args=["actors", "import", "p", "/work/shared/corpus/actors.csv"])
    result = runner.invoke(args=["actors", "export", "p"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["id", "name", "type", "aliases", "wikidata"]
    with open("/work/shared/corpus/actors.csv", encoding="utf-8") as fh:
        original = {r["id"]: r for r in csv.DictReader(fh)}
    assert {r["id"]: r for r in rows} == original
    again = runner.invoke(args=["actors", "import", "p", write(tmp_path, result.output)])
    assert "Created 0 and updated 0" in again.output


def test_actor_import_unknown_project_fails(runner):
    result = runner.invoke(args=["actors", "import", "nope", "/work/shared/corpus/actors.csv"])
    assert result.exit_code == 1 and "Unknown project 'nope'" in result.output


# --- services -------------------------------------------------------------------------------


def test_create_actor_checks_qid_key_and_aliases(session):
    project, _ = demo(session)
    lead = get_user(session, "lead")
    data = registry.ActorData("Hamas", "armed group", ("حماس", "", " Hamas "), "Q38775")
    actor = registry.create_actor(session, project, lead, data)
    assert actor.key == "hamas" and actor.status == "approved"
    assert [a.alias for a in actor.aliases] == ["حماس", "Hamas"]
    for bad, field in (
        (registry.ActorData("X", wikidata="Q01"), "wikidata"),
        (registry.ActorData("X", wikidata="q5"), "wikidata"),
        (registry.ActorData("X", aliases=("a|b",)), "aliases"),
        (registry.ActorData("  "), "name"),
        (registry.ActorData("X", type="planet"), "type"),
        (registry.ActorData("X", key="Bad Key"), "key"),
    ):
        with pytest.raises(Invalid) as err:
            registry.create_actor(session, project, lead, bad)
        assert err.value.field == field
    with pytest.raises(Conflict):
        registry.create_actor(session, project, lead, registry.ActorData("Iran 2", key="iran"))


def test_merge_repoints_stances_statements_and_aliases(session):
    project, st = demo(session)
    lead = get_user(session, "lead")
    dup = registry.create_actor(
        session, project, lead, registry.ActorData("Islamic Rep.", "state", ("IRI",), "Q794")
    )
    rcit = get_actor(session, project, "rcit")
    stance = make_stance(session, project, st, target=dup.key)
    held = make_stance(session, project, st, "annotator2", target="iran", holder=dup.key)
    st.organization_actor_id = dup.id
    session.flush()
    iran = get_actor(session, project, "iran")
    counts = registry.merge_actors(session, project, lead, dup, iran)
    session.commit()
    session.expire_all()
    assert (counts.as_target, counts.as_holder, counts.statements) == (1, 1, 1)
    assert session.get(Stance, stance.id).target_id == iran.id
    assert session.get(Stance, stance.id).version == 2  # open edit forms get a conflict
    assert session.get(Stance, held.id).holder_id == iran.id
    assert session.get(Statement, st.id).organization_actor_id == iran.id
    assert session.get(Actor, dup.id).merged_into_id == iran.id
    aliases = [a.alias for a in session.get(Actor, iran.id).aliases]
    assert "IRI" in aliases and "Islamic Rep." in aliases
    assert resolve_actor(session, project, "IRI").id == iran.id
    assert resolve_actor(session, project, dup.key).id == iran.id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert event.entity_id == dup.id and event.data["into_key"] == "iran"
    assert rcit.merged_into_id is None


def test_merge_refuses_self_and_merged(session):
    project, _ = demo(session)
    lead = get_user(session, "lead")
    iran, iraq = get_actor(session, project, "iran"), get_actor(session, project, "iraq")
    with pytest.raises(Invalid):
        registry.merge_actors(session, project, lead, iran, iran)
    registry.merge_actors(session, project, lead, iraq, iran)
    with pytest.raises(Invalid):
        registry.merge_actors(session, project, lead, iraq, iran)


def test_reimport_after_merge_does_not_duplicate(runner, session):
    project, _ = demo(session)
    lead = get_user(session, "lead")
    before = n_actors(session)
    registry.merge_actors(
        session,
        project,
        lead,
        get_actor(session, project, "iraq"),
        get_actor(session, project, "iran"),
    )
    session.commit()
    result = runner.invoke(args=["actors", "import", "demo", "/work/shared/corpus/actors.csv"])
    assert result.exit_code == 0, result.output
    assert n_actors(session) == before


# --- browser ------------------------------------------------------------------------------


def test_annotator_reads_list_but_cannot_edit(session, login):
    project, _ = demo(session)
    client = login("annotator1")
    page = client.get("/p/demo/actors/?q=teheran")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and ">Iran</a>" in body and "Iraq" not in body
    assert ">Approve<" not in body and "New actor" not in body
    iran = get_actor(session, project, "iran")
    show = client.get(f"/p/demo/actors/{iran.id}").get_data(as_text=True)
    assert "Mullah regime" in show and "Preview merge" not in show
    token = csrf_from(client.get("/p/demo/actors/"))
    denied = client.post(f"/p/demo/actors/{iran.id}", data={"csrf_token": token, "name": "X"})
    assert denied.status_code == 403
    assert client.get("/p/demo/actors/new").status_code == 403


def test_non_member_gets_404(session, login):
    demo(session)
    make_user(session, "stranger")
    session.commit()
    assert login("stranger").get("/p/demo/actors/").status_code == 404


def test_search_by_other_script_and_htmx_partial(session, login):
    project, _ = demo(session)
    lead = get_user(session, "lead")
    registry.create_actor(session, project, lead, registry.ActorData("Daesh2", aliases=("داعش",)))
    session.commit()
    client = login("lead")
    res = client.get(
        "/p/demo/actors/?q=داعش", headers={"HX-Request": "true", "HX-Target": "actor-table"}
    )
    body = res.get_data(as_text=True)
    assert res.status_code == 200 and "Daesh2" in body and "<html" not in body
    assert "HX-Request" in res.headers["Vary"]


def test_lead_creates_actor_and_bad_qid_is_422(session, login):
    demo(session)
    client = login("lead")
    token = csrf_from(client.get("/p/demo/actors/new"))
    form = {"csrf_token": token, "name": "Hezbollah", "type": "armed group", "wikidata": "Q9X"}
    form["aliases"] = "Hizbullah\r\nحزب الله\r\n"
    bad = client.post("/p/demo/actors/new", data=form)
    assert bad.status_code == 422 and "Q9X" in bad.get_data(as_text=True)
    assert session.scalar(select(Actor).where(Actor.name == "Hezbollah")) is None
    form["wikidata"] = "Q41053"
    ok = client.post("/p/demo/actors/new", data=form)
    assert ok.status_code == 303
    session.commit()
    actor = session.scalar(select(Actor).where(Actor.name == "Hezbollah"))
    assert actor.wikidata == "Q41053" and [a.alias for a in actor.aliases] == [
        "Hizbullah",
        "حزب الله",
    ]


def test_post_without_csrf_is_refused(session, login):
    project, _ = demo(session)
    client = login("lead")
    iran = get_actor(session, project, "iran")
    res = client.post(f"/p/demo/actors/{iran.id}", data={"name": "Hacked", "type": "state"})
    assert res.status_code == 400
    session.expire_all()
    assert get_actor(session, project, "iran").name == "Iran"


def test_lead_edits_actor(session, login):
    project, _ = demo(session)
    client = login("lead")
    iran = get_actor(session, project, "iran")
    page = client.get(f"/p/demo/actors/{iran.id}")
    assert "Teheran\nTehran" in page.get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "name": "Iran", "type": "state"}
    data |= {"aliases": "Iran\nطهران", "wikidata": "Q794"}
    assert client.post(f"/p/demo/actors/{iran.id}", data=data).status_code == 303
    session.expire_all()
    assert [a.alias for a in get_actor(session, project, "iran").aliases] == ["Iran", "طهران"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.data["aliases"][1] == ["Iran", "طهران"]


def test_approve_and_reject_proposed_actor(session, login):
    project, _ = demo(session)
    proposed = propose_actor(session, project, get_user(session, "annotator1"), "Houthis")
    other = propose_actor(session, project, get_user(session, "annotator1"), "Ansar Allah")
    session.commit()
    client = login("lead")
    listing = client.get("/p/demo/actors/?status=proposed")
    body = listing.get_data(as_text=True)
    assert "Houthis" in body and ">Iran</a>" not in body
    token = csrf_from(listing)
    res = client.post(
        f"/p/demo/actors/{proposed.id}/status",
        data={"csrf_token": token, "status": "approved", "back": "list"},
        headers={"HX-Request": "true"},
    )
    assert res.status_code == 200 and res.get_data(as_text=True).lstrip().startswith("<tr")
    res = client.post(
        f"/p/demo/actors/{other.id}/status", data={"csrf_token": token, "status": "rejected"}
    )
    assert res.status_code == 303
    session.expire_all()
    assert session.get(Actor, proposed.id).status == "approved"
    assert session.get(Actor, other.id).status == "rejected"
    assert resolve_actor(session, project, "Ansar Allah") is None
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "actor")))
    assert {"approve", "reject"} <= actions
    bogus = client.post(
        f"/p/demo/actors/{other.id}/status", data={"csrf_token": token, "status": "x"}
    )
    assert bogus.status_code == 422


def test_browser_merge_preview_then_confirm(session, login):
    project, st = demo(session)
    iraq = get_actor(session, project, "iraq")
    make_stance(session, project, st, target="iraq")
    session.commit()
    client = login("lead")
    preview = client.get(f"/p/demo/actors/{iraq.id}/merge?into=Teheran")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 stance with target" in text
    unknown = client.get(f"/p/demo/actors/{iraq.id}/merge?into=Atlantis")
    assert unknown.status_code == 422 and "Atlantis" in unknown.get_data(as_text=True)
    res = client.post(
        f"/p/demo/actors/{iraq.id}/merge", data={"csrf_token": csrf_from(preview), "into": "iran"}
    )
    assert res.status_code == 303
    session.expire_all()
    iran = get_actor(session, project, "iran")
    assert session.get(Actor, iraq.id).merged_into_id == iran.id
    assert session.scalar(select(func.count()).where(Stance.target_id == iran.id)) == 1
    merged_page = client.get(f"/p/demo/actors/{iraq.id}").get_data(as_text=True)
    assert "Merged into" in merged_page and "Preview merge" not in merged_page


def test_export_csv_download(session, login):
    demo(session)
    res = login("annotator1").get("/p/demo/actors/export.csv")
    assert res.status_code == 200 and res.mimetype == "text/csv"
    assert res.get_data(as_text=True).startswith("id,name,type,aliases,wikidata")


def test_lead_only_actions_are_forbidden_to_reviewers(session, login):
    project, _ = demo(session)
    iran, iraq = get_actor(session, project, "iran"), get_actor(session, project, "iraq")
    client = login("reviewer")
    token = csrf_from(client.get("/p/demo/actors/"))
    status = {"csrf_token": token, "status": "rejected"}
    assert client.post(f"/p/demo/actors/{iran.id}/status", data=status).status_code == 403
    merge = {"csrf_token": token, "into": "iran"}
    assert client.post(f"/p/demo/actors/{iraq.id}/merge", data=merge).status_code == 403
    assert client.get(f"/p/demo/actors/{iraq.id}/merge?into=iran").status_code == 403
    session.expire_all()
    assert get_actor(session, project, "iraq").merged_into_id is None
    assert get_actor(session, project, "iran").status == "approved"


def test_actor_of_another_project_is_404(session, login):
    demo(session)
    other = make_project(session, "other")
    lead = get_user(session, "lead")
    foreign = registry.create_actor(session, other, lead, registry.ActorData("Elsewhere"))
    session.commit()
    assert login("lead").get(f"/p/demo/actors/{foreign.id}").status_code == 404


@pytest.mark.browser
def test_browser_search_and_approve_in_place(session, live_server, page):
    project, _ = demo(session)
    proposed = propose_actor(session, project, get_user(session, "annotator1"), "Houthis")
    session.commit()
    page.goto(f"{live_server}/login")
    page.fill("#username", "lead")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/p/demo/actors/")
    page.fill("#actor-q", "mullah")
    page.wait_for_url("**q=mullah**")
    assert page.locator("#actor-table tbody tr").count() == 1
    assert "Iran" in page.inner_text("#actor-table")
    page.goto(f"{live_server}/p/demo/actors/?status=proposed")
    page.click(f"#actor-{proposed.id} button:has-text('Approve')")
    page.wait_for_selector(f"#actor-{proposed.id} .actor-approved")
    assert page.url.endswith("status=proposed")  # swapped in place, no navigation
    session.commit()
    session.expire_all()
    assert session.get(Actor, proposed.id).status == "approved"


def test_resolve_prefers_exact_key_over_another_actors_alias(session):
    project, _ = demo(session)
    lead = get_user(session, "lead")
    city = registry.create_actor(session, project, lead, registry.ActorData("City", key="tehran"))
    session.flush()
    assert resolve_actor(session, project, "tehran").id == city.id  # not Iran, whose alias it is
    assert resolve_actor(session, project, "Tehran").key == "iran"


def test_browser_csv_import_creates_updates_and_rejects_bad_rows(session, login):
    project, _ = demo(session)
    client = login("lead")
    before = n_actors(session)
    token = csrf_from(client.get("/p/demo/actors/import"))
    bad = CSV_HEAD + "new1,New,party,,\nnew2,Other,party,,Q-1\n"
    res = client.post(
        "/p/demo/actors/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad.encode()), "reg.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 422 and "reg.csv:3: wikidata:" in res.get_data(as_text=True)
    assert n_actors(session) == before
    good = CSV_HEAD + "new1,New,party,Neu|جديد,\niran,Iran,state,Iran,Q794\n"
    res = client.post(
        "/p/demo/actors/import",
        data={"csrf_token": token, "file": (io.BytesIO(good.encode()), "reg.csv")},
        content_type="multipart/form-data",
    )
    assert res.status_code == 303
    assert n_actors(session) == before + 1
    assert [a.alias for a in get_actor(session, project, "iran").aliases] == ["Iran"]
    assert login("annotator1").get("/p/demo/actors/import").status_code == 403


def test_reimporting_aliases_that_differ_only_in_case_or_order_changes_nothing(session):
    from annotator.actors.registry import import_actors
    from annotator.formats.actor_csv import ActorRow

    from .factories import make_project

    project = make_project(session, "registry")
    row = ActorRow("daesh", "Islamic State", "armed group", ("ISIS", "isis", "Daesh"))
    assert import_actors(session, project, [row]) == (1, 0)
    again = ActorRow("daesh", "Islamic State", "armed group", ("Daesh", "ISIS"))
    assert import_actors(session, project, [again]) == (0, 0)
    assert import_actors(session, project, [row]) == (0, 0)
