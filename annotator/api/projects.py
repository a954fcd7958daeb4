"""Projects the token's user can open, and one project with its labels and settings."""

from __future__ import annotations

from annotator.api.access import Caller, operation
from annotator.api.schemas import ProjectDetail, ProjectList
from annotator.extensions import db
from annotator.projects.projects import list_labels, list_user_projects


@operation("GET", "/projects", None, "List your projects", output=ProjectList)
def list_projects(caller: Caller) -> dict:
    """The projects you are a member of, with your role (site admins: all, as lead)."""
    rows = list_user_projects(db.session, caller.user)
    return {"items": [_project(p, role) for p, role in rows]}


@operation("GET", "/projects/<slug>", "annotator", "Get a project", output=ProjectDetail)
def get_project(caller: Caller) -> dict:
    """A project's settings and its label scheme (retired labels included, flagged)."""
    labels = list_labels(db.session, caller.project, include_retired=True)
    return _project(caller.project, caller.role) | {"settings": caller.project, "labels": labels}


def _project(project, role: str) -> dict:
    """A project as the schema reads it, with the caller's role beside it."""
    return {"slug": project.slug, "name": project.name, "description": project.description,
            "role": role}  # fmt: skip
