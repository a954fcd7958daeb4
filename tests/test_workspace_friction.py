"""Server side of the workspace friction fixes (issue 17): bidi runs, label tags, locked
statements, the J/K step route and the events the page's undo reads."""

from __future__ import annotations

import json
import re

from annotator.accounts.users import get_user
from annotator.annotation.render import stance_items, statement_text
from annotator.projects.assignments import set_assignment_state
from annotator.projects.projects import get_project
from annotator.text.bidi import isolated_runs
from annotator.text.layout import Highlight, layout

from .conftest import csrf_from
from .test_render import _row
from .workspace_helpers import demo, stance_data

MIXED = "قال المتحدث: We condemn the attack (in Syria). ثم انتهى"


def test_runs_of_the_other_direction_are_isolated_with_their_punctuation():
    runs = isolated_runs(MIXED)
    assert [(MIXED[a:b], d) for a, b, d in runs] == [("We condemn the attack (in Syria).", "ltr")]
    quoted = 'He said "مرحبا بكم." and left.'
    assert [quoted[a:b] for a, b, _ in isolated_runs(quoted)] == ["مرحبا بكم."]  # quote outside
    assert isolated_runs("Plain English, no isolation.") == []
    assert isolated_runs("عربي فقط.") == []


def _segments(html: str) -> list[tuple[int, str]]:
    return [
        (int(a), t)
        for a, t in re.findall(r'class="seg[^"]*" data-start="(\d+)"[^>]*>([^<]*)<', html)
    ]


def test_mixed_paragraphs_keep_exact_offsets_inside_the_isolates():
    highlights = [Highlight(3, 20, "stance", "7", "claim")]  # crosses into the English run
    html = statement_text(layout(MIXED, highlights), [_row(start=3, end=20)], {})
    assert '<div class="para" id="para-0" data-start="0" dir="auto">' in html
    assert html.count("<bdi") == html.count("</bdi>") == 1
    segments = _segments(html)
    assert "".join(t for _, t in segments) == MIXED
    assert all(MIXED[start : start + len(t)] == t for start, t in segments)


def test_a_label_tag_stands_where_each_stance_starts():
    text = "We condemn the attack."
    rows = [_row(id=7, start=3, end=10, label_name="Claim"), _row(id=8, start=11, end=21)]
    highlights = [Highlight(r.start, r.end, "stance", str(r.id), "claim") for r in rows]
    html = statement_text(layout(text, highlights), rows, {})
    assert html.count('class="tag lbl-claim"') == 2
    tag = html.index('data-for="7"')
    assert tag < html.index('data-start="3"') and 'data-tag="Claim"' in html
    assert "".join(t for _, t in _segments(html)) == text  # tags add no text


def test_a_locked_list_has_no_edit_or_delete():
    locked = stance_items([_row()], "/s/1/stances", "tok", editable=False)
    assert "/edit" not in locked and "<form" not in locked and "words" in locked


def test_a_statement_marked_done_offers_no_stance_controls(session, client, login):
    project, st = demo(session)
    login("annotator1")
    url = f"/p/demo/s/{st.id}"
    client.post(f"{url}/stances", data=stance_data(st, csrf_token=csrf_from(client.get(url))))
    set_assignment_state(session, project, st, get_user(session, "annotator1"), "done")
    session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "/edit" not in page and "/delete" not in page and 'id="stance-form' not in page
    assert "press <em>Reopen</em>" in page


def test_saves_name_the_stance_and_version_for_undo(session, client, login):
    _, st = demo(session)
    login("annotator1")
    url = f"/p/demo/s/{st.id}"
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(client.get(url))}
    created = client.post(f"{url}/stances", data=stance_data(st), headers=headers)
    event = json.loads(created.headers["HX-Trigger"])["stance-created"]
    assert event["version"] == 1
    edit = stance_data(st, note="changed", version=1)
    updated = client.post(f"{url}/stances/{event['id']}", data=edit, headers=headers)
    assert json.loads(updated.headers["HX-Trigger"]) == {
        "stance-updated": {"id": event["id"], "version": 2}
    }


def test_j_and_k_step_through_the_queue_and_stop_at_its_ends(session, client, login):
    from annotator.formats.statement_readers import StatementRecord
    from annotator.projects.assignments import assign_statement
    from annotator.statements.statements import import_statements, list_statements

    _, first = demo(session)
    project = get_project(session, "demo")
    import_statements(session, project, [StatementRecord(external_id="two", text="Second.")])
    second = [s for s in list_statements(session, project) if s.external_id == "two"][0]
    assign_statement(session, project, second, get_user(session, "annotator1"))
    session.commit()
    login("annotator1")
    step = f"/p/demo/s/{first.id}/step"
    assert client.get(f"{step}?to=next").headers["Location"].endswith(f"/s/{second.id}")
    back = client.get(f"/p/demo/s/{second.id}/step?to=previous")
    assert back.headers["Location"].endswith(f"/s/{first.id}")
    stay = client.get(f"{step}?to=previous", follow_redirects=True)
    assert "first statement of your queue" in stay.get_data(as_text=True)
    assert client.get("/p/demo/s/999999/step").status_code == 404
