"""Suggestions for annotators: store what recommenders propose, list, accept and reject.

A suggestion is nobody's work: agreement, review and export read stances only. Accepting
one creates the annotator's own stance through ``create_stance`` (so every stance rule
holds), marks it with ``origin_suggestion_id`` and records a decision; rejecting records the
decision. Each annotator decides a suggestion once (a unique key, so two tabs give one stance
and a 409) and sees only their own decisions.

What an annotator is shown (``list_suggestions``): suggestions of the statement from enabled
recommenders, at or above the recommender's score threshold; for the span memory and the
classifier only those of the active model version, and for a classifier only while that
version's held-out precision reaches the lead's ``min_precision``; never those the user has
decided, nor those at the span of one of the user's live stances (with overlaps refused by
the project, none overlapping them either); and one per span and label (the highest score).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from annotator.annotation.stances import StanceInput, create_stance, require_assignment
from annotator.db.audit import record_event
from annotator.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from annotator.models import (
    Actor,
    Label,
    Project,
    Recommender,
    RecommenderModel,
    Stance,
    Statement,
    Suggestion,
    SuggestionDecision,
    User,
)

LOCAL_KINDS = ("span_memory", "classifier")  # versioned by training: only the active version


@dataclass(frozen=True)
class SuggestionEdit:
    """What the annotator changes while accepting; None keeps the suggestion's value.

    A new span (``start``, ``end`` and the ``text`` it covers, all three) is the annotator
    selecting again in the accept form: the stance service checks it like any selection.
    """

    label: str | None = None
    target: str | None = None  # a registry key; "" for no target
    holder: str | None = None
    note: str = ""
    start: int | None = None
    end: int | None = None
    text: str | None = None


def _offering(query):
    """``query`` over suggestions limited to those an annotator may be offered, whoever
    they are (see the module docstring)."""
    return (
        query.join(Recommender, Recommender.id == Suggestion.recommender_id)
        .join(Label, Label.id == Suggestion.label_id)
        .outerjoin(
            RecommenderModel,
            and_(
                RecommenderModel.recommender_id == Recommender.id,
                RecommenderModel.version == Recommender.active_version,
            ),
        )
        .where(
            Recommender.enabled,
            ~Label.retired,
            Suggestion.score >= Recommender.threshold,
            or_(
                Recommender.kind.not_in(LOCAL_KINDS),
                Suggestion.model_version == Recommender.active_version,
            ),
            or_(
                Recommender.kind != "classifier",
                Recommender.min_precision.is_(None),
                RecommenderModel.precision >= Recommender.min_precision,
            ),
        )
    )


def _offered():
    """The offered suggestions as models, with label and recommender loaded."""
    return _offering(select(Suggestion)).options(
        joinedload(Suggestion.label), joinedload(Suggestion.recommender)
    )


def list_suggestions(
    session: Session, project: Project, statement: Statement, user: User
) -> list[Suggestion]:
    """The suggestions to show this annotator on this statement, in text order."""
    query = _offered().options(*_ACTORS)
    return _shown(session, project, statement, user, query, lambda q: session.scalars(q).unique())


_TARGET, _HOLDER = aliased(Actor), aliased(Actor)
_ROWS = _offering(
    select(
        Suggestion.id,
        Suggestion.start,
        Suggestion.end,
        Suggestion.text,
        Label.key.label("label_key"),
        Label.name.label("label_name"),
        _TARGET.name.label("target_name"),
        _HOLDER.name.label("holder_name"),
        Suggestion.score,
        Recommender.name.label("recommender"),
        Suggestion.label_id,
    ).select_from(Suggestion)
)
_ROWS = _ROWS.outerjoin(_TARGET, _TARGET.id == Suggestion.target_id).outerjoin(
    _HOLDER, _HOLDER.id == Suggestion.holder_id
)


def list_suggestion_rows(session: Session, project: Project, statement: Statement, user: User):
    """``list_suggestions`` as plain rows (id, start, end, text, label_key, label_name,
    target_name, holder_name, score, recommender, label_id) for the statement page.

    The same rules; only columns are read, no models: loading 200 suggestions with their
    label, actors and recommender as models took most of the page's added time.
    """
    return _shown(session, project, statement, user, _ROWS, lambda q: session.execute(q))


def _shown(session, project, statement, user, query, run) -> list:
    """Apply the per-user rules of ``list_suggestions`` to ``query`` (models or rows)."""
    _check_statement(project, statement)
    require_assignment(session, statement, user, editable=False)
    decided = exists().where(
        SuggestionDecision.suggestion_id == Suggestion.id, SuggestionDecision.user_id == user.id
    )
    query = query.where(
        Suggestion.statement_id == statement.id, Recommender.project_id == project.id, ~decided
    )
    candidates = run(query).all()
    spans = own_spans(session, statement, user)
    if project.allow_overlap:
        spans = set(spans)  # only exact spans are looked up: 200 x 500 list scans took 5 ms
    best: dict[tuple, object] = {}
    for s in candidates:
        if _covered(s, spans, project.allow_overlap):
            continue
        key = (s.start, s.end, s.label_id)
        if key not in best or best[key].score < s.score:
            best[key] = s
    return sorted(best.values(), key=lambda s: (s.start, -s.score, s.end))


_ACTORS = (joinedload(Suggestion.target), joinedload(Suggestion.holder))


def own_spans(session: Session, statement: Statement, user: User) -> list[tuple[int, int]]:
    """The spans of the user's live stances on the statement."""
    rows = session.execute(
        select(Stance.start, Stance.end).where(
            Stance.statement_id == statement.id,
            Stance.annotator_id == user.id,
            Stance.deleted_at.is_(None),
        )
    )
    return [(start, end) for start, end in rows]


