"""Benchmark the suggestion recommenders through the real code paths.

Run from the repository root: ``python bench/suggest_bench.py [--spans N] [--stances N]
[--database-url URL] [--skip-regex]``. Targets (docs/suggestions.md):
(a) span memory: a 20,000-character statement against a memory of 50,000 spans, p50 of
    ``SpanMatcher.find`` < 20 ms; one compiled regex of every span (the mentions.py way)
    is measured beside it;
(b) sentence classifier: ``train_recommender`` on 100,000 stances (read from the database,
    consensus, held-out evaluation, refit on all, JSON artefact stored) < 60 s on 2 cores,
    with its held-out precision and recall against the majority baseline.
Data are generated from a fixed seed and bulk-inserted with Core (the set-up is not timed).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.accounts.users import create_user  # noqa: E402
from annotator.db.migrate import upgrade_schema  # noqa: E402
from annotator.extensions import db  # noqa: E402
from annotator.models import Assignment, Stance, Statement  # noqa: E402
from annotator.projects.projects import create_project, set_member  # noqa: E402
from annotator.suggestions.recommenders import RecommenderInput, create_recommender  # noqa: E402
from annotator.suggestions.training import train_recommender  # noqa: E402
from annotator.text.span_memory import LabelledSpan, SpanMatcher, build_memory  # noqa: E402

LABELS = ("claim", "condemnation", "support")
CUES = {
    "claim": ("claims that", "asserts that", "says that", "alleges that"),
    "condemnation": ("condemns", "denounces", "strongly rejects", "deplores"),
    "support": ("supports", "stands with", "expresses solidarity with", "backs"),
}


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Made-up words; drawn with Zipf-like weights so frequent words repeat as in prose."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(size)]


def draw(rng: random.Random, words: list[str], n: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=n)


def bench_memory(n_spans: int, skip_regex: bool) -> None:
    rng = random.Random(1)
    words = vocabulary(rng)
    spans = [
        LabelledSpan(" ".join(draw(rng, words, rng.randint(1, 4))), rng.choice(LABELS), None, i)
        for i in range(n_spans)
    ]
    began = time.perf_counter()
    memory = build_memory(spans)
    built = time.perf_counter() - began
    began = time.perf_counter()
    matcher = SpanMatcher(memory)
    automaton = time.perf_counter() - began
    text = " ".join(draw(rng, words, 4000))[:20_000]
    runs = []
    for _ in range(50):
        began = time.perf_counter()
        found = matcher.find(text)
        runs.append(time.perf_counter() - began)
    print(
        f"(a) span memory: {n_spans} spans -> {len(memory)} entries (built in {built:.2f} s, "
        f"automaton {automaton:.2f} s); 20,000 characters, {len(found)} matches: "
        f"p50 {statistics.median(runs) * 1000:.1f} ms, "
        f"p95 {sorted(runs)[int(len(runs) * 0.95)] * 1000:.1f} ms"
    )
    if skip_regex:
        return
    began = time.perf_counter()
    keys = sorted((e.text for e in memory), key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")
    compiled = time.perf_counter() - began
    runs = []
    for _ in range(5):
        began = time.perf_counter()
        matches = sum(1 for _ in pattern.finditer(text))
        runs.append(time.perf_counter() - began)
    print(
        f"    one regex of every span: compiled in {compiled:.2f} s, {matches} matches: "
        f"p50 {statistics.median(runs) * 1000:.1f} ms (5 runs)"
    )


def sentence(rng: random.Random, words: list[str]) -> tuple[str, str]:
    """A sentence and its label ("" for none): the label follows the cue it carries."""
    body = " ".join(draw(rng, words, rng.randint(8, 20)))
    if rng.random() < 0.5:
        return f"The {body}.", ""
    label = rng.choice(LABELS)
    return f"The {rng.choice(words)} {rng.choice(CUES[label])} {body}.", label


def seed_classifier(n_stances: int) -> tuple:
    """A project whose one annotator finished every statement: 4 stances in 8 sentences each."""
    rng = random.Random(2)
    words = vocabulary(rng, 5_000)
    project = create_project(db.session, "bench", "Bench")
    user = create_user(db.session, "ann", "bench password", method="pbkdf2:sha256:1000")
    set_member(db.session, project, user, "annotator")
    db.session.flush()
    labels = {label.key: label.id for label in project.labels}
    conn = db.session.connection()
    made, number = 0, 0
    while made < n_stances:
        rows, texts = [], []
        for _ in range(1000):
            number += 1
            sentences = [sentence(rng, words) for _ in range(8)]
            texts.append(sentences)
            rows.append(
                {
                    "project_id": project.id,
                    "external_id": f"s{number}",
                    "meta": {},
                    "text": " ".join(s for s, _ in sentences),
                    "text_sha256": str(number),
                }
            )
        ids = conn.execute(insert(Statement).returning(Statement.id), rows).scalars().all()
        conn.execute(
            insert(Assignment),
            [
                {"statement_id": i, "annotator_id": user.id, "state": "done", "active": True}
                for i in ids
            ],
        )
        stances = []
        for statement_id, sentences in zip(ids, texts, strict=True):
            offset = 0
            for text, label in sentences:
                if label and made < n_stances:
                    stances.append(
                        {
                            "statement_id": statement_id,
                            "annotator_id": user.id,
                            "start": offset,
                            "end": offset + len(text),
                            "text": text,
                            "label_id": labels[label],
                            "note": "",
                            "version": 1,
                        }
                    )
                    made += 1
                offset += len(text) + 1
        conn.execute(insert(Stance), stances)
    db.session.commit()
    return project, number


def bench_classifier(n_stances: int, url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {"DATABASE_URL": url or f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench"}
        )
        with app.app_context():
            upgrade_schema(db.engine)
            project, statements = seed_classifier(n_stances)
            recommender = create_recommender(
                db.session, project, None, RecommenderInput(name="clf", kind="classifier")
            )
            began = time.perf_counter()
            model = train_recommender(db.session, project, recommender)
            db.session.commit()
            seconds = time.perf_counter() - began
            m, base = model.metrics, model.metrics["baseline"]
            print(
                f"(b) classifier: {n_stances} stances in {statements} statements, "
                f"{model.training_size} sentences: trained in {seconds:.1f} s "
                f"(read, evaluate on held-out statements, refit, store)"
            )
            print(
                f"    held-out ({m['held_out_sentences']} sentences): precision "
                f"{m['precision']:.3f}, recall {m['recall']:.3f}, accuracy {m['accuracy']:.3f}; "
                f"majority baseline ('{base['class'] or 'NONE'}'): precision "
                f"{base['precision']}, recall {base['recall']:.3f}, "
                f"accuracy {base['accuracy']:.3f}"
            )
            size = len(str(model.artefact)) / 1e6
            print(f"    artefact: {len(model.artefact['vocabulary'])} terms, ~{size:.1f} MB JSON")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=50_000)
    parser.add_argument("--stances", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-regex", action="store_true")
    parser.add_argument("--only", choices=("memory", "classifier"))
    args = parser.parse_args()
    if args.only != "classifier":
        bench_memory(args.spans, args.skip_regex)
    if args.only != "memory":
        bench_classifier(args.stances, args.database_url)


if __name__ == "__main__":
    main()
