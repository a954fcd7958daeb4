"""Suggestions of a statement: list (what this annotator may see), accept (optionally
edited) and reject; and the recommenders' status for leads.

Same roles as stances: the statement must be assigned to the caller (403/404 otherwise).
Listing records what was shown (``note_shown``: the acceptance rate's denominator), so the
GET commits that one INSERT. A second accept of one suggestion is a 409 with the stance the
first made as ``current``: one stance, never two.
"""

from __future__ import annotations

from apiflask import Schema, fields
from apiflask.validators import Length

from annotator.api.access import Caller, operation
from annotator.api.schemas import Out, StanceOut, Text, about, stance_json
from annotator.api.stances import stance_response
from annotator.errors import Conflict
from annotator.extensions import db
from annotator.models import Stance, SuggestionDecision
from annotator.statements.statements import get_statement, statement_and_holder
from annotator.suggestions import suggestions as service
from annotator.suggestions.shown import note_shown
from annotator.suggestions.status import recommender_status

BASE = "/projects/<slug>/statements/<int:statement_id>/suggestions"


class SuggestionOut(Out):
    id = fields.Integer()
    start = fields.Integer(**about("First code point of the span."))
    end = fields.Integer(**about("Code point after the span (end-exclusive)."))
    text = fields.String()
    label = fields.String(**about("A label key."))
    target = fields.String(allow_none=True, **about("Actor key."))
    holder = fields.String(allow_none=True, **about("Actor key."))
    score = fields.Float(**about("0-1: how sure the recommender is."))
    recommender = fields.String(**about("The recommender's name."))
    kind = fields.String(**about("span_memory, classifier, external or file."))
    model_version = fields.String()


class SuggestionList(Out):
    items = fields.List(fields.Nested(SuggestionOut))


class AcceptEdit(Schema):
    label = Text(validate=Length(max=40), **about("Another label key instead of the suggested."))
    target = Text(
        allow_none=True, validate=Length(max=80), **about("Actor key; empty for no target.")
    )
    holder = Text(
        allow_none=True, validate=Length(max=80), **about("Actor key; empty for the default.")
    )
    note = Text(validate=Length(max=10_000))


class Decision(Out):
    suggestion_id = fields.Integer()
    decision = fields.String(**about("accept or reject"))
    stance_id = fields.Integer(allow_none=True)


def suggestion_item(s) -> dict:
    """A suggestion as the API shows it: label and actors by key, as stances are."""
    return {
        "id": s.id,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "label": s.label.key,
        "target": s.target.key if s.target else None,
        "holder": s.holder.key if s.holder else None,
        "score": s.score,
        "recommender": s.recommender.name,
        "kind": s.recommender.kind,
        "model_version": s.model_version,
    }


@operation("GET", BASE, "annotator", "List suggestions of a statement", output=SuggestionList)
def list_suggestions(caller: Caller, statement_id: int) -> dict:
    """Suggestions you may take on a statement assigned to you, in text order: not those you
    decided, not those at your own stances' spans; others' decisions are never visible."""
    st = get_statement(db.session, caller.project, statement_id)
    found = service.list_suggestions(db.session, caller.project, st, caller.user)
    items = [suggestion_item(s) for s in found]
    note_shown(db.session, caller.user, found)
    db.session.commit()
    return {"items": items}


@operation("POST", BASE + "/<int:suggestion_id>/accept", "annotator", "Accept a suggestion",
           body=AcceptEdit, output=StanceOut, status_code=201)  # fmt: skip
def accept_suggestion(caller: Caller, statement_id: int, suggestion_id: int, body: dict):
    """Make the suggestion your stance, with the edits given (send ``{}`` for none); 409 with
    ``current`` (the stance) when you already accepted it."""
    st = statement_and_holder(db.session, caller.project, statement_id)
    edit = service.SuggestionEdit(**body)
    try:
        stance = service.accept_suggestion(
            db.session, caller.project, st, caller.user, suggestion_id, edit
        )
    except Conflict as exc:
        raise _with_stance(exc) from None
    return stance_response(stance_json(stance), 201)


@operation("POST", BASE + "/<int:suggestion_id>/reject", "annotator", "Reject a suggestion",
           output=Decision)  # fmt: skip
def reject_suggestion(caller: Caller, statement_id: int, suggestion_id: int) -> dict:
    """Not shown to you again; rejecting twice is fine, rejecting what you accepted is a 409."""
    st = get_statement(db.session, caller.project, statement_id)
    try:
        decision = service.reject_suggestion(
            db.session, caller.project, st, caller.user, suggestion_id
        )
    except Conflict as exc:
        raise _with_stance(exc) from None
    return {"suggestion_id": suggestion_id, "decision": decision.decision, "stance_id": None}


def _with_stance(exc: Conflict) -> Conflict:
    """The decision conflict with the stance an earlier accept made as ``current``."""
    current = exc.current
    stance = None
    if isinstance(current, SuggestionDecision) and current.stance_id is not None:
        stance = db.session.get(Stance, current.stance_id)
    return Conflict(exc.message, field=exc.field, current=stance)


class ModelFigures(Out):
    version = fields.String()
    trained_at = fields.String(allow_none=True)
    training_size = fields.Integer()
    precision = fields.Float(allow_none=True, **about("Held-out precision."))
    recall = fields.Float(allow_none=True, **about("Held-out recall."))
    baseline_precision = fields.Float(allow_none=True)


class Acceptance(Out):
    accepted = fields.Integer(allow_none=True)
    rejected = fields.Integer(allow_none=True)
    ignored = fields.Integer(allow_none=True)
    shown = fields.Integer(allow_none=True)
    acceptance_rate = fields.Float(allow_none=True, **about("accepted / shown"))


class RunTotals(Out):
    statements = fields.Integer()
    stored = fields.Integer()
    dropped = fields.Integer(**about("Items a model answered that failed the checks."))


# Same shape as api/schemas.py's: a declaration of fields, see docs/architecture.md.
class JobOut(Out):
    id = fields.Integer()
    kind = fields.String()
    state = fields.String()
    recommender_id = fields.Integer(allow_none=True)
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    counts = fields.Dict()
    error = fields.String(allow_none=True)
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)


# Same shape as RelationOut: a declaration of fields, see docs/architecture.md.
class RecommenderStatus(Out):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    enabled = fields.Boolean()
    threshold = fields.Float()
    min_precision = fields.Float(allow_none=True)
    settings = fields.Dict()
    has_token = fields.Boolean(**about("Whether a token is set; the token is never shown."))
    active_version = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_error_at = fields.String(allow_none=True)
    model = fields.Nested(ModelFigures, allow_none=True)
    acceptance = fields.Nested(Acceptance)
    runs = fields.Nested(RunTotals)
    jobs = fields.List(fields.Nested(JobOut))
    busy = fields.Boolean(**about("A job is queued or running."))


class RecommenderStatusList(Out):
    items = fields.List(fields.Nested(RecommenderStatus))


@operation("GET", "/projects/<slug>/recommenders", "lead", "Recommenders and their figures",
           output=RecommenderStatusList)  # fmt: skip
def list_recommenders(caller: Caller) -> dict:
    """Each recommender: settings (never the token), training, held-out figures, acceptance,
    dropped items, the last error and the latest jobs."""
    return {"items": recommender_status(db.session, caller.project, caller.user)}
