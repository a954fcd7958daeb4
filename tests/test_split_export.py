"""A parallel export (``--jobs``): the same bytes and counts as one process, in bounded
windows; formats that are not splittable ignore it; on PostgreSQL the workers read the
exporting transaction's snapshot."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from annotator.exchange import bundles
from annotator.exchange import split_export as split
from annotator.exchange.export import ExportRequest, statement_ranges, write_export
from annotator.extensions import db
from annotator.formats import EXPORTERS, Counts
from annotator.models import Stance, Statement

from .test_relation_exchange import related_project

NOW = datetime(2026, 12, 7, tzinfo=UTC)
SPLITTABLE = ("jsonl", "relations", "statements-jsonl", "doccano")


def _export(session, project, fmt: str, jobs: int, scope: str = "all") -> tuple[str, Counts]:
    out = io.StringIO(newline="")
    request = ExportRequest(fmt, scope, pseudonym_key=b"k" * 32)
    counts, _meta = write_export(session, project, request, out, now=NOW, jobs=jobs)
    return out.getvalue(), counts


@pytest.fixture
def one_statement_shares(monkeypatch):
    """A range of one statement each, so even a small project is split among workers."""
    monkeypatch.setattr(bundles, "BATCH", 1)


def test_the_splittable_formats_are_declared():
    assert {name for name, e in EXPORTERS.items() if e.splittable} == set(SPLITTABLE)


@pytest.mark.parametrize("fmt", SPLITTABLE)
@pytest.mark.parametrize("scope", ["all", "gold"])
def test_two_jobs_write_the_same_bytes_and_counts(session, one_statement_shares, fmt, scope):
    project = related_project(session)
    ranges = list(statement_ranges(session, project))
    assert len(ranges) == session.scalar(select(func.count()).select_from(Statement)) > 2
    serial, serial_counts = _export(session, project, fmt, 1, scope)
    parallel, parallel_counts = _export(session, project, fmt, 2, scope)
    assert serial and parallel == serial
    assert parallel_counts == serial_counts and serial_counts.records > 0


def test_a_format_with_a_header_ignores_jobs(session, one_statement_shares):
    project = related_project(session)
    serial, _ = _export(session, project, "csv", 1)
    parallel, _ = _export(session, project, "csv", 3)
    assert parallel == serial and parallel.count("\n") > 2
    assert not EXPORTERS["csv"].splittable and not EXPORTERS["label-studio"].splittable


def test_the_cli_takes_jobs_and_refuses_zero(session, runner, tmp_path, one_statement_shares):
    related_project(session)
    outputs = []
    for jobs in ("1", "2"):
        path = tmp_path / f"r{jobs}.jsonl"
        args = ["export", "uni", "--format", "relations", "--scope", "all", "-o", str(path)]
        result = runner.invoke(args=[*args, "--jobs", jobs])
        assert result.exit_code == 0, result.output
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 5
    refused = runner.invoke(args=["export", "uni", "--format", "jsonl", "--jobs", "0"])
    assert refused.exit_code == 2 and "--jobs" in refused.output


def test_at_most_a_window_of_ranges_is_asked_for_before_one_is_written(session, app):
    """The bound on memory: the next range is asked for only as one is written."""
    asked, lags = [], []

    def shares():
        for n in range(1, 13):
            asked.append(n)
            yield n, n

    def share_chunks(_worker_session, ids):
        yield f"{ids[0]}\n"
        return Counts(statements=1, records=2)

    class Out:
        def __init__(self):
            self.lines = []

        def write(self, chunk):
            self.lines.append(int(chunk))
            lags.append(len(asked) - len(self.lines))

    out, progress = Out(), []
    counts = split.write_split(session, share_chunks, shares(), out, 2, progress.append)
    assert out.lines == list(range(1, 13)) and counts == Counts(statements=12, records=24)
    assert max(lags) <= 4 and progress == [2] * 12


def test_postgresql_workers_read_the_exporting_snapshot(session, app, one_statement_shares):
    """A stance committed after the export began is in no worker's range."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite cannot share a snapshot between connections (docs/export.md)")
    project = related_project(session)
    before = _live_stances(session)

    def shares():  # the snapshot is taken before the first range is asked for
        with db.engine.begin() as other:
            other.execute(text("UPDATE stances SET deleted_at = now() WHERE deleted_at IS NULL"))
        yield from statement_ranges(session, project)

    def share_chunks(worker_session, _ids):
        yield f"{_live_stances(worker_session)}\n"
        return Counts(statements=1)

    out = io.StringIO()
    counts = split.write_split(session, share_chunks, shares(), out, 2)
    seen = {int(line) for line in out.getvalue().split()}
    assert seen == {before} and before > 0 and counts.statements > 1
    session.rollback()
    assert _live_stances(session) == 0  # the other transaction did commit


def _live_stances(session) -> int:
    return session.scalar(
        select(func.count()).select_from(Stance).where(Stance.deleted_at.is_(None))
    )


def test_a_project_without_statements_exports_nothing_with_jobs(session):
    from .factories import make_project

    project = make_project(session, "empty")
    session.commit()
    text, counts = _export(session, project, "statements-jsonl", 2)
    assert text == "" and counts == Counts()


def test_a_range_reads_no_actors_labels_or_users(session, one_statement_shares):
    """The lookups are read once by the exporting process and inherited by the workers: a
    range's own queries touch neither the actors, the labels nor the users (loaded per range,
    they were 17 % of its CPU at 5,000 actors)."""
    from annotator.exchange.export import _share_chunks, build_context

    from .test_query_plans import recorded

    project = related_project(session)
    request = ExportRequest("statements-jsonl", "all", pseudonym_key=b"k" * 32)
    share = _share_chunks(session, project, request, build_context(session, project, request))
    first, *_ = statement_ranges(session, project)
    with recorded(session) as seen:
        text_ = "".join(share(session, first))
    assert "annotator-" in text_  # the names are there, pseudonymised
    read = " ".join(statement for statement, _ in seen)
    assert " actors" not in read and "FROM users" not in read and "FROM labels" not in read


def test_a_name_unknown_to_the_exporting_process_is_read_by_the_worker(session):
    """A user who appeared after the lookups (SQLite reads each range on its own) is read
    through the worker's session; the known ones are not read again."""
    from annotator.accounts.users import create_user

    from .factories import PASSWORD

    known = {999_999: "someone"}
    names = bundles.user_names(session, str.upper, known)
    late = create_user(session, "latecomer", PASSWORD)
    session.flush()
    assert names(999_999) == "someone" and names(late.id) == "LATECOMER"
