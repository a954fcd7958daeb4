"""The lead's recommender page: add, edit, switch, delete; figures; jobs with live progress.

Routes on the ``lead`` blueprint (the lead's pages). "Train now" and "Run on statements"
only record a job and put it on the queue after the commit: training never runs in a
request. While a job is queued or running, its panel polls itself every two seconds
(htmx), so the progress bar moves without client state.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import current_user

from annotator.extensions import db
from annotator.projects.views import P, bp, page
from annotator.roles import Role
from annotator.suggestions import jobs as job_service
from annotator.suggestions import recommenders as service
from annotator.suggestions.lead_forms import RecommenderForm
from annotator.suggestions.status import recommender_status
from annotator.web.access import project_view
from annotator.web.forms import ConfirmForm, Refused, flash_errors, press, submit
from annotator.web.htmx import page_or_fragment

R = f"{P}/recommenders"


# View opening like labels (a lead editor's page), see docs/architecture.md.
@bp.get(R)
@project_view(Role.LEAD)
def recommenders(project):
    """Every recommender with its figures and jobs, and a form to add one."""
    return _page(project)


def _page(project, form=None, status=200):
    return page(
        "recommenders.html", status, project=project, nav="recommenders",
        rows=recommender_status(db.session, project, current_user),
        form=form or RecommenderForm(), confirm=ConfirmForm(),
    )  # fmt: skip


@bp.post(R)
@project_view(Role.LEAD)
def add_recommender(project):
    """Add a recommender of the chosen kind."""
    form = RecommenderForm()
    made = submit(form, lambda: service.create_recommender(
        db.session, project, current_user, form.to_input(form.kind.data, creating=True)
    ))  # fmt: skip
    if isinstance(made, Refused):
        return _page(project, form=form, status=made.status)
    flash(f"Added recommender {form.name.data}.", "info")
    return redirect(url_for(".recommenders", slug=project.slug), 303)


@bp.route(f"{R}/<int:rid>", methods=["GET", "POST"])
@project_view(Role.LEAD)
def edit_recommender(project, rid: int):
    """Rename, switch on or off, thresholds, settings and token of one recommender."""
    recommender = service.get_recommender(db.session, project, rid)
    form = RecommenderForm()
    if not form.is_submitted():
        form.fill(recommender)
    form.kind.data = recommender.kind  # never changes
    saved = submit(form, lambda: service.update_recommender(
        db.session, project, current_user, recommender,
        form.to_input(recommender.kind, creating=False),
    ))  # fmt: skip
    if not isinstance(saved, Refused):
        flash(f"Saved recommender {form.name.data}.", "info")
        return redirect(url_for(".recommenders", slug=project.slug), 303)
    return page(
        "recommender.html", saved.status, project=project, nav="recommenders",
        recommender=service.describe_recommender(recommender), form=form,
    )  # fmt: skip


@bp.post(f"{R}/<int:rid>/delete")
@project_view(Role.LEAD)
def delete_recommender(project, rid: int):
    """Remove a recommender whose suggestions nobody decided (else: switch it off)."""
    recommender = service.get_recommender(db.session, project, rid)
    done = f"Removed recommender {recommender.name}."
    return press(ConfirmForm(), lambda: service.delete_recommender(
        db.session, project, current_user, recommender
    ), done, url_for(".recommenders", slug=project.slug))  # fmt: skip


@bp.post(f"{R}/<int:rid>/train")
@project_view(Role.LEAD)
def train_recommender(project, rid: int):
    """Train now: a training job (then predictions on open statements), never in the request."""
    return _enqueue(project, rid, "train")


@bp.post(f"{R}/<int:rid>/run")
@project_view(Role.LEAD)
def run_recommender(project, rid: int):
    """Run on statements: predictions on every statement with an open assignment."""
    return _enqueue(project, rid, "predict")


def _enqueue(project, rid: int, kind: str):
    """Record the job, commit, then hand it to the queue (a job already waiting is reused)."""
    recommender = service.get_recommender(db.session, project, rid)
    form = ConfirmForm()
    job = submit(form, lambda: job_service.request_job(
        db.session, project, kind, recommender=recommender, user=current_user
    ))  # fmt: skip
    if not isinstance(job, Refused):
        _queue(job.id)
        flash(f"Job {job.id} queued: {kind} {recommender.name}.", "info")
    flash_errors(form)
    return redirect(url_for(".recommenders", slug=project.slug) + f"#rec-{rid}", 303)


def _queue(job_id: int) -> None:
    from annotator.suggestions import tasks  # huey: loaded by the views that use it

    tasks.submit(current_app._get_current_object(), job_id)


@bp.get(f"{R}/<int:rid>/jobs")
@project_view(Role.LEAD)
def recommender_jobs(project, rid: int):
    """One recommender's jobs panel: what htmx polls while a job is queued or running."""
    service.get_recommender(db.session, project, rid)
    row = next(r for r in recommender_status(db.session, project, current_user) if r["id"] == rid)
    return page_or_fragment(
        "lead/recommender_jobs.html", "lead/_recommender_jobs.html",
        project=project, nav="recommenders", row=row,
    )  # fmt: skip
