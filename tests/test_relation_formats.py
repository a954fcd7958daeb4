"""Relation formats (pure): relations JSONL, AIF (read back by arguebuf), brat (write, read,
write again), doccano's relation shape and Label Studio relation results."""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import arguebuf
import pytest

from annotator.formats import ExportContext, FormatError, brat
from annotator.formats import aif as aif_format
from annotator.formats import relations as relations_format
from annotator.formats.doccano import relation_line
from annotator.formats.label_studio import relation_results, results_with_relations
from annotator.formats.relations import RELATION_FIELDS, document_name, safe_name

# An astral character (🚀, two UTF-16 units), a combining accent, Arabic and a line break
# inside a stance: offsets below are code points, as brat counts them.
TEXT = (
    "Teheran claims 🚀 strikes.\n"
    "We condemn the aggression of Iran.\n"
    "نحن ندين ذلك. Cafe\u0301 supports the rebels."
)
IRAN = {"id": "iran", "name": "Iran", "type": "state", "wikidata": "Q794"}
DAESH = {"id": "daesh", "name": "Islamic State (Daesh)", "type": "armed group", "wikidata": None}
RCIT = {"id": "rcit", "name": "RCIT", "type": "organization", "wikidata": None}
LABELS = [
    {"key": "claim", "name": "Claim", "polarity": "neutral"},
    {"key": "condemnation", "name": "Condemnation", "polarity": "negative"},
    {"key": "support", "name": "Support", "polarity": "positive"},
]
STATEMENT = {"id": "rcit/2024 01", "title": "T", "organization": "RCIT", "url": None, "text": TEXT}
WHEN = "2024-01-19T10:00:00+00:00"


def span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def stance(sid, phrase, label, polarity, target=None, owner="ann/1", note=""):
    start, end = span(phrase)
    return {
        "id": sid, "statement_id": STATEMENT["id"], "start": start, "end": end,
        "text": TEXT[start:end], "label": label, "polarity": polarity, "target": target,
        "holder": IRAN if label == "claim" else RCIT, "annotator": owner,
        "scope": "annotator" if owner else "gold", "note": note, "created_at": WHEN,
        "updated_at": WHEN,
    }  # fmt: skip


def relation(rid, source, target, kind, aif, note=""):
    def end(s):
        return {k: s[k] for k in ("id", "start", "end", "text", "label")}

    return {
        "project": "demo", "statement_id": STATEMENT["id"], "id": rid, "type": kind, "aif": aif,
        "from": end(source), "to": end(target), "annotator": source["annotator"],
        "scope": source["scope"], "note": note, "created_at": WHEN, "updated_at": WHEN,
    }  # fmt: skip


def owner_work(base: int, owner: str | None):
    s1 = stance(base + 1, "Teheran claims 🚀 strikes.", "claim", "neutral", owner=owner)
    s2 = stance(
        base + 2, "We condemn the aggression of Iran.", "condemnation", "negative", IRAN,
        owner=owner, note="firm\tnote\nover lines",
    )  # fmt: skip
    s3 = stance(base + 3, "strikes.\nWe condemn", "claim", "neutral", DAESH, owner=owner)
    s4 = stance(base + 4, "نحن ندين ذلك", "condemnation", "negative", DAESH, owner=owner)
    s5 = stance(base + 5, "Cafe\u0301 supports the rebels", "support", "positive", owner=owner)
    rels = [
        relation(base + 1, s2, s1, "attacks", "CA"),
        relation(base + 2, s3, s2, "supports", "RA"),
        relation(base + 3, s4, s2, "rebuts", "CA", note="same ends, another type"),
        relation(base + 4, s4, s2, "supports", "RA"),
    ]
    return [s1, s2, s3, s4, s5], rels


def bundles():
    annotator_stances, annotator_relations = owner_work(0, "ann/1")
    gold_stances, gold_relations = owner_work(100, None)
    return [
        {
            "statement": STATEMENT,
            "stances": annotator_stances + gold_stances,
            "relations": annotator_relations + gold_relations,
        },
        {"statement": {**STATEMENT, "id": "empty", "text": "Nothing."}, "stances": []},
    ]


