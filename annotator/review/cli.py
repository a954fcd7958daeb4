"""Review commands: agreement figures and automatic adjudication of unanimous stances.

An unknown project is an error (exit 1). A project without qualifying statements is not: the
figures are null with the reason in ``notes``, the message goes to stderr and the exit is 0.
"""

from __future__ import annotations

import json

import click

from annotator.agreement.stances import METRICS
from annotator.cli.frame import unit_of_work
from annotator.extensions import db
from annotator.projects.projects import get_project
from annotator.review.review import NO_STATEMENT, annotator_names, project_agreement
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
@unit_of_work
def agreement_command(project: str, as_json: bool, include_unfinished: bool) -> None:
    """Inter-annotator agreement of PROJECT: overall, per label and per annotator pair."""
    proj = get_project(db.session, project)
    names = annotator_names(db.session, proj, hide=False)
    result = project_agreement(db.session, proj, names, include_unfinished=include_unfinished)
    if not result["n_statements"]:
        click.echo(NO_STATEMENT, err=True)
    if as_json:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        click.echo(format_table(result))


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
    if result["notes"]:
        lines += ["", "Notes:"] + [f"  {n}" for n in result["notes"]]
    return "\n".join(lines)


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
