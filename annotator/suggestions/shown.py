"""Which suggestions a user has had in front of them: the denominator of the acceptance rate.

``note_shown`` is called wherever suggestions are listed for a user (the API's list, the
workspace): one INSERT per page, ON CONFLICT DO NOTHING on SQLite and PostgreSQL, so only
the first showing of each (suggestion, user) pair is kept and a reload adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from annotator.models import Suggestion, SuggestionView, User, utcnow


def note_shown(session: Session, user: User, suggestions: Iterable[Suggestion]) -> None:
    """Record that these suggestions were shown to the user (first time only); one INSERT."""
    now = utcnow()
    rows = [
        {"suggestion_id": s.id, "user_id": user.id, "created_at": now}
        for s in {s.id: s for s in suggestions}.values()
    ]
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(SuggestionView).values(rows).on_conflict_do_nothing())
