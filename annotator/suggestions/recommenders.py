"""Recommenders of a project: leads create, change and remove them; anyone reads a safe view.

The token of a model server is stored as given (it has to be sent, so it cannot be hashed)
in its own column, outside ``settings``: ``describe_recommender`` (what pages, the API and
the CLI show) says only whether one is set, the audit log records only that it changed, and
``repr`` leaves it out. See docs/suggestions.md for why it is not encrypted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from annotator.db.audit import record_event
from annotator.errors import Conflict, Forbidden, Invalid, NotFound
from annotator.models import (
    RECOMMENDER_KINDS,
    Project,
    Recommender,
    RecommenderModel,
    Suggestion,
    SuggestionDecision,
    User,
)
from annotator.projects.projects import role_of

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
AUTH_SCHEMES = ("Bearer", "Token", "Basic")


def _number(low: float, high: float) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        ok = isinstance(v, int | float) and not isinstance(v, bool)
        return ok and math.isfinite(v) and low <= v <= high

    return check


def _integer(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _url(v: Any) -> bool:
    parts = urlsplit(v) if isinstance(v, str) else None
    return bool(parts and parts.scheme in ("http", "https") and parts.netloc)


def _boolean(v: Any) -> bool:
    return isinstance(v, bool)


# kind -> setting -> (default, check, expected in words)
SETTINGS: dict[str, dict[str, tuple[Any, Callable[[Any], bool], str]]] = {
    "span_memory": {
        "retrain_every": (20, _integer(0, 1_000_000), "a whole number of new stances (0: never)"),
        "ignore_case": (False, _boolean, "true or false"),
    },
    "classifier": {
        "retrain_every": (200, _integer(0, 1_000_000), "a whole number of new stances (0: never)"),
    },
    "external": {
        "url": (None, _url, "an http(s) URL"),
        "timeout": (5.0, _number(0.1, 300), "seconds between 0.1 and 300"),
        "batch_size": (20, _integer(1, 1000), "a whole number of statements (1-1000)"),
        "webhooks": (False, _boolean, "true or false"),
        "auth_scheme": ("Bearer", lambda v: v in AUTH_SCHEMES, " or ".join(AUTH_SCHEMES)),
    },
    "file": {},
}


@dataclass
class RecommenderInput:
    """What a lead sets; None leaves a field as it is on update (``token=""`` removes it)."""

    name: str | None = None
    kind: str | None = None
    enabled: bool | None = None
    threshold: float | None = None
    min_precision: float | None = None
    clear_min_precision: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    token: str | None = None


def require_lead(session: Session, project: Project, user: User | None) -> None:
    """Leads (and site admins) manage recommenders; ``None`` is the command line's operator."""
    if user is not None and role_of(session, project, user) != "lead":
        raise Forbidden("Managing recommenders needs the lead role.")


def create_recommender(
    session: Session, project: Project, user: User | None, data: RecommenderInput
) -> Recommender:
    """Add a recommender to the project, validated; the name is unique in the project."""
    require_lead(session, project, user)
    if data.kind not in RECOMMENDER_KINDS:
        raise Invalid(
            f"Unknown kind '{data.kind}'; use {', '.join(RECOMMENDER_KINDS)}.", field="kind"
        )
    name = _name(data.name)
    if find_recommender(session, project, name) is not None:
        raise Conflict(f"A recommender named '{name}' already exists here.", field="name")
    defaults = {key: spec[0] for key, spec in SETTINGS[data.kind].items()}
    settings = _settings(data.kind, {**defaults, **data.settings})
    if data.kind == "external" and not settings.get("url"):
        raise Invalid("An external recommender needs the model server's url.", field="url")
    recommender = Recommender(
        project_id=project.id,
        kind=data.kind,
        name=name,
        settings=settings,
        enabled=True if data.enabled is None else data.enabled,
        threshold=_fraction(data.threshold, "threshold", 0.0),
        min_precision=_fraction(data.min_precision, "min_precision", None),
        token=_token(data.token),
        created_by_id=user.id if user else None,
    )
    session.add(recommender)
    session.flush()
    _audit(session, user, project, recommender, "create", describe_recommender(recommender))
    return recommender


def update_recommender(
    session: Session,
    project: Project,
    user: User | None,
    recommender: Recommender,
    data: RecommenderInput,
) -> Recommender:
    """Change a recommender's name, switch, thresholds, settings or token."""
    require_lead(session, project, user)
    _own(project, recommender)
    before = describe_recommender(recommender)
    if data.name is not None and data.name != recommender.name:
        name = _name(data.name)
        if find_recommender(session, project, name) is not None:
            raise Conflict(f"A recommender named '{name}' already exists here.", field="name")
        recommender.name = name
    if data.enabled is not None:
        recommender.enabled = data.enabled
    if data.threshold is not None:
        recommender.threshold = _fraction(data.threshold, "threshold", 0.0)
    if data.min_precision is not None or data.clear_min_precision:
        recommender.min_precision = _fraction(data.min_precision, "min_precision", None)
    if data.settings:
        recommender.settings = _settings(
            recommender.kind, {**recommender.settings, **data.settings}
        )
    if data.token is not None:
        recommender.token = _token(data.token)
    session.flush()
    after = describe_recommender(recommender)
    changes = {k: after[k] for k in after if after[k] != before.get(k)}
    if data.token is not None:
        changes["token_changed"] = True
    _audit(session, user, project, recommender, "update", changes)
    return recommender


