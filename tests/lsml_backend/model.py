"""A real Label Studio ML backend (label-studio-ml 1.0.9) for the tests: keyword spans.

Its behaviour is steered through the JSON file named by ``LSML_MODE_FILE``: ``ok`` (valid
predictions), ``garbage`` (one valid item among broken ones), ``error`` (an exception: a
500) or ``sleep`` (answer after ``seconds``). Webhook events reach ``fit``, which appends
them to ``LSML_EVENTS_FILE``.
"""

import json
import os
import time

from label_studio_ml.model import LabelStudioMLBase

KEYWORDS = {"Teheran": ("claim", "Iran (iran)"), "Mullah regime": ("condemnation", "(iran)")}


def _mode():
    with open(os.environ["LSML_MODE_FILE"]) as fh:
        return json.load(fh)


def _region(rid, start, end, text, label, score=0.75):
    value = {"start": start, "end": end, "text": text, "labels": [label]}
    return {
        "id": rid,
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": value,
        "score": score,
    }


class KeywordModel(LabelStudioMLBase):
    def predict(self, tasks, **kwargs):
        mode = _mode()
        if mode["mode"] == "error":
            raise RuntimeError("the model is broken")
        if mode["mode"] == "sleep":
            time.sleep(mode["seconds"])
        return [self._predict(task["data"]["text"], mode["mode"]) for task in tasks]

    def _predict(self, text, mode):
        result = []
        for n, (word, (label, target)) in enumerate(sorted(KEYWORDS.items())):
            start = text.find(word)
            if start < 0:
                continue
            rid = f"k{n}"
            result.append(_region(rid, start, start + len(word), word, label))
            result.append(
                {
                    "id": rid,
                    "from_name": "target",
                    "to_name": "text",
                    "type": "textarea",
                    "value": {"text": [target]},
                }
            )
        if mode == "garbage":
            result = result[:2] + [
                _region("g1", 0, len(text) + 5, "x", "claim"),
                _region("g2", 0, 3, "???", "claim"),
                _region("g3", 0, 3, text[:3], "rumour"),
                _region("g4", 0, 3, text[:3], "claim", score="high"),
            ]
        return {"result": result, "score": 0.5, "model_version": "kw-1"}

    def fit(self, tasks, workdir=None, **kwargs):
        data = kwargs.get("data") or {}
        with open(os.environ["LSML_EVENTS_FILE"], "a") as fh:
            fh.write(json.dumps({"event": kwargs.get("event"), "data": data}) + "\n")
        return {"seen": 1}
