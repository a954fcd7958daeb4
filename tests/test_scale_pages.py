"""Keyset pages of the review queue, the progress table and the API's assignment list.

Each list is walked page by page (every row once, in order), and a cursor past the end is an
empty page with a 200, never a 500.
"""

from __future__ import annotations

from sqlalchemy import select

from annotator.accounts.users import find_user
from annotator.annotation.versions import RowEdit
from annotator.api.assignments import encode_cursor
from annotator.models import Assignment
from annotator.projects import progress
from annotator.projects.assignments import assignment_summary
from annotator.review import queue_page
from annotator.review.finish import finish_review
from annotator.review.review import annotator_names

from .factories import make_project
from .test_api_helpers import api, api_demo, assert_error
from .test_review_helpers import done, mark, setup, whole_queue

FAR = 2_000_000_000  # a statement id past every real one, still a database integer


def _ready(session, statements=5, claim_on=None):
    """Statements s0..s4, all done by ann1 and ann2; s1 and s3 with a disagreement."""
    project, sts = setup(session, statements=statements)
    for k, st in enumerate(sts):
        mark(session, project, st, "ann1", "Iran condemns Israel")
        if k == claim_on:
            mark(session, project, st, "ann1", "Russia claims victory", label="claim", target=None)
        target = "usa" if k % 2 else "israel"
        mark(session, project, st, "ann2", "Iran condemns Israel", target=target)
        done(session, project, st, "ann1", "ann2")
    return project, sts


def test_queue_pages_walk_every_ready_statement_once(app, session):
    project, sts = _ready(session)
    names = annotator_names(session, project, hide=False)
    first = queue_page.review_queue_page(session, project, names, size=2)
    assert [r.statement_id for r in first.rows] == [sts[1].id, sts[0].id]  # disagreement first
    assert first.next_after == sts[1].id
    second = queue_page.review_queue_page(session, project, names, size=2, after=first.next_after)
    assert [r.statement_id for r in second.rows] == [sts[3].id, sts[2].id]
    third = queue_page.review_queue_page(session, project, names, size=2, after=second.next_after)
    assert [r.statement_id for r in third.rows] == [sts[4].id] and third.next_after is None
    walked = {r.statement_id for page in (first, second, third) for r in page.rows}
    whole = {r.statement_id: r for r in whole_queue(session, project, names)}
    assert walked == set(whole) == {st.id for st in sts}
    for page in (first, second, third):  # the same figures as one page of the whole queue
        assert all(r == whole[r.statement_id] for r in page.rows)
    empty = queue_page.review_queue_page(session, project, names, after=FAR)
    assert empty.rows == [] and empty.next_after is None


def test_queue_page_filters_in_sql(app, session):
    project, sts = _ready(session, statements=3, claim_on=2)
    names = annotator_names(session, project, hide=False)
    claims = queue_page.review_queue_page(session, project, names, label="claim")
    assert [r.statement_id for r in claims.rows] == [sts[2].id]
    assert queue_page.review_queue_page(session, project, names, label="nope").rows == []
    ann1 = find_user(session, "ann1").id
    mine = queue_page.review_queue_page(session, project, names, annotator_id=ann1)
    assert len(mine.rows) == 3
    assert queue_page.review_queue_page(session, project, names, annotator_id=-1).rows == []


def test_a_statement_with_an_open_assignment_is_not_ready(app, session):
    project, sts = setup(session, statements=2)
    done(session, project, sts[0], "ann1", "ann2")
    done(session, project, sts[1], "ann1")
    assert queue_page.ready_ids(session, project) == [sts[0].id]


def test_next_unreviewed_goes_on_by_id_and_wraps(app, session):
    project, sts = _ready(session, statements=3)
    rev = find_user(session, "rev")
    assert queue_page.next_unreviewed(session, project, None) == sts[0].id
    assert queue_page.next_unreviewed(session, project, sts[0].id) == sts[1].id
    assert queue_page.next_unreviewed(session, project, sts[2].id) == sts[0].id
    finish_review(session, project, sts[1], rev, 0)
    session.commit()
    assert queue_page.next_unreviewed(session, project, sts[0].id) == sts[2].id
    assert queue_page.next_unreviewed(session, project, FAR) == sts[0].id


