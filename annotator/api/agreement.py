"""Inter-annotator agreement: the same object as ``annotator agreement --json``."""

from __future__ import annotations

from annotator.api.routing import Call, Param, operation
from annotator.extensions import db
from annotator.review.review import project_agreement, visible_names


@operation(
    "GET", "/projects/{slug}/agreement", "Agreement figures", role="reviewer", tag="review",
    query={
        "include_unfinished": Param(
            {"type": "boolean"}, "Count stances of statements not yet marked done."
        )
    },
    response={"type": "object", "required": ["n_statements"]},
)  # fmt: skip
def agreement(call: Call):
    """Overall, per-label and per-pair agreement; names hidden from reviewers on request."""
    names = visible_names(db.session, call.project, call.role)
    unfinished = call.query.get("include_unfinished", False)
    return project_agreement(db.session, call.project, names, include_unfinished=unfinished)
