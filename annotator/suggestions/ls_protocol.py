"""The Label Studio ML backend protocol as plain data (pure: no Flask, SQLAlchemy or network).

What is sent: ``POST /predict`` with ``{"tasks": [{"id", "data": {"text", ...}}],
"label_config", "project", "params"}``; ``POST /setup`` with the project and its labeling
config (``schema``); ``POST /webhook`` with ``{"action": "ANNOTATION_CREATED", "annotation",
"task", "project"}``. The labeling config is the one docs/export-formats.md gives for the
``label-studio`` export: ``Labels`` named ``label`` on ``Text`` named ``text``, and per-region
``TextArea`` results named ``target`` and ``holder`` holding "Name (key)".

What is read back: ``{"results": [prediction per task]}`` (label-studio-ml 1.x adds a
top-level ``model_version``; 2.x puts it in each prediction; a bare list is accepted too),
each prediction ``{"result": [items], "score", "model_version"}``. Each ``labels`` item must
lie in the text (code points, as current Label Studio counts), cover the text it claims and
carry a label of the project; anything else is dropped and counted by reason, never stored.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

ACTIONS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED")
_KEY_IN_PARENS = re.compile(r"\(([^()]+)\)\s*$")


@dataclass(frozen=True)
class Predicted:
    """One span a model proposed, checked against the task's text and the project's labels."""

    task: int
    start: int
    end: int
    text: str
    label: str
    score: float
    target: str | None = None  # a registry key as the model named it (not yet resolved)
    holder: str | None = None


@dataclass
class Parsed:
    """Valid proposals, the model version and what was dropped, by reason."""

    items: list[Predicted] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    model_version: str = "unknown"


def label_config(labels: Sequence[str]) -> str:
    """The labeling config of the project's labels, as Label Studio would hold it."""
    options = "\n".join(f"    <Label value={quoteattr(key)}/>" for key in labels)
    return (
        '<View>\n  <Labels name="label" toName="text">\n'
        f"{options}\n  </Labels>\n"
        '  <Text name="text" value="$text"/>\n'
        '  <TextArea name="target" toName="text" perRegion="true" editable="true" '
        'maxSubmissions="1"/>\n'
        '  <TextArea name="holder" toName="text" perRegion="true" editable="true" '
        'maxSubmissions="1"/>\n</View>'
    )


def task(task_id: int, text: str, **data: Any) -> dict[str, Any]:
    """One Label Studio task for a statement."""
    return {"id": task_id, "data": {"text": text, **data}}


def predict_request(
    tasks: list[dict], config: str, project: str, params: Mapping | None = None
) -> dict[str, Any]:
    """The body of ``POST /predict``."""
    return {
        "tasks": tasks,
        "label_config": config,
        "project": project,
        "params": dict(params or {}),
    }


def setup_request(config: str, project: str) -> dict[str, Any]:
    """The body of ``POST /setup`` (Label Studio sends it when a backend is connected)."""
    return {"project": project, "schema": config, "model_version": None}


