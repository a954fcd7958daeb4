"""``hf``: a Hugging Face dataset folder (train/validation/test JSON Lines + dataset card).

``datasets.load_dataset("json", data_dir=folder)`` and the Hub both load it. Each line
is one canonical stance record. Splits are by statement, so no statement's stances leak
across splits: a statement goes to the split its seeded SHA-256 hash falls into
(``sha256(f"{seed}\\0{statement_id}")`` read as a fraction of 2**64 against the
cumulative ratios). That needs no shuffle and no memory, is stable when statements are
added, and makes the split ratios approximate on small projects. Options: split_ratios
(default train 0.8, validation 0.1, test 0.1), split_seed (default 0), licence (a Hub
licence id, default "unknown"). Each record carries a ``relations`` feature: the
relations going out from that stance (``{id, type, to, note}``, ``to`` a stance ``id`` of
the same statement, hence of the same split); the card describes the relation types.
Statements without stances add no lines. A split left empty gets no file and no entry in
the card, since an empty JSON file does not load.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from annotator.formats import Bundles, Counts, ExportContext, Exporter, hf_card
from annotator.formats.records import STATEMENT_TEXT, record_line, with_statement_text
from annotator.formats.relations import iter_relation_bundles

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = {"train": 0.8, "validation": 0.1, "test": 0.1}


def split_ratios(options: Mapping[str, Any]) -> dict[str, float]:
    """Validated ratios from the options: non-negative, summing to 1."""
    raw = options.get("split_ratios") or DEFAULT_RATIOS
    ratios = dict(raw) if isinstance(raw, Mapping) else dict(zip(SPLITS, raw, strict=True))
    if set(ratios) != set(SPLITS) or any(r < 0 for r in ratios.values()):
        raise ValueError(f"split_ratios needs non-negative {', '.join(SPLITS)}: {raw!r}")
    if abs(sum(ratios.values()) - 1) > 1e-6:
        raise ValueError(f"split_ratios must sum to 1: {raw!r}")
    return {s: float(ratios[s]) for s in SPLITS}


def split_of(statement_id: str, seed: Any, ratios: Mapping[str, float]) -> str:
    """The split of one statement: deterministic for (seed, id), independent of order."""
    digest = hashlib.sha256(f"{seed}\0{statement_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    bound = 0.0
    for split in SPLITS:
        bound += ratios[split]
        if point < bound:
            return split
    return next(s for s in reversed(SPLITS) if ratios[s] > 0)  # float rounding at 1.0


def write_folder(bundles: Bundles, folder: Path, ctx: ExportContext) -> Counts:
    """Write the split files and then the card, which needs their counts."""
    folder.mkdir(parents=True, exist_ok=True)
    ratios, seed = split_ratios(ctx.options), ctx.options.get("split_seed", 0)
    total, per_split, languages = Counts(), {s: Counts() for s in SPLITS}, set()
    links = hf_card.RelationCounts()
    with ExitStack() as stack:
        files = {s: stack.enter_context(_open(folder / f"{s}.jsonl")) for s in SPLITS}
        for statement, stances, relations in iter_relation_bundles(bundles):
            total.add_bundle(stances)
            if not stances:
                continue
            split = split_of(statement["id"], seed, ratios)
            per_split[split].add_bundle(stances)
            if ctx.option(STATEMENT_TEXT):
                stances = with_statement_text(stances, statement)
            links.add(split, relations)
            languages.add(statement.get("lang"))
            rows = with_outgoing(stances, relations)
            files[split].write(b"".join([record_line(r) for r in rows]).decode())
    for split, counts in per_split.items():
        if not counts.records:
            (folder / f"{split}.jsonl").unlink()
    total.rows = total.records
    with _open(folder / "README.md") as card:
        hf_card.write_card(card, ctx, per_split, sorted(x for x in languages if x), links)
    return total


def with_outgoing(stances: list[Mapping], relations: list[Mapping]) -> list[dict]:
    """Each stance record with its ``relations`` feature: the relations going out from it,
    ``{id, type, to, note}`` with ``to`` the ``id`` of a stance of the same statement."""
    outgoing: dict[Any, list[dict]] = {}
    for r in relations:
        link = {"id": r["id"], "type": r["type"], "to": r["to"]["id"], "note": r.get("note")}
        outgoing.setdefault(r["from"]["id"], []).append(link)
    return [record | {"relations": outgoing.get(record.get("id"), [])} for record in stances]


def _open(path: Path) -> Any:
    return path.open("w", encoding="utf-8", newline="\n")


# A declaration like doccano's, see docs/architecture.md.
EXPORTER = Exporter(
    name="hf",
    kind="folder",
    media_type="inode/directory",
    extension="",
    description="Hugging Face dataset folder: train/validation/test JSON Lines and a card.",
    write_folder=write_folder,
    options=(STATEMENT_TEXT,),
    relations=True,
)
