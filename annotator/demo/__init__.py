"""The demo project: the example statement, its actor registry, four users, and a premise
label beside the default scheme for argument relations."""

from __future__ import annotations

import json
import secrets
from importlib import resources

from sqlalchemy.orm import Session

from annotator.accounts.users import create_user, find_user
from annotator.actors.registry import import_actors
from annotator.formats.actor_csv import iter_actor_rows
from annotator.formats.statement_readers import iter_statements
from annotator.models import Project
from annotator.projects.assignments import assign_statement
from annotator.projects.labels import create_label
from annotator.projects.projects import create_project, find_project, set_member
from annotator.statements.statements import import_statements, list_statements

DEMO_USERS = (
    ("lead", "lead"),
    ("reviewer", "reviewer"),
    ("annotator1", "annotator"),
    ("annotator2", "annotator"),
)


def load_demo(session: Session, password: str | None, *, method: str = "scrypt") -> dict[str, str]:
    """Create what is missing of the demo; returns {username: password} for users it created."""
    project = find_project(session, "demo") or create_project(
        session, "demo", "Demo: Iran's missile strikes (RCIT, 2024)"
    )
    data = resources.files("annotator") / "demo"
    with (data / "labels.json").open("rb") as fh:
        add_missing_labels(session, project, json.load(fh))
    with (data / "actors.csv").open("rb") as fh:
        import_actors(session, project, iter_actor_rows("actors.csv", fh))
    with (data / "statements.jsonl").open("rb") as fh:
        import_statements(session, project, iter_statements("statements.jsonl", fh))
    created = {}
    for username, role in DEMO_USERS:
        user = find_user(session, username)
        if user is None:
            secret = password or secrets.token_urlsafe(12)
            user = create_user(session, username, secret, method=method)
            created[username] = secret
        set_member(session, project, user, role)
    for statement in list_statements(session, project):
        for username in ("annotator1", "annotator2"):
            assign_statement(session, project, statement, find_user(session, username))
    return created


def add_missing_labels(session: Session, project: Project, specs: list[dict]) -> None:
    """Create the demo's extra labels the project does not have yet (loading twice is fine)."""
    keys = {label.key for label in project.labels}
    for spec in specs:
        if spec["key"] not in keys:
            create_label(session, project, **spec)