def test_queue_view_pages_and_a_far_cursor_is_an_empty_page(
    app, session, client, login, monkeypatch
):
    monkeypatch.setattr(queue_page, "PAGE_SIZE", 2)
    project, sts = _ready(session)
    login("rev")
    first = client.get("/p/rev/review/").get_data(as_text=True)
    assert f"/p/rev/review/s/{sts[0].id}" in first and f"/p/rev/review/s/{sts[2].id}" not in first
    assert f'after={sts[1].id}" rel="next"' in first and "First page" not in first
    second = client.get(f"/p/rev/review/?after={sts[1].id}").get_data(as_text=True)
    assert f"/p/rev/review/s/{sts[2].id}" in second and "First page" in second
    far = client.get(f"/p/rev/review/?after={FAR}")
    assert far.status_code == 200 and "past this point" in far.get_data(as_text=True)
    assert client.get("/p/rev/review/?after=abc").status_code == 200
    assert client.get("/p/rev/review/?after=99999999999999").status_code == 200


def test_progress_counts_and_pages(app, session, client, login, monkeypatch):
    monkeypatch.setattr(progress, "PAGE_SIZE", 2)
    project, sts = _ready(session)
    first = progress.project_progress(session, project)
    assert [r.statement_id for r in first.rows] == [sts[0].id, sts[1].id]
    assert first.next_after == sts[1].id and first.after is None
    assert {a.username: a.stances for a in first.annotators} == {"ann1": 5, "ann2": 5}
    assert {lab.key: lab.count for lab in first.labels}["condemnation"] == 10
    last = progress.project_progress(session, project, sts[3].id)
    assert [r.statement_id for r in last.rows] == [sts[4].id] and last.next_after is None
    assert progress.project_progress(session, project, FAR).rows == []
    login("boss")
    page = client.get(f"/p/rev/progress?after={sts[1].id}").get_data(as_text=True)
    assert f"after={sts[3].id}#statements" in page and "First page" in page
    far = client.get(f"/p/rev/progress?after={FAR}")
    assert far.status_code == 200 and "No statement past this point" in far.get_data(as_text=True)


def test_progress_counts_leave_out_deleted_and_gold(app, session):
    from annotator.annotation.stances import delete_stance

    project, sts = setup(session)
    stance = mark(session, project, sts[0], "ann1", "Iran condemns Israel")
    mark(session, project, sts[0], "ann2", "Iran condemns Israel")
    delete_stance(
        session,
        RowEdit(
            project, sts[0], find_user(session, "ann1"), row_id=stance.id, version=stance.version
        ),
    )
    session.commit()
    counts = progress.stance_counts(session, project)
    assert sum(counts.values()) == 1
    assert {a.username: a.stances for a in progress.annotator_progress(session, project)} == {
        "ann1": 0,
        "ann2": 1,
    }


def test_assignment_summary_counts_only_its_project(app, session):
    project, sts = setup(session, statements=2)
    other = make_project(session, "other", members={"other1": "annotator"})
    assert assignment_summary(session, project).short == 0
    session.execute(Assignment.__table__.update().values(active=False))  # every project's
    session.flush()
    assert assignment_summary(session, project).short == 2
    assert assignment_summary(session, other).statements == 0


