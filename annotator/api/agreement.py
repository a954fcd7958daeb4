"""Inter-annotator agreement: the same object as ``annotator agreement --json``."""

from __future__ import annotations

from apiflask import Schema

from annotator.api.access import Caller, operation
from annotator.api.schemas import Flag, about
from annotator.extensions import db
from annotator.review.review import hidden_for, visible_names
from annotator.review.stored_agreement import current_agreement

OK = {"application/json": {"schema": {"type": "object", "required": ["n_statements"]}}}


class AgreementQuery(Schema):
    include_unfinished = Flag(**about("Count statements not yet marked done."))
    intervals = Flag(**about("Add 95% bootstrap intervals (200 resamples of statements; slower)."))


@operation(
    "GET",
    "/projects/<slug>/agreement",
    "reviewer",
    "Agreement figures",
    tag="review",
    responses={200: {"description": "Success.", "content": OK}},
    query=AgreementQuery,
)
def agreement(caller: Caller, query: dict) -> dict:
    """Stance and relation agreement, overall, per label or type and per pair; names hidden
    from reviewers on request. The newest stored result when there is one; otherwise computed
    now, up to 10,000 stances (409 above that: store a run first)."""
    project = caller.project
    return current_agreement(
        db.session,
        project,
        lambda: visible_names(db.session, project, caller.role),
        hide=hidden_for(project, caller.role),
        include_unfinished=query.get("include_unfinished", False),
        intervals=query.get("intervals", False),
    )
