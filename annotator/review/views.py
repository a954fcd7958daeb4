"""The reviewer area: queue, agreement charts, side by side, adjudication forms and history."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from wtforms.fields.choices import SelectChoice

from annotator.agreement.reading import READINGS
from annotator.agreement.relations import METRICS as REL_METRICS
from annotator.agreement.stances import METRICS
from annotator.annotation.relation_types import list_relation_types
from annotator.annotation.rows import (
    EVERY_OWNER,
    VALUE_FIELDS,
    form_data,
    get_stance_row,
    list_stance_rows,
)
from annotator.annotation.versions import RowEdit
from annotator.annotation.workspace import (
    mention_highlights,
    stance_highlights,
    statement_mentions,
)
from annotator.errors import Invalid
from annotator.extensions import db, htmx
from annotator.jobs.state import job_state
from annotator.models import Relation
from annotator.projects.projects import list_labels
from annotator.review import adjudication as adj
from annotator.review import agreement_jobs, agreement_page
from annotator.review import queue_order as qo
from annotator.review import queue_page as qp
from annotator.review import relation_adjudication as radj
from annotator.review import review as rs
from annotator.review import side_by_side as sbs
from annotator.review import stored_agreement as stored
from annotator.review.finish import finish_review, reopen_review, review_state
from annotator.review.forms import (
    AcceptForm,
    DecisionForm,
    GoldDeleteForm,
    GoldForm,
    GoldRelationDeleteForm,
    GoldRelationEditForm,
    RejectForm,
    RelationAddForm,
    RelationForm,
)
from annotator.review.relation_groups import ASPECTS as RELATION_ASPECTS
from annotator.review.relation_groups import GoldIndex, load_relation_groups
from annotator.review.unanimous import accept_unanimous, pending_count
from annotator.roles import Role
from annotator.statements.statements import get_statement
from annotator.text import layout
from annotator.text.spans import locate_quote
from annotator.web.access import project_view
from annotator.web.forms import ConfirmForm, Refused, submit
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
    """Statements whose annotators are all done: by id (each page most disagreement first),
    or the whole queue least stored agreement first (``?order=agreement``)."""
    names = names_for(project)
    label = request.args.get("label") or None
    annotator = request.args.get("annotator", type=db_int)
    order = "agreement" if request.args.get("order") == "agreement" else "id"
    after = request.args.get("after", type=str if order == "agreement" else db_int)
    page = qp.review_queue_page(
        db.session, project, names, label=label, annotator_id=annotator, after=after,
        size=qp.PAGE_SIZE, order=order,
    )  # fmt: skip
    return render_template(
        "review/queue.html",
        project=project,
        page=page,
        rows=page.rows,
        next_after=page.next_after,
        after=after,
        order=order,
        stored=qo.stored_note(db.session, project, count_changes=not after)
        if order == "agreement"
        else None,
        names=names,
        labels=list_labels(db.session, project, include_retired=True),
        label=label,
        annotator=annotator,
    )


@bp.get("/agreement")
@project_view(Role.REVIEWER)
def agreement(project):
    """Agreement figures: the stored result when there is one (says its time and whether
    annotations changed since), else computed now up to ``INLINE_STANCES`` stances (above
    that the page offers Compute); readable tables, bands, intervals, charts."""
    unfinished = request.args.get("include_unfinished") == "1"
    report, too_big = None, None
    try:
        report = stored.current_agreement(
            db.session, project, lambda: names_for(project), hide=rs.hidden_for(project, g.role),
            include_unfinished=unfinished, intervals=True,
        )  # fmt: skip
    except stored.NotComputedYet as exc:
        too_big = exc.stances  # the page offers Compute
    figures = (
        {"page": agreement_page.page_values(report), **agreement_charts(report)} if report else {}
    )
    return render_template(
        "review/agreement.html",
        project=project,
        r=report,
        too_big=too_big,
        unfinished=unfinished,
        **_run_values(stored.current_run(db.session, project, unfinished)),
        form=ConfirmForm(),
        **figures,
    )


@bp.post("/agreement/recompute")
@project_view(Role.REVIEWER)
def recompute_agreement(project):
    """Queue a recomputation of the stored agreement (a run already waiting is reused)."""
    unfinished = request.args.get("include_unfinished") == "1"
    run = submit(ConfirmForm(), lambda: stored.request_run(
        db.session, project, current_user, include_unfinished=unfinished
    ))  # fmt: skip
    if isinstance(run, Refused):
        flash("The form expired; press Recompute again.", "error")
    else:
        agreement_jobs.submit(current_app._get_current_object(), run.id)
        flash(f"Agreement run {run.id} queued.", "info")
    args = {"include_unfinished": 1} if unfinished else {}
    return redirect(url_for(".agreement", slug=project.slug, **args), 303)


@bp.get("/agreement/runs/<int:run_id>")
@project_view(Role.REVIEWER)
def agreement_run(project, run_id: int):
    """One run's progress: what htmx polls every two seconds while it is queued or running."""
    run = stored.get_run(db.session, project, run_id)
    page, fragment = "review/agreement_run.html", "review/_agreement_run.html"
    return page_or_fragment(page, fragment, project=project, **_run_values(run))


