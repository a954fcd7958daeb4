"""The reviewer area: queue, agreement charts, side by side, adjudication forms and history."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from wtforms.fields.choices import SelectChoice

from annotator.actors.registry import list_actors
from annotator.agreement.reading import READINGS
from annotator.agreement.relations import METRICS as REL_METRICS
from annotator.agreement.stances import METRICS
from annotator.annotation.rows import VALUE_FIELDS, form_data, get_stance_row
from annotator.errors import Invalid
from annotator.extensions import db, htmx
from annotator.projects.projects import list_labels
from annotator.review import adjudication as adj
from annotator.review import agreement_page
from annotator.review import review as rs
from annotator.review import side_by_side as sbs
from annotator.review.agreement_report import agreement_report
from annotator.review.forms import AcceptForm, DecisionForm, GoldDeleteForm, GoldForm, RejectForm
from annotator.review.unanimous import accept_unanimous, pending_unanimous
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.text.spans import locate_quote
from annotator.web.access import project_view
from annotator.web.forms import Refused, submit
from annotator.web.htmx import page_or_fragment, see_other
from annotator.web.input_guard import db_int

bp = Blueprint("review", __name__, url_prefix="/p/<slug>/review")

PERCENT_METRICS = ("span_f1_exact", "span_f1_overlap", "target_agreement", "stance_agreement")


def names_for(project) -> dict[int, str]:
    """Annotator names as this viewer may see them: letters for reviewers when hidden."""
    return rs.visible_names(db.session, project, g.role)


@bp.get("/", strict_slashes=False)  # the project page links with the slash
@project_view(Role.REVIEWER)
def queue(project):
    """Statements whose annotators are all done, most disagreement first."""
    names = names_for(project)
    label = request.args.get("label") or None
    annotator = request.args.get("annotator", type=db_int)
    rows = rs.list_review_queue(db.session, project, names, label=label, annotator_id=annotator)
    return render_template(
        "review/queue.html",
        project=project,
        rows=rows,
        names=names,
        labels=list_labels(db.session, project, include_retired=True),
        label=label,
        annotator=annotator,
    )


@bp.get("/agreement")
@project_view(Role.REVIEWER)
def agreement(project):
    """Agreement figures: readable tables with bands and intervals, charts per label and pair."""
    unfinished = request.args.get("include_unfinished") == "1"
    report = agreement_report(
        db.session, project, names_for(project), include_unfinished=unfinished, intervals=True
    )
    return render_template(
        "review/agreement.html",
        project=project,
        r=report,
        page=agreement_page.page_values(report),
        unfinished=unfinished,
        **agreement_charts(report),
    )


def agreement_charts(report: dict) -> dict:
    """Bar charts per label and per annotator pair (stances), per pair (relations)."""
    rel = report["relations"]
    return {
        "label_charts": [(k, named_bars(v, METRICS)) for k, v in report["per_label"].items()],
        "pair_charts": [(_pair(p), named_bars(p, METRICS)) for p in report["pairs"]],
        "relation_pair_charts": [
            (_pair(p), named_bars(p, REL_METRICS)) for p in rel["pairs"] if rel["n_relations"]
        ],
    }


def _pair(p: dict) -> str:
    return f"{p['a']} / {p['b']}"


def named_bars(figures: dict, metrics) -> list[dict]:
    """``bars`` with each figure's readable name."""
    return [b | {"metric": READINGS[b["metric"]].name} for b in bars(figures, metrics)]


def bars(figures: dict, metrics) -> list[dict]:
    """SVG bar geometry for figures in [-1, 1]: width in per cent of the positive half."""
    out = []
    for m in metrics:
        if m not in figures:
            continue
        v = figures[m]
        width = 0 if v is None else round(max(min(v, 1), 0) * 100, 1)
        out.append({"metric": m, "value": v, "width": width, "negative": v is not None and v < 0})
    return out


@bp.get("/s/<int:statement_id>")
@project_view(Role.REVIEWER)
def statement(project, statement_id: int):
    """The statement once, then each annotator's stances in a lane, aligned into groups."""
    st = get_statement(db.session, project, statement_id)
    return render_template("review/statement.html", **board_context(project, st))


