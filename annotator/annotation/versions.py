"""Optimistic concurrency of the rows annotators edit, stances and relations alike.

A request names the version of the row it saw. A stale version, a row deleted since, and a
save that lost a race after the check are all the same 409, naming the row's kind (``noun``),
with the stored row attached so that the page can show it.

The services that change such a row take a ``RowEdit``: one value names the row, where it
stands and who changes it, so that the workspace, review and the API call them alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass
from typing import TypeVar

from sqlalchemy.orm.exc import StaleDataError

from annotator.errors import Conflict
from annotator.models import Project, Relation, Stance, Statement, User

Row = TypeVar("Row", Stance, Relation)


@dataclass(frozen=True)
class RowEdit:
    """A change to one versioned row of a statement: where, who, which row, at what version.

    The row id and the version are named at every call (``RowEdit(project, st, user,
    row_id=stance.id, version=stance.version)``): two ints side by side could be swapped.
    """

    project: Project
    statement: Statement
    user: User
    _: KW_ONLY
    row_id: int
    version: int


def require_live(row: Row, version: int, noun: str) -> Row:
    """The row, if it is not deleted and still at ``version``; a 409 otherwise."""
    if row.deleted_at is not None:
        raise Conflict(f"This {noun} was deleted in the meantime.", current=row)
    check_version(row, version, noun)
    return row


def check_version(row: Stance | Relation, version: int, noun: str) -> None:
    """A 409 when ``version`` is not the stored one: nothing is overwritten."""
    if row.version != version:
        raise Conflict(
            f"This {noun} was changed elsewhere (you had version {version}, the stored one is "
            f"{row.version}). Nothing was overwritten; review the current version.",
            current=row,
        )


@contextmanager
def race_is_conflict(row: Stance | Relation, version: int, noun: str) -> Iterator[None]:
    """Turn a lost race into the same 409 as a stale form.

    The version was checked on what this request read; another request may have saved the
    row since (reads come before the write lock). The UPDATE carries ``WHERE version =``
    (``version_id_col``), so it then changes no row and SQLAlchemy raises StaleDataError, at
    the explicit flush or at an autoflush before a query.
    """
    try:
        yield
    except StaleDataError:
        raise Conflict(
            f"This {noun} was changed elsewhere just now (you had version {version}). "
            "Nothing was overwritten; review the current version.",
            current=row,
        ) from None
