"""Relations side by side: each annotator's relations, grouped by the aligned pair of ends.

The ends are aligned by the stance groups of the side-by-side page (``side_by_side.align``):
two relations fall in one group when their ends lie in the same two stance groups, whichever
way they point. Each group says what differs across the lanes: **presence** (a lane has no
relation there), **type** and **direction**.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.rows import CONTENT, content_key
from annotator.models import GoldDecision, Relation, RelationDecision, RelationType, Stance
from annotator.review.side_by_side import Group, LaneGroup

ASPECTS = ("presence", "type", "direction")


@dataclass
class RelationRow:
    """One live relation as the board shows it, with the stance groups of its ends."""

    id: int
    version: int
    annotator_id: int | None
    is_gold: bool
    type_key: str
    type_name: str
    from_id: int
    to_id: int
    note: str
    from_group: int
    to_group: int
    forward: bool  # from the earlier end (by group, then position) to the later one
    ends_in_gold: bool = True


@dataclass
class RelationGroup(LaneGroup[RelationRow, RelationDecision]):
    """The relations of every lane between the same two stance groups: one row of the board."""

    ends: tuple[int, int]


def end_positions(groups: list[Group]) -> dict[int, tuple]:
    """Stance id -> (group index, start, end, id): where an end sits among the groups."""
    return {
        s.id: (k, s.start, s.end, s.id) for k, g in enumerate(groups) for s in (*g.sources, *g.gold)
    }


def align_relations(rows: list[RelationRow], lanes: list[int]) -> list[RelationGroup]:
    """Group relations by their unordered pair of stance groups; mark what differs."""
    out: dict[tuple[int, int], RelationGroup] = {}
    for r in sorted(rows, key=lambda r: (r.is_gold, r.id)):
        ends = tuple(sorted((r.from_group, r.to_group)))
        group = out.setdefault(ends, RelationGroup(ends, lanes={a: [] for a in lanes}))
        (group.gold if r.is_gold else group.lanes.setdefault(r.annotator_id, [])).append(r)
    groups = [out[k] for k in sorted(out)]
    for g in groups:
        _compare(g)
    return groups


def _compare(g: RelationGroup) -> None:
    present = g.sources
    g.missing = [a for a, lane in g.lanes.items() if not lane] if present else []
    g.differs = {
        "presence": bool(g.missing),
        "type": len({r.type_key for r in present}) > 1,
        "direction": len({r.forward for r in present}) > 1,
    }
    single = all(len(lane) == 1 for lane in g.lanes.values())
    g.unanimous = bool(present) and single and len(g.lanes) >= 2 and not any(g.differs.values())


def load_relation_rows(
    session: Session, statement_id: int, positions: dict[int, tuple], gold_ends: set[int]
) -> list[RelationRow]:
    """The statement's live relations whose ends are on the board, annotators' and gold."""
    query = (
        select(Relation, RelationType.key, RelationType.name)
        .join(RelationType, RelationType.id == Relation.type_id)
        .where(Relation.statement_id == statement_id, Relation.deleted_at.is_(None))
        .order_by(Relation.id)
    )
    rows = []
    for rel, key, name in session.execute(query):
        a, b = positions.get(rel.from_stance_id), positions.get(rel.to_stance_id)
        if a is None or b is None:
            continue
        ends_in_gold = rel.is_gold or {rel.from_stance_id, rel.to_stance_id} <= gold_ends
        rows.append(
            RelationRow(
                rel.id, rel.version, rel.annotator_id, rel.is_gold, key, name,
                rel.from_stance_id, rel.to_stance_id, rel.note, a[0], b[0], a < b, ends_in_gold,
            )
        )  # fmt: skip
    return rows


def attach_relation_decisions(groups: list[RelationGroup], decisions) -> None:
    """The latest decision touching each group's relations or its gold relations."""
    for d in sorted(decisions, key=lambda d: (d.created_at, d.id)):
        ids = set(d.source_relation_ids or [])
        for g in groups:
            gold = {r.id for r in g.gold}
            if ids & {r.id for r in g.sources} or d.gold_relation_id in gold:
                g.decision = d