def board_context(project, st, error: str | None = None) -> dict:
    """Template values of the side-by-side page and of its board fragment."""
    view = sbs.load_side_by_side(db.session, st, names_for(project))
    return dict(
        project=project,
        v=view,
        st=st,
        error=error,
        segments=segments(st.text, view.groups),
        percent=PERCENT_METRICS,
        aspects=sbs.ASPECTS,
        lane_names={lane.annotator_id: lane.name for lane in view.lanes},
        reviewers=view.reviewers,
        unanimous=len(pending_unanimous(db.session, project, st)),  # what the button will take
        token=generate_csrf(),
        u=_urls(project, st),
    )


def _urls(project, st) -> dict[str, str]:
    """Action URLs built once per page: the board has a form per version."""
    ids = dict(slug=project.slug, statement_id=st.id)
    names = ("accept", "reject", "unanimous", "history")
    urls = {name: url_for(f".{name}", **ids) for name in names}
    urls["new"] = url_for(".new_gold", **ids)
    urls["gold"] = url_for(".create_gold", **ids)
    return urls


def segments(text: str, groups: list) -> list[tuple[str, int | None]]:
    """The text cut at group boundaries: (text, group number or None)."""
    out, pos = [], 0
    for k, grp in enumerate(groups):
        if grp.start > pos:
            out.append((text[pos : grp.start], None))
        out.append((text[grp.start : grp.end], k))
        pos = grp.end
    return out + ([(text[pos:], None)] if pos < len(text) else [])


def _decision(project, statement_id: int, form, action, message: str):
    """One adjudication through the form loop; a refusal re-shows the board with its status."""
    st = get_statement(db.session, project, statement_id)
    refused = submit(form, lambda: action(st, form))
    if isinstance(refused, Refused):
        return _board(project, st, refused.message, refused.status)
    if htmx:
        return _board(project, st, None, 200, message)
    flash(message, "info")
    return redirect(url_for(".statement", slug=project.slug, statement_id=st.id), 303)


def _board(project, st, error, status, message=None):
    db.session.refresh(st)
    ctx = board_context(project, st, error) | {"message": message}
    return page_or_fragment("review/statement.html", "review/_board.html", status, **ctx)


@bp.post("/s/<int:statement_id>/accept")
@project_view(Role.REVIEWER)
def accept(project, statement_id: int):
    """Copy one annotator's version into gold."""
    form = AcceptForm()
    return _decision(
        project,
        statement_id,
        form,
        lambda st, f: adj.accept_version(
            db.session, project, st, current_user, f.review_version.data, *f.pair(), f.reason.data
        ),
        "Version accepted into gold.",
    )


@bp.post("/s/<int:statement_id>/reject")
@project_view(Role.REVIEWER)
def reject(project, statement_id: int):
    """Reject every version of a group."""
    form = RejectForm()
    return _decision(
        project,
        statement_id,
        form,
        lambda st, f: adj.reject_versions(
            db.session, project, st, current_user, f.review_version.data, f.pairs(), f.reason.data
        ),
        "All versions of the group rejected.",
    )


@bp.post("/s/<int:statement_id>/unanimous")
@project_view(Role.REVIEWER)
def unanimous(project, statement_id: int):
    """Accept every unanimous stance of the statement in one click."""
    return _decision(
        project,
        statement_id,
        DecisionForm(),
        lambda st, f: accept_unanimous(
            db.session, project, st, current_user, f.review_version.data
        ),
        "Unanimous stances accepted into gold.",
    )


# --- gold stance forms -----------------------------------------------------------------------


def gold_form(project, formdata=None, **data) -> GoldForm:
    """A gold form whose label choices are the project's active labels."""
    form = GoldForm(formdata=formdata, **data)
    labels = list_labels(db.session, project)
    form.label.choices = [SelectChoice(lab.key, lab.name) for lab in labels]
    return form


def _gold_values(stance, review_version: int, source: bool) -> dict:
    """The gold form's values: a version to start from (``source``) or a gold stance."""
    row = get_stance_row(db.session, stance.id)
    return form_data(row) | dict(
        review_version=review_version,
        source=f"{row.id}:{row.version}" if source else "",
        version=None if source else row.version,
    )