def test_api_assignment_pages_cover_everything_once(client, session):
    project, _, tokens = api_demo(session)
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=1" + (f"&cursor={cursor}" if cursor else "")
        body = api(client, "GET", f"/projects/demo/assignments{query}", tokens["lead"]).get_json()
        seen += [(a["statement_id"], a["id"]) for a in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    everything = api(client, "GET", "/projects/demo/assignments", tokens["lead"]).get_json()
    assert everything["next_cursor"] is None
    assert seen == [(a["statement_id"], a["id"]) for a in everything["items"]]
    assert len(seen) >= 2 and pages == len(seen)
    session.commit()
    assert len(seen) == len(session.scalars(select(Assignment.id).where(Assignment.active)).all())


def test_api_assignment_cursor_past_the_end_is_empty_and_a_bad_one_is_400(client, session):
    _, _, tokens = api_demo(session)
    far = encode_cursor(FAR, FAR)
    body = api(client, "GET", f"/projects/demo/assignments?cursor={far}", tokens["lead"])
    assert body.status_code == 200 and body.get_json() == {"items": [], "next_cursor": None}
    bad = api(client, "GET", "/projects/demo/assignments?cursor=bm9wZQ", tokens["lead"])
    assert_error(bad, 400, "cursor")
    too_big = api(client, "GET", "/projects/demo/assignments?limit=501", tokens["lead"])
    assert too_big.status_code in (400, 422)


def test_history_pages_by_event_id(app, session, client, login, monkeypatch):
    from annotator.review import side_by_side as sbs

    monkeypatch.setattr(sbs, "HISTORY_PAGE", 2)
    project, sts = _ready(session, statements=1)  # 2 stances, 2 states: at least 4 events
    names = annotator_names(session, project, hide=False)
    every = sbs.list_history(session, project, sts[0], names)
    assert len(every) >= 4
    login("rev")
    base = f"/p/rev/review/s/{sts[0].id}/history"
    first = client.get(base).get_data(as_text=True)
    assert f'after={every[1].event_id}" rel="next"' in first and "First page" not in first
    second = client.get(f"{base}?after={every[1].event_id}").get_data(as_text=True)
    assert "First page" in second and f"after={every[3].event_id}" in second
    far = client.get(f"{base}?after={FAR}")
    assert far.status_code == 200 and "past this point" in far.get_data(as_text=True)
    pages = [sbs.list_history(session, project, sts[0], names, after=a, limit=2) for a in
             (None, every[1].event_id)]  # fmt: skip
    assert [r.event_id for p in pages for r in p] == [r.event_id for r in every[:4]]


def test_registry_pages_by_name_and_a_far_cursor_is_empty(app, session, client, login):
    from annotator.actors.curation import list_actor_page

    project, _ = setup(session)  # actors iran, israel, russia, usa
    first = list_actor_page(session, project, page=None, per_page=3)
    assert [a.key for a in first.actors] == ["iran", "israel", "russia"] and first.total == 4
    second = list_actor_page(session, project, page=None, per_page=3, after=first.next_after)
    assert [a.key for a in second.actors] == ["usa"] and second.next_after is None
    assert list_actor_page(session, project, page=None, after=FAR).actors == []
    numbered = list_actor_page(session, project, page=2, per_page=3)  # the API's pages
    assert [a.key for a in numbered.actors] == ["usa"] and numbered.pages == 2
    login("boss")
    far = client.get(f"/p/rev/actors/?after={FAR}")
    assert far.status_code == 200 and "past this point" in far.get_data(as_text=True)
    page = client.get("/p/rev/actors/").get_data(as_text=True)
    assert ">Usa</a>" in page and 'rel="next"' not in page


def test_registry_totals_are_exact_whether_or_not_they_were_counted(app, session):
    """A first page with room to spare is the total (no count query); a full first page, a
    later one and a numbered page past the first count, and all agree with the count."""
    from annotator.actors.curation import list_actor_page

    from .test_query_plans import recorded

    project, _ = setup(session)  # actors iran, israel, russia, usa
    counts = []
    for kw in ({"query": "isr", "page": None}, {"query": "r", "per_page": 4}, {"per_page": 2}):
        with recorded(session) as statements:
            found = list_actor_page(session, project, **kw)
        counts.append(sum("count(*)" in sql and "FROM actors" in sql for sql, _ in statements))
        assert found.total == len(
            list_actor_page(session, project, **(kw | {"per_page": 50})).actors
        )
    assert counts == [0, 0, 1]  # the last one's first page is full: counted
    narrow = list_actor_page(session, project, query="isr", page=None)
    assert [a.key for a in narrow.actors] == ["israel"] and narrow.total == 1
    for kw in ({"page": None}, {"page": 1}, {"page": 2}):
        full = list_actor_page(session, project, per_page=2, **kw)
        assert full.total == 4 and full.pages == 2
    later = list_actor_page(session, project, page=None, per_page=2, after=full.actors[0].id)
    assert later.total == 4 and [a.key for a in later.actors] == ["usa"]