def _covered(s, spans: Collection[tuple[int, int]], allow_overlap: bool) -> bool:
    if allow_overlap:
        return (s.start, s.end) in spans
    return any(s.start < end and start < s.end for start, end in spans)


def _check_statement(project: Project, statement: Statement) -> None:
    if statement.project_id != project.id:
        raise NotFound("No such statement in this project.")


def get_suggestion(
    session: Session, project: Project, statement: Statement, suggestion_id: int
) -> Suggestion:
    """A suggestion that may be offered on this statement; NotFound for anything else."""
    _check_statement(project, statement)
    suggestion = session.scalars(
        _offered().where(
            Suggestion.id == suggestion_id,
            Suggestion.statement_id == statement.id,
            Recommender.project_id == project.id,
        )
    ).first()
    if suggestion is None:
        raise NotFound("No such suggestion (it may have been withdrawn).")
    return suggestion


def accept_suggestion(
    session: Session,
    project: Project,
    statement: Statement,
    user: User,
    suggestion_id: int,
    edit: SuggestionEdit | None = None,
) -> Stance:
    """Make the suggestion the user's own stance (optionally edited) and record the decision.

    The decision is written first, so a second accept (another tab) is refused with a 409
    before any stance is made; the stance service then applies every rule of a hand-drawn
    stance (assignment open, label active, target required, overlaps, word snapping).
    """
    require_assignment(session, statement, user)
    suggestion = get_suggestion(session, project, statement, suggestion_id)
    decision = _decide(session, suggestion, user, "accept")
    stance = create_stance(session, project, statement, user, _stance_input(suggestion, edit))
    session.execute(
        Stance.__table__.update()
        .where(Stance.__table__.c.id == stance.id)
        .values(origin_suggestion_id=suggestion.id)
    )  # a plain UPDATE: the provenance is part of the new stance, not an edit (version 1)
    set_committed_value(stance, "origin_suggestion_id", suggestion.id)
    decision.stance_id = stance.id
    session.flush()
    _audit(session, user, project, suggestion, "accept", stance_id=stance.id)
    return stance


def _stance_input(s: Suggestion, edit: SuggestionEdit | None) -> StanceInput:
    edit = edit or SuggestionEdit()
    target = s.target.key if s.target else None
    holder = s.holder.key if s.holder else None
    moved = None not in (edit.start, edit.end, edit.text)
    return StanceInput(
        start=edit.start if moved else s.start,
        end=edit.end if moved else s.end,
        text=edit.text if moved else s.text,
        label=edit.label or s.label.key,
        target=target if edit.target is None else edit.target or None,
        holder=holder if edit.holder is None else edit.holder or None,
        note=edit.note,
    )