def delete_recommender(
    session: Session, project: Project, user: User | None, recommender: Recommender
) -> None:
    """Remove a recommender and its undecided suggestions; one with decisions is only disabled.

    Decisions are the record of what annotators accepted (stances point at them), so they
    are never deleted: such a recommender must be switched off instead (Conflict).
    """
    require_lead(session, project, user)
    _own(project, recommender)
    decided = session.scalar(
        select(
            exists()
            .where(SuggestionDecision.suggestion_id == Suggestion.id)
            .where(Suggestion.recommender_id == recommender.id)
        )
    )
    if decided:
        raise Conflict(
            f"Annotators have decided suggestions of '{recommender.name}': disable it instead.",
            field="name",
        )
    _audit(session, user, project, recommender, "delete", describe_recommender(recommender))
    session.delete(recommender)
    session.flush()


def list_recommenders(session: Session, project: Project) -> list[Recommender]:
    """The project's recommenders by name."""
    return list(
        session.scalars(
            select(Recommender)
            .where(Recommender.project_id == project.id)
            .order_by(Recommender.name)
        )
    )


def find_recommender(session: Session, project: Project, name: str) -> Recommender | None:
    """The recommender with this name in the project, or None."""
    return session.scalar(
        select(Recommender).where(Recommender.project_id == project.id, Recommender.name == name)
    )


def get_recommender(session: Session, project: Project, ref: str | int) -> Recommender:
    """A recommender by name or id; NotFound otherwise."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        found = session.get(Recommender, int(ref))
        found = found if found is not None and found.project_id == project.id else None
    else:
        found = find_recommender(session, project, ref)
    if found is None:
        raise NotFound(f"No recommender '{ref}' in this project.", field="recommender")
    return found


def active_model(session: Session, recommender: Recommender) -> RecommenderModel | None:
    """The trained model suggestions now come from, if any."""
    if recommender.active_version is None:
        return None
    return session.scalar(
        select(RecommenderModel).where(
            RecommenderModel.recommender_id == recommender.id,
            RecommenderModel.version == recommender.active_version,
        )
    )


def describe_recommender(recommender: Recommender) -> dict[str, Any]:
    """Everything a page may show about a recommender: never the token itself."""
    return {
        "id": recommender.id,
        "name": recommender.name,
        "kind": recommender.kind,
        "enabled": recommender.enabled,
        "threshold": recommender.threshold,
        "min_precision": recommender.min_precision,
        "settings": dict(recommender.settings or {}),
        "has_token": bool(recommender.token),
        "active_version": recommender.active_version,
        "last_error": recommender.last_error,
        "last_error_at": recommender.last_error_at.isoformat()
        if recommender.last_error_at
        else None,
    }


def count_models(session: Session, recommender: Recommender) -> int:
    """How many trained versions are kept."""
    return session.scalar(
        select(func.count()).where(RecommenderModel.recommender_id == recommender.id)
    )


def _own(project: Project, recommender: Recommender) -> None:
    if recommender.project_id != project.id:
        raise NotFound("No such recommender in this project.", field="recommender")


def _name(name: str | None) -> str:
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise Invalid(
            "A recommender name is 1-80 lower-case letters, digits, '.', '_' or '-'.",
            field="name",
        )
    return name


def _fraction(value: float | None, name: str, default: float | None) -> float | None:
    if value is None:
        return default
    if not _number(0, 1)(value):
        raise Invalid(f"{name} must be a number between 0 and 1.", field=name)
    return float(value)


def _token(token: str | None) -> str | None:
    if token is None or not token.strip():
        return None
    if len(token) > 500 or any(c in token for c in "\r\n"):
        raise Invalid("The token must be one line of at most 500 characters.", field="token")
    return token.strip()


def _settings(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    specs = SETTINGS[kind]
    for key, value in settings.items():
        if key not in specs:
            known = ", ".join(specs) or "none"
            raise Invalid(
                f"Unknown setting '{key}' for a {kind} recommender (known: {known}).", field=key
            )
        if value is not None and not specs[key][1](value):
            raise Invalid(f"Setting '{key}' must be {specs[key][2]}.", field=key)
    return dict(settings)


def _audit(session, user, project, recommender: Recommender, action: str, data: dict) -> None:
    record_event(
        session, user, action, "recommender", recommender.id, project_id=project.id, data=data
    )
