"""Review commands: agreement figures and automatic adjudication of unanimous stances.

An unknown project is an error (exit 1). A project without qualifying statements is not: the
figures are null with the reason in ``notes``, the message goes to stderr and the exit is 0.
"""

from __future__ import annotations

import json

import click

from annotator.agreement.bootstrap import RESAMPLES
from annotator.agreement.relations import METRICS as RELATION_METRICS
from annotator.agreement.stances import METRICS
from annotator.cli.frame import unit_of_work
from annotator.extensions import db
from annotator.projects.projects import get_project
from annotator.review import agreement_jobs
from annotator.review import stored_agreement as stored
from annotator.review.agreement_report import agreement_report
from annotator.review.review import NO_STATEMENT, annotator_names
from annotator.review.unanimous import adjudicate_auto

_UNFINISHED = click.option(
    "--include-unfinished",
    is_flag=True,
    help="Count every statement with live stances from two or more annotators, done or not.",
)


@click.command("agreement")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_UNFINISHED
@click.option(
    "--intervals",
    "resamples",
    type=click.IntRange(1, 10_000),
    default=None,
    help="Add 95% bootstrap intervals over N resamples of statements (the page uses 200).",
)
@click.option(
    "--store",
    is_flag=True,
    help="Recompute the stored result now (as the page's Recompute button), then print it.",
)
@click.option("--fresh", is_flag=True, help="Compute now; ignore the stored result.")
@unit_of_work
def agreement_command(
    project: str,
    as_json: bool,
    include_unfinished: bool,
    resamples: int | None,
    store: bool,
    fresh: bool,
) -> None:
    """Inter-annotator agreement of PROJECT: stances and relations, overall, per label or
    relation type and per annotator pair. Prints the stored result when there is one
    (``--store`` refreshes it, ``--fresh`` skips it)."""
    proj = get_project(db.session, project)
    names = annotator_names(db.session, proj, hide=False)
    if store:
        _store(proj, include_unfinished, resamples)
    result = None if fresh else _stored(proj, names, include_unfinished, resamples)
    if result is None:
        result = _direct(proj, names, include_unfinished, resamples)
    if not result["n_statements"]:
        click.echo(NO_STATEMENT, err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(result))


def _store(proj, include_unfinished: bool, resamples: int | None) -> None:
    """Run a recomputation here and now, progress on stderr; a failure exits with status 1."""
    run = stored.request_run(
        db.session,
        proj,
        None,
        include_unfinished=include_unfinished,
        resamples=RESAMPLES if resamples is None else resamples,
    )
    db.session.commit()
    agreement_jobs.run_now(db.session, run.id)
    db.session.refresh(run)
    if run.state != "done":
        raise click.ClickException(f"agreement run {run.id} {run.state}: {run.error or ''}")
    click.echo(
        f"Stored run {run.id} in {run.seconds:.1f} s: {run.recomputed} statements compared "
        f"afresh, {run.reused} reused.",
        err=True,
    )


def _stored(proj, names, include_unfinished: bool, resamples: int | None) -> dict | None:
    """The stored result, unless other intervals were asked for than it holds."""
    report = stored.stored_report(
        db.session, proj, names, include_unfinished=include_unfinished, intervals=bool(resamples)
    )
    if report is None or (resamples and report["stored"]["resamples"] != resamples):
        return None
    s = report["stored"]
    more = "more than " if s.get("changed_more") else ""
    stale = f"{more}{s['changed_statements']} statements changed since" if s["stale"] else "current"
    click.echo(f"Stored result of {s['computed_at']} (run {s['run']}), {stale}.", err=True)
    return report


def _direct(proj, names, include_unfinished: bool, resamples: int | None) -> dict:
    """The report computed now (the stored result's definition)."""
    return agreement_report(
        db.session,
        proj,
        names,
        include_unfinished=include_unfinished,
        intervals=resamples is not None,
        resamples=resamples or 0,
    )


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def format_table(result: dict) -> str:
    """The figures as fixed-width text tables: project and labels, then pairs, then notes."""
    lines = [f"{result['n_statements']} statements, {result['n_stances']} stances", ""]
    rows = [("project", result)] + list(result["per_label"].items())
    width = max(len(name) for name, _ in rows) + 2
    lines.append("".ljust(width) + " ".join(m.rjust(18) for m in METRICS))
    lines += [
        name.ljust(width) + " ".join(_fmt(r[m]).rjust(18) for m in METRICS) for name, r in rows
    ]
    if result["pairs"]:
        pair_metrics = [m for m in METRICS if m in result["pairs"][0]]
        lines += ["", "pair".ljust(30) + " ".join(m.rjust(18) for m in pair_metrics)]
        for p in result["pairs"]:
            name = f"{p['a']} / {p['b']}"[:29].ljust(30)
            lines.append(name + " ".join(_fmt(p[m]).rjust(18) for m in pair_metrics))
    if "relations" in result:
        lines += ["", *format_relations(result["relations"])]
    if result["notes"]:
        lines += ["", "Notes:"] + [f"  {n}" for n in result["notes"]]
    return "\n".join(lines)


def format_relations(rel: dict) -> list[str]:
    """The relation figures: project and types, then pairs, then their notes."""
    lines = [f"Relations: {rel['n_relations']} on {rel['n_statements']} statements", ""]
    rows = [("project", rel)] + list(rel["per_type"].items())
    width = max(len(name) for name, _ in rows) + 2
    lines.append("".ljust(width) + " ".join(m.rjust(20) for m in RELATION_METRICS))
    lines += [
        name.ljust(width) + " ".join(_fmt(r.get(m)).rjust(20) for m in RELATION_METRICS)
        for name, r in rows
    ]
    if rel["pairs"]:
        lines += ["", "pair".ljust(30) + " ".join(m.rjust(20) for m in RELATION_METRICS)]
        for p in rel["pairs"]:
            name = f"{p['a']} / {p['b']}"[:29].ljust(30)
            lines.append(name + " ".join(_fmt(p[m]).rjust(20) for m in RELATION_METRICS))
    if rel["notes"]:
        lines += ["", "Relation notes:"] + [f"  {n}" for n in rel["notes"]]
    return lines


@click.command("adjudicate")
@click.argument("project")
@click.option("--auto", is_flag=True, help="Accept every unanimous stance into gold.")
@_UNFINISHED
@unit_of_work
def adjudicate_command(project: str, auto: bool, include_unfinished: bool) -> None:
    """Adjudicate PROJECT; only --auto runs from the command line (the rest is on the web)."""
    proj = get_project(db.session, project)
    if not auto:
        raise click.ClickException(
            "Only --auto is available here; adjudicate disagreements on the review pages."
        )
    report = adjudicate_auto(db.session, proj, include_unfinished=include_unfinished)
    click.echo(
        f"Accepted {report.created} unanimous stance(s) and {report.relations} relation(s) "
        f"into gold over {report.statements} statement(s) in scope."
    )


COMMANDS: tuple = (agreement_command, adjudicate_command)
