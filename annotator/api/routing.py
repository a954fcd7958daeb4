"""Declare an endpoint once: route, role, parameters and body schema, validated on every call.

``operation`` registers the Flask route and records an ``Endpoint`` in ``ENDPOINTS``; the
OpenAPI document and the human index page are built from the same records.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson
from flask import Response, request
from jsonschema import Draft202012Validator, ValidationError
from jsonschema.validators import extend

from ..errors import Invalid, NotFound
from ..extensions import db
from ..models import Project, User
from ..services.projects import SLUG_RE, require_role
from ..services.review import hidden_for, visible_names
from ..services.users import find_user
from . import bp
from .auth import authenticate
from .errors import ApiError

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
    """A JSON Schema made ready once: its jsonschema validator and, if it has one, a quick check.

    Building the validator took 8 µs a call and walking a valid stance body takes jsonschema
    45 µs; the quick check (``_quick``) answers the same in 5. It only ever says "valid":
    whatever it does not pass goes to jsonschema, which alone decides what is invalid and how
    the error reads.
    """

    def __init__(self, schema: dict) -> None:
        self.validator = _Validator(schema)
        self.quick = _quick(schema)

    def first_error(self, value: Any) -> ValidationError | None:
        """The error to report (the deepest first, as before), or None when ``value`` is valid."""
        if self.quick is not None and self.quick(value):
            return None
        return next(iter(sorted(self.validator.iter_errors(value), key=_depth)), None)


_IS_TYPE: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_QUICK_KEYWORDS = {
    *("type", "properties", "required", "additionalProperties", "items", "maxItems"),
    *("maxLength", "pattern", "minimum", "maximum", "enum"),
    *("description", "format"),  # annotations only: the validator checks no formats
}


def _quick(schema: Any) -> Callable[[Any], bool] | None:
    """A plain-Python check of the JSON Schema keywords the API's inputs use, else None.

    Each keyword is read as jsonschema reads it (``integer`` as ``_Validator`` redefines it);
    a schema with any other keyword, or a keyword in a form not handled here, gets None and
    is left to jsonschema. tests/test_api_core.py compares both on every endpoint's
    schemas, so a True here is never a value jsonschema refuses.
    """
    if not isinstance(schema, dict) or not schema.keys() <= _QUICK_KEYWORDS:
        return None
    checks: list[Callable[[Any], bool]] = []
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not all(isinstance(k, str) and k in _IS_TYPE for k in kinds):
            return None
        tests = [_IS_TYPE[k] for k in kinds]
        checks.append(tests[0] if len(tests) == 1 else lambda v: any(t(v) for t in tests))
    if "enum" in schema:
        if not all(isinstance(e, str) for e in schema["enum"]):
            return None
        allowed = frozenset(schema["enum"])
        checks.append(lambda v: isinstance(v, str) and v in allowed)
    checks += _quick_scalar(schema)
    if any(k in schema for k in ("properties", "required", "additionalProperties")):
        check = _quick_object(schema)
        if check is None:
            return None
        checks.append(check)
    if "items" in schema or "maxItems" in schema:
        item, most = _quick(schema.get("items", {})), schema.get("maxItems", sys.maxsize)
        if item is None or not isinstance(most, int):
            return None
        checks.append(
            lambda v: not isinstance(v, list) or (len(v) <= most and all(item(i) for i in v))
        )
    return checks[0] if len(checks) == 1 else lambda v: all(c(v) for c in checks)


def _quick_scalar(schema: dict) -> list[Callable[[Any], bool]]:
    """Checks of maxLength, pattern, minimum and maximum, each passing other types."""
    checks: list[Callable[[Any], bool]] = []
    if "maxLength" in schema:
        longest = schema["maxLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) <= longest)
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search
        checks.append(lambda v: not isinstance(v, str) or search(v) is not None)
    number = _IS_TYPE["number"]
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda v: not number(v) or v >= low)
    if "maximum" in schema:
        high = schema["maximum"]
        checks.append(lambda v: not number(v) or v <= high)
    return checks


def _quick_object(schema: dict) -> Callable[[Any], bool] | None:
    """The check of properties, required and additionalProperties (true or false only)."""
    props = {key: _quick(sub) for key, sub in schema.get("properties", {}).items()}
    required = schema.get("required", [])
    extra = schema.get("additionalProperties", True)
    if any(c is None for c in props.values()) or not isinstance(extra, bool):
        return None

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        if any(key not in v for key in required):
            return False
        if not extra and any(key not in props for key in v):
            return False
        return all(c(v[key]) for key, c in props.items() if key in v)

    return check


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
