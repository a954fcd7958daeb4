"""Declare an endpoint once: route, role, parameters and body schema, validated on every call.

``operation`` registers the Flask route and records an ``Endpoint`` in ``ENDPOINTS``; the
OpenAPI document and the human index page are built from the same records.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
from flask import Response, request
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend

from annotator.accounts.users import find_user
from annotator.api import bp
from annotator.api.auth import authenticate
from annotator.api.errors import ApiError
from annotator.errors import Invalid, NotFound
from annotator.extensions import db
from annotator.models import Project, User
from annotator.projects.projects import SLUG_RE, require_role
from annotator.review.review import hidden_for, visible_names

MAX_JSON_BODY = 1024 * 1024
MAX_ID = 2**31 - 1
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
SLUG = {"type": "string", "pattern": SLUG_RE.pattern}

# JSON integers only: 1.0 is a float here, so services never get a float offset.
_Validator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _c, v: isinstance(v, int) and not isinstance(v, bool)
    ),
)


@dataclass
class Param:
    """A query parameter: its JSON Schema, whether it is required, and what it does."""

    schema: dict
    description: str = ""
    required: bool = False

    @cached_property
    def check(self) -> SchemaCheck:
        """The schema made ready for validation once, not on every call."""
        return SchemaCheck(self.schema)


@dataclass
class Endpoint:
    """One API operation as both the router and the OpenAPI document see it."""

    method: str
    path: str
    summary: str
    role: str | None
    tag: str
    handler: Callable
    query: dict[str, Param] = field(default_factory=dict)
    body: dict | None = None
    upload: bool = False
    status: int = 200
    response: dict | None = None
    media_type: str | tuple[str, ...] = "application/json"
    description: str = ""

    @cached_property
    def body_check(self) -> SchemaCheck | None:
        """The body schema made ready for validation once, not on every call."""
        return SchemaCheck(self.body) if self.body is not None else None

    @property
    def path_params(self) -> list[str]:
        """The ``{name}`` parts of the path, in order."""
        return re.findall(r"{(\w+)}", self.path)


@dataclass
class Call:
    """What a handler gets: the token's user, the project and role, and validated input."""

    user: User
    project: Project | None
    role: str | None
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


ENDPOINTS: list[Endpoint] = []


def operation(method: str, path: str, summary: str, *, role: str | None, tag: str, **options):
    """Register ``handler(call)`` at ``path`` (OpenAPI template syntax) and document it."""

    def decorate(handler: Callable) -> Callable:
        ep = Endpoint(method, path, summary, role, tag, handler, **options)
        ep.description = ep.description or (handler.__doc__ or "").strip()
        ENDPOINTS.append(ep)
        view = _view(ep)
        view.required_role = "token" if role is None else f"token:{role}"
        bp.add_url_rule(flask_rule(path), f"{tag}_{handler.__name__}", view, methods=[method])
        return handler

    return decorate


def flask_rule(path: str) -> str:
    """``/projects/{slug}/statements/{statement_id}`` as a Flask rule with int converters."""
    return re.sub(
        r"{(\w+)}", lambda m: f"<int:{m[1]}>" if m[1].endswith("_id") else f"<{m[1]}>", path
    )


def _view(ep: Endpoint) -> Callable:
    def view(**path: Any):
        user = authenticate()
        project, role = _project(ep, user, path)
        call = Call(user, project, role, path, parse_query(ep), parse_body(ep))
        result = ep.handler(call)
        if request.method not in ("GET", "HEAD"):
            db.session.commit()
        if isinstance(result, Response):
            return result
        response = json_response(result) if ep.status != 204 else Response(status=204)
        response.status_code = ep.status
        return response

    return view


