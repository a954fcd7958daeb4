"""The review queue least stored agreement first: keyset pages over the whole queue.

The figures are the ones the agreement job stores per statement (finished scope); ready
statements without a stored figure come last in id order. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from annotator.accounts.users import find_user
from annotator.projects.assignments import assign_project, set_assignment_state
from annotator.review import queue_order, queue_page
from annotator.review import stored_agreement as sa
from annotator.review.agreement_jobs import run_now
from annotator.review.review import annotator_names
from annotator.statements.statements import import_statements

from .factories import make_project
from .test_review_helpers import _Statement, done, mark, setup


def _queue(session):
    """s0..s6 done by ann1 and ann2: s1, s3 disagree (0.0), s0, s2, s4 agree (1.0), s5 has no
    stance (0 / 0: no figure); s6 becomes ready after the agreement run (no stored row)."""
    project, sts = setup(session, statements=7)
    for k, st in enumerate(sts[:5]):
        mark(session, project, st, "ann1", "Iran condemns Israel")
        mark(
            session,
            project,
            st,
            "ann2",
            "Iran condemns Israel",
            target="usa" if k % 2 else "israel",
        )
    for st in sts[:6]:
        done(session, project, st, "ann1", "ann2")
    session.commit()
    run = sa.request_run(session, project, None)
    session.commit()
    run_now(session, run.id)
    done(session, project, sts[6], "ann1", "ann2")
    session.commit()
    return project, sts


def _walk(session, project, size, **filters):
    names = annotator_names(session, project, hide=False)
    pages, after = [], None
    while True:
        page = queue_page.review_queue_page(
            session, project, names, order="agreement", after=after, size=size, **filters
        )
        pages.append(page)
        if page.next_after is None:
            return pages
        after = page.next_after


def test_the_whole_queue_goes_least_agreement_first_then_without_a_figure(app, session):
    project, sts = _queue(session)
    expected = [sts[k].id for k in (1, 3, 0, 2, 4, 5, 6)]
    for size in (2, 3, 50):
        pages = _walk(session, project, size)
        assert [r.statement_id for p in pages for r in p.rows] == expected
    pages = _walk(session, project, 3)
    assert [p.next_after for p in pages[:2]] == [f"1.0_{sts[0].id}", f"none_{sts[5].id}"]
    assert [p.first_unstored for p in pages] == [None, 2, 0]  # s5: third row of page 2; s6
    assert [r.agreement for r in pages[0].rows] == [0.0, 0.0, 1.0]


def test_filters_apply_to_both_parts_of_the_order(app, session):
    project, sts = _queue(session)
    ann1 = find_user(session, "ann1").id
    rows = [r.statement_id for p in _walk(session, project, 2, annotator_id=ann1) for r in p.rows]
    assert rows == [sts[k].id for k in (1, 3, 0, 2, 4, 5, 6)]
    assert _walk(session, project, 2, annotator_id=-1)[0].rows == []
    assert _walk(session, project, 2, label="claim")[0].rows == []
    rows = [
        r.statement_id for p in _walk(session, project, 2, label="condemnation") for r in p.rows
    ]
    assert rows == [sts[k].id for k in (1, 3, 0, 2, 4)]  # s5, s6: no stance of the label


def test_an_open_assignment_leaves_the_queue_in_this_order_too(app, session):
    project, sts = _queue(session)
    from annotator.models import Assignment

    session.query(Assignment).filter_by(statement_id=sts[1].id).first().state = "in_progress"
    session.commit()
    rows = [r.statement_id for p in _walk(session, project, 50) for r in p.rows]
    assert sts[1].id not in rows and rows[0] == sts[3].id


@pytest.mark.parametrize(
    "after", ["abc", "1.0", "nan_3", "inf_3", "0.5_-1", "0.5_99999999999999", "none_x", "_"]
)
def test_a_cursor_that_is_not_one_is_an_empty_page(app, session, after):
    project, _ = _queue(session)
    page = queue_page.review_queue_page(session, project, {}, order="agreement", after=after)
    assert page.rows == [] and page.next_after is None


def test_a_cursor_past_the_end_is_an_empty_page(app, session):
    project, sts = _queue(session)
    far = queue_page.review_queue_page(
        session, project, {}, order="agreement", after="none_2000000000"
    )
    assert far.rows == [] and far.next_after is None
    # Past every stored figure: the statements without one follow.
    page = queue_page.review_queue_page(session, project, {}, order="agreement", after="2.0_1")
    assert [r.statement_id for r in page.rows] == [sts[5].id, sts[6].id]


def test_without_a_run_every_statement_comes_in_id_order(app, session):
    project, sts = setup(session, statements=3)
    for st in sts:
        done(session, project, st, "ann1", "ann2")
    session.commit()
    page = queue_page.review_queue_page(session, project, {}, order="agreement")
    assert [r.statement_id for r in page.rows] == [s.id for s in sts] and page.first_unstored == 0
    assert queue_order.stored_note(session, project, count_changes=True) is None


def test_cursor_round_trips():
    for cursor in (queue_order.Cursor(0.1 + 0.2, 7), queue_order.Cursor(None, 12)):
        assert queue_order.parse_cursor(str(cursor)) == cursor


def test_queue_view_in_agreement_order(app, session, client, login, monkeypatch):
    monkeypatch.setattr(queue_page, "PAGE_SIZE", 3)
    project, sts = _queue(session)
    login("rev")
    first = client.get("/p/rev/review/?order=agreement").get_data(as_text=True)
    assert first.index(f"/review/s/{sts[1].id}") < first.index(f"/review/s/{sts[3].id}")
    assert f"/review/s/{sts[2].id}" not in first and 'id="rv-order-note"' in first
    assert "of 1 statement changed since" in first  # s6 became ready after the run
    assert "Without a stored agreement figure" not in first
    assert f"order=agreement&amp;after=1.0_{sts[0].id}" in first
    assert '<option value="agreement" selected>' in first
    second = client.get(f"/p/rev/review/?order=agreement&after=1.0_{sts[0].id}")
    html = second.get_data(as_text=True)
    assert "Without a stored agreement figure" in html and f"/review/s/{sts[5].id}" in html
    assert "changed since" not in html  # only the first page counts the changes
    bad = client.get("/p/rev/review/?order=agreement&after=nope")
    assert bad.status_code == 200 and "past this point" in bad.get_data(as_text=True)
    plain = client.get("/p/rev/review/").get_data(as_text=True)
    assert 'id="rv-order-note"' not in plain and "each page by disagreement" in plain


def test_the_count_of_changed_statements_stops_at_the_cap(app, session, client, login, monkeypatch):
    """Past the cap the note says "more than"; changes of another project never count."""
    project, sts = _queue(session)
    for st in (sts[0], sts[2]):  # reopened
        set_assignment_state(session, project, st, find_user(session, "ann1"), "reopen")
    other = make_project(session, "other", members={"ann9": "annotator"})
    import_statements(session, other, [_Statement("o1")])
    assign_project(session, other, per_statement=1)  # an assignment changed elsewhere
    session.commit()
    when = sa.latest_run(session, project, False).started_at
    assert sa.changed_since(session, project, when) == (3, False)  # s6 ready, s0, s2 reopened
    assert sa.changed_since(session, project, when, cap=1) == (1, True)
    assert sa.changed_since(session, project, when, cap=3) == (3, False)
    edits = sa.changed_since(session, project, when, scan=1)  # stops after the first edits
    assert edits.more and edits.stale and edits.statements <= 3
    assert sa.changed_since(session, project, sa.utcnow()) == (0, False)
    assert not sa.changed_since(session, project, sa.utcnow()).stale
    monkeypatch.setattr(sa, "CHANGED_CAP", 2)
    note = queue_order.stored_note(session, project, count_changes=True)
    assert (note["changed"], note["more"]) == (2, True)
    assert queue_order.stored_note(session, project, count_changes=False)["changed"] is None
    login("rev")
    html = client.get("/p/rev/review/?order=agreement").get_data(as_text=True)
    assert "of more than 2 statements changed since" in html
