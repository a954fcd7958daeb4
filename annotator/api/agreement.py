"""Inter-annotator agreement: the same object as ``annotator agreement --json``."""

from __future__ import annotations

from apiflask import Schema

from annotator.api.access import Caller, operation
from annotator.api.schemas import Flag, about
from annotator.errors import Conflict
from annotator.extensions import db
from annotator.review.agreement_report import agreement_report, too_big_to_compute_now
from annotator.review.review import visible_names
from annotator.review.stored_agreement import stored_report

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
    names = visible_names(db.session, caller.project, caller.role)
    unfinished, intervals = query.get("include_unfinished", False), query.get("intervals", False)
    report = stored_report(
        db.session, caller.project, names, include_unfinished=unfinished, intervals=intervals
    )
    if report is not None:  # the newest stored run; its "stored" says when and whether stale
        return report
    if (n := too_big_to_compute_now(db.session, caller.project)) is not None:
        raise Conflict(
            f"No stored agreement yet, and this project's {n:,} stances are too many to compute "
            "in a request: press Compute on the agreement page or run `annotator agreement "
            "--store`; this endpoint then returns the stored result."
        )
    return agreement_report(
        db.session,
        caller.project,
        names,
        include_unfinished=query.get("include_unfinished", False),
        intervals=query.get("intervals", False),
    )
