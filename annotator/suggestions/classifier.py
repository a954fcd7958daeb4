"""The sentence classifier recommender: train on the project's finished work, propose sentences.

The label comes from the model; the target from the actors mentioned in the sentence
(annotator/text/mentions.py through the workspace's cached registry), preferring the actor
most often targeted under that label in the training data. The holder is left to the
stance service's default (the issuing organisation).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable

from sqlalchemy.orm import Session

from annotator.annotation.workspace import statement_mentions
from annotator.errors import Invalid
from annotator.models import Project, RecommenderModel, Statement
from annotator.suggestions import sentence_model
from annotator.suggestions.consensus import sentence_examples
from annotator.suggestions.memory import ModelCache
from annotator.suggestions.proposals import Proposal, actor_ids, label_ids
from annotator.text.sentences import split_sentences

_MODELS = ModelCache(8, sentence_model.SentenceModel)


def train_classifier(
    session: Session, project: Project, after_read: Callable[[], None] | None = None
) -> dict:
    """Fit, evaluate on held-out statements and return the JSON artefact with its figures.

    ``after_read`` runs between reading the examples and fitting: a job passes its commit,
    so no read transaction stays open through the fit (on SQLite a long reader keeps the
    WAL from being checkpointed while the web workers write).
    """
    data = sentence_examples(session, project)
    if after_read is not None:
        after_read()
    try:
        artefact, metrics = sentence_model.train_and_evaluate(data.examples)
    except ValueError as exc:
        raise Invalid(
            f"Cannot train the classifier yet: {exc} ({data.statements} finished statements)."
        ) from None
    artefact["targets"] = {label: dict(c.most_common(50)) for label, c in data.targets.items()}
    metrics["statements"] = data.statements
    return {
        "artefact": artefact,
        "training_size": len(data.examples),
        "metrics": metrics,
        "precision": metrics["precision"],
        "recall": metrics["recall"],
    }


def loaded(session: Session, model: RecommenderModel) -> sentence_model.SentenceModel:
    """The classifier of a stored artefact, read once per process and model."""
    return _MODELS.get(session, model)


def propose(
    session: Session, project: Project, statement: Statement, model: RecommenderModel
) -> list[Proposal]:
    """One proposal per sentence the model gives a label, with a target from its mentions."""
    sentences = split_sentences(statement.text)
    classifier = loaded(session, model)
    predicted = classifier.predict([statement.text[s:e] for s, e in sentences])
    chosen = [
        (span, label, p)
        for span, (label, p) in zip(sentences, predicted, strict=True)
        if label != sentence_model.NONE
    ]
    if not chosen:
        return []
    mentions, _names = statement_mentions(session, project, statement)
    starts = [m.start for m in mentions]
    stats = classifier.targets
    picks = [_target(mentions, starts, span, stats.get(label, {})) for span, label, _ in chosen]
    actors = actor_ids(session, project, picks)
    labels = label_ids(project)
    return [
        Proposal(start, end, labels[label], p, actors.get(pick) if pick else None)
        for ((start, end), label, p), pick in zip(chosen, picks, strict=True)
        if label in labels
    ]


def _target(mentions, starts, span: tuple[int, int], counts: dict[str, int]) -> str | None:
    """The mentioned actor most often targeted under this label, else the first mentioned."""
    inside = mentions[bisect_left(starts, span[0]) : bisect_right(starts, span[1] - 1)]
    keys = [m.actor for m in inside if m.end <= span[1]]
    if not keys:
        return None
    return max(keys, key=lambda k: (counts.get(k, 0), -keys.index(k)))
