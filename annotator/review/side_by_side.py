"""One statement under review: aligned groups of stances, lanes, its figures and its history."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.agreement.stances import Mark, Unit, compute_agreement
from annotator.annotation.rows import EVERY_OWNER, StanceRow, list_stance_rows
from annotator.models import (
    Actor,
    Assignment,
    AuditEvent,
    GoldDecision,
    Label,
    Project,
    RelationType,
    Statement,
    User,
)
from annotator.text.excerpt import excerpt

ASPECTS = ("boundary", "label", "target", "holder")


# --- alignment: the side-by-side groups ------------------------------------------------------


Item = TypeVar("Item")
Made = TypeVar("Made")


@dataclass(kw_only=True)
class LaneGroup(Generic[Item, Made]):
    """One row of the review board: each lane's items, gold's, what differs, the decision.

    Stance groups (``Group``) and relation groups (``relation_groups.RelationGroup``) are
    both; they differ in what places them (a span, a pair of stance groups).
    """

    lanes: dict[int, list[Item]] = field(default_factory=dict)  # annotator id -> items
    gold: list[Item] = field(default_factory=list)
    differs: dict[str, bool] = field(default_factory=dict)
    missing: list[int] = field(default_factory=list)
    unanimous: bool = False
    decision: Made | None = None

    @property
    def sources(self) -> list[Item]:
        """The annotators' items of the group, by lane then position."""
        return [item for lane in self.lanes.values() for item in lane]


@dataclass
class Group(LaneGroup[StanceRow, GoldDecision]):
    """Stances of all lanes that overlap, transitively: one row of the side-by-side page."""

    start: int
    end: int


def align(stances: list, gold: list, lanes: list[int]) -> list[Group]:
    """Sweep by position into groups of overlapping stances; mark what differs in each."""
    groups: list[Group] = []
    items = sorted([(s, False) for s in stances] + [(g, True) for g in gold], key=_position)
    for s, is_gold in items:
        if not groups or s.start >= groups[-1].end:
            groups.append(Group(s.start, s.end, lanes={a: [] for a in lanes}))
        g = groups[-1]
        g.end = max(g.end, s.end)
        (g.gold if is_gold else g.lanes.setdefault(s.annotator_id, [])).append(s)
    for g in groups:
        _compare(g)
    return groups


def _position(item) -> tuple:
    s, is_gold = item
    return (s.start, s.end, is_gold, s.id)


def _compare(g: Group) -> None:
    """Which aspects differ across lanes; a lane without a stance differs in boundary."""
    present = g.sources
    g.missing = [a for a, lane in g.lanes.items() if not lane]
    g.differs = {
        "boundary": bool(g.missing) or len({(s.start, s.end) for s in present}) > 1,
        "label": len({s.label_id for s in present}) > 1,
        "target": len({s.target_id for s in present}) > 1,
        "holder": len({s.holder_id for s in present}) > 1,
    }
    single = all(len(lane) == 1 for lane in g.lanes.values())
    g.unanimous = bool(present) and single and len(g.lanes) >= 2 and not any(g.differs.values())


def attach_decisions(groups: list[Group], decisions) -> None:
    """The latest decision (by time, then id) touching each group's versions or gold stances.

    Through stance id -> group maps, so a statement with hundreds of groups and decisions
    costs one pass over the decisions, not a pass over the groups per decision.
    """
    source = {s.id: g for g in groups for s in g.sources}
    gold = {s.id: g for g in groups for s in g.gold}
    for d in sorted(decisions, key=lambda d: (d.created_at, d.id)):
        touched = [source.get(sid) for sid in d.source_stance_ids or ()]
        for g in (*touched, gold.get(d.gold_stance_id)):
            if g is not None:
                g.decision = d


# --- one statement side by side --------------------------------------------------------------


@dataclass
class Lane:
    annotator_id: int
    name: str
    state: str | None  # assignment state; None when the annotator is no longer assigned
    count: int = 0