def _run_values(run) -> dict:
    """The run for its result and its common job state for the progress panel."""
    return {"run": run, "job": job_state(run) if run is not None else None}


# Up to this many pairs each gets a bar chart; more (a large team) are rows of one table.
CHART_PAIRS = 12


def agreement_charts(report: dict) -> dict:
    """Bar charts per label and per annotator pair (stances), per pair (relations)."""
    rel = report["relations"]
    return {
        "chart_pairs": CHART_PAIRS,
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


def board_context(project, st, error: str | None = None, offer: dict | None = None) -> dict:
    """Template values of the side-by-side page and of its board fragment."""
    view = sbs.load_side_by_side(db.session, st, names_for(project))
    lanes = [lane.annotator_id for lane in view.lanes]
    # Both relation look-ups share one gold index, built (once) only if there are relations.
    index_of = functools.cache(lambda: GoldIndex.of(view.stances, view.decisions))
    stances, relations = pending_count(db.session, view, index_of)
    return dict(
        project=project,
        v=view,
        st=st,
        error=error,
        offer=offer,
        segments=segments(st.text, view.groups),
        group_titles=[group_title(grp) for grp in view.groups],
        percent=PERCENT_METRICS,
        aspects=sbs.ASPECTS,
        lane_names={lane.annotator_id: lane.name for lane in view.lanes},
        reviewers=view.reviewers,
        unanimous=stances + relations,  # what the button will take
        unanimous_parts=(stances, relations),
        rgroups=load_relation_groups(db.session, st.id, view.groups, lanes, index_of),
        raspects=RELATION_ASPECTS,
        rtypes=list_relation_types(db.session, project),
        gold_stances=[(k, s) for k, grp in enumerate(view.groups) for s in grp.gold],
        stance_text={s.id: s.text for grp in view.groups for s in (*grp.sources, *grp.gold)},
        state=review_state(st.reviewed_at, st.review_version),
        token=generate_csrf(),
        u=_urls(project, st),
    )


def _urls(project, st) -> SimpleNamespace:
    """Action URLs built once per page: the board has a form per version.

    As attributes, not a dict: the template reads ``u.accept`` per stance, and Jinja tries an
    attribute before an item, so a dict cost an AttributeError each time.
    """
    ids = dict(slug=project.slug, statement_id=st.id)
    names = ("accept", "reject", "unanimous", "history", "finish", "reopen")
    urls = {name: url_for(f".{name}", **ids) for name in names}
    urls["new"] = url_for(".new_gold", **ids)
    urls["gold"] = url_for(".create_gold", **ids)
    for name in ("accept", "edit", "reject", "add"):
        urls[f"r_{name}"] = url_for(f".relation_{name}", **ids)
    urls["relations"] = url_for(".relation_add", **ids).rsplit("/", 1)[0]
    urls["next"] = url_for(".next_statement", slug=project.slug, after=st.id)
    return SimpleNamespace(**urls)


def group_title(grp) -> str:
    """What the text view says of a group on hover: unanimous, or which aspects differ."""
    if grp.unanimous:
        return "Unanimous"
    what = [aspect for aspect in sbs.ASPECTS if grp.differs.get(aspect)]
    return f"Annotators differ: {', '.join(what)}" if what else "Not unanimous"


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
    """One adjudication through the form loop; a refusal re-shows the board with its status.

    A relation whose ends are not in gold yet comes back with the offer to accept them too.
    """
    st = get_statement(db.session, project, statement_id)
    refused = submit(form, lambda: action(st, form))
    if isinstance(refused, Refused):
        offer = None
        if refused.error is not None and refused.error.field == "ends":
            offer = {"relation": form.relation.data, "reason": form.reason.data or ""}
        return _board(project, st, refused.message, refused.status, offer=offer)
    if htmx:
        return _board(project, st, None, 200, message)
    flash(message, "info")
    return redirect(url_for(".statement", slug=project.slug, statement_id=st.id), 303)


def _board(project, st, error, status, message=None, offer=None):
    db.session.refresh(st)
    ctx = board_context(project, st, error, offer) | {"message": message}
    return page_or_fragment("review/statement.html", "review/_board.html", status, **ctx)


# --- decisions: a table of kinds, one view serves them all ----------------------------------


def _review_version(form, ids: dict) -> tuple:
    return (form.review_version.data,)


def _no_options(form) -> dict:
    return {}


@dataclass(frozen=True)
class Decision:
    """One adjudication route: the form it reads, the service it calls, what the board says.

    Every kind is served by the same view (``_decision_view``): the service gets the session,
    project, statement and reviewer, then ``args`` (made from the valid form and the URL's
    ids) and ``options`` (its keyword arguments). Stance and relation decisions differ only
    in this row. A decision that changes one gold row (``edits_gold``) gets these four as a
    ``RowEdit`` instead, with the URL's ``gold_id`` and the form's version.
    """

    rule: str  # below /s/<statement_id>
    doc: str
    form: type[FlaskForm]
    service: Callable
    message: str
    args: Callable[[FlaskForm, dict], tuple] = _review_version
    options: Callable[[FlaskForm], dict] = _no_options
    edits_gold: bool = False


def _accept_options(form: RelationForm) -> dict:
    return dict(with_ends=form.with_ends.data, reason=form.reason.data)


def _edit_options(form: RelationForm) -> dict:
    return _accept_options(form) | dict(type=form.type.data or None, reverse=form.reverse.data)


def _change_options(form: GoldRelationEditForm) -> dict:
    return dict(type=form.type.data or None, reverse=form.reverse.data, reason=form.reason.data)


DECISIONS = {  # endpoint -> decision; templates and tests name the endpoints
    "accept": Decision(
        "/accept", "Copy one annotator's version into gold.", AcceptForm, adj.accept_version,
        "Version accepted into gold.",
        lambda f, ids: (f.review_version.data, *f.pair(), f.reason.data),
    ),
    "reject": Decision(
        "/reject", "Reject every version of a group.", RejectForm, adj.reject_versions,
        "All versions of the group rejected.",
        lambda f, ids: (f.review_version.data, f.pairs(), f.reason.data),
    ),
    "unanimous": Decision(
        "/unanimous", "Accept every unanimous stance of the statement in one click.",
        DecisionForm, accept_unanimous, "Unanimous stances and relations accepted into gold.",
    ),
    "delete_gold": Decision(
        "/gold/<int:gold_id>/delete", "Soft-delete a gold stance at the version shown.",
        GoldDeleteForm, adj.delete_gold, "Gold stance deleted.",
        lambda f, ids: (f.reason.data,), edits_gold=True,
    ),
    "relation_accept": Decision(
        "/relations/accept",
        "Copy one annotator's relation into gold (its ends too, once the reviewer agreed).",
        RelationForm, radj.accept_relation, "Relation accepted into gold.",
        lambda f, ids: (f.review_version.data, *f.pair()), _accept_options,
    ),
    "relation_edit": Decision(
        "/relations/edit", "A relation into gold with the type and direction the reviewer chose.",
        RelationForm, radj.accept_relation, "Relation edited into gold.",
        lambda f, ids: (f.review_version.data, *f.pair()), _edit_options,
    ),
    "relation_reject": Decision(
        "/relations/reject", "Reject every relation of a group.", RejectForm,
        adj.reject_versions, "All relations of the group rejected.",
        lambda f, ids: (f.review_version.data, f.pairs(), f.reason.data),
        lambda f: {"about": Relation},
    ),
    "relation_add": Decision(
        "/relations/add", "A gold relation nobody made, between two gold stances.",
        RelationAddForm, radj.add_relation, "Relation added to gold.",
        lambda f, ids: (
            f.review_version.data, f.from_stance.data, f.to_stance.data, f.type.data,
            f.reason.data,
        ),
    ),
    "relation_delete": Decision(
        "/relations/<int:gold_id>/delete",
        "Soft-delete a gold relation (``gold_id``: the gold relation's id) at the version shown.",
        GoldRelationDeleteForm, radj.delete_gold_relation, "Gold relation deleted.",
        edits_gold=True,
    ),
    "relation_update": Decision(
        "/relations/<int:gold_id>/update",
        "Change a gold relation in place (type, direction) at the version shown.",
        GoldRelationEditForm, radj.edit_gold_relation, "Gold relation changed.",
        options=_change_options, edits_gold=True,
    ),
    "finish": Decision(
        "/finish", "Mark the statement reviewed: gold is complete (and locked until reopened).",
        DecisionForm, finish_review, "Review finished: the statement is reviewed.",
    ),
    "reopen": Decision(
        "/reopen", "Unlock a finished review so gold can change again.", DecisionForm,
        reopen_review, "Review reopened.",
    ),
}  # fmt: skip


def _decision_view(endpoint: str, kind: Decision) -> Callable:
    """The reviewer's POST view of one decision kind, named after its endpoint."""

    def view(project, statement_id: int, **ids):
        def act(st, form):
            args, options = kind.args(form, ids), kind.options(form)
            if kind.edits_gold:
                edit = _gold_edit(project, st, ids["gold_id"], form)
                return kind.service(db.session, edit, *args, **options)
            return kind.service(db.session, project, st, current_user, *args, **options)

        return _decision(project, statement_id, kind.form(), act, kind.message)

    view.__name__ = view.__qualname__ = endpoint
    view.__doc__ = kind.doc
    return project_view(Role.REVIEWER)(view)


for _endpoint, _kind in DECISIONS.items():
    _rule = f"/s/<int:statement_id>{_kind.rule}"
    bp.add_url_rule(_rule, _endpoint, _decision_view(_endpoint, _kind), methods=["POST"])


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
    """The gold form under the text, which shows the gold stances and actor mentions."""
    rows = [r for r in list_stance_rows(db.session, st.id, EVERY_OWNER) if r.is_gold]
    found, names = statement_mentions(db.session, project, st)
    paragraphs = layout.layout(st.text, stance_highlights(rows) + mention_highlights(found))
    ctx = dict(project=project, st=st, form=form, gold=gold, gold_rows=rows)
    ctx |= dict(paragraphs=paragraphs, actor_names=names)
    return page_or_fragment("review/gold.html", "review/_gold_form.html", status, **ctx)


@bp.get("/s/<int:statement_id>/gold/new")
@project_view(Role.REVIEWER)
def new_gold(project, statement_id: int):
    """The gold form, empty or filled from one annotator's version (``?from=<stance id>``)."""
    st = get_statement(db.session, project, statement_id)
    source_id = request.args.get("from", type=db_int)
    if source_id is None:
        form = gold_form(project, review_version=st.review_version)  # the mouse picks the span
    else:
        source = adj.get_version(db.session, st, source_id)
        form = gold_form(project, **_gold_values(source, st.review_version, True))
    return _gold_page(project, st, form)


@bp.post("/s/<int:statement_id>/gold")
@project_view(Role.REVIEWER)
def create_gold(project, statement_id: int):
    """Save an edited version ("edit") or a stance nobody made ("add") as gold."""
    return _save_gold(project, statement_id, None, lambda st, form, data: adj.save_gold(
        db.session, project, st, current_user, form.review_version.data, data,
        source=form.source_pair(), reason=form.reason.data,
    ))  # fmt: skip


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

    def save(st, form, data):
        edit = _gold_edit(project, st, gold_id, form)
        return adj.update_gold(db.session, edit, data, form.reason.data)

    return _save_gold(project, statement_id, gold_id, save)


def _gold_edit(project, st, gold_id: int, form) -> RowEdit:
    """The reviewer's change to a gold row at the version the form sent (0, never stored: 409)."""
    return RowEdit(project, st, current_user, row_id=gold_id, version=form.version.data or 0)


def _gold_input(form: GoldForm, text: str) -> adj.GoldInput:
    """The service request; typed words, when given, stand for the offsets."""
    start, end = form.start.data, form.end.data
    if form.quote.data:
        found = locate_quote(text, form.quote.data)
        if found is None:
            raise Invalid("These words do not occur in the statement.", field="quote")
        start, end = found
    elif form.text.data and text[start:end] != form.text.data:
        raise Invalid(
            "The selection does not match the statement's text; select the words again.",
            field="quote",
        )
    return adj.GoldInput(
        start=start,
        end=end,
        label=form.label.data,
        target=form.target.data or form.target_q.data,  # a chosen key, else the typed name
        holder=form.holder.data or form.holder_q.data,
        **{name: form[name].data for name in VALUE_FIELDS},
    )


def _save_gold(project, statement_id: int, gold_id: int | None, save):
    """The gold form through the form loop: ``save(statement, form, gold input)``.

    A refusal re-shows the form with its errors; a save goes back to the board.
    """
    st = get_statement(db.session, project, statement_id)
    gold = None if gold_id is None else adj.get_gold(db.session, st, gold_id)
    form = gold_form(project, request.form)
    refused = submit(form, lambda: save(st, form, _gold_input(form, st.text)))
    if isinstance(refused, Refused):
        return _gold_page(project, st, form, gold, refused.status)
    flash("Gold saved.", "info")
    return see_other(url_for(".statement", slug=project.slug, statement_id=st.id))


@bp.get("/s/<int:statement_id>/history")
@project_view(Role.REVIEWER)
def history(project, statement_id: int):
    """Every audited change on the statement: annotators' stances and gold decisions."""
    st = get_statement(db.session, project, statement_id)
    after, size = request.args.get("after", type=db_int), sbs.HISTORY_PAGE
    rows = sbs.list_history(db.session, project, st, names_for(project), after=after, limit=size)
    next_after = rows[-1].event_id if len(rows) == size else None
    return render_template(
        "review/history.html", project=project, st=st, rows=rows, after=after, next_after=next_after
    )


# --- the next statement ------------------------------------------------------------------


@bp.get("/next")
@project_view(Role.REVIEWER)
def next_statement(project):
    """The next statement of the queue (in its order) that is not reviewed yet."""
    after = request.args.get("after", type=db_int)
    statement_id = qp.next_unreviewed(db.session, project, after)
    if statement_id is None:
        flash("No other statement is waiting for review.", "info")
        return redirect(url_for(".queue", slug=project.slug), 303)
    return redirect(url_for(".statement", slug=project.slug, statement_id=statement_id), 303)
