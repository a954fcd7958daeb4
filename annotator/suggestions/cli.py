"""``annotator suggest ...``: thin commands over the suggestion services.

Training and prediction run in the foreground by default (the job is recorded all the same,
so the lead's page shows it); ``--queue`` hands them to the workers instead.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from flask import current_app

from annotator.cli.frame import options, unit_of_work
from annotator.extensions import db
from annotator.projects.assignments import get_statement_ref
from annotator.projects.projects import get_project
from annotator.suggestions.file_import import import_suggestions
from annotator.suggestions.jobs import describe_job, list_jobs, request_job
from annotator.suggestions.recommenders import (
    RecommenderInput,
    create_recommender,
    delete_recommender,
    describe_recommender,
    get_recommender,
    list_recommenders,
    update_recommender,
)
from annotator.suggestions.stats import suggestion_stats


@click.group("suggest")
def suggest_group() -> None:
    """Model suggestions: recommenders, training, predictions, imports and figures."""


def _settings(pairs: tuple[str, ...]) -> dict:
    """``key=value`` pairs, the value read as JSON when it parses (numbers, true/false)."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--set")
        try:
            settings[key.strip()] = json.loads(value)
        except ValueError:
            settings[key.strip()] = value
    return settings


def _token(env_name: str | None) -> str | None:
    if env_name is None:
        return None
    if env_name not in os.environ:
        raise click.ClickException(f"The environment variable {env_name} is not set.")
    return os.environ[env_name]


# The recommender settings that add and set both take.
_common = options(
    click.option("--threshold", type=float, help="Lowest score shown (0-1)."),
    click.option("--min-precision", type=float, help="Classifiers: held-out precision needed."),
    click.option(
        "--set",
        "pairs",
        multiple=True,
        metavar="KEY=VALUE",
        help="A setting (url, timeout, batch_size, webhooks, retrain_every, ...).",
    ),
    click.option(
        "--token-env",
        metavar="VAR",
        help="Read the model server's token from this environment variable.",
    ),
)


@suggest_group.command("add")
@click.argument("project")
@click.argument("name")
@click.option(
    "--kind", required=True, type=click.Choice(["span_memory", "classifier", "external", "file"])
)
@_common
@unit_of_work
def add_command(project, name, kind, threshold, min_precision, pairs, token_env) -> None:
    """Add recommender NAME to PROJECT."""
    proj = get_project(db.session, project)
    data = RecommenderInput(
        name=name,
        kind=kind,
        threshold=threshold,
        settings=_settings(pairs),
        min_precision=min_precision,
        token=_token(token_env),
    )
    recommender = create_recommender(db.session, proj, None, data)
    click.echo(f"Added {recommender.kind} recommender '{recommender.name}'.")


@suggest_group.command("set")
@click.argument("project")
@click.argument("name")
@click.option("--enable/--disable", default=None)
@_common
@unit_of_work
def set_command(project, name, enable, threshold, min_precision, pairs, token_env) -> None:
    """Change recommender NAME of PROJECT."""
    proj = get_project(db.session, project)
    recommender = get_recommender(db.session, proj, name)
    data = RecommenderInput(
        enabled=enable,
        threshold=threshold,
        min_precision=min_precision,
        settings=_settings(pairs),
        token=_token(token_env),
    )
    update_recommender(db.session, proj, None, recommender, data)
    click.echo(f"Updated '{recommender.name}'.")


# Same shape as labels delete, tokens revoke: click declarations, see docs/architecture.md.
@suggest_group.command("remove")
@click.argument("project")
@click.argument("name")
@unit_of_work
def remove_command(project: str, name: str) -> None:
    """Remove recommender NAME (refused once annotators decided its suggestions)."""
    proj = get_project(db.session, project)
    delete_recommender(db.session, proj, None, get_recommender(db.session, proj, name))
    click.echo(f"Removed '{name}'.")


@suggest_group.command("list")
@click.argument("project")
@unit_of_work
def list_command(project: str) -> None:
    """The recommenders of PROJECT as JSON lines (tokens are never printed)."""
    proj = get_project(db.session, project)
    for recommender in list_recommenders(db.session, proj):
        click.echo(json.dumps(describe_recommender(recommender), ensure_ascii=False))