def annotation_result(stance: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A stance as Label Studio result items: its label region and its actors' text areas."""
    place = {"start": stance["start"], "end": stance["end"]}
    rid = f"s{stance['id']}"
    value = {**place, "text": stance["text"], "labels": [stance["label"]]}
    items = [_item(rid, "label", "labels", value)]
    for role in ("target", "holder"):
        if stance.get(role):
            items.append(_item(rid, role, "textarea", {**place, "text": [f"({stance[role]})"]}))
    return items


def _item(rid: str, from_name: str, kind: str, value: dict) -> dict[str, Any]:
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": kind, "value": value}


def webhook_request(
    action: str, annotation: Mapping[str, Any], task_: Mapping[str, Any], project: Mapping
) -> dict[str, Any]:
    """The body of ``POST /webhook`` for one annotation event."""
    if action not in ACTIONS:
        raise ValueError(f"unknown webhook action {action!r}")
    return {
        "action": action,
        "annotation": dict(annotation),
        "task": dict(task_),
        "project": dict(project),
    }


def parse_predictions(body: Any, tasks: Sequence[Mapping], labels: set[str]) -> Parsed:
    """Check a ``/predict`` answer item by item against the tasks sent."""
    parsed = Parsed()
    if isinstance(body, Mapping) and isinstance(body.get("results"), list):
        predictions = body["results"]
        parsed.model_version = _version(body.get("model_version"), parsed.model_version)
    elif isinstance(body, list):
        predictions = body
    else:
        parsed.dropped["bad_shape"] += 1
        return parsed
    texts = {t["id"]: t["data"]["text"] for t in tasks}
    for index, prediction in enumerate(predictions):
        if index >= len(tasks):
            parsed.dropped["extra_prediction"] += 1
            continue
        _prediction(prediction, tasks[index]["id"], texts, labels, parsed)
    return parsed


def _version(value: Any, default: str) -> str:
    return str(value)[:100] if isinstance(value, str | int) and str(value).strip() else default


def _prediction(prediction: Any, task_id: int, texts: dict, labels: set[str], parsed) -> None:
    if isinstance(prediction, list):  # some backends send the result list alone
        prediction = {"result": prediction}
    if not isinstance(prediction, Mapping) or not isinstance(prediction.get("result"), list):
        parsed.dropped["bad_shape"] += 1
        return
    task_id = prediction.get("task", task_id)
    if task_id not in texts:
        parsed.dropped["unknown_task"] += 1
        return
    parsed.model_version = _version(prediction.get("model_version"), parsed.model_version)
    default_score = prediction.get("score", 1.0)
    items = [i for i in prediction["result"] if isinstance(i, Mapping)]
    if len(items) < len(prediction["result"]):
        parsed.dropped["bad_shape"] += len(prediction["result"]) - len(items)
    actors = _actors(items)
    for item in items:
        if item.get("type") != "labels":
            continue
        checked = _check(item, texts[task_id], labels, default_score)
        if isinstance(checked, str):
            parsed.dropped[checked] += 1
            continue
        start, end, label, score = checked
        roles = actors.get(item.get("id"), {})
        parsed.items.append(
            Predicted(
                task_id,
                start,
                end,
                texts[task_id][start:end],
                label,
                score,
                roles.get("target"),
                roles.get("holder"),
            )
        )


def _check(item: Mapping, text: str, labels: set[str], default_score: Any):
    """``(start, end, label, score)``, or the reason to drop the item."""
    value = item.get("value")
    if not isinstance(value, Mapping):
        return "bad_shape"
    start, end = value.get("start"), value.get("end")
    if not (_is_int(start) and _is_int(end)) or not 0 <= start < end <= len(text):
        return "offsets"
    if "text" in value and value["text"] != text[start:end]:
        return "text_mismatch"
    names = value.get("labels")
    if not isinstance(names, list) or len(names) != 1 or names[0] not in labels:
        return "unknown_label"
    score = item.get("score", default_score)
    if not isinstance(score, int | float) or isinstance(score, bool) or not 0 <= score <= 1:
        return "bad_score"
    if math.isnan(score):
        return "bad_score"
    return start, end, names[0], float(score)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _actors(items: list[Mapping]) -> dict[Any, dict[str, str]]:
    """Region id -> {"target"/"holder": key} from per-region text areas ("Name (key)")."""
    found: dict[Any, dict[str, str]] = {}
    for item in items:
        role = item.get("from_name")
        value = item.get("value")
        if item.get("type") != "textarea" or role not in ("target", "holder"):
            continue
        texts = value.get("text") if isinstance(value, Mapping) else None
        if isinstance(texts, list) and texts and isinstance(texts[0], str):
            match = _KEY_IN_PARENS.search(texts[0])
            found.setdefault(item.get("id"), {})[role] = (
                match.group(1) if match else texts[0]
            ).strip()
    return found
