"""Roles: an ordered enum stored as its strings, checked through one helper in templates."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from annotator.models import Membership
from annotator.roles import ROLES, Role

from .factories import make_project


def test_roles_are_ordered_annotator_reviewer_lead():
    assert sorted([Role.LEAD, Role.ANNOTATOR, Role.REVIEWER]) == list(Role)
    assert Role.ANNOTATOR < Role.REVIEWER < Role.LEAD
    assert Role.LEAD >= "reviewer" and not Role.ANNOTATOR >= "reviewer"  # names compare by rank
    assert ROLES == ("annotator", "reviewer", "lead")


def test_an_unknown_role_name_is_refused():
    with pytest.raises(ValueError):
        assert Role.LEAD > "admin"


def test_a_membership_stores_the_string_and_loads_the_enum(session):
    make_project(session, members={"rita": "reviewer"})
    session.commit()
    assert session.execute(text("SELECT role FROM memberships")).scalar() == "reviewer"
    role = session.scalar(select(Membership.role))
    assert role is Role.REVIEWER


@pytest.mark.parametrize(
    "who, review, lead", [("ann", False, False), ("rita", True, False), ("boss", True, True)]
)
def test_the_project_page_links_what_the_role_allows(session, client, login, who, review, lead):
    make_project(session, members={"ann": "annotator", "rita": "reviewer", "boss": "lead"})
    session.commit()
    page = login(who).get("/p/proj/").get_data(as_text=True)
    assert ("/p/proj/review/" in page) is review
    assert ("/p/proj/settings" in page) is lead
