"""The annotator CLI through click's runner: success and one-line failures with exit 1."""

from __future__ import annotations

from sqlalchemy import func, select

from annotator.models import Assignment, AuditEvent, Membership, Project, Stance, Statement, User

from .factories import make_project, make_user


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_help_lists_commands(runner):
    out = runner.invoke(args=["--help"]).output
    for name in ("init", "users", "projects", "members", "demo", "serve"):
        assert f"  {name} " in out


def test_init_is_idempotent(runner):
    first = runner.invoke(args=["init"])
    second = runner.invoke(args=["init"])
    assert first.exit_code == second.exit_code == 0
    assert "Schema is up to date" in second.output


def test_users_add_with_env_password(runner, session, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_PASSWORD", "long enough")
    result = runner.invoke(args=["users", "add", "ada", "--admin"])
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "ada"))
    assert user.is_admin and user.password_hash.startswith("pbkdf2")
    assert "long enough" not in user.password_hash


def test_users_add_prompts_for_password(runner, session, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "add", "bob"], input="s3cret-pw\ns3cret-pw\n")
    assert result.exit_code == 0, result.output
    assert count(session, User) == 1


def test_users_add_duplicate_and_bad_input_fail_cleanly(runner, session, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_PASSWORD", "long enough")
    runner.invoke(args=["users", "add", "ada"])
    dup = runner.invoke(args=["users", "add", "ada"])
    bad = runner.invoke(args=["users", "add", "no spaces"])
    monkeypatch.setenv("ANNOTATOR_PASSWORD", "short")
    weak = runner.invoke(args=["users", "add", "zed"])
    for result, text in ((dup, "already exists"), (bad, "Usernames"), (weak, "at least 8")):
        assert result.exit_code == 1 and text in result.output
        assert len(result.output.strip().splitlines()) == 1
    assert count(session, User) == 1


def test_projects_create_has_default_labels(runner, session):
    result = runner.invoke(args=["projects", "create", "stances", "--name", "Stances"])
    assert result.exit_code == 0, result.output
    project = session.scalar(select(Project))
    assert [lab.key for lab in project.labels] == ["claim", "condemnation", "support"]
    again = runner.invoke(args=["projects", "create", "stances", "--name", "Again"])
    bad = runner.invoke(args=["projects", "create", "Bad Slug", "--name", "X"])
    assert again.exit_code == bad.exit_code == 1
    assert count(session, Project) == 1


def test_members_add_and_failures(runner, session):
    make_project(session, "p")
    make_user(session, "ann")
    session.commit()
    assert runner.invoke(args=["members", "add", "p", "ann", "reviewer"]).exit_code == 0
    unknown_project = runner.invoke(args=["members", "add", "nope", "ann", "lead"])
    unknown_user = runner.invoke(args=["members", "add", "p", "nobody", "lead"])
    bad_role = runner.invoke(args=["members", "add", "p", "ann", "boss"])
    assert unknown_project.exit_code == unknown_user.exit_code == 1
    assert "Unknown project 'nope'" in unknown_project.output
    assert "Unknown user 'nobody'" in unknown_user.output
    assert bad_role.exit_code != 0 and "boss" in bad_role.output
    roles = session.scalars(select(Membership.role)).all()
    assert roles == ["reviewer"]


def test_demo_loads_once_and_twice_changes_nothing(runner, session, monkeypatch):
    monkeypatch.delenv("ANNOTATOR_PASSWORD", raising=False)
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.output.count("with password:") == 4
    before = {m: count(session, m) for m in (User, Statement, Assignment, AuditEvent, Membership)}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "with password" not in second.output
    after = {m: count(session, m) for m in (User, Statement, Assignment, AuditEvent, Membership)}
    assert before == after
    assert after[Statement] == 1 and after[Assignment] == 2 and after[User] == 4
    statement = session.scalar(select(Statement))
    assert statement.organization_actor.key == "rcit"
    assert count(session, Stance) == 0


def test_demo_users_can_log_in(runner, client, login, monkeypatch):
    monkeypatch.setenv("ANNOTATOR_PASSWORD", "demo-pass")
    assert runner.invoke(args=["demo"]).exit_code == 0
    login("annotator1", "demo-pass")
    page = client.get("/p/demo/").get_data(as_text=True)
    assert "Iran&#39;s missile strikes" in page or "Iran's missile strikes" in page


def test_unreachable_database_message_masks_password(app):
    app.config["DATABASE_URL"] = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/x"
    from annotator.extensions import db

    db.init_app(app)
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 1
    assert "127.0.0.1:1" in result.output and "hunter2" not in result.output
    assert "***" in result.output


def test_projects_create_with_description_is_one_audited_write(runner, session):
    args = ["projects", "create", "p2", "--name", "P2", "--description", "Statements of 2024"]
    assert runner.invoke(args=args).exit_code == 0
    project = session.scalar(select(Project).where(Project.slug == "p2"))
    assert project.description == "Statements of 2024"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.project_id == project.id))
    assert list(actions) == ["create"]
