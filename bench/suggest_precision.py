"""Precision and recall of the local recommenders on a demo-sized corpus, through the real code.

Run from the repository root: ``python bench/suggest_precision.py [--statements 100]
[--seed 1]``. The corpus: the demo project (its labels and actor registry) plus generated
statements of four sentences each, about 40 % carrying a stance: "The committee condemns
Iran and ..." where the cue ("condemns", "claims that", "stands with", ...) gives the label
and the actor (Iran, Iraq, Pakistan, Israel) the target. annotator1 marks the cue and actor
("condemns Iran") as a stance with that label and target on the training statements and
marks them done, missing one stance in ten and giving one in twenty a wrong label; one
sentence in ten is a distractor that holds a cue and an actor but no stance ("Observers ask
whether anyone condemns Iran ..."). The last 30 % (``--test-share``) are left open as the
test set. Each recommender is trained on the annotated part (``train_recommender``), run on
the test statements (``refresh_statement``) and scored against the stances the rule gives there:

- span memory: a suggestion is right when its span, label and target equal a true stance's;
- classifier: the span is a sentence; right when the sentence holds a true stance with that
  label (and target, counted apart).

Also printed: the classifier's own held-out figures (one statement in five of the training
part, as every training computes them) and the majority baseline. The rule is regular on
purpose, so these figures say the pipelines learn what they are shown, not how they will do
on real statements: that is what each project's held-out figures on the lead's page are for.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from annotator import create_app  # noqa: E402
from annotator.accounts.users import find_user  # noqa: E402
from annotator.annotation.stances import StanceInput, create_stance  # noqa: E402
from annotator.db.migrate import upgrade_schema  # noqa: E402
from annotator.demo import load_demo  # noqa: E402
from annotator.extensions import db  # noqa: E402
from annotator.formats.statement_readers import StatementRecord  # noqa: E402
from annotator.models import Suggestion  # noqa: E402
from annotator.projects.assignments import assign_statement, set_assignment_state  # noqa: E402
from annotator.projects.projects import get_project  # noqa: E402
from annotator.statements.statements import import_statements, list_statements  # noqa: E402
from annotator.suggestions.recommenders import RecommenderInput, create_recommender  # noqa: E402
from annotator.suggestions.training import refresh_statement, train_recommender  # noqa: E402

CUES = {
    "claim": ["claims that", "asserts that", "says that"],
    "condemnation": ["condemns", "denounces", "strongly rejects"],
    "support": ["supports", "stands with", "expresses solidarity with"],
}
ACTORS = ["Iran", "Iraq", "Pakistan", "Israel"]
FILLER = " ".join(
    (
        "the situation in the region remains tense after weeks of fighting between the parties",
        "while observers count the victims and the cost of reconstruction grows",
    )
).split(" ")


# The annotator's slips in the training part: stances missed, and labels given wrongly.
NOISE = {"missed": 0.10, "wrong_label": 0.05}


def sentence(rng: random.Random) -> tuple[str, tuple | None]:
    """A sentence and its stance (phrase offset, phrase, label, actor key) or None.

    One sentence in ten is a distractor: a cue and an actor in a question, no stance.
    """
    actor = rng.choice(ACTORS)
    words = " ".join(rng.sample(FILLER, 8))
    roll = rng.random()
    if roll < 0.1:
        cue = rng.choice(CUES[rng.choice(sorted(CUES))])
        return f"Observers ask whether anyone {cue} {actor} after {words}.", None
    if roll < 0.5:
        return f"The {words} near {actor}.", None
    label = rng.choice(sorted(CUES))
    phrase = f"{rng.choice(CUES[label])} {actor}"
    return f"The committee {phrase} and {words}.", (14, phrase, label, actor.lower())


def build(n: int, seed: int, test_share: float):
    """The demo plus ``n`` generated statements; returns (project, [(statement, truth)])."""
    session = db.session
    load_demo(session, "bench password", method="pbkdf2:sha256:1000")
    project = get_project(session, "demo")
    rng = random.Random(seed)
    texts = {f"gen-{i}": [sentence(rng) for _ in range(4)] for i in range(n)}
    records = [
        StatementRecord(external_id=k, text=" ".join(s for s, _ in v)) for k, v in texts.items()
    ]
    import_statements(session, project, records)
    user = find_user(session, "annotator1")
    by_id = {s.external_id: s for s in list_statements(session, project)}
    corpus = []
    for key, sentences in texts.items():
        statement = by_id[key]
        assign_statement(session, project, statement, user)
        truth, offset = [], 0
        for text, stance in sentences:
            if stance:
                at, phrase, label, actor = stance
                start = offset + at
                truth.append((start, start + len(phrase), label, actor, offset, offset + len(text)))
            offset += len(text) + 1
        corpus.append((statement, truth))
    train = corpus[: round(n * (1 - test_share))]
    for statement, truth in train:
        for start, end, label, actor, *_ in truth:
            if rng.random() < NOISE["missed"]:
                continue
            if rng.random() < NOISE["wrong_label"]:
                label = rng.choice([k for k in CUES if k != label])
            data = StanceInput(start, end, statement.text[start:end], label, actor)
            create_stance(session, project, statement, user, data)
        set_assignment_state(session, project, statement, user, "done")
    session.commit()
    return project, corpus[len(train) :]


def score(project, recommender, test) -> dict:
    """Precision and recall of the recommender's suggestions on the test statements."""
    session = db.session
    for statement, _ in test:
        refresh_statement(session, project, statement)
    session.commit()
    right = right_target = proposed = 0
    found = set()
    for statement, truth in test:
        rows = session.scalars(
            select(Suggestion).where(
                Suggestion.statement_id == statement.id,
                Suggestion.recommender_id == recommender.id,
            )
        ).all()
        for s in rows:
            proposed += 1
            hit = _match(recommender.kind, s, truth)
            if hit is not None:
                right += 1
                right_target += s.target is not None and s.target.key == hit[3]
                found.add((statement.id, hit[0]))
    total = sum(len(t) for _, t in test)
    return {
        "proposed": proposed,
        "true": total,
        "precision": right / proposed if proposed else None,
        "recall": len(found) / total if total else None,
        "target_right": right_target / right if right else None,
    }


