"""Relations into gold: accept (with its ends if need be), edit, add, reject, unanimous.

Each decision carries the statement's review version like a stance decision
(``adjudication.claim_statement``), is stored as a ``RelationDecision`` and audited
(entity ``relation_decision``); the gold relation itself is made by the relation service,
which audits it as ``gold_relation``. Nothing is written when any check fails.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from annotator.annotation.relation_cascade import audit_relation, has_live_link
from annotator.annotation.relations import (
    DuplicateRelation,
    RelationInput,
    create_relation,
    delete_relation,
    update_relation,
)
from annotator.annotation.versions import RowEdit
from annotator.errors import Conflict, Invalid
from annotator.models import Project, Relation, RelationDecision, Stance, Statement, User
from annotator.review.adjudication import (
    claim_statement,
    copy_to_gold,
    record_decision,
    source_version,
)
from annotator.review.relation_groups import GoldIndex
from annotator.text.excerpt import excerpt

IN_GOLD = "Gold already holds this relation (same ends, direction and type); nothing was saved."


def missing_ends(session: Session, statement: Statement, relation: Relation) -> list[Stance]:
    """The ends of an annotator's relation that gold has no stance for yet."""
    index = GoldIndex.load(session, statement.id)
    ends = (relation.from_stance, relation.to_stance)
    return [s for s in ends if index.find_id(s.id) is None]


def _quoted(statement: Statement, stance: Stance) -> str:
    return f"“{excerpt(statement.text[stance.start : stance.end], 60)}”"


def _gold_ends(
    session, project, statement, reviewer, relation: Relation, with_ends: bool, reason: str
) -> tuple[int, int]:
    """Gold stance ids for both ends; missing ones accepted with it when ``with_ends``."""
    index = GoldIndex.load(session, statement.id)
    ends = (relation.from_stance, relation.to_stance)
    for stance in ends:
        if index.declined(stance.id):
            raise Conflict(
                f"You rejected the stance {_quoted(statement, stance)} this relation links; "
                "gold has no stance for it, so the relation cannot go into gold. Accept or "
                "edit that stance into gold first. Nothing was saved.",
                field="relation",  # no offer: the reviewer already said no to that end
            )
    missing = [s for s in ends if index.find_id(s.id) is None]
    if missing and not with_ends:
        words = " and ".join(_quoted(statement, s) for s in missing)
        raise Conflict(
            f"This relation's ends are not in gold yet: {words}. Accept them with it, or "
            "decide on those stances first. Nothing was saved.",
            field="ends",
        )
    made = {}
    for stance in missing:
        gold = copy_to_gold(statement, stance)
        session.add(gold)
        session.flush()
        note = f"with relation {relation.id}" + (f": {reason}" if reason else "")
        record_decision(session, project, statement, reviewer, "accept", [stance], gold, note)
        made[stance.id] = gold.id
    return tuple(made.get(s.id) or index.find_id(s.id) for s in ends)


def accept_relation(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User,
    review_version: int,
    relation_id: int,
    version: int,
    *,
    with_ends: bool = False,
    type: str | None = None,
    reverse: bool = False,
    reason: str = "",
) -> Relation:
    """Copy an annotator's relation into gold ("accept"), or with another type or the other
    way round ("edit"); ends not in gold yet come along only with ``with_ends``."""
    source = source_version(session, statement, relation_id, version, Relation)
    claim_statement(session, statement, reviewer, review_version)
    ends = _gold_ends(session, project, statement, reviewer, source, with_ends, reason)
    kind = type or source.type.key
    if reverse:
        ends = ends[::-1]
    edited = reverse or kind != source.type.key
    gold = _make_gold(session, project, statement, reviewer, ends, kind, source.note)
    decision = "edit" if edited else "accept"
    record_decision(
        session, project, statement, reviewer, decision, [source], gold, reason, about=Relation
    )
    return gold


def _make_gold(session, project, statement, reviewer, ends, kind: str, note: str) -> Relation:
    """A gold relation through the relation service (which checks the ends and audits it)."""
    try:
        data = RelationInput(ends[0], ends[1], kind, note)
        return create_relation(session, project, statement, reviewer, data, gold=True)
    except DuplicateRelation:
        raise Conflict(IN_GOLD, field="type") from None


def add_relation(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User,
    review_version: int,
    from_id: int,
    to_id: int,
    type: str,
    reason: str = "",
) -> Relation:
    """A gold relation nobody made, between two gold stances."""
    claim_statement(session, statement, reviewer, review_version)
    gold = _make_gold(session, project, statement, reviewer, (from_id, to_id), type, "")
    record_decision(session, project, statement, reviewer, "add", [], gold, reason, about=Relation)
    return gold


def delete_gold_relation(session: Session, edit: RowEdit, review_version: int) -> Relation:
    """Soft-delete a gold relation at the version shown (audited by the relation service);
    ``edit.user`` is the reviewer, who saw the statement at ``review_version``."""
    claim_statement(session, edit.statement, edit.user, review_version)
    return delete_relation(session, edit, gold=True)


