"""Lead commands through click's runner: effects on the database, one-line errors, exit 1."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.models import Assignment, GuidelinesVersion, Label, Membership, Project

from .factories import make_project, make_user
from .workspace_helpers import demo


def fresh(session, stmt):
    session.expire_all()
    return session.scalar(stmt)


def test_projects_create_list_and_set(runner, session):
    result = runner.invoke(
        args=["projects", "create", "cli-p", "--name", "CLI", "--description", "d"]
    )
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["projects", "list"])
    assert listed.exit_code == 0 and "cli-p\tCLI\t2\tyes\tno\tno" in listed.output
    changed = runner.invoke(
        args=[
            "projects",
            "set",
            "cli-p",
            "--per-statement",
            "3",
            "--no-overlap",
            "--snap",
            "--hide-names",
            "--name",
            "Renamed",
        ]
    )
    assert changed.exit_code == 0, changed.output
    assert "3 annotator(s) per statement, overlap off" in changed.output
    project = fresh(session, select(Project).where(Project.slug == "cli-p"))
    assert (project.name, project.description, project.annotators_per_statement) == (
        "Renamed",
        "d",
        3,
    )
    assert project.snap_to_words and project.hide_annotator_names and not project.allow_overlap


def test_projects_set_refuses_bad_values(runner, session):
    make_project(session, "p1")
    session.commit()
    result = runner.invoke(args=["projects", "set", "p1", "--per-statement", "0", "--snap"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: Annotators per statement")
    assert len(result.output.strip().splitlines()) == 1
    assert fresh(session, select(Project.snap_to_words).where(Project.slug == "p1")) is False
    missing = runner.invoke(args=["projects", "set", "nope", "--snap"])
    assert missing.exit_code == 1 and "Unknown project 'nope'" in missing.output


def test_members_list_and_remove(runner, session):
    make_project(session, "p1", members={"boss": "lead", "ann": "annotator"})
    session.commit()
    listed = runner.invoke(args=["members", "list", "p1"])
    assert listed.output.splitlines() == ["boss\tlead", "ann\tannotator"]
    removed = runner.invoke(args=["members", "remove", "p1", "ann"])
    assert removed.exit_code == 0 and "their work is kept" in removed.output
    assert fresh(session, select(func.count()).select_from(Membership)) == 1
    again = runner.invoke(args=["members", "remove", "p1", "ann"])
    assert again.exit_code == 1 and "not a member" in again.output
    last = runner.invoke(args=["members", "remove", "p1", "boss"])
    assert last.exit_code == 1 and "last lead" in last.output


def test_assign_command_tops_up(runner, session):
    project, statement = demo(session)
    make_user(session, "annotator3")
    session.commit()
    runner.invoke(args=["members", "add", "demo", "annotator3", "annotator"])
    first = runner.invoke(args=["assign", "demo", "--per-statement", "3"])
    assert first.exit_code == 0, first.output
    n_statements = fresh(session, select(func.count()).select_from(Assignment)) // 3
    assert f"{n_statements} new assignment(s) across 3 annotator(s)" in first.output
    again = runner.invoke(args=["assign", "demo", "--per-statement", "3"])
    assert again.output.startswith("0 new assignment(s)")
    short = runner.invoke(args=["assign", "demo", "--per-statement", "4"])
    assert "fewer than 4" in short.output
    bad = runner.invoke(args=["assign", "demo", "--per-statement", "0"])
    assert bad.exit_code == 1 and bad.output.startswith("Error:")


def test_reassign_command(runner, session):
    project, statement = demo(session)
    make_user(session, "annotator3")
    session.commit()
    runner.invoke(args=["members", "add", "demo", "annotator3", "annotator"])
    ok = runner.invoke(args=["reassign", "demo", statement.external_id, "annotator1", "annotator3"])
    assert ok.exit_code == 0, ok.output
    active = fresh(
        session,
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.statement_id == statement.id, Assignment.active),
    )
    assert active == 2
    gone = runner.invoke(args=["reassign", "demo", f"#{statement.id}", "annotator3"])
    assert gone.exit_code == 0 and "Unassigned" in gone.output
    missing = runner.invoke(args=["reassign", "demo", "no-such-id", "annotator2"])
    assert missing.exit_code == 1 and "No statement 'no-such-id'" in missing.output


def test_labels_commands(runner, session):
    make_project(session, "p1")
    session.commit()
    add = runner.invoke(
        args=[
            "labels",
            "add",
            "p1",
            "irony",
            "--name",
            "Irony",
            "--color",
            "#112233",
            "--hotkey",
            "4",
            "--semeval",
            "NONE",
            "--no-target",
        ]
    )
    assert add.exit_code == 0, add.output
    listed = runner.invoke(args=["labels", "list", "p1"]).output
    assert "irony\tIrony\t#112233\t4\tno\t\tNONE\tactive\t0" in listed
    taken = runner.invoke(args=["labels", "set", "p1", "irony", "--hotkey", "1"])
    assert taken.exit_code == 1 and "already used by 'Claim'" in taken.output
    bad_key = runner.invoke(args=["labels", "add", "p1", "Bad Key"])
    assert bad_key.exit_code == 1 and "Label keys" in bad_key.output
    runner.invoke(args=["labels", "set", "p1", "irony", "--name", "Sarcasm"])
    runner.invoke(args=["labels", "retire", "p1", "claim"])
    label = fresh(session, select(Label).where(Label.key == "irony"))
    assert label.name == "Sarcasm"
    assert fresh(session, select(Label.retired).where(Label.key == "claim")) is True
    deleted = runner.invoke(args=["labels", "delete", "p1", "irony"])
    assert deleted.exit_code == 0
    assert fresh(session, select(func.count()).select_from(Label)) == 3


def test_guidelines_commands(runner, session, tmp_path):
    make_project(session, "p1")
    session.commit()
    empty = runner.invoke(args=["guidelines", "show", "p1"])
    assert empty.exit_code == 1 and "no guidelines yet" in empty.output
    path = tmp_path / "g.md"
    path.write_text("\ufeff# Rules\r\nOne.\r\n", encoding="utf-8")
    assert "version 1" in runner.invoke(args=["guidelines", "set", "p1", str(path)]).output
    assert "Unchanged" in runner.invoke(args=["guidelines", "set", "p1", str(path)]).output
    assert runner.invoke(args=["guidelines", "show", "p1"]).output == "# Rules\nOne.\n\n"
    assert fresh(session, select(func.count()).select_from(GuidelinesVersion)) == 1
