"""The database itself refuses relation ends of another owner or statement (migration 0016).

The service answers 422 first (tests/test_relations.py); these go around it, as an import, a
bulk insert or a script could, and expect the database to refuse and keep nothing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import DatabaseError

from annotator.models import Relation, Stance

from .test_relations import _other_statement_stance, link, world  # noqa: F401 (fixture)

RULE = "relation ends must be stances of the relation's statement and owner"


def _raw(session, relation: Relation, **changes) -> dict:
    """A relation row like ``relation`` with some columns changed, for a raw INSERT."""
    row = {c.name: getattr(relation, c.key) for c in Relation.__table__.columns}
    row.pop("id")
    return row | changes


def _refused(session, statement) -> str:
    with pytest.raises(DatabaseError) as info, session.begin_nested():
        session.execute(statement)
    return str(info.value.orig)


def test_an_end_of_another_annotator_is_refused_on_insert(world, session):  # noqa: F811
    project, st, ann1, _, (a, b, c, other) = world
    made = link(session, project, st, ann1, a, b)
    before = session.scalar(select(func.count()).select_from(Relation))
    row = _raw(session, made, to_stance_id=other.id)  # annotator2's stance
    assert RULE in _refused(session, Relation.__table__.insert().values(row))
    assert session.scalar(select(func.count()).select_from(Relation)) == before


def test_an_end_of_another_statement_is_refused_on_insert(world, session):  # noqa: F811
    project, st, ann1, _, (a, b, *_) = world
    made = link(session, project, st, ann1, a, b)
    elsewhere = _other_statement_stance(session, project, ann1)
    row = _raw(session, made, from_stance_id=elsewhere.id, type_id=made.type_id)
    assert RULE in _refused(session, Relation.__table__.insert().values(row))


def test_a_gold_relation_may_not_link_annotator_stances(world, session):  # noqa: F811
    project, st, ann1, _, (a, b, *_) = world
    made = link(session, project, st, ann1, a, b)
    row = _raw(session, made, annotator_id=None, is_gold=True)
    assert RULE in _refused(session, Relation.__table__.insert().values(row))


def test_moving_an_end_or_the_owner_by_update_is_refused(world, session):  # noqa: F811
    project, st, ann1, ann2, (a, b, c, other) = world
    made = link(session, project, st, ann1, a, b)
    moved = update(Relation).where(Relation.id == made.id)
    assert RULE in _refused(session, moved.values(to_stance_id=other.id))
    assert RULE in _refused(session, moved.values(annotator_id=ann2.id))
    session.execute(moved.values(to_stance_id=c.id))  # another of ann1's stances: allowed
    assert session.scalar(select(Relation.to_stance_id).where(Relation.id == made.id)) == c.id


def test_a_linked_stance_may_not_move_to_another_owner_or_statement(world, session):  # noqa: F811
    """The same rule from the stance's side: a relation's end cannot change owner under it."""
    project, st, ann1, ann2, (a, b, *_) = world
    link(session, project, st, ann1, a, b)
    moved = update(Stance).where(Stance.id == a.id)
    assert RULE in _refused(session, moved.values(annotator_id=ann2.id))
    assert RULE in _refused(session, moved.values(is_gold=True, annotator_id=None))
    elsewhere = _other_statement_stance(session, project, ann1)
    assert RULE in _refused(session, moved.values(statement_id=elsewhere.statement_id))
    session.execute(moved.values(note="fine"))  # other columns: no check
    unlinked = update(Stance).where(Stance.id == elsewhere.id)
    session.execute(unlinked.values(annotator_id=ann2.id))  # no relation holds it: allowed


def test_own_ends_pass_through_the_service(world, session):  # noqa: F811
    """The service's own writes (create here; retype and gold in test_relations) pass."""
    project, st, ann1, _, (a, b, *_) = world
    made = link(session, project, st, ann1, a, b)
    assert made.id and session.get(Stance, made.from_stance_id).annotator_id == ann1.id
