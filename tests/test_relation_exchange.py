"""Relations out and back in: stable stance ids, the relations and statements-jsonl round
trips (identical, idempotent), brat export -> import-brat -> export, import-brat's refusals,
the AIF zip read by arguebuf, doccano, Label Studio and hf relation output."""

from __future__ import annotations

import json
import warnings
import zipfile

import arguebuf
import pytest
from sqlalchemy import func, select

from annotator.accounts.users import get_user
from annotator.annotation import relations as relation_service
from annotator.models import Relation, Stance, Statement
from annotator.projects.labels import create_label

from .test_export_data import add_gold, live_stances, unicode_project
from .test_stance_import import empty_copy, export, import_file, same_but_project


def link(session, project, statement, user, a, b, kind, note="", gold=False):
    data = relation_service.RelationInput(a.id, b.id, kind, note)
    return relation_service.create_relation(session, project, statement, user, data, gold=gold)


def stances_of(session, statement, user=None):
    """Live stances of one owner (gold when ``user`` is None) by position."""
    owner = Stance.is_gold if user is None else Stance.annotator_id == user.id
    query = select(Stance).where(Stance.statement_id == statement.id, Stance.deleted_at.is_(None))
    return list(session.scalars(query.where(owner).order_by(Stance.start, Stance.id)))


def related_project(session):
    """The unicode project with annotators' and gold relations (5 in all)."""
    project = unicode_project(session)
    by_id = {s.external_id: s for s in session.scalars(select(Statement))}
    emoji, ar = by_id["emoji-1"], by_id["rtl-ar"]
    ann1, ann2, lead = (get_user(session, n) for n in ("ann1", "ann2", "unilead"))
    a, b = stances_of(session, emoji, ann1)
    link(session, project, emoji, ann1, a, b, "supports", note="weil 🇮🇷\nzwei Zeilen")
    link(session, project, emoji, ann1, b, a, "attacks")
    c, d = stances_of(session, emoji, ann2)
    link(session, project, emoji, ann2, d, c, "attacks")
    e, f = stances_of(session, ar, ann1)
    link(session, project, ar, ann1, f, e, "supports")
    add_gold(session, emoji, [a])
    g1, g2 = stances_of(session, emoji)
    link(session, project, emoji, lead, g1, g2, "supports", gold=True)
    session.commit()
    return project


def count(session, project, model):
    session.commit()
    query = select(func.count()).select_from(model).join(Statement)
    return session.scalar(query.where(Statement.project_id == project.id))


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line]


def test_stance_ids_are_stable_and_relation_ends_name_them(session, runner, tmp_path):
    related_project(session)
    first, _ = export(runner, "uni", "jsonl", tmp_path / "a.jsonl")
    again, _ = export(runner, "uni", "jsonl", tmp_path / "b.jsonl")
    assert first == again
    ids = [record["id"] for record in lines(first)]
    assert len(ids) == len(set(ids)) == 11 and all(len(i) == 16 for i in ids)
    relations, _ = export(runner, "uni", "relations", tmp_path / "r.jsonl")
    records = lines(relations)
    assert len(records) == 5
    for record in records:
        assert list(record)[:6] == ["project", "statement_id", "id", "type", "aif", "from"]
        assert {record["from"]["id"], record["to"]["id"]} <= set(ids)
        assert set(record["from"]) == {"id", "start", "end", "text", "label"}
    assert {(r["scope"], r["annotator"]) for r in records} == {
        ("annotator", "ann1"), ("annotator", "ann2"), ("gold", None),
    }  # fmt: skip
    note = next(r for r in records if r["note"])
    assert note["note"] == "weil 🇮🇷\nzwei Zeilen" and note["type"] == "supports"


def test_statements_jsonl_round_trip_with_relations_is_identical_and_idempotent(
    session, runner, tmp_path
):
    source = related_project(session)
    first, _ = export(runner, "uni", "statements-jsonl", tmp_path / "first.jsonl")
    line = next(x for x in lines(first) if x["id"] == "emoji-1")
    assert list(line)[-2:] == ["stances", "relations"]
    own = {s["id"] for s in line["stances"]}
    for relation in line["relations"]:
        assert list(relation)[:6] == ["type", "from", "to", "annotator", "scope", "note"]
        assert {relation["from"], relation["to"]} <= own
    copy = empty_copy(session, runner, source, tmp_path, with_statements=False)
    result = import_file(runner, "copy", tmp_path / "first.jsonl")
    assert result.exit_code == 0, result.output
    assert "and 5 relations (0 already present)" in result.output
    again, _ = export(runner, "copy", "statements-jsonl", tmp_path / "again.jsonl")
    assert same_but_project(again, "uni") == first
    twice = import_file(runner, "copy", tmp_path / "first.jsonl")
    assert twice.exit_code == 0 and "and 0 relations (5 already present)" in twice.output
    assert count(session, copy, Relation) == 5
    third, _ = export(runner, "copy", "statements-jsonl", tmp_path / "third.jsonl")
    assert third == again


