"""What the project's annotations say, as training data: gold first, then the annotators' majority.

Read in batches of statements, so memory stays bounded on a large project. Only live
stances count; suggestions never do (they are not anyone's work).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from annotator.models import Actor, Assignment, Label, Project, Stance, Statement
from annotator.suggestions.sentence_model import NONE, Example
from annotator.text.sentences import split_sentences
from annotator.text.span_memory import LabelledSpan

BATCH = 2_000
_Target = aliased(Actor)


def count_stances(session: Session, project: Project) -> int:
    """Live stances of the project (annotators' and gold): what "N new stances" counts."""
    return session.scalar(
        select(func.count())
        .select_from(Stance)
        .join(Statement, Statement.id == Stance.statement_id)
        .where(Statement.project_id == project.id, Stance.deleted_at.is_(None))
    )


def labelled_spans(session: Session, project: Project) -> Iterator[LabelledSpan]:
    """Every live stance as a labelled span (gold flagged), for the span memory."""
    query = (
        select(Stance.text, Label.key, _Target.key, Stance.statement_id, Stance.is_gold)
        .join(Statement, Statement.id == Stance.statement_id)
        .join(Label, Label.id == Stance.label_id)
        .outerjoin(_Target, _Target.id == Stance.target_id)
        .where(Statement.project_id == project.id, Stance.deleted_at.is_(None))
        .execution_options(yield_per=BATCH)
    )
    for text, label, target, statement_id, gold in session.execute(query):
        yield LabelledSpan(text, label, target, statement_id, bool(gold))


@dataclass
class TrainingData:
    """Sentence examples and, per label, how often each actor was its target."""

    examples: list[Example]
    targets: dict[str, Counter]
    statements: int = 0


def sentence_examples(session: Session, project: Project) -> TrainingData:
    """One example per sentence of every finished statement (reviewed or marked done).

    A statement with gold stances learns from gold alone. Otherwise each annotator who marked
    it done gives each sentence a class (the label of their stances starting in it, else
    NONE) and the majority class wins; a tie teaches nothing, so that sentence is left out.
    """
    data = TrainingData([], defaultdict(Counter))
    ids = _finished_statements(session, project)
    for i in range(0, len(ids), BATCH):
        batch = ids[i : i + BATCH]
        texts = dict(
            session.execute(
                select(Statement.id, Statement.text).where(Statement.id.in_(batch))
            ).all()
        )
        done = _done_annotators(session, batch)
        stances = _stances(session, batch)
        for statement_id in batch:
            _statement_examples(
                statement_id,
                texts[statement_id],
                done.get(statement_id, set()),
                stances.get(statement_id, []),
                data,
            )
    return data


def _finished_statements(session: Session, project: Project) -> list[int]:
    gold = (
        select(Stance.statement_id)
        .join(Statement, Statement.id == Stance.statement_id)
        .where(Statement.project_id == project.id, Stance.is_gold, Stance.deleted_at.is_(None))
    )
    done = (
        select(Assignment.statement_id)
        .join(Statement, Statement.id == Assignment.statement_id)
        .where(Statement.project_id == project.id, Assignment.state == "done", Assignment.active)
    )
    return sorted(set(session.scalars(gold.union(done))))


def _done_annotators(session: Session, batch: list[int]) -> dict[int, set[int]]:
    rows = session.execute(
        select(Assignment.statement_id, Assignment.annotator_id).where(
            Assignment.statement_id.in_(batch), Assignment.state == "done", Assignment.active
        )
    )
    found: dict[int, set[int]] = defaultdict(set)
    for statement_id, annotator_id in rows:
        found[statement_id].add(annotator_id)
    return found


def _stances(session: Session, batch: list[int]) -> dict[int, list[tuple]]:
    # Same shape as suggestions.stance_origins' query: SQL grammar, see docs/architecture.md.
    rows = session.execute(
        select(
            Stance.statement_id,
            Stance.annotator_id,
            Stance.is_gold,
            Stance.start,
            Label.key,
            _Target.key,
        )
        .join(Label, Label.id == Stance.label_id)
        .outerjoin(_Target, _Target.id == Stance.target_id)
        .where(Stance.statement_id.in_(batch), Stance.deleted_at.is_(None))
    )
    found: dict[int, list[tuple]] = defaultdict(list)
    for statement_id, annotator, gold, start, label, target in rows:
        found[statement_id].append(("gold" if gold else annotator, start, label, target))
    return found


def _statement_examples(statement_id, text, done: set, stances: list[tuple], data) -> None:
    gold = [s for s in stances if s[0] == "gold"]
    voters = {"gold"} if gold else done
    used = gold or [s for s in stances if s[0] in done]
    if not voters:
        return
    sentences = split_sentences(text)
    starts = [start for start, _ in sentences]
    votes: dict[int, dict] = defaultdict(dict)  # sentence -> voter -> Counter of labels
    for owner, start, label, target in used:
        index = max(bisect_right(starts, start) - 1, 0)
        votes[index].setdefault(owner, Counter())[label] += 1
        if target:
            data.targets[label][target] += 1
    data.statements += 1
    for index, (start, end) in enumerate(sentences):
        ballots = Counter(_choice(votes[index].get(v)) for v in voters)
        ranked = ballots.most_common(2)
        if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
            continue
        data.examples.append(Example(text[start:end], ranked[0][0], statement_id))


def _choice(labels: Counter | None) -> str:
    if not labels:
        return NONE
    return min(labels.items(), key=lambda kv: (-kv[1], kv[0]))[0]
