"""Versioned guidelines: every save is a new version; stances record the one in force."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Invalid, NotFound
from annotator.models import GuidelinesVersion, Project, User
from annotator.projects.projects import latest_guidelines

MAX_BODY = 200_000


def save_guidelines(
    session: Session, project: Project, body: str, *, user: User | None = None
) -> tuple[GuidelinesVersion, bool]:
    """Store the text as the next version; returns (version in force, whether one was created).

    Saving the unchanged text creates no version, so the history only lists real edits.
    """
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    if not body.strip():
        raise Invalid("The guidelines are empty; write something first.", field="body")
    if len(body) > MAX_BODY:
        raise Invalid(f"The guidelines have at most {MAX_BODY:,} characters.", field="body")
    current = latest_guidelines(session, project)
    if current is not None and current.body == body:
        return current, False
    version = GuidelinesVersion(
        project_id=project.id,
        version=(current.version if current else 0) + 1,
        body=body,
        author_id=user.id if user else None,
    )
    session.add(version)
    session.flush()
    data = {"version": version.version}
    record_event(
        session, user, "create", "guidelines", version.id, project_id=project.id, data=data
    )
    return version, True


def list_guidelines_versions(session: Session, project: Project) -> list[tuple]:
    """The history, newest first: (version, created_at, author username, characters)."""
    return list(
        session.execute(
            select(
                GuidelinesVersion.version,
                GuidelinesVersion.created_at,
                User.username,
                func.length(GuidelinesVersion.body),
            )
            .outerjoin(User, User.id == GuidelinesVersion.author_id)
            .where(GuidelinesVersion.project_id == project.id)
            .order_by(GuidelinesVersion.version.desc())
        ).all()
    )


def get_guidelines_version(session: Session, project: Project, version: int) -> GuidelinesVersion:
    """One version of the project's guidelines; NotFound otherwise."""
    found = session.scalar(
        select(GuidelinesVersion).where(
            GuidelinesVersion.project_id == project.id, GuidelinesVersion.version == version
        )
    )
    if found is None:
        raise NotFound(f"There is no guidelines version {version}.", field="version")
    return found
