"""Projects, their default label scheme, members and role checks."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from annotator.db.audit import record_event
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.models import (
    OPEN_STATES,
    Assignment,
    Label,
    Membership,
    Project,
    RelationType,
    Statement,
    User,
)
from annotator.roles import ROLES, Role

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _default_scheme() -> dict[str, tuple[dict, ...]]:
    """The labels and relation types of a new project: data, kept as data in
    ``default_scheme.toml`` beside this module (the wheel carries it)."""
    text = resources.files(__package__).joinpath("default_scheme.toml").read_text("utf-8")
    return {part: tuple(specs) for part, specs in tomllib.loads(text).items()}


_SCHEME = _default_scheme()
DEFAULT_LABELS = _SCHEME["labels"]
# Older projects got the relation types from migration 0004; leads add more like labels.
DEFAULT_RELATION_TYPES = _SCHEME["relation_types"]


def member_role(session: Session, project: Project, user: User) -> Role | None:
    """The user's own membership role in the project (a site admin is no member by default)."""
    role = session.scalar(
        select(Membership.role).where(
            Membership.project_id == project.id, Membership.user_id == user.id
        )
    )
    return Role(role) if role else None


def role_of(session: Session, project: Project, user: User) -> Role | None:
    """The role the user acts with in the project; a site admin acts as lead everywhere."""
    return Role.LEAD if user.is_admin else member_role(session, project, user)


def create_project(
    session: Session, slug: str, name: str, *, description: str = "", user: User | None = None
) -> Project:
    """Create a project with the default label scheme and relation types (supports, attacks)."""
    if not SLUG_RE.match(slug):
        raise Invalid("Project slugs are lower-case letters, digits and '-'.", field="slug")
    if not name.strip():
        raise Invalid("A project needs a name.", field="name")
    if session.scalar(select(Project.id).where(Project.slug == slug)):
        raise Conflict(f"Project '{slug}' already exists.", field="slug")
    project = Project(slug=slug, name=name.strip(), description=description.strip())
    project.labels = [Label(position=i, **spec) for i, spec in enumerate(DEFAULT_LABELS)]
    session.add(project)
    session.add_all(
        RelationType(project=project, position=i, **spec)
        for i, spec in enumerate(DEFAULT_RELATION_TYPES)
    )
    session.flush()
    record_event(session, user, "create", "project", project.id, project_id=project.id)
    return project


# Same shape as find_user/get_user: the find_/get_ rule, see docs/architecture.md.
def find_project(session: Session, slug: str) -> Project | None:
    """The project with this slug, or None."""
    return session.scalar(select(Project).where(Project.slug == slug))


def get_project(session: Session, slug: str) -> Project:
    """The project with this slug; NotFound otherwise."""
    project = find_project(session, slug)
    if project is None:
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    return project


def require_role(
    session: Session, slug: str, user: User, minimum: Role | str
) -> tuple[Project, Role]:
    """Load a project for a user: 404 when not a member (no leak), 403 when the role is too low.

    One query for both, with the label scheme (every project request starts here).
    """
    row = session.execute(_PROJECT_ROLE, {"slug": slug, "user_id": user.id}).unique().first()
    project, role = row if row is not None else (None, None)
    return check_role(slug, user, project, role, minimum)


def check_role(
    slug: str, user: User, project: Project | None, role: Role | None, minimum: Role | str
) -> tuple[Project, Role]:
    """``require_role``'s verdict on the project of ``slug`` and the user's membership role,
    as loaded already (None for none): see ``with_project_role``."""
    if project is not None and user.is_admin:
        role = Role.LEAD
    if role is None:
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    if role < minimum:
        raise Forbidden(f"This needs the {minimum} role in '{project.name}'.")
    return project, role


def with_project_role(query: Select) -> Select:
    """``query``, which selects a user, with the project of ``:slug`` and the user's role in
    it (both None when missing) as ``require_role`` loads them, labels included.

    The request's user and its project membership in one query: every project request
    loads both, and a query costs more than the joins (web/security.py, api/access.py).
    """
    return (
        query.outerjoin_from(User, Project, Project.slug == bindparam("slug"))
        .outerjoin_from(
            Project,
            Membership,
            (Membership.project_id == Project.id) & (Membership.user_id == User.id),
        )
        .add_columns(Project, Membership.role)
        .options(joinedload(Project.labels))
    )


_PROJECT_ROLE = (
    select(Project, Membership.role)
    .outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user_id")),
    )
    .where(Project.slug == bindparam("slug"))
    .options(joinedload(Project.labels))  # the page, the form and every save read them
)


def list_user_projects(session: Session, user: User) -> list[tuple[Project, Role]]:
    """The projects a user can open with their role, by name (admins see all as lead)."""
    if user.is_admin:
        projects = session.scalars(select(Project).order_by(Project.name))
        return [(p, Role.LEAD) for p in projects]
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.name)
    )
    return [(p, r) for p, r in rows]


