"""The input of the project's agreement, read once: live annotator stances as one integer array.

The stance figures, the relation ends and the stored parts' hashes all read the same
stances. Reading them once, straight from the DBAPI cursor into an int64 array (no
object per stance: a million namedtuples and relation nodes cost 9 s, a second read of
the stances 5 s, at 100,000 statements), is what makes the background job fit its time.
``agreement.stances`` takes the array as it is (columns in ``Mark``'s order, then the
stance id); relation nodes are tuples made only for the statements that are compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.agreement.codes import codes
from annotator.agreement.stances import Unit
from annotator.models import Project, Relation, Stance, Statement
from annotator.review.review import _iter_plain, _live, agreement_scope

# Mark's fields in its order (no target or holder: -1), then the stance id.
STANCE_COLUMNS = (
    Stance.statement_id,
    Stance.annotator_id,
    Stance.start,
    Stance.end,
    Stance.label_id,
    func.coalesce(Stance.target_id, -1),
    func.coalesce(Stance.holder_id, -1),
    Stance.id,
)
ST, AN, START, END, LABEL, TARGET, HOLDER, ID = range(8)
NODE = (ID, ST, AN, START, END)  # agreement.relations.Node's order


@dataclass
class AgreementInput:
    """Statements in scope, the project's live annotator stances, and their relations."""

    units: list[Unit]
    stances: np.ndarray  # one row per stance, STANCE_COLUMNS
    scoped: np.ndarray  # the rows of statements in scope: relation ends
    links: np.ndarray  # source id, target id, type id: relations between scoped stances

    def nodes(self, statements: Iterable[int] | None = None) -> list[tuple]:
        """Relation ends (Node tuples) of the statements in scope, or of these only."""
        rows = self.scoped
        if statements is not None:
            rows = rows[np.isin(rows[:, ST], np.fromiter(statements, np.int64))]
        return list(zip(*(rows[:, k].tolist() for k in NODE), strict=True))

    def links_between(self, nodes: list[tuple]) -> list[tuple]:
        """The relations (Link tuples) whose source is one of these nodes."""
        ids = np.fromiter((n[0] for n in nodes), np.int64, len(nodes))
        return list(map(tuple, self.links[np.isin(self.links[:, 0], ids)].tolist()))


def load_input(session: Session, project: Project, include_unfinished: bool) -> AgreementInput:
    """Units of the statements in scope (as ``review.agreement_scope``), stances, relations."""
    stances = _stance_array(session, project)
    if include_unfinished:  # who marked what: the stances read anyway tell, no second read
        scope = _marking(stances)
    else:
        scope = agreement_scope(session, project, include_unfinished=False)
    empty = np.zeros((0, len(STANCE_COLUMNS)), np.int64)
    if not scope:
        return AgreementInput([], empty, empty, np.zeros((0, 3), np.int64))
    lengths = _lengths(session, project)
    units = [Unit(sid, n, tuple(sorted(scope[sid]))) for sid, n in lengths.items() if sid in scope]
    scoped = stances[np.isin(stances[:, ST], np.fromiter(scope, np.int64, len(scope)))]
    return AgreementInput(units, stances, scoped, _links(session, project, scoped))


def _lengths(session: Session, project: Project) -> dict[int, int]:
    """Statement id -> text length, in id order, from the covering index of migration 0014.

    A statement stored without its length (a row written by hand) has it read from its text.
    """
    lengths = dict(
        session.execute(
            select(Statement.id, Statement.text_length)
            .where(Statement.project_id == project.id)
            .order_by(Statement.id)
        ).all()
    )
    missing = [sid for sid, n in lengths.items() if n is None]
    for k in range(0, len(missing), 500):
        found = select(Statement.id, func.length(Statement.text))
        lengths.update(session.execute(found.where(Statement.id.in_(missing[k : k + 500]))).all())
    return lengths


def _stance_array(session: Session, project: Project) -> np.ndarray:
    """The project's live annotator stances, STANCE_COLUMNS, in one read."""
    query = _live(select(*STANCE_COLUMNS).join(Statement)).where(Statement.project_id == project.id)
    flat = np.fromiter(chain.from_iterable(_iter_plain(session, query)), np.int64)
    return flat.reshape(-1, len(STANCE_COLUMNS))