def accept_all_above(
    session: Session, project: Project, statement: Statement, user: User, min_score: float
) -> tuple[list[Stance], list[tuple[Suggestion, str]]]:
    """Accept every suggestion shown to the user at or above ``min_score``, highest first.

    Only where the lead allows it (``Project.bulk_accept``). One stance per suggestion, in
    the caller's one transaction; a suggestion the stance rules refuse (say an overlap with
    one just accepted, when the project refuses overlaps, or a label that needs a target the
    model did not give) is rolled back to its savepoint and returned with the reason, left
    for the annotator to decide by hand. Returns (stances made, (suggestion, reason) skipped).
    """
    if not project.bulk_accept:
        raise Forbidden("The project lead has not allowed accepting all suggestions at once.")
    if isinstance(min_score, bool) or not 0 <= min_score <= 1:
        raise Invalid("Give a score from 0 to 1.", field="min_score")
    require_assignment(session, statement, user)
    chosen = [
        s for s in list_suggestions(session, project, statement, user) if s.score >= min_score
    ]
    made, skipped = [], []
    for suggestion in sorted(chosen, key=lambda s: (-s.score, s.start, s.end)):
        try:
            with session.begin_nested():
                made.append(accept_suggestion(session, project, statement, user, suggestion.id))
        except DomainError as exc:
            skipped.append((suggestion, exc.message))
    return made, skipped


def reject_suggestion(
    session: Session, project: Project, statement: Statement, user: User, suggestion_id: int
) -> SuggestionDecision:
    """Record that the user rejects the suggestion; rejecting twice changes nothing."""
    require_assignment(session, statement, user)
    suggestion = get_suggestion(session, project, statement, suggestion_id)
    try:
        decision = _decide(session, suggestion, user, "reject")
    except Conflict as exc:
        if exc.current is not None and exc.current.decision == "reject":
            return exc.current
        raise
    _audit(session, user, project, suggestion, "reject")
    return decision


def _decide(session: Session, suggestion: Suggestion, user: User, kind: str):
    """Insert the decision in a savepoint; an existing one (this user's) is a Conflict."""
    decision = SuggestionDecision(suggestion_id=suggestion.id, user_id=user.id, decision=kind)
    try:
        with session.begin_nested():
            session.add(decision)
    except IntegrityError:
        existing = session.scalar(
            select(SuggestionDecision).where(
                SuggestionDecision.suggestion_id == suggestion.id,
                SuggestionDecision.user_id == user.id,
            )
        )
        done = "accepted" if existing and existing.decision == "accept" else "rejected"
        raise Conflict(f"You already {done} this suggestion.", current=existing) from None
    return decision


def _audit(session, user, project, suggestion: Suggestion, action: str, **data) -> None:
    data = {
        "recommender_id": suggestion.recommender_id,
        "score": suggestion.score,
        "model_version": suggestion.model_version,
        **data,
    }
    record_event(
        session,
        user,
        action,
        "suggestion",
        suggestion.id,
        project_id=project.id,
        statement_id=suggestion.statement_id,
        data=data,
    )


def stance_origins(session: Session, stance_ids: Iterable[int]) -> dict[int, dict]:
    """Stance id -> where it came from, for stances made by accepting a suggestion.

    What an export's ``origin`` field needs: recommender name and kind, model version and
    score. Stances drawn by hand are absent from the result.
    """
    ids = list(stance_ids)
    if not ids:
        return {}
    # Same shape as consensus._stances' query: SQL grammar, see docs/architecture.md.
    rows = session.execute(
        select(
            Stance.id,
            Recommender.name,
            Recommender.kind,
            Suggestion.model_version,
            Suggestion.score,
        )
        .join(Suggestion, Suggestion.id == Stance.origin_suggestion_id)
        .join(Recommender, Recommender.id == Suggestion.recommender_id)
        .where(Stance.id.in_(ids))
    )
    return {
        stance_id: {"recommender": name, "kind": kind, "model_version": version, "score": score}
        for stance_id, name, kind, version, score in rows
    }
