"""``annotator export``: every format through the real services and CLI, bad input, streaming."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest
from sqlalchemy import select

from annotator.exchange import bundles as export_bundles
from annotator.exchange import export as export_service
from annotator.formats import EXPORTERS, Exporter
from annotator.formats.stance_readers import read_stance_lines
from annotator.models import Actor, Statement

from .test_export_data import (
    SCHEMA,
    actor_results,
    assert_offsets_in,
    demo_with_stances,
    live_stances,
    unicode_project,
)

PROJECTS = {"demo": lambda session: demo_with_stances(session)[0], "uni": unicode_project}


def run_export(runner, *args):
    """Invoke the CLI; returns the click result."""
    return runner.invoke(args=["export", *args])


def texts(session, project) -> dict[str, str]:
    """External id -> statement text."""
    rows = session.execute(
        select(Statement.external_id, Statement.text).where(Statement.project_id == project.id)
    )
    return dict(rows.all())


@pytest.mark.parametrize("which", PROJECTS)
def test_jsonl_validates_against_the_schema_and_text_is_exact(session, runner, tmp_path, which):
    project = PROJECTS[which](session)
    out = tmp_path / "all.jsonl"
    result = run_export(runner, project.slug, "--format", "jsonl", "--scope", "all", "-o", out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(records) == len(live_stances(session, project))
    statement_texts = texts(session, project)
    for record in records:
        jsonschema.validate(record, SCHEMA)
        assert (
            record["text"]
            == statement_texts[record["statement_id"]][record["start"] : record["end"]]
        )
    gold = [r for r in records if r["scope"] == "gold"]
    assert gold and all(r["annotator"] is None for r in gold)
    meta = json.loads((tmp_path / "all.jsonl.meta.json").read_text("utf-8"))
    assert meta["counts"]["records"] == len(records)
    assert meta["project"]["slug"] == project.slug and meta["scope"] == "all"
    assert [label["key"] for label in meta["labels"]][:3] == ["claim", "condemnation", "support"]


def test_gold_records_carry_votes_and_source_annotators(session, runner):
    demo_with_stances(session)
    result = run_export(runner, "demo", "--format", "jsonl", "--scope", "gold")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by_label = {r["label"]: r for r in records}
    assert set(by_label) == {"claim", "condemnation"}
    assert by_label["condemnation"]["votes"] == 2
    assert by_label["condemnation"]["source_annotators"] == ["annotator1", "annotator2"]
    # annotator2 marked a longer claim span, so only annotator1 voted for the gold span
    assert by_label["claim"]["votes"] == 1
    assert by_label["claim"]["source_annotators"] == ["annotator1"]
    assert by_label["condemnation"]["target"]["wikidata"] == "Q794"


def test_scopes_select_gold_annotators_or_both(session, runner):
    demo_with_stances(session)
    scopes = {}
    for scope in ("gold", "annotators", "all"):
        result = run_export(runner, "demo", "--format", "jsonl", "--scope", scope)
        scopes[scope] = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["scope"] for r in scopes["gold"]} == {"gold"}
    assert {r["annotator"] for r in scopes["annotators"]} == {"annotator1", "annotator2"}
    assert len(scopes["all"]) == len(scopes["gold"]) + len(scopes["annotators"]) == 6
    assert [r["scope"] for r in scopes["all"]][-2:] == ["gold", "gold"]  # gold after annotators


def test_pseudonyms_are_stable_per_project_and_hide_usernames(session, runner):
    project, _ = demo_with_stances(session)
    first = run_export(runner, "demo", "--format", "jsonl", "--scope", "all", "--pseudonymize")
    again = run_export(runner, "demo", "--format", "jsonl", "--scope", "all", "--pseudonymize")
    assert first.stdout == again.stdout
    assert "annotator1" not in first.stdout and "annotator2" not in first.stdout
    records = [json.loads(line) for line in first.stdout.splitlines()]
    names = {r["annotator"] for r in records if r["annotator"]}
    assert len(names) == 2 and all(n.startswith("annotator-") and len(n) == 18 for n in names)
    sources = {n for r in records for n in r.get("source_annotators", [])}
    assert sources <= names
    key = export_service.pseudonym_key("test-secret", project)
    assert export_service.pseudonym(key, "annotator1") in names
    other = export_service.pseudonym_key("test-secret", type(project)(id=99, slug="other"))
    assert export_service.pseudonym(other, "annotator1") not in names


def test_the_bom_is_refused_for_formats_that_are_not_csv(session, runner, tmp_path):
    demo_with_stances(session)
    out = tmp_path / "x.jsonl"
    result = run_export(runner, "demo", "--format", "jsonl", "--csv-bom", "-o", out)
    assert result.exit_code == 1 and "BOM is for the csv and actors formats" in result.output
    assert not out.exists()
    actors = tmp_path / "actors.csv"
    result = run_export(runner, "demo", "--format", "actors", "--csv-bom", "-o", actors)
    assert result.exit_code == 0
    assert actors.read_bytes().startswith("\ufeff".encode())


@pytest.mark.parametrize("which", PROJECTS)
def test_csv_reads_back_with_the_csv_module(session, runner, tmp_path, which):
    project = PROJECTS[which](session)
    out = tmp_path / "x.csv"
    args = ("--format", "csv", "--scope", "all", "--csv-bom", "-o", out)
    assert run_export(runner, project.slug, *args).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(live_stances(session, project))
    statement_texts = texts(session, project)
    for row in rows:
        covered = statement_texts[row["statement_id"]][int(row["start"]) : int(row["end"])]
        expected = "'" + covered if covered.startswith(("=", "+", "-", "@")) else covered
        assert row["text"] == expected
    if which == "uni":
        assert any(row["text"] == "'=SUM(A1)" for row in rows)  # formula neutralised
        assert any(row["text"] == "\u062f\u0627\u0639\u0634" for row in rows)


@pytest.mark.parametrize("which", PROJECTS)
def test_semeval_conll_doccano_label_studio_statements_actors(session, runner, tmp_path, which):
    project = PROJECTS[which](session)
    n_statements = len(texts(session, project))
    outputs = {}
    for name in ("semeval", "conll", "doccano", "label-studio", "statements-jsonl", "actors"):
        out = tmp_path / f"x-{name}"
        result = run_export(runner, project.slug, "--format", name, "--scope", "all", "-o", out)
        assert result.exit_code == 0, result.output
        outputs[name] = out.read_text("utf-8")
    semeval = outputs["semeval"].split("\n")
    assert semeval[0] == "ID\tTarget\tTweet\tStance"
    rows = [line.split("\t") for line in semeval[1:] if line]
    assert rows and all(len(r) == 4 and r[3] in ("FAVOR", "AGAINST", "NONE") for r in rows)
    conll = outputs["conll"]
    assert conll.count("# statement_id = ") >= n_statements
    tokens = [x.split("\t") for x in conll.splitlines() if x and not x.startswith("#")]
    assert tokens and all(len(t) == 4 and int(t[1]) < int(t[2]) for t in tokens)
    tags = [t[3] for t in tokens]
    assert "B-condemnation" in tags and any(tag.startswith("I-") for tag in tags)
    assert all(tag == "O" or tag[:2] in ("B-", "I-") for tag in tags)
    doccano = [json.loads(line) for line in outputs["doccano"].splitlines()]
    assert len(doccano) == n_statements and any(d["label"] for d in doccano)
    tasks = json.loads(outputs["label-studio"])
    assert len(tasks) == n_statements
    assert any(a.get("ground_truth") for t in tasks for a in t["annotations"])
    items = list(read_stance_lines(outputs["statements-jsonl"].splitlines()))
    assert len(items) == n_statements
    assert sum(len(item["stances"]) for _n, item in items) == len(live_stances(session, project))
    actor_rows = list(csv.DictReader(outputs["actors"].splitlines()))
    actors = session.scalars(select(Actor).where(Actor.project_id == project.id)).all()
    assert {r["id"] for r in actor_rows} == {a.key for a in actors}


@pytest.mark.parametrize("which", PROJECTS)
def test_hf_folder_loads_with_datasets(session, runner, tmp_path, which):
    datasets = pytest.importorskip("datasets")
    project = PROJECTS[which](session)
    folder = tmp_path / "hf"
    args = ("--format", "hf", "--scope", "all", "--split", "0.5,0.25,0.25", "--seed", "3")
    result = run_export(runner, project.slug, *args, "--licence", "cc-by-4.0", "-o", folder)
    assert result.exit_code == 0, result.output
    data = datasets.load_dataset("json", data_dir=str(folder), cache_dir=str(tmp_path / "c"))
    assert sum(len(split) for split in data.values()) == len(live_stances(session, project))
    first = next(iter(data.values()))[0]
    assert (
        first["text"]
        == texts(session, project)[first["statement_id"]][first["start"] : first["end"]]
    )
    card = (folder / "README.md").read_text("utf-8")
    assert "cc-by-4.0" in card and "code point" in card
    assert (tmp_path / "hf.meta.json").exists()


def test_stdout_export_writes_no_sidecar(session, runner, tmp_path, monkeypatch):
    demo_with_stances(session)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    result = run_export(runner, "demo", "--format", "doccano", "--scope", "annotators")
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1
    assert list((tmp_path / "cwd").iterdir()) == []


@pytest.mark.parametrize(
    "args, message",
    [
        (("nope", "--format", "jsonl"), "Unknown project 'nope'."),
        (("demo", "--format", "xmi"), "Unknown format 'xmi'; use one of jsonl"),
        (("demo", "--format", "jsonl", "--scope", "best"), "Unknown scope 'best'"),
        (("demo", "--format", "hf", "--split", "0.5,0.5"), "--split needs three numbers"),
        (("demo", "--format", "hf", "--split", "0.5,0.5,0.5"), "must sum to 1"),
        (
            ("demo", "--format", "doccano", "--option", "doccano_offsets=graphemes"),
            "Option doccano_offsets must be one of codepoints, utf16, not 'graphemes'.",
        ),
        (
            ("demo", "--format", "label-studio", "--option", "label_studio_actors=no"),
            "Option label_studio_actors must be one of true, false, not 'no'.",
        ),
        (
            ("demo", "--format", "csv", "--option", "doccano_offsets=utf16"),
            "The csv format has no option 'doccano_offsets'; it takes no options.",
        ),
        (
            ("demo", "--format", "doccano", "--option", "label_studio_offsets=utf16"),
            "The doccano format has no option 'label_studio_offsets'; it takes doccano_offsets.",
        ),
        (("demo", "--format", "doccano", "--option", "utf16"), "--option needs KEY=VALUE"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_leaves_no_file(session, runner, tmp_path, args, message):
    demo_with_stances(session)
    out = tmp_path / "out" / "data.x"
    result = run_export(runner, *args, "-o", out)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize(
    "name, options, unit",
    [
        ("doccano", [], "utf16"),
        ("doccano", ["doccano_offsets=codepoints"], "codepoints"),
        ("doccano", ["doccano_offsets=utf16"], "utf16"),
        ("label-studio", [], "codepoints"),
        ("label-studio", ["label_studio_offsets=utf16"], "utf16"),
    ],
)
def test_offset_options_choose_the_unit(session, runner, name, options, unit):
    project = unicode_project(session)
    args = [arg for option in options for arg in ("--option", option)]
    result = run_export(runner, "uni", "--format", name, *args)
    assert result.exit_code == 0, result.output
    assert_offsets_in(unit, name, result.stdout, session, project)


def test_label_studio_actors_option_and_the_sidecar(session, runner, tmp_path):
    unicode_project(session)
    out = tmp_path / "ls.json"
    base = ("uni", "--format", "label-studio", "--scope", "all")
    assert actor_results(run_export(runner, *base).stdout) > 0
    args = ("--option", "label_studio_actors=false", "--option", "label_studio_offsets=utf16")
    assert run_export(runner, *base, *args, "-o", out).exit_code == 0
    assert actor_results(out.read_text("utf-8")) == 0
    meta = json.loads((tmp_path / "ls.json.meta.json").read_text("utf-8"))
    assert meta["options"] == {"label_studio_actors": False, "label_studio_offsets": "utf16"}
    assert meta["offsets"] == "UTF-16 code units, end-exclusive"


@pytest.mark.parametrize(
    "args,counted",
    [
        (("--format", "doccano"), "UTF-16"),  # doccano's default
        (("--format", "doccano", "--option", "doccano_offsets=codepoints"), "Unicode code points"),
        (("--format", "label-studio"), "Unicode code points"),
        (("--format", "jsonl"), "Unicode code points"),
    ],
)
def test_the_sidecar_names_the_offset_unit_the_file_uses(session, runner, tmp_path, args, counted):
    unicode_project(session)
    out = tmp_path / "out.json"
    assert run_export(runner, "uni", *args, "--scope", "all", "-o", out).exit_code == 0
    meta = json.loads((tmp_path / "out.json.meta.json").read_text("utf-8"))
    assert meta["offsets"].startswith(counted)


def test_hf_needs_an_output_folder_and_files_need_a_file(session, runner, tmp_path):
    demo_with_stances(session)
    result = run_export(runner, "demo", "--format", "hf")
    assert result.exit_code == 1 and "writes a folder: give it with -o" in result.output
    result = run_export(runner, "demo", "--format", "csv", "-o", tmp_path)
    assert (
        result.exit_code == 1
        and "is a folder; the csv format writes the other kind" in result.output
    )
    (tmp_path / "f").write_text("keep")
    result = run_export(runner, "demo", "--format", "hf", "-o", tmp_path / "f")
    assert result.exit_code == 1 and (tmp_path / "f").read_text() == "keep"


def test_hf_export_replaces_an_earlier_folder(session, runner, tmp_path):
    demo_with_stances(session)
    folder = tmp_path / "hf"
    for scope in ("annotators", "gold"):
        result = run_export(runner, "demo", "--format", "hf", "--scope", scope, "-o", folder)
        assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "hf.meta.json").read_text("utf-8"))
    assert meta["scope"] == "gold" and meta["counts"]["records"] == 2
    lines = [json.loads(x) for p in folder.glob("*.jsonl") for x in p.read_text().splitlines()]
    assert len(lines) == 2 and {r["scope"] for r in lines} == {"gold"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hf")]  # no leftovers


def test_a_failing_writer_leaves_no_partial_file_and_keeps_the_old_one(
    session, runner, tmp_path, monkeypatch
):
    demo_with_stances(session)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "data.jsonl"
    out.write_text("previous export\n")

    def broken(bundles, fh, ctx):
        fh.write("half a line")
        raise RuntimeError("disk full")

    monkeypatch.setitem(EXPORTERS, "jsonl", Exporter("jsonl", "stream", "x", ".jsonl", "", broken))
    result = run_export(runner, "demo", "--format", "jsonl", "-o", out)
    assert result.exit_code != 0
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["data.jsonl"]


def test_export_reads_in_bounded_batches(session, runner, monkeypatch):
    """Statements come in keyset batches; the output is the same whatever the batch size."""
    unicode_project(session)
    whole = run_export(runner, "uni", "--format", "jsonl", "--scope", "all").stdout
    monkeypatch.setattr(export_bundles, "BATCH", 1)
    assert run_export(runner, "uni", "--format", "jsonl", "--scope", "all").stdout == whole