def _marking(stances: np.ndarray) -> dict[int, set[int]]:
    """Statement id -> annotators with live stances on it, where two or more have some."""
    k = int(stances[:, AN].max(initial=0)) + 1
    st, an = np.divmod(np.unique(stances[:, ST] * k + stances[:, AN]), k)
    scope: dict[int, set[int]] = defaultdict(set)
    for sid, aid in zip(st.tolist(), an.tolist(), strict=True):
        scope[sid].add(aid)
    return {sid: anns for sid, anns in scope.items() if len(anns) >= 2}


def _links(session: Session, project: Project, scoped: np.ndarray) -> np.ndarray:
    """Live annotator relations of the project between stances of statements in scope."""
    rels = select(Relation.from_stance_id, Relation.to_stance_id, Relation.type_id).join(
        Statement, Relation.statement_id == Statement.id
    )
    rels = rels.where(
        Statement.project_id == project.id,
        Relation.deleted_at.is_(None),
        Relation.is_gold.is_(False),
    )
    flat = np.fromiter(chain.from_iterable(_iter_plain(session, rels)), np.int64)
    links = flat.reshape(-1, 3)
    ids = scoped[:, ID]
    return links[np.isin(links[:, 0], ids) & np.isin(links[:, 1], ids)]


# --- what a statement's stored parts depend on ---------------------------------------------

_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit flips about half of the output bits."""
    h = (h ^ (h >> np.uint64(30))) * _M1
    h = (h ^ (h >> np.uint64(27))) * _M2
    return h ^ (h >> np.uint64(31))


def _row_hash(tag: int, cols: list[np.ndarray]) -> np.ndarray:
    """A 64-bit hash of each row of integer columns, after a tag saying what the row is."""
    h = _mix(np.full(len(cols[0]), tag, np.uint64))
    for col in cols:
        h = _mix(h ^ col.astype(np.uint64))
    return h


def content_hashes(data: AgreementInput) -> dict[int, str]:
    """Per statement in scope: a digest of its annotators, their stances and relations.

    A multiset hash, vectorised: each row (a member annotator; a stance of one, its span,
    label, target and holder; a relation of one, its ends' spans and its type) is hashed,
    and a statement's digest is the mixed sum of its rows' hashes modulo 2**64, so the
    order the database returned them in does not matter. An edit changes one term; an
    unchanged digest after a change would need a 64-bit collision within one statement.
    Python's tuple hashes of the same rows took 3 s at 100,000 statements, this 0.3 s.
    """
    if not data.units:
        return {}
    member_st = np.fromiter(
        chain.from_iterable([u.statement] * len(u.annotators) for u in data.units), np.int64
    )
    member_an = np.fromiter(chain.from_iterable(u.annotators for u in data.units), np.int64)
    k = int(max(member_an.max(initial=0), data.scoped[:, AN].max(initial=0))) + 1
    marks = data.scoped[
        np.isin(data.scoped[:, ST] * k + data.scoped[:, AN], member_st * k + member_an)
    ]
    src, dst, kind = _relation_ends(marks, data.links)
    parts = (
        (member_st, _row_hash(0, [member_an])),
        (marks[:, ST], _row_hash(1, list(marks[:, AN:ID].T))),
        (
            src[:, ST],
            _row_hash(
                2, [src[:, AN], src[:, START], src[:, END], dst[:, START], dst[:, END], kind]
            ),
        ),
    )
    ids = np.array([u.statement for u in data.units], np.int64)
    order = np.argsort(ids)
    rows = np.concatenate([p[0] for p in parts])
    total = np.zeros(len(ids), np.uint64)
    np.add.at(
        total, order[np.searchsorted(ids[order], rows)], np.concatenate([p[1] for p in parts])
    )
    return {
        sid: format(v, "016x") for sid, v in zip(ids.tolist(), _mix(total).tolist(), strict=True)
    }


def _relation_ends(marks: np.ndarray, links: np.ndarray):
    """Source rows, target rows and types of the links whose both ends are among marks."""
    at = codes(links[:, :2].ravel(), marks[:, ID]).reshape(-1, 2)
    found = (at >= 0).all(axis=1)
    return marks[at[found, 0]], marks[at[found, 1]], links[found, 2]
