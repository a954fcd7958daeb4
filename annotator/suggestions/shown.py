"""Which suggestions a user has had in front of them: the denominator of the acceptance rate.

``note_shown`` is called wherever suggestions are listed for a user (the API's list, the
workspace): one SELECT per page, and one INSERT ... ON CONFLICT DO NOTHING (SQLite and
PostgreSQL) only when something is new, so only the first showing of each (suggestion, user)
pair is kept and a reload writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from annotator.models import Suggestion, SuggestionView, User, utcnow


def note_shown(session: Session, user: User, suggestions: Iterable[Suggestion | Any]) -> None:
    """Record that these suggestions were shown to the user (first time only); one INSERT."""
    ids = {s.id for s in suggestions}
    if ids:  # a reload reads, and writes nothing: a page view need not wait for the writer
        seen = select(SuggestionView.suggestion_id).where(
            SuggestionView.user_id == user.id, SuggestionView.suggestion_id.in_(ids)
        )
        ids -= set(session.scalars(seen))
    if not ids:
        return
    now = utcnow()
    rows = [{"suggestion_id": i, "user_id": user.id, "created_at": now} for i in sorted(ids)]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SuggestionView).values(rows).on_conflict_do_nothing())
