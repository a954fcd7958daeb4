"""``semeval``: the SemEval-2016 Task 6 stance table, one row per (statement, target).

Tab-separated, header ``ID\\tTarget\\tTweet\\tStance``, LF line ends, no quoting, written
by ``spreadsheet.SheetWriter`` (spreadsheets open it): a cell starting with ``=``, ``+``,
``-`` or ``@`` gets a leading ``'``, as in the ``csv`` format.

- ID: ``<statement_id>:<target actor id>``, stable across exports and joinable back to
  the other formats (actor ids are slugs without ``:``, so split on the last ``:``).
- Target: the target actor's name. Tweet: the statement text with every run of tabs,
  newlines and carriage returns replaced by one space (the table cannot hold them).
- Stance: each stance votes with its label's ``semeval`` mapping (FAVOR, AGAINST or
  NONE; labels without a mapping vote NONE). Only FAVOR and AGAINST votes are counted:
  the majority wins; a tie, including a statement holding both stances equally often,
  gives NONE, because the statement as a whole takes neither side, which is what
  SemEval's NONE means. Only NONE votes also give NONE. In annotator scope all
  annotators' stances vote together.
- Stances without a target are skipped (counted in ``Counts.skipped``): SemEval rows
  are about a target. Statements without any targeted stance produce no row.
- Rows follow the statement order, targets in order of first mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotator.formats import Bundles, Chunks, Counts, ExportContext, Exporter, iter_statements
from annotator.formats.spreadsheet import TSV, SheetWriter

HEADER = ("ID", "Target", "Tweet", "Stance")


def decide(votes: list[str]) -> str:
    """SemEval stance from the per-stance votes: majority of FAVOR/AGAINST, tie -> NONE."""
    favor, against = votes.count("FAVOR"), votes.count("AGAINST")
    if favor == against:
        return "NONE"
    return "FAVOR" if favor > against else "AGAINST"


def statement_rows(statement: Mapping, stances: list[Mapping], ctx: ExportContext) -> list:
    """The rows of one statement: one per target actor (the TSV writer folds line breaks)."""
    votes: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for record in stances:
        target = record.get("target")
        if target:
            names.setdefault(target["id"], target.get("name") or target["id"])
            votes.setdefault(target["id"], []).append(semeval_vote(record, ctx))
    text = statement["text"]
    return [(f"{statement['id']}:{tid}", names[tid], text, decide(v)) for tid, v in votes.items()]


def semeval_vote(record: Mapping[str, Any], ctx: ExportContext) -> str:
    """The SemEval class one stance stands for, through its label's mapping."""
    return ctx.label(record["label"]).get("semeval") or "NONE"


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """The header, then one row per (statement, target), a chunk per statement."""
    sheet = SheetWriter(TSV)
    counts = Counts()
    yield sheet.text([HEADER])
    for statement, stances in iter_statements(bundles):
        counts.add_bundle(stances)
        counts.skipped += sum(1 for r in stances if not r.get("target"))
        rows = statement_rows(statement, stances, ctx)
        counts.rows += len(rows)
        if rows:
            yield sheet.text(rows)
    return counts


EXPORTER = Exporter(
    name="semeval",
    kind="stream",
    media_type="text/tab-separated-values",
    extension=".tsv",
    description="SemEval-2016 Task 6 table: one stance per (statement, target actor).",
    chunks=chunks,
)