def load_relation_groups(
    session: Session,
    statement_id: int,
    groups: list[Group],
    lanes: list[int],
    index_of: Callable[[], GoldIndex] | None = None,
) -> list[RelationGroup]:
    """The relation board of a statement, aligned on the stance groups, with decisions;
    ``index_of`` gives the statement's GoldIndex when the caller can build it (else read)."""
    has_any = select(Relation.id).where(
        Relation.statement_id == statement_id, Relation.deleted_at.is_(None)
    )
    if session.scalar(has_any.limit(1)) is None:
        return []  # most statements: no gold look-ups for nothing
    index = index_of() if index_of else GoldIndex.load(session, statement_id)
    positions = end_positions(groups)
    gold_ends = {sid for sid in positions if index.find_id(sid) is not None}
    rows = load_relation_rows(session, statement_id, positions, gold_ends)
    out = align_relations(rows, lanes)
    decisions = session.scalars(
        select(RelationDecision).where(RelationDecision.statement_id == statement_id)
    )
    attach_relation_decisions(out, list(decisions))
    return out


# --- which gold stance stands for an annotator's stance ---------------------------------------


@dataclass
class GoldIndex:
    """The statement's live gold stances by the annotator stances they came from, and by content.

    An annotator's stance is "in gold" when a decision (accept, edit, auto) made a live gold
    stance from it, or when gold holds a stance with the same content (another annotator's
    identical version was accepted). A stance a rejection used, with no gold for it, is
    *declined*.
    """

    by_source: dict[int, int]
    by_content: dict[tuple, int]
    rejected: set[int]
    contents: dict[int, tuple]

    @classmethod
    def load(cls, session: Session, statement_id: int) -> GoldIndex:
        """Two reads: the statement's live stances, and its decisions."""
        stances = session.execute(
            select(Stance.id, Stance.is_gold, *_CONTENT).where(
                Stance.statement_id == statement_id, Stance.deleted_at.is_(None)
            )
        ).all()
        decisions = session.execute(
            select(
                GoldDecision.id,
                GoldDecision.decision,
                GoldDecision.gold_stance_id,
                GoldDecision.source_stance_ids,
            ).where(GoldDecision.statement_id == statement_id)
        ).all()
        return cls.of(stances, decisions)

    @classmethod
    def of(cls, stances, decisions) -> GoldIndex:
        """From rows already read (the review board's): live stances with ``id``, ``is_gold``
        and the content fields; decisions with ``id``, ``decision``, ``gold_stance_id`` and
        ``source_stance_ids``, in any order (a later decision wins)."""
        contents = {s.id: content_key(s) for s in stances}
        live_gold = {s.id for s in stances if s.is_gold}
        by_content = {contents[g]: g for g in sorted(live_gold, reverse=True)}
        by_source, rejected = {}, set()
        for d in sorted(decisions, key=lambda d: d.id):
            for sid in d.source_stance_ids or []:
                if d.decision == "reject":
                    rejected.add(sid)
                elif d.gold_stance_id in live_gold:
                    by_source[sid] = d.gold_stance_id
        return cls(by_source, by_content, rejected, contents)

    def find_id(self, stance_id: int) -> int | None:
        """The live gold stance that stands for this annotator stance, if any."""
        if stance_id in self.by_source:
            return self.by_source[stance_id]
        content = self.contents.get(stance_id)
        return self.by_content.get(content) if content is not None else None

    def declined(self, stance_id: int) -> bool:
        """A rejection used this stance and gold has nothing for it."""
        return stance_id in self.rejected and self.find_id(stance_id) is None


_CONTENT = tuple(getattr(Stance, name) for name in CONTENT)  # in content_key's order
