"""``label-studio``: a JSON array of Label Studio tasks with their annotations.

One task per statement: ``data`` holds text, statement_id, title, author, organization,
date and url. The stances form one annotation per annotator (one for gold, marked
``ground_truth``). Each stance is a ``labels`` region on ``label``/``text``, and, when it
has them, per-region ``textarea`` results on ``target`` and ``holder`` with the actor's
name and id, sharing the region id; the matching labeling config is in
docs/export-formats.md. Option ``label_studio_actors=false`` leaves them out. Each relation
is a ``relation`` result in its owner's annotation (``from_id``/``to_id`` the regions,
``direction: "right"``, the type key in ``labels``), for a ``<Relations>`` tag in the config.

``completed_by`` is not set: Label Studio's importer accepts only a member's e-mail
object or numeric user id there and rejects a username, so imported annotations belong
to the importing user. The username is kept in each annotation's ``annotator`` key,
which Label Studio ignores.

Offsets: current Label Studio stores Text offsets in code points (its frontend converts
browser positions, see HumanSignal/label-studio issue #1347 and label-studio-frontend
PR #308), the same unit as ours. Versions from before that fix counted UTF-16 units; for
them set option ``label_studio_offsets=utf16``.

The array is streamed: "[", tasks separated by ",", "]".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from annotator.formats import (
    Bundles,
    Chunks,
    Counts,
    ExportContext,
    Exporter,
    FormatOption,
    offset_option,
)
from annotator.formats.relations import EndIndex, iter_relation_bundles, with_relation_ends
from annotator.text.offsets import converter

DATA_FIELDS = ("title", "author", "organization", "date", "url")
OFFSETS = offset_option(
    "label_studio_offsets",
    "Label Studio offsets: codepoints as current versions store them, or utf16 for old ones",
    "codepoints",
)
ACTORS = FormatOption(
    "label_studio_actors",
    "Label Studio target and holder results: true (written) or false (left out)",
    {"true": True, "false": False},
    "true",
)


def region(
    n: int, record: Mapping[str, Any], to_unit: Callable[[int], int], actors: bool
) -> list[dict]:
    """The result items of one stance: its label and, optionally, its actors."""
    place = {"start": to_unit(record["start"]), "end": to_unit(record["end"])}
    rid = f"s{n}"
    value = {**place, "text": record["text"], "labels": [record["label"]]}
    items = [_item(rid, "label", "labels", value)]
    for role in ("target", "holder") if actors else ():
        ref = record.get(role)
        if ref:
            text = [f"{ref.get('name') or ref['id']} ({ref['id']})"]
            items.append(_item(rid, role, "textarea", {**place, "text": text}))
    return items


def _item(rid: str, from_name: str, kind: str, value: dict) -> dict:
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": kind, "value": value}


def task(
    statement: Mapping, stances: list[Mapping], ctx: ExportContext, relations: list[Mapping] = ()
) -> dict:
    """One Label Studio task with one annotation per annotator, relations after the regions."""
    to_unit = converter(statement["text"], ctx.option(OFFSETS))
    actors = ctx.option(ACTORS)
    annotations: dict[str, dict] = {}
    region_of = EndIndex()
    for n, record in enumerate(stances):
        who = record.get("annotator") or "gold"
        annotation = annotations.setdefault(who, _annotation(who, record))
        annotation["result"].extend(region(n, record, to_unit, actors))
        region_of.add(record, f"s{n}")
    for relation in relations:
        who = relation.get("annotator") or "gold"
        annotations[who]["result"].extend(relation_results([relation], region_of.__getitem__))
    data = {"text": statement["text"], "statement_id": statement["id"]}
    data.update((k, statement.get(k)) for k in DATA_FIELDS)
    return {"data": data, "annotations": list(annotations.values())}


def _annotation(who: str, record: Mapping[str, Any]) -> dict:
    gold = record.get("scope") == "gold"
    return {"annotator": who, "ground_truth": gold, "was_cancelled": False, "result": []}


def chunks(bundles: Bundles, ctx: ExportContext) -> Chunks:
    """The task array: "[", one task per statement, "]"."""
    counts = Counts()
    yield "["
    for statement, stances, relations in iter_relation_bundles(bundles):
        counts.add_bundle(stances)
        head = ",\n" if counts.rows else "\n"
        counts.rows += 1
        yield head + json.dumps(task(statement, stances, ctx, relations), ensure_ascii=False)
    yield "\n]\n"
    return counts


EXPORTER = Exporter(
    name="label-studio",
    kind="stream",
    media_type="application/json",
    extension=".json",
    description="Label Studio tasks (JSON array) with one annotation per annotator.",
    chunks=chunks,
    options=(OFFSETS, ACTORS),
    relations=True,
)


def relation_results(
    relations: list[Mapping[str, Any]], region_of: Callable[[Mapping[str, Any]], str]
) -> list[dict]:
    """Label Studio relation results (``type: "relation"``, ``direction: "right"``, the
    relation type in ``labels``) between the regions ``region_of`` gives each end."""
    return [
        {
            "from_id": region_of(relation["from"]),
            "to_id": region_of(relation["to"]),
            "type": "relation",
            "direction": "right",
            "labels": [relation["type"]],
        }
        for relation in relations
    ]


def results_with_relations(
    stances: list[Mapping[str, Any]],
    relations: list[Mapping[str, Any]],
    to_unit: Callable[[int], int] = int,
    actors: bool = True,
) -> list[dict]:
    """One annotation's result list: a region per stance (as ``task`` writes them, ids
    ``s<n>``; relation ends missing from the stances added) followed by the relations."""
    region_of, results = EndIndex(), []
    for n, record in enumerate(with_relation_ends(stances, relations)):
        region_of.add(record, f"s{n}")
        results.extend(region(n, record, to_unit, actors))
    return results + relation_results(relations, region_of.__getitem__)