def test_relations_file_round_trip_is_identical_and_idempotent(session, runner, tmp_path):
    source = related_project(session)
    export(runner, "uni", "jsonl", tmp_path / "stances.jsonl")
    first, _ = export(runner, "uni", "relations", tmp_path / "relations.jsonl")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=True)
    assert import_file(runner, "copy", tmp_path / "stances.jsonl").exit_code == 0
    result = import_file(runner, "copy", tmp_path / "relations.jsonl")
    assert result.exit_code == 0 and "and 5 relations" in result.output
    again, _ = export(runner, "copy", "relations", tmp_path / "again.jsonl")
    assert same_but_project(again, "uni") == first
    twice = import_file(runner, "copy", tmp_path / "relations.jsonl")
    assert "and 0 relations (5 already present)" in twice.output
    assert count(session, copy, Relation) == 5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r | {"type": "praises"}, "type: unknown relation type 'praises'"),
        (lambda r: r | {"to": r["to"] | {"id": "0" * 16, "start": 0}}, "to: no live stance"),
        (lambda r: r | {"from": r["to"]}, "to: a relation links two different stances"),
        (lambda r: r | {"annotator": "nobody"}, "annotator: unknown user 'nobody'"),
        (lambda r: r | {"from": 5}, "from: expected a stance end"),
    ],
)
def test_a_bad_relation_line_is_refused_at_its_line_and_nothing_is_written(
    session, runner, tmp_path, change, field
):
    source = related_project(session)
    export(runner, "uni", "jsonl", tmp_path / "stances.jsonl")
    text, _ = export(runner, "uni", "relations", tmp_path / "relations.jsonl", scope="annotators")
    records = lines(text)
    records[2] = change(records[2])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=True)
    assert import_file(runner, "copy", tmp_path / "stances.jsonl").exit_code == 0
    result = import_file(runner, "copy", bad)
    assert result.exit_code == 1
    assert f"bad.jsonl:3: {field}" in result.output and len(result.output.splitlines()) == 1
    assert count(session, copy, Relation) == 0


# --- brat ---------------------------------------------------------------------------


def zip_texts(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def test_brat_zip_export_import_brat_export_is_identical(session, runner, tmp_path):
    source = related_project(session)
    args = ["export", "uni", "--format", "brat", "--scope", "all", "-o"]
    assert runner.invoke(args=[*args, str(tmp_path / "first.zip")]).exit_code == 0
    files = zip_texts(tmp_path / "first.zip")
    assert {"annotation.conf", "tools.conf", "emoji-1__ann1.ann", "emoji-1.txt"} <= set(files)
    ann = files["emoji-1__ann1.ann"]
    assert "R1\tsupports Arg1:T1 Arg2:T2" in ann and "R2\tattacks Arg1:T2 Arg2:T1" in ann
    assert "\tReference T2 Registry:daesh\t" in ann and "A2\tPolarity T2 negative" in ann
    copy = empty_copy(session, runner, source, tmp_path, with_statements=False)
    result = runner.invoke(args=["import-brat", "copy", str(tmp_path / "first.zip")])
    assert result.exit_code == 0, result.output
    assert "Imported 3 statements" in result.output and "5 relations" in result.output
    assert runner.invoke(args=["export", "copy", "--format", "brat", "--scope", "all", "-o",
                               str(tmp_path / "again.zip")]).exit_code == 0  # fmt: skip
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "first.zip").read_bytes()
    again = runner.invoke(args=["import-brat", "copy", str(tmp_path / "first.zip")])
    assert "0 annotator and 0 gold stances (11 already present)" in again.output
    assert count(session, copy, Relation) == 5 and len(live_stances(session, copy)) == 11


ESSAY = "Cloning is good. It saves lives. But it is risky.\n"
ESSAY_ANN = (
    "T1\tMajorClaim 0 15\tCloning is good\n"
    "T2\tPremise 17 31\tIt saves lives\n"
    "T3\tClaim 33 48\tBut it is risky\n"
    "A1\tStance T3 Against\n"
    "R1\tsupports Arg1:T2 Arg2:T1\n"
    "R2\tattacks Arg1:T3 Arg2:T1\n"
)


