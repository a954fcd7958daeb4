"""The statement text and stance list items are built one way, for the page and the fragments."""

from __future__ import annotations

import re
from types import SimpleNamespace

from annotator.annotation.render import deleted_item, stance_item, stance_items, statement_text
from annotator.annotation.rows import StanceRow
from annotator.text.layout import Highlight, layout

from .conftest import csrf_from
from .workspace_helpers import demo, stance_data

HOSTILE = '<script>alert("x")</script>'


def _row(**changes) -> StanceRow:
    values = dict(
        id=7, statement_id=1, start=4, end=9, text="words", note="", version=2,
        guidelines_version=None, created_at=None, updated_at=None, deleted_at=None,
        label_key="claim", label_name="Claim", target_key="iran", target_name="Iran",
        target_status="approved", holder_key=None, holder_name=None, annotator_id=3,
        is_gold=False, label_id=1, target_id=2, holder_id=None,
    )  # fmt: skip
    return StanceRow(**(values | changes))


def test_a_list_item_is_the_same_alone_or_in_the_list():
    row = _row()
    alone = stance_item(row, "/s/1/stances", "tok")
    assert stance_items([row, _row(id=8)], "/s/1/stances", "tok").startswith(alone)
    replacing = stance_item(row, "/s/1/stances", "tok", oob=True)
    assert replacing == str(alone).replace('"9">', '"9" hx-swap-oob="true">', 1)
    assert 'action="/s/1/stances/7/delete"' in alone and 'href="/s/1/stances/7/edit"' in alone


def test_a_deleted_item_takes_the_place_of_the_live_one():
    html = deleted_item(SimpleNamespace(id=7, text="words", version=3), "/s/1/stances", "tok")
    assert html.startswith('<li id="stance-7" class="stance deleted" hx-swap-oob="true">')
    assert 'hx-post="/s/1/stances/7/restore"' in html and 'name="version" value="3"' in html


def test_every_value_is_escaped():
    row = _row(text=HOSTILE, note=HOSTILE, target_name=HOSTILE, label_name=HOSTILE)
    html = stance_item(row, "/s", '"tok') + deleted_item(row, "/s", "t")
    assert "<script>" not in html and 'value="&quot;tok"' in html
    text = statement_text(layout(HOSTILE, [Highlight(0, 8, "stance", "7", "claim")]), [row], {})
    assert "<script>" not in text and 'title="&lt;script&gt;' in text


def test_the_page_and_an_edit_fragment_show_the_same_item(session, client, login):
    _, st = demo(session)
    login("annotator1")
    url = f"/p/demo/s/{st.id}"
    token = csrf_from(client.get(url))
    client.post(f"{url}/stances", data=stance_data(st, csrf_token=token))
    page = client.get(url).get_data(as_text=True)
    found = re.search(r'<li id="stance-(\d+)".*?name="version" value="(\d+)"', page)
    stance_id, version = found.groups()
    edit = stance_data(st, note="edited", version=version, label="support")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    fragment = client.post(f"{url}/stances/{stance_id}", data=edit, headers=headers)
    item = re.compile(rf'<li id="stance-{stance_id}".*?</li>')
    fragment_item = item.search(fragment.get_data(as_text=True)).group()
    page_item = item.search(client.get(url).get_data(as_text=True)).group()
    assert fragment_item == page_item.replace('">', '" hx-swap-oob="true">', 1)
    assert "edited" in page_item
