"""Factory functions for tests: real rows through the real services."""

from __future__ import annotations

from annotator.accounts.users import create_user
from annotator.projects.projects import create_project, set_member

PASSWORD = "correct horse"
TEST_HASH = "pbkdf2:sha256:1000"


def make_user(session, username: str, *, admin: bool = False):
    """A user with the shared test password."""
    return create_user(session, username, PASSWORD, is_admin=admin, method=TEST_HASH)


def make_project(session, slug: str = "proj", *, members: dict[str, str] | None = None):
    """A project with the default labels and the given {username: role} members."""
    project = create_project(session, slug, slug.title())
    for username, role in (members or {}).items():
        set_member(session, project, make_user(session, username), role)
    return project
