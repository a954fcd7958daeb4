"""Projects, their default label scheme, members and role checks."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..models import ROLES, Label, Membership, Project, User
from .audit import record_event

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

DEFAULT_LABELS = (
    dict(
        key="claim",
        name="Claim",
        color="#4e79a7",
        hotkey="1",
        requires_target=False,
        polarity="neutral",
        semeval="NONE",
        definition="The holder asserts that something is or was the case.",
        example="Teheran claims to have hit a “Mossad headquarter” in Erbil.",
    ),
    dict(
        key="condemnation",
        name="Condemnation",
        color="#e15759",
        hotkey="2",
        requires_target=True,
        polarity="negative",
        semeval="AGAINST",
        definition="The holder denounces or rejects an actor or its actions.",
        example="The RCIT condemns the reactionary aggression of Iran.",
    ),
    dict(
        key="support",
        name="Support",
        color="#59a14f",
        hotkey="3",
        requires_target=True,
        polarity="positive",
        semeval="FAVOR",
        definition="The holder declares support or solidarity for an actor or its cause.",
        example="We continue our support for the rebels in Syria.",
    ),
)


def role_rank(role: str | None) -> int:
    """Order roles annotator < reviewer < lead; no role ranks below all."""
    return ROLES.index(role) + 1 if role in ROLES else 0


def create_project(session: Session, slug: str, name: str, *, user: User | None = None) -> Project:
    """Create a project with the default claim / condemnation / support scheme."""
    if not SLUG_RE.match(slug):
        raise Invalid("Project slugs are lower-case letters, digits and '-'.", field="slug")
    if not name.strip():
        raise Invalid("A project needs a name.", field="name")
    if session.scalar(select(Project.id).where(Project.slug == slug)):
        raise Conflict(f"Project '{slug}' already exists.", field="slug")
    project = Project(slug=slug, name=name.strip())
    project.labels = [Label(position=i, **spec) for i, spec in enumerate(DEFAULT_LABELS)]
    session.add(project)
    session.flush()
    record_event(
        session,
        user=user,
        action="create",
        entity="project",
        entity_id=project.id,
        project_id=project.id,
    )
    return project


def find_project(session: Session, slug: str) -> Project | None:
    """The project with this slug, or None."""
    return session.scalar(select(Project).where(Project.slug == slug))


def get_project(session: Session, slug: str) -> Project:
    """The project with this slug; NotFound otherwise."""
    project = find_project(session, slug)
    if project is None:
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    return project


def role_of(session: Session, project: Project, user: User) -> str | None:
    """The user's role in the project; a site admin acts as lead everywhere."""
    if user.is_admin:
        return "lead"
    return session.scalar(
        select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )


def require_role(session: Session, slug: str, user: User, minimum: str) -> tuple[Project, str]:
    """Load a project for a user: 404 when not a member (no leak), 403 when the role is too low."""
    project = get_project(session, slug)
    role = role_of(session, project, user)
    if role is None:
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    if role_rank(role) < role_rank(minimum):
        raise Forbidden(f"This needs the {minimum} role in '{project.name}'.")
    return project, role


def list_user_projects(session: Session, user: User) -> list[tuple[Project, str]]:
    """The projects a user can open with their role, by name (admins see all as lead)."""
    if user.is_admin:
        projects = session.scalars(select(Project).order_by(Project.name))
        return [(p, "lead") for p in projects]
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.name)
    )
    return [(p, r) for p, r in rows]


def set_member(
    session: Session, project: Project, member: User, role: str, *, user=None
) -> Membership:
    """Add a member or change their role."""
    if role not in ROLES:
        raise Invalid(f"Unknown role '{role}'; use one of {', '.join(ROLES)}.", field="role")
    membership = session.scalar(
        select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == member.id
        )
    )
    if membership is not None and membership.role == role:
        return membership
    if membership is None:
        membership = Membership(project_id=project.id, user_id=member.id, role=role)
        session.add(membership)
    membership.role = role
    session.flush()
    record_event(
        session,
        user=user,
        action="set_role",
        entity="membership",
        entity_id=membership.id,
        project_id=project.id,
        data={"username": member.username, "role": role},
    )
    return membership


def list_labels(
    session: Session, project: Project, *, include_retired: bool = False
) -> list[Label]:
    """The project's labels in display order."""
    query = select(Label).where(Label.project_id == project.id).order_by(Label.position)
    if not include_retired:
        query = query.where(Label.retired.is_(False))
    return list(session.scalars(query))


def latest_guidelines(session: Session, project: Project):
    """The guidelines version in force, or None when the lead has written none yet."""
    from ..models import GuidelinesVersion

    return session.scalar(
        select(GuidelinesVersion)
        .where(GuidelinesVersion.project_id == project.id)
        .order_by(GuidelinesVersion.version.desc())
        .limit(1)
    )