def context(scope="all") -> ExportContext:
    return ExportContext(
        project_slug="demo", project_name="Demo", tool_version="test", labels=LABELS,
        actors=lambda: iter(()), guidelines_version=None, scope=scope, exported_at=WHEN,
        stance_values=("note", "guidelines_version"),
    )  # fmt: skip


def test_relations_jsonl_is_one_ordered_line_per_relation():
    out = io.StringIO()
    counts = relations_format.EXPORTER.write(bundles(), out, context())
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == counts.records == counts.rows == 8 and counts.statements == 2
    assert counts.by_label == {"attacks": 2, "rebuts": 2, "supports": 4}
    assert all(tuple(line) == RELATION_FIELDS for line in lines)
    first = lines[0]
    assert tuple(first["from"]) == ("id", "start", "end", "text", "label")
    assert TEXT[first["from"]["start"] : first["from"]["end"]] == first["from"]["text"]
    assert (first["type"], first["aif"], first["annotator"], first["scope"]) == (
        "attacks", "CA", "ann/1", "annotator",
    )  # fmt: skip


def test_document_names_are_safe_distinct_and_stable():
    assert document_name("s-1", None) == "s-1" and document_name("s-1", "ann") == "s-1__ann"
    assert safe_name("a_b.c-d") == "a_b.c-d"
    for unsafe in ("rcit/2024 01", "a__b", "_a", "a_", "..", "", "ü"):
        name = safe_name(unsafe)
        assert name == safe_name(name) and "__" not in name and not name.startswith(("_", "."))
    assert safe_name("a/b") != safe_name("a b")


def test_aif_graphs_load_with_arguebuf_and_counts_match(tmp_path):
    counts = aif_format.write(bundles(), tmp_path, context())
    files = sorted(tmp_path.glob("*.json"))
    assert counts.rows == len(files) == 2  # the statement without stances has no graph
    assert {f.stem.split("__")[0] for f in files} == {safe_name(STATEMENT["id"])}
    for path in files:
        graph = json.loads(path.read_text(encoding="utf-8"))
        kinds = [node["type"] for node in graph["nodes"]]
        # 5 stances -> 5 I, 5 L, 5 YA; 4 relations -> RA for supports, CA for attacks/rebuts
        assert [kinds.count(k) for k in ("I", "L", "YA", "RA", "CA")] == [5, 5, 5, 2, 2]
        assert len(graph["edges"]) == 2 * 5 + 2 * 4 and len(graph["locutions"]) == 5
        texts = {n["nodeID"]: n["text"] for n in graph["nodes"]}
        for locution in graph["locutions"]:  # code points into the statement text
            speaker, _, said = texts[locution["nodeID"]].partition(": ")
            assert TEXT[locution["start"] : locution["end"]] == said
        people = {p["participantID"]: p["firstname"] for p in graph["participants"]}
        assert sorted(people.values()) == ["Iran", "RCIT"]
        assert {n["scheme"] for n in graph["nodes"] if n["type"] in ("RA", "CA")} == {
            "supports", "attacks", "rebuts",
        }  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # arguebuf warns about the edges of L and YA nodes
            loaded = arguebuf.load.file(path)
        assert len(loaded.atom_nodes) == 5 and len(loaded.scheme_nodes) == 4
        assert len(loaded.edges) == 2 * 4  # I -> RA/CA -> I; L and YA are dialogue, skipped
        assert {n.plain_text for n in loaded.atom_nodes.values()} == {
            s["text"] for s in bundles()[0]["stances"]
        }


def test_stance_records_without_ids_are_found_by_span_and_label(tmp_path):
    """The canonical stance record has no id: relation ends then find it by span and label."""
    stances, rels = owner_work(0, "ann")
    anonymous = [{k: v for k, v in s.items() if k != "id"} for s in stances]
    graph = aif_format.aif_graph(STATEMENT, anonymous, rels)
    assert [n["type"] for n in graph["nodes"]].count("I") == 5
    ann = brat.brat_ann(TEXT, anonymous, rels)
    assert ann == brat.brat_ann(TEXT, stances, rels)


