"""The agreement input read once as an integer array gives what Mark objects give.

The stored agreement job (and the direct computation) pass the project's stances to
``agreement.stances`` as one int64 array instead of a Mark per stance; the figures, the
intervals and each statement's own figure must not change by a digit.
"""

from __future__ import annotations

import json
import random

import numpy as np

from annotator.agreement.bootstrap import stance_intervals
from annotator.agreement.stances import Mark, Unit, compute_agreement, stance_agreement_by_statement


def _random_case(seed: int):
    """Statements 1..30 of random length, annotators 1..5, labels 7..9, actors 20..25 or none.

    Some marks lie on statements out of scope (40) or are by annotators not in scope there,
    some are duplicates; targets and holders appear in a random first-seen order.
    """
    rnd = random.Random(seed)
    units = [
        Unit(s, rnd.randint(30, 90), tuple(sorted(rnd.sample(range(1, 6), rnd.randint(1, 4)))))
        for s in rnd.sample(range(1, 31), 30)
    ]
    marks = []
    for _ in range(600):
        start = rnd.randint(0, 80)
        actor = lambda: rnd.choice([None, 20, 21, 22, 23, 24, 25])  # noqa: E731
        marks.append(
            Mark(
                rnd.choice([*range(1, 31), 40]),
                rnd.randint(1, 5),
                start,
                start + rnd.randint(0, 12),
                rnd.choice([7, 8, 9]),
                actor(),
                actor(),
            )
        )
    marks += rnd.sample(marks, 60)
    return units, marks


def _array(marks: list[Mark]) -> np.ndarray:
    """Marks as the job reads them: None as -1, then a stance id column."""
    rows = [
        (m.statement, m.annotator, m.start, m.end, m.label, _id(m.target), _id(m.holder), k)
        for k, m in enumerate(marks)
    ]
    return np.array(rows, np.int64).reshape(-1, 8)


def _id(value):
    return -1 if value is None else value


def test_an_array_of_marks_gives_the_figures_of_mark_objects():
    for seed in range(6):
        units, marks = _random_case(seed)
        array = _array(marks)
        objects = compute_agreement(units, marks)
        assert objects["n_stances"] > 100 and objects["per_label"]
        assert json.dumps(compute_agreement(units, array)) == json.dumps(objects)
        by_objects = stance_intervals(units, marks, objects, resamples=30)
        assert stance_intervals(units, array, objects, resamples=30) == by_objects
        own = stance_agreement_by_statement(units, marks)
        assert stance_agreement_by_statement(units, array) == own


def test_an_empty_array_is_an_empty_input():
    empty = np.zeros((0, 8), np.int64)
    assert compute_agreement([], empty) == compute_agreement([], [])
    units = [Unit(1, 10, (1, 2))]
    assert compute_agreement(units, empty) == compute_agreement(units, [])


# --- from the database ---------------------------------------------------------------------


def test_imported_statements_store_their_length_in_code_points(app, session):
    from annotator.models import Statement
    from annotator.statements.statements import import_statements

    from .factories import make_project
    from .test_review_helpers import _Statement

    project = make_project(session, "len")
    texts = ["Teheran 🇮🇷 condemns", "e\u0301 combining", "داعش النظام", "x" * 5000]
    import_statements(session, project, [_Statement(f"t{k}", t) for k, t in enumerate(texts)])
    session.commit()
    stored = session.query(Statement.text, Statement.text_length).filter_by(project_id=project.id)
    assert sorted(n for _, n in stored) == sorted(len(t) for t in texts)
    assert all(n == len(text) for text, n in stored)


def test_a_statement_without_a_stored_length_has_it_read_from_its_text(app, session):
    from annotator.models import Statement
    from annotator.review.agreement_input import _lengths

    from .test_review_helpers import setup

    project, sts = setup(session, statements=3)
    session.query(Statement).filter_by(id=sts[1].id).update({"text_length": None})
    session.commit()
    assert _lengths(session, project) == {st.id: len(st.text) for st in sts}


def test_content_hashes_change_with_what_the_stored_parts_depend_on(app, session):
    """A statement's digest moves with its stances and relations, and no other's does."""
    from annotator.models import Label, Relation, RelationType, Stance
    from annotator.review.agreement_input import content_hashes, load_input

    from .test_stored_agreement import _generate

    project, sts = _generate(session, statements=4)
    before = content_hashes(load_input(session, project, False))
    assert len(before) == 4 and len(set(before.values())) == 4
    assert content_hashes(load_input(session, project, False)) == before  # stable
    stance = _first(session, Stance, sts[0])
    relation = _first(session, Relation, sts[1])
    moves = (
        (sts[0], stance, "label_id", _other(session, Label, stance.label_id)),
        (sts[1], relation, "type_id", _other(session, RelationType, relation.type_id)),
        (sts[2], _first(session, Stance, sts[2]), "end", _first(session, Stance, sts[2]).end + 1),
    )
    for st, row, column, value in moves:
        setattr(row, column, value)
        session.commit()
        after = content_hashes(load_input(session, project, False))
        assert [sid for sid in before if after[sid] != before[sid]] == [st.id], column
        before = after


def _first(session, model, st):
    """The statement's first live row of model (a stance or a relation)."""
    live = session.query(model).filter_by(statement_id=st.id, deleted_at=None)
    return live.order_by(model.id).first()


def _other(session, model, own: int) -> int:
    """Another id of model (a label or relation type) than own."""
    return session.query(model.id).filter(model.id != own).first()[0]
