"""The sentence classifier's maths, pure (no Flask, no SQLAlchemy): train, evaluate, save as JSON.

TF-IDF over word unigrams and bigrams, then multinomial logistic regression: per sentence,
one class among the label keys and ``NONE`` (no stance there). The fitted model is kept as
plain JSON (vocabulary, idf, coefficients, intercepts; never pickle, which would execute
code when loaded) and predicted with numpy on a vectorizer rebuilt from that vocabulary.
"""

from __future__ import annotations

import math
import re
import warnings
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn (and SciPy) cost ~150 MB and 1 s to import: only when used
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

NONE = ""  # the class of a sentence without a stance
FORMAT = "sentence-classifier/2"
MAX_FEATURES = 50_000
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def analyze(text: str) -> list[str]:
    """Lower-cased word unigrams and bigrams, as scikit-learn's word n-grams would give.

    Written out because it is twice as fast as the vectorizer's own n-gram loop (measured on
    200,000 sentences: 12 s against 28 s), and vectorizing is most of the training time.
    """
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _vectorizer(min_df: int = 1, vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=analyze,
        min_df=min_df,
        max_features=None if vocabulary else MAX_FEATURES,
        vocabulary=vocabulary,
        sublinear_tf=True,
        dtype=np.float32,
    )


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # a label key, or NONE
    group: int  # the statement: held-out splits never cut a statement in two


def is_held_out(group: int, share: int = 5) -> bool:
    """One statement in ``share`` is held out, chosen by a hash: stable across trainings."""
    return zlib.crc32(str(group).encode()) % share == 0


def _artefact(vectorizer: TfidfVectorizer, model: LogisticRegression) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "vocabulary": {term: int(i) for term, i in vectorizer.vocabulary_.items()},
        "idf": _floats(vectorizer.idf_),
        "classes": [str(c) for c in model.classes_],
        "coef": [_floats(row) for row in model.coef_],
        "intercept": _floats(model.intercept_),
    }


def _floats(values) -> list[float]:
    return [round(float(v), 6) for v in values]


class SentenceModel:
    """A fitted classifier read back from its JSON artefact."""

    def __init__(self, artefact: dict[str, Any]) -> None:
        if artefact.get("format") != FORMAT:
            raise ValueError(f"not a sentence classifier: {artefact.get('format')!r}")
        self.vectorizer = _vectorizer(vocabulary=artefact["vocabulary"])
        self.vectorizer.idf_ = np.asarray(artefact["idf"], dtype=np.float32)
        self.classes = list(artefact["classes"])
        self.coef = np.asarray(artefact["coef"], dtype=np.float32)
        self.intercept = np.asarray(artefact["intercept"], dtype=np.float32)
        self.targets: dict[str, dict[str, int]] = artefact.get("targets", {})  # per label

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The most likely class of each text and its probability."""
        if not texts:
            return []
        scores = self.vectorizer.transform(texts) @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # binary: one row of coefficients for the second class
            p1 = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            probs = np.column_stack([1.0 - p1, p1])
        else:
            scores = scores - scores.max(axis=1, keepdims=True)
            exp = np.exp(scores)
            probs = exp / exp.sum(axis=1, keepdims=True)
        best = probs.argmax(axis=1)
        return [(self.classes[i], float(probs[row, i])) for row, i in enumerate(best)]


def evaluate(predicted: Sequence[str], truth: Sequence[str]) -> dict[str, float | int | None]:
    """Precision and recall of the stance sentences (any label but NONE) and accuracy.

    A proposal counts as correct when its label is the true one; precision is None when
    nothing was proposed (there is nothing to be precise about).
    """
    proposed = sum(1 for p in predicted if p != NONE)
    relevant = sum(1 for t in truth if t != NONE)
    correct = sum(1 for p, t in zip(predicted, truth, strict=True) if p != NONE and p == t)
    precision = correct / proposed if proposed else None
    recall = correct / relevant if relevant else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision and recall and precision + recall
        else 0.0
    )
    hits = sum(1 for p, t in zip(predicted, truth, strict=True) if p == t)
    accuracy = hits / len(truth) if truth else None
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": accuracy,
        "proposed": proposed,
        "relevant": relevant,
        "n": len(truth),
    }


def majority_baseline(train: Sequence[Example], held: Sequence[Example]) -> dict[str, Any]:
    """The figures of always answering the most frequent training class."""
    majority = Counter(e.label for e in train).most_common(1)[0][0] if train else NONE
    figures = evaluate([majority] * len(held), [e.label for e in held])
    return {"class": majority, **figures}


def train_and_evaluate(
    examples: Sequence[Example], *, refit_on_all: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit on the training statements, measure on the held-out ones, then refit on all.

    The vocabulary and idf come from every sentence (no labels are read there), so the text
    is vectorized once; the final fit starts from the first one's coefficients. Returns the
    artefact and the metrics (held-out figures and the majority baseline).
    ValueError when the examples cannot make a model.
    """
    held_out = np.array([is_held_out(e.group) for e in examples], dtype=bool)
    labels = np.array([e.label for e in examples], dtype=object)
    if held_out.all() or not held_out.any():
        raise ValueError("too few statements to hold some out for evaluation")
    if len(set(labels[~held_out])) < 2:
        raise ValueError("the classifier needs sentences of at least two kinds (stance or not)")
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    vectorizer = _vectorizer(min_df=2 if len(examples) >= 1000 else 1)
    matrix = vectorizer.fit_transform([e.text for e in examples])
    model = LogisticRegression(C=2.0, max_iter=200, tol=1e-3, warm_start=refit_on_all)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol is loose on purpose
        model.fit(matrix[~held_out], labels[~held_out])
        predicted = [str(p) for p in model.predict(matrix[held_out])]
        metrics = {
            **evaluate(predicted, [str(t) for t in labels[held_out]]),
            "baseline": majority_baseline(
                [e for e, h in zip(examples, held_out, strict=True) if not h],
                [e for e, h in zip(examples, held_out, strict=True) if h],
            ),
            "train_sentences": int((~held_out).sum()),
            "held_out_sentences": int(held_out.sum()),
        }
        if refit_on_all and len(set(labels)) == len(model.classes_):
            model.fit(matrix, labels)
    return _artefact(vectorizer, model), _finite(metrics)


def _finite(metrics: dict[str, Any]) -> dict[str, Any]:
    """JSON has no NaN: round the figures and keep None as None."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            out[key] = _finite(value)
        elif isinstance(value, float):
            out[key] = None if math.isnan(value) else round(value, 4)
        else:
            out[key] = value
    return out