def edit_gold_relation(
    session: Session,
    edit: RowEdit,
    review_version: int,
    *,
    type: str | None = None,
    reverse: bool = False,
    reason: str = "",
) -> Relation:
    """Change a gold relation in place (its type, its direction) at the version shown: 409
    when it changed since, the relation service's audit plus an "edit" decision in the
    history. A change to what gold already holds is refused, as when accepting."""
    claim_statement(session, edit.statement, edit.user, review_version)
    try:  # the relation service's 404 and 409 (a stale version) come before "nothing to change"
        gold = update_relation(session, edit, type=type, reverse=reverse, gold=True)
    except DuplicateRelation:
        raise Conflict(IN_GOLD, field="type") from None
    if gold.version == edit.version:  # the version counts only real changes: none was made
        raise Invalid("Nothing to change: pick another type or reverse it.", field="type")
    record_decision(
        session, edit.project, edit.statement, edit.user, "edit", [], gold, reason, about=Relation
    )
    return gold


# --- unanimous relations ---------------------------------------------------------------------


def _relation_key(relation: Relation, contents: dict[int, tuple]) -> tuple:
    return (contents[relation.from_stance_id], contents[relation.to_stance_id], relation.type_id)


def unanimous_relations(
    session: Session,
    statement: Statement,
    annotators: set[int],
    extra_gold: set[tuple] = frozenset(),
    index_of: Callable[[], GoldIndex] | None = None,
) -> list[list[Relation]]:
    """Relations every annotator made identically (same ends' content, direction and type),
    not yet decided and not in gold, whose ends gold holds (or ``extra_gold`` will hold);
    ``index_of`` gives the statement's GoldIndex when the caller can build it."""
    if len(annotators) < 2:
        return []
    relations = session.scalars(
        select(Relation)
        .where(Relation.statement_id == statement.id, Relation.deleted_at.is_(None))
        .order_by(Relation.id)
    ).all()
    if not relations:
        return []
    index = index_of() if index_of else GoldIndex.load(session, statement.id)
    decided = _decided_relations(session, statement.id)
    gold_keys = Counter(
        (index.contents[r.from_stance_id], index.contents[r.to_stance_id], r.type_id)
        for r in relations
        if r.is_gold
    )
    by_key: dict[tuple, dict[int, list[Relation]]] = defaultdict(lambda: defaultdict(list))
    for r in relations:
        if not r.is_gold and r.annotator_id in annotators:
            by_key[_relation_key(r, index.contents)][r.annotator_id].append(r)
    have = set(index.by_content) | set(extra_gold)
    out = []
    for key, lanes in by_key.items():
        copies = min(len(lanes.get(a, [])) for a in annotators)
        for k in range(copies):
            group = [lanes[a][k] for a in sorted(annotators)]
            if gold_keys[key] > 0:
                gold_keys[key] -= 1
            elif not decided & {r.id for r in group} and {key[0], key[1]} <= have:
                out.append(group)
    return out


def _decided_relations(session: Session, statement_id: int) -> set[int]:
    ids = session.scalars(
        select(RelationDecision.source_relation_ids).where(
            RelationDecision.statement_id == statement_id
        )
    )
    return {rid for row in ids for rid in (row or [])}


def accept_unanimous_relations(
    session: Session, project: Project, statement: Statement, reviewer: User | None, annotators
) -> int:
    """Gold copies of the unanimous relations whose ends are in gold (after the stances)."""
    made = 0
    for group in unanimous_relations(session, statement, annotators):
        index = GoldIndex.load(session, statement.id)
        ends = (index.find_id(group[0].from_stance_id), index.find_id(group[0].to_stance_id))
        if None in ends:
            continue
        rtype = group[0].type
        if rtype.retired or has_live_link(session, *ends, rtype.id):
            continue
        gold = Relation(
            statement_id=statement.id, annotator_id=None, is_gold=True, type=rtype,
            from_stance_id=ends[0], to_stance_id=ends[1], note=group[0].note,
        )  # fmt: skip
        session.add(gold)  # no role check: the CLI runs it without a person (reviewer None)
        session.flush()
        audit_relation(session, reviewer, project, gold, "create")
        record_decision(session, project, statement, reviewer, "auto", group, gold, about=Relation)
        made += 1
    return made


def auto_relations(session: Session, project: Project, scope: dict[int, set[int]], user) -> int:
    """``adjudicate --auto`` for relations: the unanimous ones of every open statement in scope
    that has relations (one query finds them), after its stances went into gold."""
    ids = set(
        session.scalars(
            select(Relation.statement_id)
            .join(Statement, Statement.id == Relation.statement_id)
            .where(Statement.project_id == project.id, Statement.reviewed_at.is_(None))
            .where(Relation.deleted_at.is_(None), Relation.is_gold.is_(False))
            .distinct()
        )
    )
    made = 0
    for sid in sorted(ids & set(scope)):
        statement = session.get(Statement, sid)
        if n := accept_unanimous_relations(session, project, statement, user, scope[sid]):
            claim_statement(session, statement, user, None)
            made += n
    return made