def set_member(
    session: Session, project: Project, member: User, role: Role | str, *, user=None
) -> Membership:
    """Add a member or change their role."""
    if role not in ROLES:
        raise Invalid(f"Unknown role '{role}'; use one of {', '.join(ROLES)}.", field="role")
    role = Role(role)
    membership = session.scalar(
        select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == member.id
        )
    )
    if membership is not None and membership.role == role:
        return membership
    if membership is not None:
        _keep_a_lead(session, project, membership)
    if membership is None:
        membership = Membership(project_id=project.id, user_id=member.id, role=role)
        session.add(membership)
    membership.role = role
    session.flush()
    data = {"username": member.username, "role": role}
    record_event(
        session, user, "set_role", "membership", membership.id, project_id=project.id, data=data
    )
    return membership


def list_labels(
    session: Session, project: Project, *, include_retired: bool = False
) -> list[Label]:
    """The project's labels in display order."""
    query = select(Label).where(Label.project_id == project.id).order_by(Label.position, Label.id)
    if not include_retired:
        query = query.where(Label.retired.is_(False))
    return list(session.scalars(query))


def latest_guidelines(session: Session, project: Project):
    """The guidelines version in force, or None when the lead has written none yet."""
    from annotator.models import GuidelinesVersion

    return session.scalar(
        select(GuidelinesVersion)
        .where(GuidelinesVersion.project_id == project.id)
        .order_by(GuidelinesVersion.version.desc())
        .limit(1)
    )


SETTINGS = (
    "annotators_per_statement",
    "allow_overlap",
    "snap_to_words",
    "hide_annotator_names",
    "bulk_accept",
)
MAX_PER_STATEMENT = 50


def update_project(session: Session, project: Project, *, user: User | None = None, **changes):
    """Change name, description or settings; unknown keys and bad values change nothing."""
    unknown = set(changes) - {"name", "description", *SETTINGS}
    if unknown:
        raise Invalid(f"Unknown project setting(s): {', '.join(sorted(unknown))}.")
    changes = {k: v for k, v in changes.items() if v is not None}
    _check_settings(changes)
    before = {k: getattr(project, k) for k in changes}
    for key, value in changes.items():
        setattr(project, key, value.strip() if isinstance(value, str) else value)
    after = {k: getattr(project, k) for k in changes}
    if before != after:
        session.flush()
        diff = {k: [before[k], after[k]] for k in changes if before[k] != after[k]}
        record_event(
            session, user, "update", "project", project.id, project_id=project.id, data=diff
        )
    return project


def _check_settings(changes: dict) -> None:
    """Validate before touching the project, so a bad value leaves it unchanged."""
    if "name" in changes and not str(changes["name"]).strip():
        raise Invalid("A project needs a name.", field="name")
    if "name" in changes and len(changes["name"].strip()) > 200:
        raise Invalid("Project names have at most 200 characters.", field="name")
    per = changes.get("annotators_per_statement")
    if per is not None and (
        isinstance(per, bool) or not isinstance(per, int) or not 1 <= per <= MAX_PER_STATEMENT
    ):
        raise Invalid(
            f"Annotators per statement must be a whole number from 1 to {MAX_PER_STATEMENT}.",
            field="annotators_per_statement",
        )


def list_projects(session: Session) -> list[Project]:
    """Every project by slug (site admin's view)."""
    return list(session.scalars(select(Project).order_by(Project.slug)))


def list_members(session: Session, project: Project) -> list[Membership]:
    """The project's members with their users loaded, leads first, then by username."""
    rows = session.scalars(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.project_id == project.id)
        .options(selectinload(Membership.user))
        .order_by(User.username)
    )
    return sorted(rows, key=lambda m: -m.role.rank)


def remove_member(session: Session, project: Project, member: User, *, user=None) -> None:
    """Take a member off the project; their stances and finished assignments stay."""
    membership = session.scalar(
        select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == member.id
        )
    )
    if membership is None:
        raise NotFound(f"'{member.username}' is not a member of this project.", field="username")
    _keep_a_lead(session, project, membership)
    open_ids = (
        select(Assignment.id)
        .join(Statement)
        .where(
            Statement.project_id == project.id,
            Assignment.annotator_id == member.id,
            Assignment.state.in_(OPEN_STATES),
        )
    )
    session.execute(
        update(Assignment).where(Assignment.id.in_(open_ids)).values(active=False),
        execution_options={"synchronize_session": False},
    )
    session.delete(membership)
    session.flush()
    data = {"username": member.username, "role": membership.role}
    record_event(
        session, user, "remove", "membership", membership.id, project_id=project.id, data=data
    )


def _keep_a_lead(session: Session, project: Project, membership: Membership) -> None:
    """Refuse to remove or demote the last lead: nobody could manage the project any more."""
    if membership.role != Role.LEAD:
        return
    leads = session.scalar(
        select(func.count()).where(
            Membership.project_id == project.id, Membership.role == Role.LEAD
        )
    )
    if leads <= 1:
        raise Conflict("This is the project's last lead; make someone else lead first.")
