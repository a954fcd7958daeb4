"""Adjudication into gold: accept, edit, add, reject, unanimous; every decision is audited.

Concurrency: each decision on a statement carries the ``review_version`` the reviewer saw and
bumps it in one conditional UPDATE, so of two reviewers working from the same page the second
gets a Conflict instead of silently overwriting; gold stances keep their own ``version``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from annotator.actors.registry import resolve_actor, survivor
from annotator.annotation.relation_cascade import delete_stance_relations
from annotator.annotation.rows import CONTENT, RECORD_VALUES, StanceValues, content_key
from annotator.annotation.stances import audit_stance, set_content, stance_snapshot
from annotator.annotation.versions import RowEdit
from annotator.db.audit import record_statement_event
from annotator.errors import Conflict, Invalid, NotFound
from annotator.models import (
    Actor,
    GoldDecision,
    Project,
    Relation,
    RelationDecision,
    Stance,
    Statement,
    User,
    utcnow,
)


@dataclass
class GoldInput(StanceValues):
    """A gold stance as a reviewer's form sends it; actor fields are keys, names or aliases."""

    start: int
    end: int
    label: str
    target: str | None = None
    holder: str | None = None


_CLAIM_FIELDS = ["review_version", "reviewed_at", "reviewed_by_id"]

FINISHED = (
    "The review of this statement is finished, so gold is locked; reopen the review to change "
    "it. Nothing was saved."
)


def claim_statement(
    session: Session, statement: Statement, reviewer: User | None, review_version: int | None
) -> None:
    """Bump the statement's review version if it is still ``review_version``, else Conflict.

    ``None`` skips the check (the CLI works on the current state); the bump still happens so
    pages opened before it become stale. A finished review is locked: Conflict too.
    """
    query = update(Statement).where(Statement.id == statement.id, Statement.reviewed_at.is_(None))
    if review_version is not None:
        query = query.where(Statement.review_version == review_version)
    result = session.execute(_claimed(query))
    if result.rowcount != 1:
        session.refresh(statement)
        if statement.reviewed_at is not None:
            raise Conflict(FINISHED, field="review_version")
        raise Conflict(
            "Another reviewer changed this statement while you were looking at it (you had "
            f"review version {review_version}, it is now {statement.review_version}). Nothing "
            "was saved; the page now shows the current state.",
            field="review_version",
        )
    session.expire(statement, _CLAIM_FIELDS)


def claim_statements(session: Session, statements: list[Statement], reviewer: User | None) -> None:
    """Bump the review version of many statements in one UPDATE (the CLI: nothing to check)."""
    ids = [st.id for st in statements]
    session.execute(_claimed(update(Statement).where(Statement.id.in_(ids))))
    for st in statements:
        session.expire(st, _CLAIM_FIELDS)


def _claimed(query):
    """The UPDATE that records a decision: only the version moves.

    A decision does not mark the statement reviewed; "Finish review" does (review/finish.py),
    so the queue can tell a review in progress from a finished one.
    """
    values = dict(review_version=Statement.review_version + 1)
    return query.values(**values).execution_options(synchronize_session=False)


_NOUN = {Stance: "stance", Relation: "relation"}


def get_version(
    session: Session, statement: Statement, item_id: int, about: type = Stance
) -> Stance | Relation:
    """An annotator's stance (or ``about`` relation) on this statement: what a reviewer starts
    from."""
    item = session.get(about, item_id)
    if item is None or item.statement_id != statement.id or item.is_gold:
        raise NotFound(f"No such annotator {_NOUN[about]} on this statement.")
    return item


def source_version(
    session: Session, statement: Statement, item_id: int, version: int, about: type = Stance
) -> Stance | Relation:
    """A live annotator stance (or ``about`` relation) of this statement at the version the
    reviewer saw."""
    item = get_version(session, statement, item_id, about)
    if item.deleted_at is not None or item.version != version:
        raise Conflict(
            f"The annotator changed or deleted this {_NOUN[about]} after you loaded the page; "
            "nothing was saved. Review the current version.",
            field=_NOUN[about],
        )
    return item