def json_response(result: Any) -> Response:
    """The result as JSON with sorted keys, like ``jsonify``, encoded by orjson.

    A list of 500 stances is the API's largest common answer; orjson encodes it about ten
    times faster than the json module.
    """
    body = orjson.dumps(result, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    return Response(body, mimetype="application/json")


def _project(ep: Endpoint, user: User, path: dict) -> tuple[Project | None, str | None]:
    """Ids out of range are unknown; a project needs the endpoint's role (non-member: 404)."""
    for name, value in path.items():
        if name.endswith("_id") and not 1 <= value <= MAX_ID:
            raise NotFound(f"No such {name.removesuffix('_id')}.", field=name)
    if "slug" not in path:
        return None, None
    slug = path.pop("slug")
    if not SLUG_RE.match(slug):
        raise NotFound(f"Unknown project '{slug}'.", field="project")
    return require_role(db.session, slug, user, ep.role or "annotator")


def parse_query(ep: Endpoint) -> dict[str, Any]:
    """Query values typed by their schema; a bad one is 422 naming the parameter."""
    values: dict[str, Any] = {}
    for name, param in ep.query.items():
        raw = request.args.get(name)
        if raw is None or raw == "" and param.schema.get("type") != "string":
            if param.required:
                raise Invalid(f"The query parameter '{name}' is required.", field=name)
            continue
        value = _typed(name, raw, param.schema)
        _validate(value, param.check, name)
        values[name] = value
    return values


def _typed(name: str, raw: str, schema: dict) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?\d{1,12}", raw.strip()):
            raise Invalid(f"'{name}' must be a whole number.", field=name)
        return int(raw)
    if kind == "boolean":
        if raw.lower() not in ("true", "false", "1", "0"):
            raise Invalid(f"'{name}' must be true or false.", field=name)
        return raw.lower() in ("true", "1")
    _check_text(raw, name)
    return raw


def parse_body(ep: Endpoint) -> Any:
    """The JSON body checked against the endpoint's schema: 400 if not JSON, 422 if off-schema."""
    if ep.body is None:
        return None
    request.max_content_length = MAX_JSON_BODY
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, f"The request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise ApiError(400, "The request body nests too deeply.") from None
    _validate(body, ep.body_check, None)
    _check_strings(body, None)
    return body


def _validate(value: Any, check: SchemaCheck, name: str | None) -> None:
    error = check.first_error(value)
    if error is not None:
        where = _field(error) or name
        raise Invalid(_message(error, where), field=where)


class SchemaCheck:
    """A JSON Schema's validator, built once per schema (building it cost 8 µs a call)."""

    def __init__(self, schema: dict) -> None:
        self.validator = _Validator(schema)

    def first_error(self, value: Any) -> ValidationError | None:
        """The error to report (the deepest first), or None when ``value`` is valid."""
        return next(iter(sorted(self.validator.iter_errors(value), key=_depth)), None)


def _depth(error) -> int:
    return -len(error.absolute_path)


def _field(error) -> str | None:
    """The offending field: a missing or unknown property by name, else the value's path."""
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = [p for p in error.validator_value if p not in error.instance]
        path.append(missing[0])
    elif error.validator == "additionalProperties":
        known = set(error.schema.get("properties", {}))
        path.append(sorted(set(error.instance) - known)[0])
    return ".".join(path) or None


def _message(error, where: str | None) -> str:
    if error.validator == "required":
        return f"'{where}' is required."
    if error.validator == "additionalProperties":
        return f"Unknown field '{where}'."
    prefix = f"'{where}': " if where else ""
    return prefix + error.message[:300]


def _check_strings(value: Any, where: str | None) -> None:
    """No NUL characters or lone surrogates: no database can store them."""
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{where}.{i}" if where else str(i))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(item, f"{where}.{key}" if where else key)


def _check_text(text: str, where: str | None) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Invalid("Text must be valid Unicode (no lone surrogates).", field=where) from None
    if "\x00" in text:
        raise Invalid("Text must not contain NUL characters.", field=where)


def annotator_names(call: Call) -> dict[int, str] | None:
    """id -> display name when the caller must not see usernames (hidden project), else None."""
    if not hidden_for(call.project, call.role):
        return None
    return visible_names(db.session, call.project, call.role)


def annotator_id(call: Call, name: str, names: dict[int, str] | None) -> int:
    """The user id behind a name as the caller knows it; 404 on ``annotator`` otherwise."""
    if names is not None:
        found = [uid for uid, shown in names.items() if shown == name]
    else:
        user = find_user(db.session, name)
        found = [user.id] if user else []
    if not found:
        raise NotFound(f"No annotator '{name}' in this project.", field="annotator")
    return found[0]