@dataclass
class SideBySide:
    """Everything the side-by-side page shows for one statement."""

    statement: Statement
    lanes: list[Lane]
    groups: list[Group]
    gold_count: int
    figures: dict
    reviewers: dict[int, str] = field(default_factory=dict)
    changed_after_review: bool = False
    stances: list[StanceRow] = field(default_factory=list)  # every live one, gold too
    decisions: list = field(default_factory=list)  # DecisionRow, by time then id

    @property
    def scope(self) -> set[int]:
        """The annotators whose work counts (``review.agreement_scope`` for this statement):
        two or more active assignments done, else none."""
        done = {lane.annotator_id for lane in self.lanes if lane.state == "done"}
        return done if len(done) >= 2 else set()

    @property
    def decided(self) -> set[int]:
        """Annotator stance ids that earlier decisions used."""
        return {sid for d in self.decisions for sid in d.source_stance_ids or ()}


# The decision columns the board shows and matches on, read as rows: no ORM objects.
DECISION_COLUMNS = (
    GoldDecision.id,
    GoldDecision.reviewer_id,
    GoldDecision.gold_stance_id,
    GoldDecision.decision,
    GoldDecision.source_stance_ids,
    GoldDecision.reason,
    GoldDecision.created_at,
)


def load_side_by_side(session: Session, statement: Statement, names: dict[int, str]) -> SideBySide:
    """Lanes (active assignees and anyone with live stances), aligned groups and decisions.

    Stances are read as plain rows without timestamps (the page shows none), decisions as
    rows; the view keeps both so the unanimous count and the relation board reuse them.
    """
    stances = list_stance_rows(session, statement.id, EVERY_OWNER, timestamps=False)
    own = [s for s in stances if not s.is_gold]
    lanes = _lanes(session, statement, own, names)
    groups = align(own, [s for s in stances if s.is_gold], [lane.annotator_id for lane in lanes])
    decisions = session.execute(
        select(*DECISION_COLUMNS)
        .where(GoldDecision.statement_id == statement.id)
        .order_by(GoldDecision.created_at, GoldDecision.id)
    ).all()
    attach_decisions(groups, decisions)
    reviewer_ids = {d.reviewer_id for d in decisions if d.reviewer_id}
    reviewers = select(User.id, User.username).where(User.id.in_(reviewer_ids))
    return SideBySide(
        statement=statement,
        lanes=lanes,
        groups=groups,
        gold_count=len(stances) - len(own),
        figures=_statement_figures(statement, lanes, own, names),
        reviewers=dict(session.execute(reviewers).all()) if reviewer_ids else {},
        changed_after_review=changed_after_review(session, statement),
        stances=stances,
        decisions=decisions,
    )


def changed_after_review(session: Session, statement: Statement) -> bool:
    """Whether an annotator changed a stance or reopened the statement after its review.

    By (project, statement), the audit index's order: by statement alone it was a full scan
    of the audit trail, which grows by an event per save.
    """
    if statement.reviewed_at is None:
        return False
    later = select(AuditEvent.id).where(
        AuditEvent.project_id == statement.project_id,
        AuditEvent.statement_id == statement.id,
        AuditEvent.entity.in_(("stance", "assignment")),
        AuditEvent.created_at > statement.reviewed_at,
    )
    return session.scalar(later.limit(1)) is not None


def _lanes(session, statement, own: list[StanceRow], names) -> list[Lane]:
    states = dict(
        session.execute(
            select(Assignment.annotator_id, Assignment.state).where(
                Assignment.statement_id == statement.id, Assignment.active
            )
        ).all()
    )
    counts = Counter(s.annotator_id for s in own)
    ids = sorted(set(states) | set(counts))
    return [Lane(a, names.get(a, "?"), states.get(a), counts[a]) for a in ids]


def _statement_figures(statement, lanes: list[Lane], own: list[StanceRow], names) -> dict:
    """This statement's agreement over every lane (done or not), as the project's figures."""
    lane_names = tuple(lane.name for lane in lanes)
    unit = Unit(statement.id, len(statement.text), lane_names)
    marks = [
        Mark(
            statement.id,
            names.get(s.annotator_id, "?"),
            s.start,
            s.end,
            s.label_key,
            s.target_id,
            s.holder_id,
        )
        for s in own
    ]
    return compute_agreement([unit], marks)


