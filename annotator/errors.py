"""Domain errors raised by services; views map them to 4xx responses, the CLI to exit status 1."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; ``status`` is the HTTP status it maps to."""

    status = 400
    keeps_writes = False  # True when what the refused request wrote must stay (a login counter)

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Invalid(DomainError):
    status = 422


class Conflict(DomainError):
    """A write based on stale data; ``current`` carries what is stored now."""

    status = 409

    def __init__(self, message: str, *, field: str | None = None, current: object = None) -> None:
        super().__init__(message, field=field)
        self.current = current


# A versioned row (a gold stance) changed between this request's read and its write: the
# UPDATE ... WHERE version = matched nothing (SQLAlchemy's StaleDataError). The web pages
# answer it as a 409 with these words where no service gave a more precise message
# (annotators' stances do, in services/stances.py).
STALE_WRITE = (
    "This was changed elsewhere in the meantime; nothing was overwritten. "
    "Reload to see the current version."
)
