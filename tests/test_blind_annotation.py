"""What a viewer may learn about others: counts in blind annotation, usernames outside a project."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from annotator.accounts.tokens import create_token
from annotator.accounts.users import find_user
from annotator.errors import NotFound
from annotator.extensions import db
from annotator.models import Actor
from annotator.review.review import find_annotator

from .factories import make_user
from .hostile_helpers import logged_in
from .test_role_matrix import _world


@pytest.fixture
def world(app):
    """The role matrix's world: annotator1's and annotator2's stance on "iran", and gold."""
    with app.app_context():
        made = _world(db.session)
        iran = db.session.scalar(select(Actor.id).where(Actor.key == "iran"))
        return made | {"iran": iran}


def _used_by(html: str) -> int:
    return int(re.search(r"<dt>Used by</dt><dd>(\d+) stance", html)[1])


def _row_count(html: str, actor_id: int) -> int:
    row = re.search(rf'<tr id="actor-{actor_id}">(.*?)</tr>', html, re.S)[1]
    return int(re.findall(r"<td>(\d+)</td>", row)[-1])


def test_an_annotator_counts_only_their_own_stances_on_an_actor(app, world):
    iran = world["iran"]
    counts = {}
    for who in ("annotator1", "annotator2", "reviewer", "lead"):
        client, _ = logged_in(app, who)
        page = client.get(f"/p/demo/actors/{iran}").get_data(as_text=True)
        listed = client.get("/p/demo/actors/?q=iran").get_data(as_text=True)
        counts[who] = (_used_by(page), _row_count(listed, iran))
    assert counts["annotator1"] == counts["annotator2"] == (1, 1)
    assert counts["reviewer"] == counts["lead"] == (3, 3)  # two annotators' stances and gold


def test_an_outsider_and_an_unknown_name_are_not_found_alike(app, session):
    world = _world(session)
    make_user(session, "stranger")
    session.commit()
    from annotator.projects.projects import get_project

    project = get_project(session, "demo")
    assert find_annotator(session, project, "annotator2", "lead")[1] == "annotator2"
    messages = []
    for name in ("stranger", "outsider", "nobody-at-all"):
        with pytest.raises(NotFound) as err:
            find_annotator(session, project, name, "reviewer")
        messages.append(err.value.message.replace(name, "NAME"))
    assert len(set(messages)) == 1
    assert world


def test_the_api_answers_an_outsider_as_an_unknown_name(app, world):
    with app.app_context():
        bearer = create_token(db.session, find_user(db.session, "reviewer"))[1]
        db.session.commit()
    api = app.test_client()
    auth = {"Authorization": f"Bearer {bearer}"}
    base = f"/api/v1/projects/demo/statements/{world['values']['statement_id']}/stances"
    outsider = api.get(f"{base}?annotator=outsider", headers=auth)
    unknown = api.get(f"{base}?annotator=nobody", headers=auth)
    assert outsider.status_code == unknown.status_code == 404