def test_aif_adds_relation_ends_missing_from_the_stances():
    stances, rels = owner_work(0, "ann")
    graph = aif_format.aif_graph(STATEMENT, stances[:1], rels[:1])
    assert [n["type"] for n in graph["nodes"]].count("I") == 2


IDENTITY = {"labels": {k: k for k in ("claim", "condemnation", "support")}}
IDENTITY["relation_types"] = {k: k for k in ("supports", "attacks", "rebuts")}


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_brat_write_read_write_is_identical(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    counts = brat.write(bundles(), first, context())
    assert counts.rows == 2 and counts.records == 8
    read = list(brat.read_folder(first, **IDENTITY))
    assert len(read) == 2 and sum(len(b["relations"]) for b in read) == 8
    brat.write(read, second, context())
    assert files(first) == files(second)
    assert {"annotation.conf", "tools.conf"} <= set(files(first))


def test_brat_offsets_are_code_points_and_line_breaks_make_fragments(tmp_path):
    brat.write(bundles(), tmp_path, context())
    name = document_name(STATEMENT["id"], None)
    assert (tmp_path / f"{name}.txt").read_text(encoding="utf-8") == TEXT
    ann = (tmp_path / f"{name}.ann").read_text(encoding="utf-8").splitlines()
    t_lines = [line.split("\t") for line in ann if line.startswith("T")]
    for _tid, head, covered in t_lines:
        pieces = [tuple(map(int, p.split())) for p in head.split(" ", 1)[1].split(";")]
        assert " ".join(TEXT[s:e] for s, e in pieces) == covered
    crossing = next(t for t in t_lines if ";" in t[1])
    assert crossing[2] == "strikes. We condemn"
    assert "N1\tReference T2 Registry:daesh\tIslamic State (Daesh)" in ann
    assert any(line.endswith("Wikidata:Q794\tIran") for line in ann)
    assert any(line.startswith("A") and line.endswith("negative") for line in ann)
    assert any("AnnotatorNotes" in line and "firm note over lines" in line for line in ann)
    assert sum(line.startswith("R") for line in ann) == 4
    conf = (tmp_path / "annotation.conf").read_text(encoding="utf-8")
    assert "attacks\tArg1:<ENTITY>, Arg2:<ENTITY>" in conf
    assert "Polarity\tArg:<ENTITY>, Value:negative|neutral|positive" in conf


def test_brat_reader_gives_back_stances_targets_and_relations(tmp_path):
    brat.write(bundles(), tmp_path, context())
    read = list(brat.read_folder(tmp_path, **IDENTITY))
    (gold,) = [b for b in read if b["stances"][0]["scope"] == "gold"]
    assert gold["statement"]["id"] == safe_name(STATEMENT["id"])
    spans = {(s["start"], s["end"], s["label"]) for s in gold["stances"]}
    assert spans == {(s["start"], s["end"], s["label"]) for s in owner_work(0, None)[0]}
    by_text = {s["text"]: s for s in gold["stances"]}
    assert by_text["We condemn the aggression of Iran."]["target"]["wikidata"] == "Q794"
    assert by_text["strikes.\nWe condemn"]["target"]["id"] == "daesh"
    assert all(s["scope"] == "gold" and s["annotator"] is None for s in gold["stances"])
    kinds = sorted(r["type"] for r in gold["relations"])
    assert kinds == ["attacks", "rebuts", "supports", "supports"]


GOOD_ANN = "T1\tclaim 0 7\tTeheran\nT2\tclaim 8 14\tclaims\nR1\tsupports Arg1:T1 Arg2:T2\n"


@pytest.mark.parametrize(
    "ann,line,words",
    [
        ("T1\tclaim 0 7\tTeheran\nT2\tclaim 8 14\tclaimz\n", 2, "the .txt has 'claims'"),
        ("T1\tclaim 0 7\tTeheran\nT2\tclaim 8 999\tclaims\n", 2, "not spans inside"),
        ("T1\tclaim 0 7\tTeheran\nR1\tsupports Arg1:T1 Arg2:T9\n", 2, "T9 is not a T"),
        ("T1\tclaim 0 7\tTeheran\nT2\tstance 8 14\tclaims\n", 2, "'stance' is not mapped"),
        (GOOD_ANN.replace("supports", "undercuts"), 3, "'undercuts' is not mapped"),
        (GOOD_ANN + "E1\tAttack:T1 Target:T2\n", 4, "only T, R, A, N and #"),
        (GOOD_ANN + "T1\tclaim 0 7\tTeheran\n", 4, "T1 is defined twice"),
    ],
)
def test_brat_reader_refuses_with_file_and_line(ann, line, words):
    with pytest.raises(FormatError) as info:
        brat.read_document("doc", TEXT, ann, file="doc.ann", **IDENTITY)
    assert (info.value.file, info.value.line) == ("doc.ann", line)
    assert str(info.value).startswith(f"doc.ann:{line}: ") and words in info.value.message


def test_brat_reader_refuses_a_folder_without_its_text(tmp_path):
    (tmp_path / "doc.ann").write_text(GOOD_ANN, encoding="utf-8")
    with pytest.raises(FormatError, match="no doc.txt"):
        list(brat.read_folder(tmp_path, **IDENTITY))


# doccano's documented relation-extraction example (doccano docs, "Relation Extraction").
DOCCANO_EXAMPLE = {
    "text": "Google was founded on September 4, 1998, by Larry Page and Sergey Brin.",
    "entities": [
        {"id": 0, "start_offset": 0, "end_offset": 6, "label": "ORG"},
        {"id": 1, "start_offset": 22, "end_offset": 39, "label": "DATE"},
        {"id": 2, "start_offset": 44, "end_offset": 54, "label": "PERSON"},
        {"id": 3, "start_offset": 59, "end_offset": 70, "label": "PERSON"},
    ],
    "relations": [
        {"id": 0, "from_id": 0, "to_id": 1, "type": "foundedAt"},
        {"id": 1, "from_id": 0, "to_id": 2, "type": "foundedBy"},
        {"id": 2, "from_id": 0, "to_id": 3, "type": "foundedBy"},
    ],
}


def test_doccano_relation_line_has_doccanos_documented_shape():
    text = DOCCANO_EXAMPLE["text"]
    ends = [
        {"id": f"e{e['id']}", "start": e["start_offset"], "end": e["end_offset"],
         "text": text[e["start_offset"] : e["end_offset"]], "label": e["label"]}
        for e in DOCCANO_EXAMPLE["entities"]
    ]  # fmt: skip
    rels = [
        {"type": r["type"], "from": ends[r["from_id"]], "to": ends[r["to_id"]]}
        for r in DOCCANO_EXAMPLE["relations"]
    ]
    line = relation_line({"id": "g1", "text": text}, list(reversed(ends)), rels)
    assert line.pop("id") == "g1"
    assert line == DOCCANO_EXAMPLE
    for entity in line["entities"]:
        assert list(entity) == ["id", "start_offset", "end_offset", "label"]


def test_doccano_relation_line_converts_offsets_like_the_stance_writer():
    from annotator.text.offsets import converter

    stances, rels = owner_work(0, "ann")
    line = relation_line(STATEMENT, stances, rels, converter(TEXT, "utf16"))
    starts = {e["start_offset"] for e in line["entities"]}
    assert span("Teheran")[0] in starts  # before the rocket: the same
    assert span("We condemn")[0] + 1 in starts  # after it: one more UTF-16 unit
    assert span("We condemn")[0] not in starts


def test_label_studio_relation_results():
    stances, rels = owner_work(0, "ann")
    results = results_with_relations(stances, rels[:1])
    regions = {r["id"] for r in results if r["type"] == "labels"}
    (link,) = [r for r in results if r["type"] == "relation"]
    assert link == {
        "from_id": "s1", "to_id": "s0", "type": "relation", "direction": "right",
        "labels": ["attacks"],
    }  # fmt: skip
    assert {link["from_id"], link["to_id"]} <= regions
    named = {1: "a", 2: "b"}
    assert relation_results(rels[:1], lambda end: named[end["id"]])[0]["from_id"] == "b"