def essay_folder(tmp_path, ann=ESSAY_ANN, txt=ESSAY):
    folder = tmp_path / "aae"
    folder.mkdir(exist_ok=True)
    (folder / "essay001.txt").write_text(txt, "utf-8")
    (folder / "essay001.ann").write_text(ann, "utf-8")
    return folder


def essay_project(session):
    from .factories import make_project

    project = make_project(session, "aae")
    create_label(session, project, "premise", name="Premise", requires_target=False)
    session.commit()
    return project


def test_import_brat_reads_the_argument_annotated_essays_layout(session, runner, tmp_path):
    project = essay_project(session)
    mapping = tmp_path / "aae.toml"
    mapping.write_text('[labels]\nPremise = "premise"\n[relations]\nsupports = "supports"\n')
    folder = essay_folder(tmp_path)
    args = ["import-brat", "aae", str(folder), "--mapping", str(mapping),
            "--map", "claim=MajorClaim", "--map", "claim=Claim"]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "Imported 1 statements, 0 annotator and 3 gold stances" in result.output
    stances = live_stances(session, project)
    assert sorted((s.start, s.end, s.label.key) for s in stances) == [
        (0, 15, "claim"), (17, 31, "premise"), (33, 48, "claim"),
    ]  # fmt: skip
    links = session.scalars(select(Relation).order_by(Relation.id)).all()
    assert [(r.from_stance.start, r.to_stance.start, r.type.key) for r in links] == [
        (17, 0, "supports"), (33, 0, "attacks"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("ann", "where", "words"),
    [
        (ESSAY_ANN.replace("0 15\tCloning", "1 15\tCloning"), "essay001.ann:1", "T1 says"),
        (ESSAY_ANN.replace("Arg2:T1\nR2", "Arg2:T9\nR2"), "essay001.ann:5", "T9 is not"),
        (ESSAY_ANN + "R3\trebuts Arg1:T3 Arg2:T2\n", "essay001.ann:7", "'rebuts' is not mapped"),
        (ESSAY_ANN.replace("Premise 17", "Evidence 17"), "essay001.ann:2", "'Evidence'"),
        (ESSAY_ANN.replace("33 48", "33 90"), "essay001.ann:3", "not spans inside the .txt"),
    ],
)
def test_import_brat_refuses_bad_input_at_file_and_line(
    session, runner, tmp_path, ann, where, words
):
    project = essay_project(session)
    folder = essay_folder(tmp_path, ann)
    args = ["import-brat", "aae", str(folder), "--map", "claim=MajorClaim", "--map",
            "claim=Claim", "--map", "premise=Premise"]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 1, result.output
    assert where in result.output and words in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "nothing was imported" in result.output
    assert count(session, project, Stance) == 0
    assert session.scalar(select(func.count()).select_from(Statement)) == 0


def test_import_brat_refuses_a_bad_map(session, runner, tmp_path):
    essay_project(session)
    folder = essay_folder(tmp_path)
    for pair, words in (("claim", "needs OURS=BRAT"), ("praise=Claim", "no label or relation")):
        result = runner.invoke(args=["import-brat", "aae", str(folder), "--map", pair])
        assert result.exit_code == 1 and words in result.output, result.output


# --- AIF, doccano, Label Studio, hf ---------------------------------------------------


def test_aif_zip_loads_with_arguebuf(session, runner, tmp_path):
    related_project(session)
    out = tmp_path / "aif.zip"
    result = runner.invoke(
        args=["export", "uni", "--format", "aif", "--scope", "all", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        names = sorted(archive.namelist())
        archive.extractall(tmp_path / "aif")
    assert "emoji-1__ann1.json" in names and "emoji-1.json" in names
    graph = json.loads((tmp_path / "aif" / "emoji-1__ann1.json").read_text("utf-8"))
    kinds = [node["type"] for node in graph["nodes"]]
    assert [kinds.count(k) for k in ("I", "L", "YA", "RA", "CA")] == [2, 2, 2, 1, 1]
    assert len(graph["edges"]) == 2 * 2 + 2 * 2
    assert {p["firstname"] for p in graph["participants"]} == {"Iran", "RCIT"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arguebuf warns about the edges of L and YA nodes
        loaded = arguebuf.load.file(tmp_path / "aif" / "emoji-1__ann1.json")
    assert len(loaded.atom_nodes) == 2 and len(loaded.scheme_nodes) == 2
    assert len(loaded.edges) == 4


def test_doccano_lines_match_doccanos_relation_export_example(session, runner, tmp_path):
    related_project(session)
    text, _ = export(runner, "uni", "doccano", tmp_path / "d.jsonl", scope="annotators")
    line = next(x for x in lines(text) if x["id"] == "emoji-1")
    # doccano's documented relation example: {"text", "entities": [{"id", "start_offset",
    # "end_offset", "label"}], "relations": [{"id", "from_id", "to_id", "type"}]}
    assert {"text", "entities", "relations"} <= set(line)
    assert all(set(e) == {"id", "start_offset", "end_offset", "label"} for e in line["entities"])
    assert all(set(r) == {"id", "from_id", "to_id", "type"} for r in line["relations"])
    assert [e["id"] for e in line["entities"]] == list(range(4))
    assert [r["id"] for r in line["relations"]] == list(range(3))
    entity = {e["id"]: e for e in line["entities"]}
    utf16 = line["text"].encode("utf-16-le")
    for r in line["relations"]:
        assert r["type"] in ("supports", "attacks") and r["from_id"] != r["to_id"]
        source = entity[r["from_id"]]  # doccano's offsets: UTF-16 units by default
        covered = utf16[2 * source["start_offset"] : 2 * source["end_offset"]].decode("utf-16-le")
        assert covered in line["text"]


def test_label_studio_tasks_carry_relation_results(session, runner, tmp_path):
    related_project(session)
    text, _ = export(runner, "uni", "label-studio", tmp_path / "ls.json", scope="all")
    task = next(t for t in json.loads(text) if t["data"]["statement_id"] == "emoji-1")
    by_owner = {a["annotator"]: a["result"] for a in task["annotations"]}
    links = [r for r in by_owner["ann1"] if r["type"] == "relation"]
    regions = {r["id"] for r in by_owner["ann1"] if r["type"] == "labels"}
    assert sorted(r["labels"][0] for r in links) == ["attacks", "supports"]
    for r in links:
        assert set(r) == {"from_id", "to_id", "type", "direction", "labels"}
        assert r["direction"] == "right" and {r["from_id"], r["to_id"]} <= regions
    gold = [r for r in by_owner["gold"] if r["type"] == "relation"]
    theirs = [r for r in by_owner["ann2"] if r["type"] == "relation"]
    assert len(gold) == 1 and len(theirs) == 1 and not {theirs[0]["from_id"]} & regions


def test_hf_records_carry_a_relations_feature_and_the_card_a_section(session, runner, tmp_path):
    datasets = pytest.importorskip("datasets", reason="pip install datasets to run this test")
    related_project(session)
    folder = tmp_path / "hf"
    args = ["export", "uni", "--format", "hf", "--scope", "all", "--split", "1,0,0", "-o"]
    assert runner.invoke(args=[*args, str(folder)]).exit_code == 0
    card = (folder / "README.md").read_text("utf-8")
    assert "## Relations" in card and "| supports | RA | 3 | 0 | 0 | 3 |" in card
    assert "| attacks | CA | 2 | 0 | 0 | 2 |" in card
    loaded = datasets.load_dataset("json", data_dir=str(folder), cache_dir=str(tmp_path / "c"))
    rows = list(loaded["train"])
    ids = {row["id"] for row in rows}
    links = [(row["id"], link) for row in rows for link in row["relations"]]
    assert len(links) == 5 and all(link["to"] in ids for _, link in links)
    assert {link["type"] for _, link in links} == {"supports", "attacks"}


def test_import_brat_refuses_an_unsafe_zip_and_a_non_zip(session, runner, tmp_path):
    essay_project(session)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../essay001.ann", ESSAY_ANN)
        archive.writestr("essay001.txt", ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(evil)])
    assert result.exit_code == 1 and "unsafe entry name" in result.output
    assert not (tmp_path.parent / "essay001.ann").exists()
    text = tmp_path / "plain.zip"
    text.write_text("not a zip")
    result = runner.invoke(args=["import-brat", "aae", str(text)])
    assert result.exit_code == 1 and "plain.zip: not a zip archive" in result.output


def test_a_statement_line_relation_must_name_a_stance_on_its_line(session, runner, tmp_path):
    source = related_project(session)
    first, _ = export(runner, "uni", "statements-jsonl", tmp_path / "first.jsonl")
    items = lines(first)
    items[0]["relations"][0]["to"] = "0123456789abcdef"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items), "utf-8")
    copy = empty_copy(session, runner, source, tmp_path, with_statements=False)
    result = import_file(runner, "copy", bad)
    assert result.exit_code == 1
    assert "bad.jsonl:1: relations[0].to: '0123456789abcdef' is not the id of a stance" in (
        result.output
    )
    assert count(session, copy, Stance) == 0 and count(session, copy, Relation) == 0
