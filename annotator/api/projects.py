"""Projects the token's user can open, and one project with its labels and settings."""

from __future__ import annotations

from annotator.api.routing import Call, operation
from annotator.api.serialize import (
    PROJECT,
    PROJECT_DETAIL,
    array,
    project_detail_json,
    project_json,
)
from annotator.extensions import db
from annotator.projects.projects import list_labels, list_user_projects


@operation(
    "GET", "/projects", "List your projects", role=None, tag="projects", response=array(PROJECT)
)
def list_projects(call: Call):
    """The projects you are a member of, with your role (site admins: all, as lead)."""
    rows = list_user_projects(db.session, call.user)
    return {"items": [project_json(p, role) for p, role in rows]}


@operation(
    "GET",
    "/projects/{slug}",
    "Get a project",
    role="annotator",
    tag="projects",
    response=PROJECT_DETAIL,
)
def get_project(call: Call):
    """A project's settings and its label scheme (retired labels included, flagged)."""
    labels = list_labels(db.session, call.project, include_retired=True)
    return project_detail_json(call.project, call.role, labels)
