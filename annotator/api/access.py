"""Who is calling: a personal bearer token (never the session cookie) and a role in a project.

``operation(method, rule, role, summary, ...)`` declares each endpoint; its ``needs`` runs
APIFlask's token auth and then the role check before validation (so 401/404/403 come
first), hands the view a ``Caller``, commits a write, and documents the operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from apiflask import HTTPTokenAuth
from flask import request

from annotator.accounts import tokens as token_service
from annotator.annotation.versions import RowEdit
from annotator.api import bp
from annotator.api.errors import ApiError, error_response
from annotator.api.schemas import MAX_ID
from annotator.errors import NotFound
from annotator.extensions import db
from annotator.models import Project, Statement, User
from annotator.projects.projects import SLUG_RE
from annotator.review.review import find_annotator, hidden_for, visible_names
from annotator.web.access import keep_project_role, project_role

ROLE_NOTE = {"any": "any token", "annotator": "annotator+", "reviewer": "reviewer+"}
ERRORS = {
    400: "Malformed request (JSON syntax, cursor).",
    403: "Your role in the project is too low.",
    404: "Unknown, or not a member of the project.",
    409: "Conflict with the stored state (stale version, text mismatch, done statement).",
    413: "Body too large.",
    415: "A body that is not JSON.",
    422: "Invalid input; `field` names it.",
}

token_auth = HTTPTokenAuth(scheme="Bearer", security_scheme_name="bearer")


@token_auth.verify_token
def verify_token(clear: str) -> User:
    """The user behind the token; an unknown, revoked or inactive one is refused here."""
    slug = (request.view_args or {}).get("slug")
    slug = slug if slug is not None and SLUG_RE.match(slug) else None
    found = token_service.find_token_user(db.session, clear, slug)
    if found is None:
        raise ApiError(401, "The API token is unknown or revoked.")
    if slug is not None:
        keep_project_role(slug, found.user, found.project, found.role)
    if token_service.needs_touch(found.last_used_at):
        _touch(found.token_id)
    return found.user


def no_token(_error):
    """Flask-HTTPAuth calls this when the request carries no bearer token at all."""
    return error_response(401, "Send a personal API token as 'Authorization: Bearer TOKEN'.")


token_auth.error_processor(no_token)


def _touch(token_id: int) -> None:
    """Writes ride on the request's writer session; reads use a short one of their own."""
    if request.method in ("GET", "HEAD"):
        with db.new_session() as session:
            token_service.touch_token(session, token_id)
            session.commit()
    else:
        token_service.touch_token(db.session, token_id)


@dataclass
class Caller:
    """What a view gets: the token's user and, under /projects/{slug}, the project and role."""

    user: User
    project: Project | None = None
    role: str | None = None

    def edit(self, statement: Statement, *, row_id: int, version: int) -> RowEdit:
        """The caller's change to one row of a statement of the project, at ``version``."""
        return RowEdit(self.project, statement, self.user, row_id=row_id, version=version)


def operation(
    method: str, rule: str, role: str | None, summary: str, *, query=None, body=None,
    files=None, output=None, status_code: int = 200, tag: str | None = None, **doc,
):  # fmt: skip
    """Declare an endpoint: its route, ``needs`` (token, role, docs), its inputs and output.

    The inputs reach the view as ``query``, ``body`` and ``upload``. The endpoint name is
    the operationId ``needs`` documents, ``<tag>_<view name>``, derived here once so the two
    never differ.
    """

    def decorate(view):
        wrapped = view if output is None else bp.output(output, status_code=status_code)(view)
        for schema, location, name in (
            (files, "files", "upload"), (body, "json", "body"), (query, "query", "query")
        ):  # fmt: skip
            if schema is not None:
                wrapped = bp.input(schema, location=location, arg_name=name)(wrapped)
        wrapped = needs(role, summary, tag=tag, **doc)(wrapped)
        return bp.route(rule, methods=[method], endpoint=operation_id(view, tag))(wrapped)

    return decorate


def _tag(view, tag: str | None) -> str:
    """The operation's tag: ``tag``, else the name of the view's module (``stances``)."""
    return tag or view.__module__.rsplit(".", 1)[-1]


def operation_id(view, tag: str | None) -> str:
    """``<tag>_<view name>``: the OpenAPI operationId and the endpoint name, both."""
    return f"{_tag(view, tag)}_{view.__name__}"


def needs(role: str | None, summary: str, *, tag: str | None = None, **doc):
    """Token, then ``role`` in the project of the path (None: any token); documents both.

    The operation is tagged with the view's module (or ``tag``); its operationId,
    ``<tag>_<view name>``, is also the endpoint name the route gives it.
    """

    def decorate(view):
        group = _tag(view, tag)

        @wraps(view)
        def checked(*args, slug: str | None = None, **kwargs):
            caller = Caller(token_auth.current_user)
            if slug is not None:
                caller.project, caller.role = _project(slug, role, kwargs)
            result = view(*args, caller=caller, **kwargs)
            if request.method not in ("GET", "HEAD"):
                db.session.commit()
            return result

        checked.required_role = "token" if role is None else f"token:{role}"
        description = (view.__doc__ or "").strip()
        documented = bp.doc(
            summary=summary,
            description=f"{description}\n\nNeeds: {ROLE_NOTE.get(role or 'any', role)}.",
            tags=[group],
            operation_id=operation_id(view, tag),
            responses=ERRORS | doc.pop("responses", {}),
            extensions={"x-required-role": role or "any"},
            **doc,
        )(checked)
        return bp.auth_required(token_auth)(documented)

    return decorate


def _project(slug: str, role: str | None, path: dict) -> tuple[Project, str]:
    """Ids out of range are unknown; a project needs the role (a non-member gets 404)."""
    for name, value in path.items():
        if name.endswith("_id") and not 1 <= value <= MAX_ID:
            raise NotFound(f"No such {name.removesuffix('_id')}.", field=name)
    if not SLUG_RE.match(slug):
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    return project_role(slug, token_auth.current_user, role or "annotator")


def shown_names(caller: Caller) -> dict[int, str] | None:
    """id -> display name when the caller must not see usernames (hidden project), else None."""
    if not hidden_for(caller.project, caller.role):
        return None
    return visible_names(db.session, caller.project, caller.role)


def annotator_id(caller: Caller, name: str) -> int | None:
    """The project annotator behind a name as the caller knows it (the pseudonym when names
    are hidden), or None: a real username behind a pseudonym, an outsider and an unknown
    name all match no one, so no filter tells who a pseudonym is or which usernames exist."""
    try:
        return find_annotator(db.session, caller.project, name, caller.role)[0]
    except NotFound:
        return None


def known_annotator(caller: Caller, name: str) -> int:
    """``annotator_id``, or 404 on ``annotator`` for a name the caller cannot know."""
    uid = annotator_id(caller, name)
    if uid is None:
        raise NotFound(f"No annotator '{name}' in this project.", field="annotator")
    return uid
