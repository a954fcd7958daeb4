"""Pure parts of the suggestions, tested with plain data: no app, no database."""

from __future__ import annotations

import json
import random

import pytest

from annotator.suggestions import ls_protocol
from annotator.suggestions.packing import pack, unpack
from annotator.suggestions.sentence_model import (
    NONE,
    Example,
    SentenceModel,
    evaluate,
    train_and_evaluate,
)
from annotator.text.sentences import split_sentences
from annotator.text.span_memory import (
    LabelledSpan,
    SpanMatcher,
    build_memory,
    from_json,
    to_json,
)

from .suggestion_helpers import rule_sentence


def spans(*rows):
    return [LabelledSpan(*row) for row in rows]


def test_memory_gold_first_then_majority_with_frequency_score():
    memory = build_memory(
        spans(
            ("Teheran", "claim", "iran", 1),
            ("Teheran", "claim", "iran", 2),
            ("Teheran", "condemnation", "iran", 3),
            ("the regime", "claim", None, 1),
            ("the regime", "condemnation", "iran", 2, True),  # gold wins alone
            (" x ", "claim", None, 1),  # too short once stripped
        )
    )
    by_text = {e.text: e for e in memory}
    assert set(by_text) == {"Teheran", "the regime"}
    assert (by_text["Teheran"].label, by_text["Teheran"].score) == ("claim", 0.6667)
    assert (by_text["the regime"].label, by_text["the regime"].target) == ("condemnation", "iran")
    assert by_text["the regime"].only_statement == 2 and by_text["Teheran"].only_statement is None


def test_matcher_longest_wins_on_word_boundaries_with_code_point_offsets():
    memory = build_memory(
        spans(
            ("Iran", "claim", "iran", 1),
            ("Iran's missile strikes", "claim", "iran", 2),
            ("missile", "support", None, 3),
            ("ran", "claim", None, 4),
        )
    )
    text = "🇮🇷 Iran's missile strikes; Iranian Iran. Teheran missile"
    found = [(m.start, m.end, m.entry.text) for m in SpanMatcher(memory).find(text)]
    start = text.index("Iran's")
    assert found == [
        (start, start + 22, "Iran's missile strikes"),
        (text.index("Iran."), text.index("Iran.") + 4, "Iran"),
        (text.rindex("missile"), len(text), "missile"),
    ]
    for s, e, t in found:
        assert text[s:e] == t


def test_matcher_ignore_case_and_leave_one_statement_out():
    entries, ignore_case = from_json(
        json.loads(
            json.dumps(
                to_json(
                    build_memory(spans(("Mullah Regime", "claim", None, 7)), ignore_case=True), True
                )
            )
        )
    )
    matcher = SpanMatcher(entries, ignore_case=ignore_case)
    text = "The mullah regime said"
    assert [(m.start, m.end) for m in matcher.find(text)] == [(4, 17)]
    assert matcher.find(text, statement=7) == []
    assert SpanMatcher([]).find(text) == []


def test_sentences_split_on_ends_not_on_lower_case_continuations():
    text = "Iran struck. Pakistan answered!  “Why?” he asked. e.g. this stays.\nNew line"
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "Iran struck.",
        "Pakistan answered!",
        "“Why?” he asked. e.g. this stays.",
        "New line",
    ]


def test_classifier_beats_the_majority_baseline_on_held_out_statements():
    rng = random.Random(3)
    examples = [
        Example(sentence, label, group)
        for group in range(300)
        for sentence, label, _ in (rule_sentence(rng) for _ in range(4))
    ]
    artefact, metrics = train_and_evaluate(examples)
    baseline = metrics["baseline"]
    assert metrics["precision"] >= 0.95 and metrics["recall"] >= 0.95
    assert metrics["accuracy"] >= baseline["accuracy"] + 0.4
    assert baseline["class"] == NONE and baseline["precision"] is None
    model = SentenceModel(json.loads(json.dumps(artefact)))  # JSON only, no pickle
    assert model.predict(["The committee condemns Iraq and the region."])[0][0] == "condemnation"