def _run(proj, kind: str, recommender, params: dict, queued: bool) -> None:
    from annotator.jobs.queue import queue_address  # huey: imported by the commands that use it
    from annotator.suggestions import tasks

    app = current_app._get_current_object()
    job = request_job(db.session, proj, kind, recommender=recommender, params=params)
    db.session.commit()
    if queued:
        tasks.submit(app, job.id)
        click.echo(f"Job {job.id} queued ({queue_address(app)}).")
        return
    tasks.execute(app, job.id)
    db.session.expire_all()
    done = describe_job(db.session.merge(job))
    click.echo(json.dumps(done, ensure_ascii=False))
    if done["state"] == "failed":
        raise click.ClickException(done["error"] or "the job failed")


_QUEUE = click.option("--queue", "queued", is_flag=True, help="Leave it to the workers.")


@suggest_group.command("train")
@click.argument("project")
@click.option("--recommender", "name", help="One recommender (default: every trainable one).")
@_QUEUE
@unit_of_work
def train_command(project: str, name: str | None, queued: bool) -> None:
    """Train PROJECT's span memory and classifier on its stances, then predict open statements."""
    proj = get_project(db.session, project)
    chosen = (
        [get_recommender(db.session, proj, name)]
        if name
        else [
            r
            for r in list_recommenders(db.session, proj)
            if r.enabled and r.kind in ("span_memory", "classifier")
        ]
    )
    if not chosen:
        raise click.ClickException("No trainable recommender: add a span_memory or classifier.")
    for recommender in chosen:
        _run(proj, "train", recommender, {}, queued)


@suggest_group.command("run")
@click.argument("project")
@click.option("--recommender", "name", help="One recommender (default: every usable one).")
@click.option("--statement", "refs", multiple=True, help="External id or #id (repeatable).")
@click.option("--force", is_flag=True, help="Run again where this version already ran.")
@_QUEUE
@unit_of_work
def run_command(project: str, name, refs, force: bool, queued: bool) -> None:
    """Predict suggestions on PROJECT's open statements (or the named ones)."""
    proj = get_project(db.session, project)
    recommender = get_recommender(db.session, proj, name) if name else None
    params: dict = {"force": True} if force else {}
    if refs:
        params["statements"] = [get_statement_ref(db.session, proj, r).id for r in refs]
    _run(proj, "predict", recommender, params, queued)


@suggest_group.command("import")
@click.argument("project")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--recommender",
    "name",
    default="import",
    show_default=True,
    help="The file recommender to store them under (made if new).",
)
@unit_of_work
def import_command(project: str, file: Path, name: str) -> None:
    """Import predictions (JSONL stance records with score and model) into PROJECT."""
    proj = get_project(db.session, project)
    with file.open(encoding="utf-8", newline="") as fh:
        report = import_suggestions(db.session, proj, fh, file=file.name, recommender_name=name)
    click.echo(
        f"Imported {report.stored} new suggestions from {report.lines} lines "
        f"({report.statements} statements) into '{report.recommender}'."
    )


@suggest_group.command("stats")
@click.argument("project")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@unit_of_work
def stats_command(project: str, as_json: bool) -> None:
    """Acceptance of suggestions in PROJECT by recommender and annotator."""
    stats = suggestion_stats(db.session, get_project(db.session, project))
    if as_json:
        click.echo(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{'recommender':24} {'annotator':16} {'shown':>7} {'accepted':>8} "
        f"{'rejected':>8} {'ignored':>7} {'rate':>6}"
    )
    rows = [{**r, "annotator": "(all)"} for r in stats["recommenders"]] + stats["annotators"]
    for r in rows:
        rate = "—" if r["acceptance_rate"] is None else f"{r['acceptance_rate']:.2f}"
        click.echo(
            f"{r['recommender'][:24]:24} {r['annotator'][:16]:16} {r['shown']:>7} "
            f"{r['accepted']:>8} {r['rejected']:>8} {r['ignored']:>7} {rate:>6}"
        )
    click.echo(f"\n{stats['shown']}")


@suggest_group.command("jobs")
@click.argument("project")
@click.option("--limit", default=20, show_default=True)
@unit_of_work
def jobs_command(project: str, limit: int) -> None:
    """PROJECT's latest suggestion jobs as JSON lines, newest first."""
    for job in list_jobs(db.session, get_project(db.session, project), limit):
        click.echo(json.dumps(describe_job(job), ensure_ascii=False))


COMMANDS = (suggest_group,)
