"""The side-by-side review page's queries use indexes, on a reviewed statement (every query).

Like tests/test_query_plans.py (its recorder and EXPLAIN), and the audit trail too: it grows
by an event per save, and the page asks whether anything changed after the review.
"""

from __future__ import annotations

import re

from sqlalchemy import update

from annotator.models import Statement, utcnow
from annotator.review.review import annotator_names
from annotator.review.side_by_side import load_side_by_side

from .test_query_plans import full_scans, recorded
from .test_review_helpers import done, mark, setup

TABLES = "stances|statements|audit_events|gold_decisions|assignments|relations"
SQLITE_SCAN = re.compile(rf"\bSCAN ({TABLES})\b(?!_)")
PG_SCAN = re.compile(rf"Seq Scan on ({TABLES})\b")


def test_the_review_page_scans_no_table_in_full(app, session):
    project, (statement,) = setup(session)
    for name in ("ann1", "ann2"):
        mark(session, project, statement, name, "Iran condemns Israel")
    done(session, project, statement, "ann1", "ann2")
    session.execute(
        update(Statement).where(Statement.id == statement.id).values(reviewed_at=utcnow())
    )
    session.refresh(statement)
    names = annotator_names(session, project, hide=False)
    with recorded(session) as statements:
        view = load_side_by_side(session, statement, names)
    assert len(view.groups) == 1 and len(view.lanes) == 2
    scans = full_scans(session, statements, (SQLITE_SCAN, PG_SCAN))
    session.rollback()
    assert any("audit_events" in sql for sql, _ in statements)
    assert not scans, "full scans:\n\n" + "\n\n".join(scans)