def _gold_exists(session: Session, statement: Statement, key: tuple, exclude: int = 0) -> bool:
    """Whether another live gold stance already has this span, label, target and holder."""
    gold = session.scalars(
        select(Stance).where(
            Stance.statement_id == statement.id,
            Stance.is_gold,
            Stance.deleted_at.is_(None),
            Stance.id != exclude,
        )
    )
    return any(content_key(g) == key for g in gold)


def record_decision(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User | None,
    decision: str,
    sources: list[Stance] | list[Relation],
    gold: Stance | Relation | None,
    reason: str = "",
    *,
    about: type[Stance] | type[Relation] = Stance,
) -> GoldDecision | RelationDecision:
    """Store the decision record and its audit event (with the source versions).

    A decision ``about`` stances is a ``GoldDecision``, audited on the gold stance it made with
    its snapshot (a batch can then flush them together), or on itself when it made none; one
    about relations is a ``RelationDecision``, audited on itself with the gold relation's id
    and type (the relation service audits the gold relation).
    """
    columns = dict(
        statement_id=statement.id,
        reviewer_id=reviewer.id if reviewer else None,
        decision=decision,
        reason=(reason or "").strip(),
    )
    record, entity, details = _decision_row(about, gold, [s.id for s in sources], columns)
    session.add(record)
    on_gold = about is Stance and gold is not None
    if not on_gold:
        session.flush()  # the event points at the record
    entity, entity_id = ("gold_stance", gold.id) if on_gold else (entity, record.id)
    sourced = [{"id": s.id, "version": s.version, "annotator_id": s.annotator_id} for s in sources]
    data = {"decision": decision, "sources": sourced, "reason": record.reason} | details
    record_statement_event(session, reviewer, decision, entity, entity_id, statement, data)
    return record


def _decision_row(about, gold, source_ids: list[int], columns: dict) -> tuple:
    """The (unsaved) decision row of the kind ``about``, the audit entity of such a row, and
    what its event says of the gold."""
    gold_id = gold.id if gold is not None else None
    if about is Relation:
        row = RelationDecision(gold_relation_id=gold_id, source_relation_ids=source_ids, **columns)
        kind = gold.type.key if gold is not None else None
        return row, "relation_decision", {"gold_relation_id": gold_id, "type": kind}
    row = GoldDecision(gold_stance_id=gold_id, source_stance_ids=source_ids, **columns)
    return row, "gold_decision", {"after": stance_snapshot(gold)} if gold is not None else {}


def copy_to_gold(statement: Statement, source: Stance) -> Stance:
    """A new (unsaved) gold stance with the content of an annotator's version."""
    copied = {name: getattr(source, name) for name in (*CONTENT, *RECORD_VALUES)}
    text = statement.text[source.start : source.end]
    return Stance(statement_id=statement.id, annotator_id=None, is_gold=True, text=text, **copied)


def accept_version(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User,
    review_version: int,
    stance_id: int,
    stance_version: int,
    reason: str = "",
) -> Stance:
    """Copy one annotator's stance into gold as it was when the reviewer saw it."""
    source = source_version(session, statement, stance_id, stance_version)
    if _gold_exists(session, statement, content_key(source)):
        raise Invalid("Gold already holds a stance with this span, label, target and holder.")
    claim_statement(session, statement, reviewer, review_version)
    gold = copy_to_gold(statement, source)
    session.add(gold)
    session.flush()
    record_decision(session, project, statement, reviewer, "accept", [source], gold, reason)
    return gold


def _apply(session: Session, project: Project, statement: Statement, gold: Stance, data: GoldInput):
    """Validate a reviewer's gold values and set them on ``gold`` (actors also by name)."""
    span = (data.start, data.end)
    set_content(
        session, project, statement, gold, span, data.label, data.target, data.holder, data,
        find_actor=_actor,
    )  # fmt: skip


