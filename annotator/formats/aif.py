"""``aif``: a folder of AIF JSON argument graphs, one per statement and owner (OVA, AIFdb).

Each graph holds, per stance, an I-node (the proposition: the stance's text), an L-node (the
locution: "<holder>: <text>", spoken by the holder as a participant) and a YA "Asserting"
node linking them (L -> YA -> I); per relation, an RA node ("Default Inference") for a
supporting type or a CA node ("Default Conflict") for an attacking one, between the two
I-nodes (from -> RA/CA -> to), with the relation type's key as ``scheme``. The locutions
carry ``start`` and ``end``: the stance's offsets in the statement text, in code points.

Node and edge ids are strings of consecutive numbers, in the order stances (by span), then
relations; a relation end missing from the stances gets its nodes from the end's record.
Files are named by ``relations.document_name``; a statement without stances gets none.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from annotator.formats import Bundles, Counts, ExportContext, Exporter
from annotator.formats.relations import (
    EndIndex,
    aif_kind,
    by_owner,
    count_relations,
    document_name,
    iter_relation_bundles,
    with_relation_ends,
)

SCHEME_TEXT = {"RA": "Default Inference", "CA": "Default Conflict"}


def aif_graph(
    statement: Mapping[str, Any],
    stances: list[Mapping[str, Any]],
    relations: list[Mapping[str, Any]],
) -> dict[str, Any]:
    """The AIF JSON of one owner's stances and relations on a statement."""
    graph: dict[str, list] = {"nodes": [], "edges": [], "locutions": [], "participants": []}
    people: dict[str, str] = {}
    i_nodes = EndIndex()
    for stance in sorted(with_relation_ends(stances, relations), key=_stance_key):
        i_nodes.add(stance, _proposition(graph, people, statement, stance))
    for relation in sorted(relations, key=lambda r: _relation_key(r, i_nodes)):
        kind = aif_kind(relation)
        when = relation.get("created_at")
        scheme = _node(graph, SCHEME_TEXT[kind], kind, when, scheme=relation["type"])
        _edge(graph, i_nodes[relation["from"]], scheme)
        _edge(graph, scheme, i_nodes[relation["to"]])
    return graph


def _stance_key(stance: Mapping) -> tuple:
    return stance["start"], stance["end"], stance["label"], str(stance.get("id"))


def _relation_key(relation: Mapping, i_nodes: EndIndex) -> tuple:
    ends = (int(i_nodes[relation["from"]]), int(i_nodes[relation["to"]]))
    return (*ends, relation["type"], str(relation.get("id")))


def _proposition(graph: dict, people: dict, statement: Mapping, stance: Mapping) -> str:
    """The I, L and YA nodes of one stance and the locution; returns the I-node id."""
    when = stance.get("created_at")
    speaker = _speaker(statement, stance)
    person = people.setdefault(speaker, str(len(people) + 1))
    if len(graph["participants"]) < len(people):
        participant = {"participantID": person, "firstname": speaker, "surname": ""}
        graph["participants"].append(participant)
    i_node = _node(graph, stance["text"], "I", when)
    l_node = _node(graph, f"{speaker}: {stance['text']}", "L", when)
    ya_node = _node(graph, "Asserting", "YA", when)
    _edge(graph, l_node, ya_node)
    _edge(graph, ya_node, i_node)
    graph["locutions"].append(
        {
            "nodeID": l_node,
            "personID": person,
            "timestamp": _timestamp(when),
            "start": stance["start"],
            "end": stance["end"],
            "source": statement.get("url"),
        }
    )
    return i_node


def _speaker(statement: Mapping, stance: Mapping) -> str:
    """Who asserts the stance: its holder, else the statement's organisation or author."""
    holder = stance.get("holder") or {}
    return holder.get("name") or holder.get("id") or statement.get("organization") or "unknown"


def _node(graph: dict, text: str, kind: str, when: str | None, **extra: str) -> str:
    node_id = str(len(graph["nodes"]) + 1)
    node = {"nodeID": node_id, "text": text, "type": kind, "timestamp": _timestamp(when)}
    graph["nodes"].append(node | extra)
    return node_id


def _edge(graph: dict, source: str, target: str) -> None:
    edge_id = str(len(graph["edges"]) + 1)
    edge = {"edgeID": edge_id, "fromID": source, "toID": target, "formEdgeID": None}
    graph["edges"].append(edge)


def _timestamp(iso: str | None) -> str:
    """AIF's "YYYY-MM-DD HH:mm:ss" from an ISO 8601 time (UTC), empty when unknown."""
    return iso[:19].replace("T", " ") if iso else ""


def write(bundles: Bundles, out: str | Path, ctx: ExportContext) -> Counts:
    """Write one AIF JSON file per statement and owner into the folder ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    counts = Counts()
    for statement, stances, relations in iter_relation_bundles(bundles):
        count_relations(counts, relations)
        for owner, (own_stances, own_relations) in by_owner(stances, relations).items():
            graph = aif_graph(statement, own_stances, own_relations)
            path = folder / f"{document_name(statement['id'], owner)}.json"
            path.write_text(json.dumps(graph, ensure_ascii=False, indent=1), encoding="utf-8")
            counts.rows += 1
    return counts


EXPORTER = Exporter(
    name="aif",
    kind="folder",
    media_type="inode/directory",
    extension="",
    description="AIF JSON argument graphs (OVA, AIFdb): one per statement and owner.",
    write_folder=write,
    relations=True,
)