def _gold_page(project, st, form, gold=None, status=200):
    ctx = dict(project=project, st=st, form=form, gold=gold)
    ctx["actors"] = list_actors(db.session, project, status="approved")
    return page_or_fragment("review/gold.html", "review/_gold_form.html", status, **ctx)


@bp.get("/s/<int:statement_id>/gold/new")
@project_view(Role.REVIEWER)
def new_gold(project, statement_id: int):
    """The gold form, empty or filled from one annotator's version (``?from=<stance id>``)."""
    st = get_statement(db.session, project, statement_id)
    source_id = request.args.get("from", type=db_int)
    if source_id is None:
        form = gold_form(project, review_version=st.review_version, start=0, end=len(st.text))
    else:
        source = adj.get_version(db.session, st, source_id)
        form = gold_form(project, **_gold_values(source, st.review_version, True))
    return _gold_page(project, st, form)


@bp.post("/s/<int:statement_id>/gold")
@project_view(Role.REVIEWER)
def create_gold(project, statement_id: int):
    """Save an edited version ("edit") or a stance nobody made ("add") as gold."""
    st = get_statement(db.session, project, statement_id)
    form = gold_form(project, request.form)
    return _save_gold(
        project,
        st,
        form,
        None,
        lambda: adj.save_gold(
            db.session,
            project,
            st,
            current_user,
            form.review_version.data,
            _gold_input(form, st.text),
            source=form.source_pair(),
            reason=form.reason.data,
        ),
    )


@bp.get("/s/<int:statement_id>/gold/<int:gold_id>/edit")
@project_view(Role.REVIEWER)
def edit_gold(project, statement_id: int, gold_id: int):
    """The gold form filled with a gold stance's current values and version."""
    st = get_statement(db.session, project, statement_id)
    gold = adj.get_gold(db.session, st, gold_id)
    return _gold_page(
        project, st, gold_form(project, **_gold_values(gold, st.review_version, False)), gold
    )


@bp.post("/s/<int:statement_id>/gold/<int:gold_id>")
@project_view(Role.REVIEWER)
def update_gold(project, statement_id: int, gold_id: int):
    """Save a gold edit; a stale gold version answers 409."""
    st = get_statement(db.session, project, statement_id)
    gold = adj.get_gold(db.session, st, gold_id)
    form = gold_form(project, request.form)
    return _save_gold(
        project,
        st,
        form,
        gold,
        lambda: adj.update_gold(
            db.session,
            project,
            st,
            current_user,
            gold_id,
            form.version.data or 0,
            _gold_input(form, st.text),
            form.reason.data,
        ),
    )


@bp.post("/s/<int:statement_id>/gold/<int:gold_id>/delete")
@project_view(Role.REVIEWER)
def delete_gold(project, statement_id: int, gold_id: int):
    """Soft-delete a gold stance at the version shown."""
    form = GoldDeleteForm()
    return _decision(
        project,
        statement_id,
        form,
        lambda st, f: adj.delete_gold(
            db.session, project, st, current_user, gold_id, f.version.data, f.reason.data
        ),
        "Gold stance deleted.",
    )


def _gold_input(form: GoldForm, text: str) -> adj.GoldInput:
    """The service request; typed words, when given, stand for the offsets."""
    start, end = form.start.data, form.end.data
    if form.quote.data:
        found = locate_quote(text, form.quote.data)
        if found is None:
            raise Invalid("These words do not occur in the statement.", field="quote")
        start, end = found
    return adj.GoldInput(
        start=start,
        end=end,
        label=form.label.data,
        target=form.target.data,
        holder=form.holder.data,
        **{name: form[name].data for name in VALUE_FIELDS},
    )


def _save_gold(project, st, form, gold, call):
    refused = submit(form, call)
    if isinstance(refused, Refused):
        return _gold_page(project, st, form, gold, refused.status)
    flash("Gold saved.", "info")
    return see_other(url_for(".statement", slug=project.slug, statement_id=st.id))


@bp.get("/s/<int:statement_id>/history")
@project_view(Role.REVIEWER)
def history(project, statement_id: int):
    """Every audited change on the statement: annotators' stances and gold decisions."""
    st = get_statement(db.session, project, statement_id)
    rows = sbs.list_history(db.session, project, st, names_for(project))
    return render_template("review/history.html", project=project, st=st, rows=rows)
