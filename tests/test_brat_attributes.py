"""brat attributes in ``import-brat``: a mapping key ``Type:Attribute=Value`` places an
entity by its attribute (the Argument Annotated Essays' ``Stance`` For/Against on claims);
unknown T ids, unmapped values and bad keys are refused at file:line, nothing imported."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.formats import FormatError, brat
from annotator.formats.brat_mapping import LabelMap, Unplaced
from annotator.models import Relation, Stance, Statement
from annotator.projects.labels import create_label

from .test_export_data import live_stances
from .test_relation_exchange import count, essay_folder

ESSAY = "Cloning is good. It saves lives. But it is risky. Some say so.\n"
ANN = (
    "T1\tMajorClaim 0 15\tCloning is good\n"
    "T2\tPremise 17 31\tIt saves lives\n"
    "T3\tClaim 33 48\tBut it is risky\n"
    "T4\tClaim 50 62\tSome say so.\n"
    "A1\tStance T3 Against\n"
    "A2\tStance T4 For\n"
    "R1\tsupports Arg1:T2 Arg2:T1\n"
    "R2\tattacks Arg1:T3 Arg2:T1\n"
    "R3\tsupports Arg1:T4 Arg2:T1\n"
)
MAP = ["--map", "claim=MajorClaim", "--map", "premise=Premise", "--map", "pro=Claim:Stance=For",
       "--map", "contra=Claim:Stance=Against"]  # fmt: skip


def project_with_sides(session):
    """A project with premise, pro and contra labels (no target needed)."""
    from .factories import make_project

    project = make_project(session, "aae")
    for key in ("premise", "pro", "contra"):
        create_label(session, project, key, name=key.title(), requires_target=False)
    session.commit()
    return project


def imported(session, project):
    return sorted((s.start, s.label.key) for s in live_stances(session, project))


def test_claims_are_placed_by_their_stance_attribute_with_map_options(session, runner, tmp_path):
    project = project_with_sides(session)
    folder = essay_folder(tmp_path, ANN, ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), *MAP])
    assert result.exit_code == 0, result.output
    assert "0 annotator and 4 gold stances" in result.output and "3 relations" in result.output
    assert imported(session, project) == [(0, "claim"), (17, "premise"), (33, "contra"),
                                          (50, "pro")]  # fmt: skip
    ends = session.scalars(select(Relation).order_by(Relation.id)).all()
    assert [(r.from_stance.label.key, r.type.key) for r in ends] == [
        ("premise", "supports"), ("contra", "attacks"), ("pro", "supports"),
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_a_mapping_file_takes_attribute_keys(session, runner, tmp_path, suffix):
    project = project_with_sides(session)
    mapping = tmp_path / f"aae{suffix}"
    if suffix == ".toml":
        mapping.write_text(
            '[labels]\nMajorClaim = "claim"\nPremise = "premise"\n'
            '"Claim:Stance=For" = "pro"\n"Claim:Stance=Against" = "contra"\n', "utf-8"
        )  # fmt: skip
    else:
        mapping.write_text(
            '{"labels": {"MajorClaim": "claim", "Premise": "premise", '
            '"Claim:Stance=For": "pro", "Claim:Stance=Against": "contra"}}', "utf-8"
        )  # fmt: skip
    folder = essay_folder(tmp_path, ANN, ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    assert imported(session, project)[2:] == [(33, "contra"), (50, "pro")]


def test_the_type_alone_places_a_claim_without_the_attribute(session, runner, tmp_path):
    project = project_with_sides(session)
    ann = ANN.replace("A2\tStance T4 For\n", "")
    folder = essay_folder(tmp_path, ann, ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), *MAP, "--map", "claim=Claim"])
    assert result.exit_code == 0, result.output
    assert imported(session, project)[2:] == [(33, "contra"), (50, "claim")]


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (lambda a: a.replace("Stance T4 For", "Stance T9 For"), "essay001.ann:6", "T9 is not"),
        (lambda a: a.replace("Stance T4 For", "Stance T4 Neutral"), "essay001.ann:6",
         "T4: Claim:Stance=Neutral is not mapped (the map has Claim:Stance=Against, "
         "Claim:Stance=For)"),
        (lambda a: a.replace("A2\tStance T4 For\n", ""), "essay001.ann:4",
         "T4: Claim has no Stance attribute and 'Claim' alone is not mapped"),
        (lambda a: a + "A3\tStance T4 Against\n", "essay001.ann:10", "T4 has a second Stance"),
        (lambda a: a.replace("A1\tStance T3", "A1\tStance R1"), "essay001.ann:5", "R1 is not"),
    ],
)  # fmt: skip
def test_bad_attributes_are_refused_at_file_and_line(
    session, runner, tmp_path, change, where, words
):
    project = project_with_sides(session)
    folder = essay_folder(tmp_path, change(ANN), ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), *MAP])
    assert result.exit_code == 1, result.output
    assert f"{where}: {words}" in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1 and "nothing was imported" in result.output
    assert count(session, project, Stance) == 0 and count(session, project, Relation) == 0
    assert session.scalar(select(func.count()).select_from(Statement)) == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--map", "pro=Claim:Stance"], "'Claim:Stance' is neither a brat type nor"),
        (["--map", "pro=Claim:Stance=For=x"], "is neither a brat type nor"),
        (["--map", "supports=supports:Kind=x"], "relation type 'supports:Kind=x' takes no"),
    ],
)
def test_bad_attribute_keys_are_refused(session, runner, tmp_path, args, words):
    project = project_with_sides(session)
    folder = essay_folder(tmp_path, ANN, ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), *args])
    assert result.exit_code == 1 and words in result.output, result.output
    assert count(session, project, Stance) == 0


def test_a_mapping_file_with_a_bad_key_names_the_file(session, runner, tmp_path):
    project_with_sides(session)
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[relations]\n"supports:Kind=x" = "supports"\n', "utf-8")
    folder = essay_folder(tmp_path, ANN, ESSAY)
    result = runner.invoke(args=["import-brat", "aae", str(folder), "--mapping", str(mapping)])
    assert result.exit_code == 1 and "bad.toml: relation type 'supports:Kind=x'" in result.output


def test_an_import_parses_the_label_mapping_once(session, runner, tmp_path, monkeypatch):
    """Three documents, read in three passes: one parse of the mapping, not one per reading."""
    project = project_with_sides(session)
    folder = essay_folder(tmp_path, ANN, ESSAY)
    for k in (2, 3):
        (folder / f"essay00{k}.txt").write_text(ESSAY + " " * k, "utf-8")
        (folder / f"essay00{k}.ann").write_text(ANN, "utf-8")
    parses = []
    parse = LabelMap.of

    def counted(mapping):
        parses.append(dict(mapping))
        return parse(mapping)

    monkeypatch.setattr(LabelMap, "of", counted)
    result = runner.invoke(args=["import-brat", "aae", str(folder), *MAP])
    assert result.exit_code == 0, result.output
    assert "0 annotator and 12 gold stances" in result.output
    assert len(parses) == 1 and parses[0]["Claim:Stance=For"] == "pro"
    assert len(live_stances(session, project)) == 12


# --- the pure parts -----------------------------------------------------------------


def test_label_map_prefers_the_attribute_and_refuses_two_labels():
    labels = LabelMap.of({"Claim": "claim", "Claim:Stance=For": "pro", "Claim:Side=left": "x"})
    assert labels.label("Claim", {}) == "claim"
    assert labels.label("Claim", {"Stance": ("For", 3)}) == "pro"
    assert labels.label("Claim", {"Other": ("y", 4)}) == "claim"
    with pytest.raises(Unplaced, match="Claim:Side=left and Claim:Stance=For map to different"):
        labels.label("Claim", {"Stance": ("For", 3), "Side": ("left", 4)})
    with pytest.raises(Unplaced) as refused:
        labels.label("Claim", {"Stance": ("Against", 7)})
    assert refused.value.line == 7
    assert not labels.knows("Premise") and labels.knows("Claim")


def test_read_document_keeps_our_polarity_and_places_relation_ends_after_attributes():
    text = "Iran condemns the strikes."
    ann = "T1\tClaim 0 4\tIran\nT2\tClaim 5 13\tcondemns\nR1\trel Arg1:T1 Arg2:T2\n" \
          "A1\tPolarity T2 negative\nA2\tSide T2 against\n"  # fmt: skip
    bundle = brat.read_document(
        "doc", text, ann, labels={"Claim": "claim", "Claim:Side=against": "condemnation"},
        relation_types={"rel": "supports"},
    )  # fmt: skip
    assert [(s["label"], s["polarity"]) for s in bundle["stances"]] == [
        ("claim", None), ("condemnation", "negative"),
    ]  # fmt: skip
    (relation,) = bundle["relations"]
    assert (relation["from"]["label"], relation["to"]["label"]) == ("claim", "condemnation")
    with pytest.raises(FormatError, match="neither a brat type"):
        brat.read_document("doc", text, ann, labels={"Claim:": "x"}, relation_types={})
    parsed = LabelMap.of({"Claim": "claim", "Claim:Side=against": "condemnation"})
    again = brat.read_document("doc", text, ann, labels=parsed, relation_types={"rel": "supports"})
    assert again == bundle