# --- history ---------------------------------------------------------------------------------


@dataclass
class HistoryRow:
    """One audit event of a statement, in words."""

    at: datetime
    who: str
    action: str
    entity: str
    summary: str
    event_id: int = 0  # the keyset cursor of the history's pages


HISTORY_PAGE = 200


def list_history(
    session: Session,
    project: Project,
    statement: Statement,
    names: dict[int, str],
    *,
    after: int | None = None,
    limit: int | None = None,
) -> list[HistoryRow]:
    """The audited changes on the statement (stances, assignments, gold), oldest first.

    In event id order (the order they were written), ``limit`` at a time after event id
    ``after``: a keyset page through the (project, statement) index, so a statement edited
    a hundred thousand times still answers one page quickly.
    """
    query = (
        select(AuditEvent)
        .where(AuditEvent.project_id == project.id, AuditEvent.statement_id == statement.id)
        .order_by(AuditEvent.id)
    )
    if after is not None:
        query = query.where(AuditEvent.id > after)
    if limit is not None:
        query = query.limit(limit)
    events = list(session.scalars(query))
    user_ids = {e.user_id for e in events}
    users = dict(session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all())
    labels = dict(
        session.execute(select(Label.id, Label.key).where(Label.project_id == project.id)).all()
    )
    actors = _actor_names(session, events)
    types = dict(
        session.execute(
            select(RelationType.id, RelationType.key).where(RelationType.project_id == project.id)
        ).all()
    )
    rows = []
    for e in events:
        who = names.get(e.user_id) or users.get(e.user_id) or "system"
        summary = _relation_summary(e, types) or _summary(e, labels, actors)
        rows.append(HistoryRow(e.created_at, who, e.action, e.entity, summary, e.id))
    return rows


def _relation_summary(e: AuditEvent, types: dict[int, str]) -> str:
    """A relation change or decision in words ("" for other events)."""
    data, after = e.data or {}, (e.data or {}).get("after")
    if isinstance(after, dict) and "from_stance_id" in after:
        kind = types.get(after.get("type_id"), "?")
        parts = [f"{kind}: stance {after['from_stance_id']} → stance {after['to_stance_id']}"]
    elif e.entity == "relation_decision":
        parts = [f"relation {data.get('gold_relation_id')} ({data.get('type')})"]
        parts = parts if data.get("gold_relation_id") else []
    elif e.entity == "review":
        parts = ["review finished" if e.action == "finish" else "review reopened"]
    else:
        return ""
    if data.get("with_stance"):
        parts.append(f"with stance {data['with_stance']}")
    if data.get("sources"):
        parts.append(f"from {len(data['sources'])} relation version(s)")
    if data.get("reason"):
        parts.append(f"reason: {data['reason']}")
    return " ".join(parts) or e.action


def _actor_names(session: Session, events: list[AuditEvent]) -> dict[int, str]:
    ids = {
        e.data.get("after", {}).get(k)
        for e in events
        for k in ("target_id", "holder_id")
        if isinstance(e.data.get("after"), dict)
    }
    ids.discard(None)
    return dict(session.execute(select(Actor.id, Actor.name).where(Actor.id.in_(ids))).all())


def _summary(e: AuditEvent, labels: dict[int, str], actors: dict[int, str]) -> str:
    """The stance or decision an event is about, with the reason when one was given."""
    data, parts = e.data or {}, []
    after = data.get("after")
    if isinstance(after, dict):
        parts.append(
            f"{labels.get(after.get('label_id'), '?')} {after.get('start')}–{after.get('end')}"
        )
        parts.append(f"“{excerpt(after.get('text') or '', 80)}”")
        if after.get("target_id"):
            parts.append(f"→ {actors.get(after['target_id'], '?')}")
    if "from" in data:
        parts.append(f"{data['from']} → {data.get('to')}")
    if data.get("after_review"):
        parts.append("after the review")
    if data.get("sources"):
        parts.append(f"from {len(data['sources'])} version(s)")
    if data.get("reason"):
        parts.append(f"reason: {data['reason']}")
    return " ".join(str(p) for p in parts)