def _actor(session: Session, project: Project, text: str | None, field: str) -> Actor | None:
    """An actor by key, name or alias; merged ones resolve to the survivor."""
    if not (text or "").strip():
        return None
    actor = session.scalar(
        select(Actor).where(Actor.project_id == project.id, Actor.key == text.strip())
    )
    actor = survivor(session, actor) if actor is not None else resolve_actor(session, project, text)
    if actor is None or actor.status == "rejected":
        raise Invalid(f"No actor in the registry is called “{text.strip()}”.", field=field)
    return actor


def save_gold(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User,
    review_version: int,
    data: GoldInput,
    *,
    source: tuple[int, int] | None = None,
    reason: str = "",
) -> Stance:
    """A new gold stance: an edited annotator version ("edit") or one nobody made ("add")."""
    sources = [source_version(session, statement, *source)] if source else []
    gold = Stance(statement_id=statement.id, annotator_id=None, is_gold=True)
    _apply(session, project, statement, gold, data)
    if _gold_exists(session, statement, content_key(gold)):
        raise Invalid("Gold already holds a stance with this span, label, target and holder.")
    claim_statement(session, statement, reviewer, review_version)
    gold.guidelines_version = sources[0].guidelines_version if sources else None
    session.add(gold)
    session.flush()
    decision = "edit" if sources else "add"
    record_decision(session, project, statement, reviewer, decision, sources, gold, reason)
    return gold


def reject_versions(
    session: Session,
    project: Project,
    statement: Statement,
    reviewer: User,
    review_version: int,
    versions: list[tuple[int, int]],
    reason: str = "",
    *,
    about: type[Stance] | type[Relation] = Stance,
) -> GoldDecision | RelationDecision:
    """Reject every version of a group of stances (or ``about`` relations): a decision with no
    gold."""
    if not versions:
        raise Invalid(
            f"Nothing to reject: the group has no annotator {_NOUN[about]}s.", field="sources"
        )
    sources = [source_version(session, statement, sid, v, about) for sid, v in versions]
    claim_statement(session, statement, reviewer, review_version)
    return record_decision(
        session, project, statement, reviewer, "reject", sources, None, reason, about=about
    )


def get_gold(session: Session, statement: Statement, gold_id: int) -> Stance:
    """A gold stance of this statement (deleted ones too, for their history)."""
    gold = session.get(Stance, gold_id)
    if gold is None or gold.statement_id != statement.id or not gold.is_gold:
        raise NotFound("No such gold stance on this statement.")
    return gold


def _current_gold(session, edit: RowEdit) -> Stance:
    gold, version = get_gold(session, edit.statement, edit.row_id), edit.version
    if gold.deleted_at is not None:
        raise Conflict("This gold stance was deleted in the meantime.", field="version")
    if gold.version != version:
        raise Conflict(
            f"Another reviewer changed this gold stance (you had version {version}, the stored "
            f"one is {gold.version}). Nothing was overwritten; review the current version.",
            field="version",
        )
    return gold


def update_gold(session: Session, edit: RowEdit, data: GoldInput, reason: str = "") -> Stance:
    """Change a gold stance, refusing (409) a stale ``edit.version``; ``edit.user`` reviews."""
    gold = _current_gold(session, edit)
    before = stance_snapshot(gold)
    _apply(session, edit.project, edit.statement, gold, data)
    if _gold_exists(session, edit.statement, content_key(gold), exclude=gold.id):
        raise Invalid("Gold already holds this stance.", field="start")
    session.flush()
    claim_statement(session, edit.statement, edit.user, None)
    _gold_event(session, edit, gold, "update", before, reason)
    return gold


def delete_gold(session: Session, edit: RowEdit, reason: str = "") -> Stance:
    """Soft-delete a gold stance; the row and the audit log keep it."""
    gold = _current_gold(session, edit)
    gold.deleted_at = utcnow()
    session.flush()
    claim_statement(session, edit.statement, edit.user, None)
    _gold_event(session, edit, gold, "delete", None, reason)
    delete_stance_relations(session, edit.user, edit.project, gold)
    return gold


def _gold_event(session, edit: RowEdit, gold, action, before, reason) -> None:
    extra = {"reason": (reason or "").strip()}
    audit_stance(
        session, edit.user, edit.project, gold, action, before, entity="gold_stance", extra=extra
    )