def _match(kind: str, s, truth):
    for t in truth:
        start, end, label, _actor, s_start, s_end = t
        if kind == "span_memory" and (s.start, s.end, s.label.key) == (start, end, label):
            return t
        inside = s.start <= start and end <= s.end and s.start >= s_start - 1
        if kind == "classifier" and inside and s.end <= s_end + 1 and s.label.key == label:
            return t
    return None


def fmt(x) -> str:
    return "—" if x is None else f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--test-share", type=float, default=0.3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/p.sqlite", "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade_schema(db.engine)
            project, test = build(args.statements, args.seed, args.test_share)
            print(
                f"corpus: demo + {args.statements} generated statements, "
                f"{args.statements - len(test)} annotated (training), {len(test)} open (test), "
                f"{sum(len(t) for _, t in test)} true stances in the test statements"
            )
            for name, kind in (("memory", "span_memory"), ("sentences", "classifier")):
                rec = create_recommender(
                    db.session, project, None, RecommenderInput(name=name, kind=kind)
                )
                model = train_recommender(db.session, project, rec)
                db.session.commit()
                got = score(project, rec, test)
                print(
                    f"{kind}: {got['proposed']} suggestions on the test statements; precision "
                    f"{fmt(got['precision'])}, recall {fmt(got['recall'])}, "
                    f"target right in {fmt(got['target_right'])} of the right ones"
                )
                if kind == "classifier":
                    m, base = model.metrics, model.metrics["baseline"]
                    print(
                        f"    its own held-out figures: precision {fmt(m['precision'])}, recall "
                        f"{fmt(m['recall'])}, accuracy {fmt(m['accuracy'])}; majority baseline "
                        f"accuracy {fmt(base['accuracy'])}, recall {fmt(base['recall'])}"
                    )


if __name__ == "__main__":
    main()