def test_packed_artefacts_read_back_equal_and_plain_ones_as_they_are():
    artefact = {"format": "x/1", "vocabulary": {"café": 0, "ist": 1}, "coef": [[0.5, -1e-06]]}
    packed = pack(artefact)
    assert set(packed) == {"packed", "data"} and packed["data"].isascii()
    assert unpack(json.loads(json.dumps(packed))) == artefact  # through a JSON column
    assert unpack(artefact) is artefact  # written before packing
    with pytest.raises(ValueError, match="unknown packing"):
        unpack({"packed": "pickle", "data": ""})


def test_classifier_needs_two_kinds_and_held_out_statements():
    with pytest.raises(ValueError, match="two kinds"):
        train_and_evaluate([Example("a b c", NONE, g) for g in range(50)])
    with pytest.raises(ValueError, match="hold some out"):
        train_and_evaluate([Example("a b c", "claim", 1), Example("d e", NONE, 1)])


def test_evaluate_counts_precision_and_recall_of_stance_sentences():
    figures = evaluate(["claim", NONE, "support", "claim"], ["claim", "claim", NONE, "support"])
    assert (figures["precision"], figures["recall"], figures["accuracy"]) == (1 / 3, 1 / 3, 0.25)
    assert evaluate([NONE], [NONE])["precision"] is None


TASKS = [ls_protocol.task(1, "Teheran claims to have hit"), ls_protocol.task(2, "Iraq 🇮🇶 protests")]


def result(start, end, text, label="claim", **extra):
    value = {"start": start, "end": end, "text": text, "labels": [label]}
    return {
        "id": f"r{start}",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": value,
        **extra,
    }


def test_parse_keeps_valid_items_and_counts_what_it_drops():
    body = {
        "model_version": "m1",
        "results": [
            {
                "result": [
                    result(0, 7, "Teheran", score=0.9),
                    {
                        "id": "r0",
                        "from_name": "target",
                        "type": "textarea",
                        "value": {"text": ["Iran (iran)"]},
                    },
                    result(0, 99, "x"),  # offsets outside the text
                    result(8, 14, "claimz"),  # text does not match the span
                    result(0, 7, "Teheran", label="rumour"),  # unknown label
                    result(0, 7, "Teheran", score=1.5),  # score out of range
                    "garbage",
                ],
                "score": 0.5,
            },
            {"result": [result(5, 7, "🇮🇶", label="support")], "model_version": "m2"},
            {"result": []},  # one more prediction than tasks
        ],
    }
    parsed = ls_protocol.parse_predictions(body, TASKS, {"claim", "support"})
    assert [(p.task, p.start, p.end, p.label, p.score, p.target) for p in parsed.items] == [
        (1, 0, 7, "claim", 0.9, "iran"),
        (2, 5, 7, "support", 1.0, None),
    ]
    assert dict(parsed.dropped) == {
        "offsets": 1,
        "text_mismatch": 1,
        "unknown_label": 1,
        "bad_score": 1,
        "bad_shape": 1,
        "extra_prediction": 1,
    }
    assert parsed.model_version == "m2"


@pytest.mark.parametrize("body", [None, "text", {"results": "x"}, 42, {"data": []}])
def test_parse_of_garbage_keeps_nothing(body):
    parsed = ls_protocol.parse_predictions(body, TASKS, {"claim"})
    assert parsed.items == [] and sum(parsed.dropped.values()) >= 1


def test_labeling_config_and_webhook_bodies():
    config = ls_protocol.label_config(["claim", 'a"b'])
    assert '<Label value="claim"/>' in config and "value='a\"b'" in config
    annotation = {
        "id": 3,
        "result": ls_protocol.annotation_result(
            {"id": 3, "start": 0, "end": 7, "text": "Teheran", "label": "claim", "target": "iran"}
        ),
    }
    body = ls_protocol.webhook_request("ANNOTATION_CREATED", annotation, TASKS[0], {"id": "1.0"})
    assert body["action"] == "ANNOTATION_CREATED" and len(body["annotation"]["result"]) == 2
    with pytest.raises(ValueError):
        ls_protocol.webhook_request("PROJECT_DELETED", annotation, TASKS[0], {})
