"""Review: agreement input from the database, annotator display names and the review queue."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from annotator.agreement.stances import Mark, Unit, compute_agreement, stance_agreement_by_statement
from annotator.errors import NotFound
from annotator.models import Assignment, Label, Project, Stance, Statement, User
from annotator.projects.counters import counted_annotators
from annotator.review.finish import review_state
from annotator.review.side_by_side import align
from annotator.roles import Role

NO_STATEMENT = (
    "No statement qualifies: agreement needs statements that at least two assigned annotators "
    "have marked done (or, when unfinished statements are included, live stances from two "
    "annotators)."
)


# What agreement compares of a stance, in MarkRow's order.
MARK_COLUMNS = (
    Stance.statement_id,
    Stance.annotator_id,
    Stance.start,
    Stance.end,
    Stance.label_id,
    Stance.target_id,
    Stance.holder_id,
)


def _live(query):
    """Only annotators' stances that still count: not deleted, not gold."""
    return query.where(Stance.deleted_at.is_(None), Stance.is_gold.is_(False))


def letter(n: int) -> str:
    """A, B, ..., Z, AA, AB, ...: spreadsheet-style names for anonymous annotators."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def annotator_names(session: Session, project: Project, *, hide: bool) -> dict[int, str]:
    """Display name of every annotator in the project: username, or a stable "Annotator X".

    The annotators are the users with an assignment or a live stance in the project, read
    from the stored counters (migration 0013): a probe per user into the stances made
    PostgreSQL scan them for every user who had none (~100 ms at 1,000,000 stances).
    """
    rows = session.execute(
        select(User.id, User.username)
        .where(User.id.in_(counted_annotators(session, project)))
        .order_by(User.id)
    ).all()
    if hide:
        return {uid: f"Annotator {letter(k)}" for k, (uid, _) in enumerate(rows)}
    return {uid: name for uid, name in rows}


def visible_names(session: Session, project: Project, role: Role | str) -> dict[int, str]:
    """Annotator names as a viewer with ``role`` may see them: letters for reviewers if hidden."""
    return annotator_names(session, project, hide=hidden_for(project, role))


def find_annotator(
    session: Session, project: Project, name: str, role: Role | str
) -> tuple[int, str]:
    """(user id, shown name) of the annotator a viewer names, as that viewer knows them.

    Only the project's annotators (assigned, or with stances) are looked up, never the
    site's users: an outsider's name and an unknown one get the same NotFound, so the
    answer does not tell which usernames exist elsewhere.
    """
    for user_id, shown in visible_names(session, project, role).items():
        if shown == name:
            return user_id, shown
    raise NotFound(f"No annotator '{name}' in this project.", field="annotator")


def hidden_for(project: Project, role: Role | str) -> bool:
    """Whether this viewer sees pseudonymous letters instead of usernames (leads never do)."""
    return project.hide_annotator_names and role == Role.REVIEWER


def agreement_scope(
    session: Session, project: Project, *, include_unfinished: bool = False
) -> dict[int, set[int]]:
    """Statement id -> annotators whose work counts: two or more done (or, unfinished, marking)."""
    if include_unfinished:
        query = _live(select(Stance.statement_id, Stance.annotator_id).distinct())
    else:
        query = select(Assignment.statement_id, Assignment.annotator_id).where(
            Assignment.active, Assignment.state == "done"
        )
    query = query.join(Statement).where(Statement.project_id == project.id)
    scope: dict[int, set[int]] = defaultdict(set)
    for statement_id, annotator_id in session.execute(query):
        scope[statement_id].add(annotator_id)
    return {sid: anns for sid, anns in scope.items() if len(anns) >= 2}


# Rows shaped like agreement.Mark, with ids for statement, annotator and label: compute_agreement
# reads only these attributes, and building 600,000 dataclasses (or mapping ids to names per
# row, in Python or in SQL) costs as much as the computation (see bench/review_bench.py).
MarkRow = namedtuple("MarkRow", [f.name for f in fields(Mark)])


def _iter_plain(session: Session, query) -> Iterator[tuple]:
    """Rows as the DBAPI cursor gives them: plain ints and strings need no processing.

    Iterated, not fetched into a list: fewer objects live at once, so the garbage collector's
    full passes (a quarter of the review queue's time with 120,000 stances) cost less.
    """
    result = session.connection().execute(query)
    try:
        yield from result.cursor
    finally:
        result.close()


def project_agreement(
    session: Session, project: Project, names: dict[int, str], *, include_unfinished: bool = False
) -> dict:
    """The agreement object of the CLI's --json; an empty scope explains itself in ``notes``."""
    from annotator.review.agreement_input import load_input  # it builds on this module

    data = load_input(session, project, include_unfinished)
    result = compute_agreement(data.units, data.stances)
    if not data.units:
        result["notes"].insert(0, NO_STATEMENT)
    labels = dict(
        session.execute(select(Label.id, Label.key).where(Label.project_id == project.id)).all()
    )
    return name_result(result, names, labels)


def name_result(result: dict, names: dict[int, str], labels: dict[int, str]) -> dict:
    """Stance figures named: annotator names and label keys, the item counts per label too."""
    sizes = result.get("n_items_per_label", {})
    result["n_items_per_label"] = {labels.get(k, str(k)): v for k, v in sizes.items()}
    return name_figures(result, names, labels, "per_label")


def name_figures(result: dict, names: dict[int, str], keys: dict[int, str], section: str) -> dict:
    """Replace the ids the figures were computed on by annotator names and label or type keys.

    ``section`` holds the figures per label (``per_label``) or per relation type
    (``per_type``); a note on one, ``<section>.<id>.<metric>``, names it by its key too.
    """
    result[section] = {keys.get(k, str(k)): v for k, v in result[section].items()}
    for pair in result["pairs"]:
        pair["a"], pair["b"] = names.get(pair["a"], "?"), names.get(pair["b"], "?")
    result["notes"] = [_name_note(note, keys, section) for note in result["notes"]]
    return result


def _name_note(note: str, keys: dict[int, str], section: str) -> str:
    """per_label.<id>.<metric> becomes per_label.<key>.<metric> (per_type likewise)."""
    if not note.startswith(f"{section}."):
        return note
    key, rest = note.removeprefix(f"{section}.").split(".", 1)
    return f"{section}.{keys.get(int(key), key) if key.isdigit() else key}.{rest}"


# --- the review queue ------------------------------------------------------------------------


@dataclass
class QueueRow:
    """A statement ready for review, with how much its annotators disagree."""

    statement_id: int
    external_id: str
    title: str | None
    annotators: list[str]
    stances: int
    agreement: float | None
    open_groups: int
    reviewed_at: datetime | None
    review_version: int = 0

    @property
    def disagreement(self) -> float:
        return 1.0 - self.agreement if self.agreement is not None else 0.0

    @property
    def state(self) -> str:
        """open, in review or reviewed (see review/finish.py)."""
        return review_state(self.reviewed_at, self.review_version)


# What a queue row shows of its statement, in _queue_row's order (the length for agreement).
QUEUE_STATEMENT = (
    Statement.id,
    Statement.external_id,
    Statement.title,
    Statement.reviewed_at,
    func.length(Statement.text),
    Statement.review_version,
)


def queue_rows(statements, lanes, stances, decided, names) -> list[QueueRow]:
    """Queue rows of ready statements (rows of QUEUE_STATEMENT), most disagreement first.

    A page of the queue (``queue_page``) builds them so.
    """
    figures = queue_agreement(statements, lanes, stances)
    rows = [
        _queue_row(st, lanes[st[0]], stances[st[0]], decided[st[0]], names, figures[st[0]])
        for st in statements
    ]
    return sorted(
        rows, key=lambda r: (r.agreement is None, -r.disagreement, -r.open_groups, r.statement_id)
    )


_RowBase = namedtuple("_RowBase", [*MarkRow._fields, "id"])


class _Row(_RowBase):
    """A live stance in the queue: a Mark by ids for agreement.py, under align()'s names too.

    One named tuple from the DBAPI cursor serves both, so 120,000 stances are not copied into
    a second kind of row: frozen dataclasses, SQLAlchemy rows and the copies cost about 0.3 s,
    much of it in the garbage collector. The aliases are the tuple's own field getters.
    """

    __slots__ = ()
    annotator_id = _RowBase.annotator
    label_id = _RowBase.label
    target_id = _RowBase.target
    holder_id = _RowBase.holder


def _queue_row(
    st, anns: list[int], stances: list[_Row], decided: set[int], names, figure
) -> QueueRow:
    """One queue row: open groups from the alignment; the figure comes computed for all."""
    groups = align(stances, [], anns)
    open_groups = sum(
        1 for g in groups if not g.unanimous and not decided & {s.id for s in g.sources}
    )
    return QueueRow(
        statement_id=st[0],
        external_id=st[1],
        title=st[2],
        annotators=[names.get(a, "?") for a in anns],
        stances=len(stances),
        agreement=figure,
        open_groups=open_groups,
        reviewed_at=st[3],
        review_version=st[5],
    )


def queue_agreement(ready, lanes: dict[int, list[int]], stances) -> dict[int, float | None]:
    """Whole-stance agreement of each ready statement, pooled over its pairs as the project's.

    Computed by agreement.py in one pass for the whole queue (one compute_agreement call per
    statement cost 2 ms each), with the same counts as the project figure, so the queue, the
    side-by-side header and the agreement page cannot drift apart; None when there is nothing
    to compare (one annotator, or no stances at all).
    """
    units = [Unit(st[0], st[4], tuple(lanes[st[0]])) for st in ready]
    marks = [s for st in ready for s in stances[st[0]]]  # _Row is Mark-shaped
    return stance_agreement_by_statement(units, marks)
