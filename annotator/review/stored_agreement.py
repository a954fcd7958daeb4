"""The project's agreement at scale: computed by a background job, stored, read in a query.

A run (``AgreementRun``) recomputes the whole report of ``agreement_report`` (the same
function the direct computation uses, so the same numbers) and stores it; the page, the CLI
and the API then read the newest done run of their scope and say when it was computed and
whether annotations changed since (``changed_since``, a range scan on ``updated_at``).

Incremental where the coefficient allows it. Relation alignment (pure Python, per statement
and annotator pair) is the slow part, and its counts are sums over statements: each
statement's counts are stored (``StatementAgreement``) under a hash of what they depend on
(its annotators in scope, their stances and relations), and a run compares only the
statements whose hash changed. The stance figures are vectorised (numpy) and recomputed
whole: Fleiss' kappa keeps the items of the data's modal size, and unitized alpha's
expected disagreement sets every unit against every gap of the whole continuum, so neither
is a sum of per-statement parts (``agreement.resampling``). Bootstrap intervals are drawn
from the per-statement parts, stored relation counts included.

Each stored statement row also holds the statement's own whole-stance agreement (as
``stance_agreement_by_statement``), which the review queue reads with
``stored_stance_agreement`` instead of computing it per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple

import orjson
from sqlalchemy import Text, bindparam, cast, delete, select
from sqlalchemy.orm import Session

from annotator.agreement.bootstrap import RESAMPLES
from annotator.agreement.relations import (
    Compared,
    compare_statements,
    counts_from_json,
    counts_json,
)
from annotator.agreement.stances import stance_agreement_by_statement
from annotator.errors import Conflict, NotFound
from annotator.jobs.state import ACTIVE
from annotator.models import (
    AgreementRun,
    Assignment,
    Project,
    Relation,
    Stance,
    Statement,
    StatementAgreement,
    User,
    utcnow,
)
from annotator.review.agreement_input import AgreementInput, content_hashes
from annotator.review.agreement_report import agreement_report, too_big_to_compute_now
from annotator.review.review import annotator_names, letter

Checkpoint = Callable[[], None]


class _Ids(dict):
    """Names for the stored result: every annotator stays its id (named when read)."""

    def get(self, key, default=None):
        return key


def request_run(
    session: Session,
    project: Project,
    user: User | None,
    *,
    include_unfinished: bool = False,
    resamples: int = RESAMPLES,
) -> AgreementRun:
    """Ask for a recomputation; a run of the same scope already waiting is returned instead."""
    active = session.scalars(
        select(AgreementRun).where(
            AgreementRun.project_id == project.id,
            AgreementRun.include_unfinished.is_(include_unfinished),
            AgreementRun.state.in_(ACTIVE),
        )
    ).first()
    if active is not None:
        return active
    run = AgreementRun(
        project_id=project.id,
        include_unfinished=include_unfinished,
        resamples=resamples,
        state="queued",
        requested_by_id=user.id if user else None,
    )
    session.add(run)
    session.flush()
    return run


def claim_run(session: Session, run_id: int) -> AgreementRun | None:
    """The run, marked running, unless it is gone or another worker took it."""
    run = session.get(AgreementRun, run_id)
    if run is None or run.state != "queued":
        return None
    run.state, run.started_at, run.stage = "running", utcnow(), "loading"
    session.flush()
    return run


def fail_run(session: Session, run_id: int, message: str) -> None:
    """Mark a run failed, with its error (the caller rolled back the run's work)."""
    run = session.get(AgreementRun, run_id, populate_existing=True)
    if run is not None:
        run.state, run.error, run.finished_at = "failed", message[:2000], utcnow()
        session.flush()


def execute_run(session: Session, run: AgreementRun, checkpoint: Checkpoint) -> AgreementRun:
    """Compute the report, reusing stored counts of unchanged statements; store both.

    checkpoint() is called between stages (the worker commits there, so progress shows).
    """
    began = time.perf_counter()
    project = session.get(Project, run.project_id)
    scope = run.include_unfinished
    stored = _stored_rows(session, project, scope)
    work = _Work(stored)

    def stage(name: str, done: int) -> None:
        run.stage, run.done = name, done
        session.flush()
        checkpoint()

    stage("loading stances", 5)

    def seen(data: AgreementInput) -> None:
        work.data = data
        stage("stance figures" + (" and intervals" if run.resamples else ""), 20)

    def compare(data: AgreementInput) -> Compared:
        stage("relation alignment", 50)
        compared = work.compare(data)
        stage("relation figures" + (" and intervals" if run.resamples else ""), 80)
        return compared

    result = agreement_report(
        session,
        project,
        _Ids(),
        include_unfinished=scope,
        intervals=run.resamples > 0,
        resamples=run.resamples or RESAMPLES,
        compare=compare,
        seen=seen,
    )
    stage("storing", 90)
    _store_statements(session, project, scope, work)
    # Who the letters of hidden names count over, as annotator_names numbers them.
    result["annotator_ids"] = sorted(annotator_names(session, project, hide=False))
    run.result = result
    run.recomputed, run.reused = len(work.changed), len(work.hashes) - len(work.changed)
    run.state, run.stage, run.done, run.finished_at = "done", "", run.total, utcnow()
    run.seconds = round(time.perf_counter() - began, 3)
    session.flush()
    return run


class _Work:
    """What a run learns on the way: its input, hashes, and the statements compared afresh."""

    def __init__(self, stored: dict):
        self.stored, self.data = stored, None
        self.hashes: dict[int, str] = {}
        self.changed: set[int] = set()
        self.fresh = Compared()

    def compare(self, data: AgreementInput) -> Compared:
        """Stored counts where the statement's hash holds, fresh counts elsewhere."""
        self.hashes = content_hashes(data)
        self.changed = {
            sid
            for sid, digest in self.hashes.items()
            if sid not in self.stored or self.stored[sid].content_hash != digest
        }
        nodes = data.nodes(self.changed)
        links = data.links_between(nodes)
        self.fresh = compare_statements(data.units, nodes, links, only=self.changed)
        out = Compared()
        for unit in data.units:
            sid = unit.statement
            if sid in self.changed:
                out.pairs[sid], out.n_relations[sid] = (
                    self.fresh.pairs[sid],
                    self.fresh.n_relations[sid],
                )
            else:
                row = self.stored[sid]
                out.pairs[sid] = [(a, b, counts_from_json(c)) for a, b, c in row.relation_counts]
                out.n_relations[sid] = row.n_relations
        return out


def _stored_rows(session: Session, project: Project, scope: bool) -> dict:
    """statement id -> (content_hash, relation_counts, n_relations) of the stored rows.

    The counts come as JSON text, decoded by orjson: the JSON type's json.loads per row
    took 7 s at 100,000 statements (PostgreSQL's driver would decode them itself).
    """
    t = StatementAgreement
    rows = session.execute(
        select(t.statement_id, t.content_hash, cast(t.relation_counts, Text), t.n_relations).where(
            StatementAgreement.project_id == project.id,
            StatementAgreement.include_unfinished.is_(scope),
        )
    )
    return {
        sid: Stored(digest, orjson.loads(counts or "null"), n) for sid, digest, counts, n in rows
    }


class Stored(NamedTuple):
    """A statement's stored row, as a run reads it."""

    content_hash: str
    relation_counts: list | None
    n_relations: int


def _store_statements(session: Session, project: Project, scope: bool, work: _Work) -> None:
    """Rows for the statements compared afresh; rows of statements out of scope go."""
    gone = [sid for sid in work.stored if sid not in work.hashes]
    stale = [sid for sid in work.changed if sid in work.stored]
    for chunk in _chunks(gone + stale, 500):
        session.execute(
            delete(StatementAgreement).where(
                StatementAgreement.statement_id.in_(chunk),
                StatementAgreement.include_unfinished.is_(scope),
            )
        )
    units = [u for u in work.data.units if u.statement in work.changed]
    own = stance_agreement_by_statement(units, work.data.stances) if units else {}
    now = utcnow()
    rows = [
        {
            "statement_id": sid,
            "include_unfinished": scope,
            "project_id": project.id,
            "content_hash": work.hashes[sid],
            "stance_agreement": own.get(sid),
            "n_relations": work.fresh.n_relations[sid],
            "relation_counts": [[a, b, counts_json(c)] for a, b, c in work.fresh.pairs[sid]],
            "computed_at": now,
        }
        for sid in work.changed
    ]
    for chunk in _chunks(rows, 2000):
        session.execute(StatementAgreement.__table__.insert(), chunk)


def _chunks(items: list, size: int):
    for k in range(0, len(items), size):
        yield items[k : k + size]


# --- reading -------------------------------------------------------------------------------


def latest_run(session: Session, project: Project, include_unfinished: bool) -> AgreementRun | None:
    """The newest done run of the scope, or None."""
    return session.scalars(
        select(AgreementRun)
        .where(
            AgreementRun.project_id == project.id,
            AgreementRun.include_unfinished.is_(include_unfinished),
            AgreementRun.state == "done",
        )
        .order_by(AgreementRun.id.desc())
        .limit(1)
    ).first()


def current_run(
    session: Session, project: Project, include_unfinished: bool
) -> AgreementRun | None:
    """The newest run of the scope that is queued, running, or failed after the last done one."""
    run = session.scalars(
        select(AgreementRun)
        .where(
            AgreementRun.project_id == project.id,
            AgreementRun.include_unfinished.is_(include_unfinished),
        )
        .order_by(AgreementRun.id.desc())
        .limit(1)
    ).first()
    return None if run is None or run.state == "done" else run


def get_run(session: Session, project: Project, run_id: int) -> AgreementRun:
    """A run of this project, or NotFound."""
    run = session.get(AgreementRun, run_id)
    if run is None or run.project_id != project.id:
        raise NotFound("No such agreement run in this project.")
    return run


# A count of changed statements says "more than" past either bound: the statements counted,
# or the edits read to find them (stances carry no project, so every project's edits since
# the run are read, from the updated_at indexes and each row: 40,000 of them cost the
# agreement page 80 ms, 10,000 still 35 ms; and they only grow until
# the next run).
CHANGED_CAP = 1000
SCAN_CAP = 2_000


class Changed(NamedTuple):
    """The project's statements with annotations changed since a run: at least
    ``statements`` (at most the cap), and ``more`` when the count stopped at a bound."""

    statements: int
    more: bool = False

    @property
    def stale(self) -> bool:
        """Whether a recompute would change anything (or might: the count stopped early)."""
        return self.statements > 0 or self.more


def changed_since(
    session: Session, project: Project, when, *, cap: int | None = None, scan: int | None = None
) -> Changed:
    """How many of the project's statements had a stance, relation or assignment change after
    ``when`` (0: the stored result is current), up to ``cap`` statements and ``scan`` edits.

    Deletes are soft (they set ``deleted_at`` and so ``updated_at``). Two steps, each on an
    index: the statements changed since ``when`` in any project (a range scan on
    ``updated_at``, streamed in batches; joined to the project in one query, the planners
    scanned the project's stances instead, 80 ms at 10,000 statements), then which of each
    batch are this project's. Past ``scan`` edits (any project's) it stops with ``more``:
    the figure then says "recompute", which is all that many edits can mean.
    """
    cap = CHANGED_CAP if cap is None else cap
    scan = SCAN_CAP if scan is None else scan
    seen: set[int] = set()
    ours: set[int] = set()
    pending: set[int] = set()
    read = 0
    for batch, rows in _changed_batches(session, when):
        read += rows
        pending |= batch - seen
        seen |= batch
        if len(pending) >= _CHECK or read >= scan:
            ours |= _of_project(session, project, pending)
            pending = set()
            if len(ours) > cap or read >= scan:
                return Changed(min(len(ours), cap), True)
    ours |= _of_project(session, project, pending)
    return Changed(min(len(ours), cap), len(ours) > cap)


_BATCH = 2000  # rows of the updated_at scan fetched at a time
_CHECK = 500  # new statement ids looked up in the project at a time (the cap's granularity)


def _changed_batches(session: Session, when):
    """Sets of statement ids with a stance, relation or assignment changed after ``when``,
    each with how many edits it came from.

    Core rows in batches (a server-side cursor on PostgreSQL): the ORM's rows cost as much
    again as the scan.
    """
    connection = session.connection()
    for model in (Stance, Relation, Assignment):
        # No DISTINCT: with it SQLite walks the statement_id index instead of updated_at's.
        query = select(model.statement_id).where(model.updated_at > when)
        result = connection.execute(query.execution_options(yield_per=_BATCH))
        try:
            for rows in result.partitions():
                yield {row[0] for row in rows}, len(rows)
        finally:
            result.close()


def _of_project(session: Session, project: Project, ids: set[int]) -> set[int]:
    """Those of the statement ids that are the project's (Core reads on the primary key)."""
    connection, out = session.connection(), set()
    for chunk in _chunks(list(ids), _CHECK):
        result = connection.execute(_OF_PROJECT, {"ids": chunk, "project": project.id})
        out.update(row[0] for row in result.cursor.fetchall())
        result.close()
    return out


_OF_PROJECT = select(Statement.id).where(
    Statement.id.in_(bindparam("ids", expanding=True)), Statement.project_id == bindparam("project")
)


def stored_report(
    session: Session,
    project: Project,
    names: dict[int, str] | None = None,
    *,
    hide: bool = False,
    include_unfinished: bool = False,
    intervals: bool = True,
) -> dict | None:
    """The newest stored report of the scope, named for this viewer, with ``stored`` about it.

    Without names, the run's own annotators are named (letters when hide): reading every
    annotator of the project, as ``annotator_names`` does, cost 40 ms at 10,000 statements.
    """
    run = latest_run(session, project, include_unfinished)
    if run is None:
        return None
    result = orjson.loads(orjson.dumps(run.result))  # a copy: 6 x faster than deepcopy
    ids = result.pop("annotator_ids", [])
    if names is None:
        names = stored_names(session, ids, hide=hide)
    for pairs in _pair_lists(result):
        for pair in pairs:
            pair["a"], pair["b"] = names.get(pair["a"], "?"), names.get(pair["b"], "?")
    if not intervals:
        result.pop("intervals", None)
        result.pop("resamples", None)
        result["relations"].pop("intervals", None)
    changed = changed_since(session, project, run.started_at)
    result["stored"] = {
        "run": run.id,
        "computed_at": run.finished_at.isoformat(timespec="seconds"),
        "seconds": run.seconds,
        "resamples": run.resamples,
        "recomputed_statements": run.recomputed,
        "reused_statements": run.reused,
        "stale": changed.stale,
        "changed_statements": changed.statements,
        "changed_more": changed.more,  # "more than changed_statements" (the count's bound)
    }
    return result


class NotComputedYet(Conflict):
    """No stored result, and too many stances to compute in a request (409)."""

    def __init__(self, stances: int) -> None:
        super().__init__(
            f"No stored agreement yet, and this project's {stances:,} stances are too many to "
            "compute in a request: press Compute on the agreement page or run `annotator "
            "agreement --store`; the figures are then read from the stored result."
        )
        self.stances = stances


def current_agreement(
    session: Session,
    project: Project,
    names: Callable[[], dict[int, str]],
    *,
    hide: bool,
    include_unfinished: bool = False,
    intervals: bool = False,
) -> dict:
    """What the agreement page and the API show: the newest stored result (with its time and
    whether annotations changed since), else the figures computed now up to
    ``INLINE_STANCES`` stances, else ``NotComputedYet``.

    ``names`` (user id -> shown name) is called only to compute: a stored result names its
    own annotators (``stored_names``, letters when ``hide``), which spares reading them all.
    """
    report = stored_report(
        session, project, hide=hide, include_unfinished=include_unfinished, intervals=intervals
    )
    if report is not None:
        return report
    if (stances := too_big_to_compute_now(session, project)) is not None:
        raise NotComputedYet(stances)
    return agreement_report(
        session, project, names(), include_unfinished=include_unfinished, intervals=intervals
    )


def stored_names(session: Session, ids: list[int], *, hide: bool) -> dict[int, str]:
    """Names of the annotators a run counted: usernames, or letters in the order of their ids."""
    if hide:
        return {uid: f"Annotator {letter(k)}" for k, uid in enumerate(ids)}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return dict(rows.all())


def _pair_lists(result: dict):
    """Every list of annotator pairs in a report (figures and intervals, stances and relations)."""
    for part in (result, result["relations"]):
        yield part["pairs"]
        if "intervals" in part:
            yield part["intervals"]["pairs"]


def stored_stance_agreement(
    session: Session, project: Project, statement_ids, *, include_unfinished: bool = False
) -> dict[int, float | None]:
    """Each statement's stored whole-stance agreement (statements without a row are left out).

    For the review queue: one indexed read instead of a computation per request. A row is
    as old as the last run; ``changed_since(session, project, run.started_at)`` says whether
    annotations changed after it.
    """
    ids = list(statement_ids)
    out: dict[int, float | None] = {}
    for chunk in _chunks(ids, 500):
        rows = session.execute(
            select(StatementAgreement.statement_id, StatementAgreement.stance_agreement).where(
                StatementAgreement.project_id == project.id,
                StatementAgreement.include_unfinished.is_(include_unfinished),
                StatementAgreement.statement_id.in_(chunk),
            )
        )
        out.update(dict(rows.all()))
    return out
