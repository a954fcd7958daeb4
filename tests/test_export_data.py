"""Projects with stances for the export and import tests, made through the real services.

No tests here: the helpers are shared by test_export.py, test_export_web.py and
test_stance_import.py.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select

from annotator.accounts.users import get_user
from annotator.actors.registry import import_actors
from annotator.annotation.stances import StanceInput, create_stance
from annotator.formats.actor_csv import iter_actor_rows
from annotator.formats.statement_readers import StatementRecord
from annotator.models import GoldDecision, Label, Stance, Statement
from annotator.projects.assignments import assign_statement
from annotator.statements.statements import import_statements, list_statements

from .factories import make_project
from .workspace_helpers import demo

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "annotator/formats/stance_record.schema.json").read_text()
)
ACTORS_CSV = """id,name,type,aliases,wikidata
iran,Iran,state,Iran|Teheran|\u0625\u064a\u0631\u0627\u0646,Q794
daesh,Islamic State (Daesh),armed group,Daesh|ISIS|\u062f\u0627\u0639\u0634,
israel,\u05d9\u05e9\u05e8\u05d0\u05dc (Israel),state,Israel|\u05d9\u05e9\u05e8\u05d0\u05dc,Q801
rcit,RCIT,organization,RCIT,
"""
UNICODE_TEXTS = {
    "emoji-1": "🇮🇷 Teheran sagt: \u201eWir verurteilen den Caf\u0065\u0301-Anschlag\u201c. "
    "We stand with the people of Iran 👩\u200d⚕️! =SUM(A1)",
    "rtl-ar": "\u062a\u062f\u064a\u0646 \u0627\u0644\u062d\u0643\u0648\u0645\u0629 "
    "\u062f\u0627\u0639\u0634 \u0628\u0634\u062f\u0629.\n"
    "\u0646\u062d\u0646 \u0646\u062f\u0639\u0645 "
    "\u0625\u064a\u0631\u0627\u0646.",
    "rtl-he": "\u05d0\u05e0\u05d7\u05e0\u05d5 \u05de\u05d2\u05e0\u05d9\u05dd \u05d0\u05ea "
    "\u05d3\u05d0\u05e2\u05e9\ttab and \u05d9\u05e9\u05e8\u05d0\u05dc \U0001f54a\ufe0f.",
}


def add_stance(session, project, statement, username, phrase, label, target=None, holder=None):
    """An annotator's stance over the first occurrence of ``phrase``, via the real service."""
    start = statement.text.index(phrase)
    data = StanceInput(start, start + len(phrase), phrase, label, target, holder)
    return create_stance(session, project, statement, get_user(session, username), data)


def add_gold(session, statement, source: list[Stance], *, label=None, decision="accept"):
    """The gold stance a reviewer's accept stores: a copy of ``source[0]`` and its decision."""
    first = source[0]
    gold = Stance(
        statement_id=statement.id,
        is_gold=True,
        start=first.start,
        end=first.end,
        text=first.text,
        label_id=label.id if label else first.label_id,
        target_id=first.target_id,
        holder_id=first.holder_id,
        note="adjudicated",
    )
    session.add(gold)
    session.flush()
    ids = [s.id for s in source]
    session.add(
        GoldDecision(
            statement_id=statement.id,
            gold_stance_id=gold.id,
            decision=decision,
            source_stance_ids=ids,
        )
    )
    session.flush()
    return gold


def demo_with_stances(session):
    """The demo with two annotators' stances (partly agreeing) and two gold stances."""
    project, statement = demo(session)
    phrase = "condemns the reactionary aggression of Iran"
    a1 = add_stance(session, project, statement, "annotator1", phrase, "condemnation", "iran")
    a2 = add_stance(session, project, statement, "annotator2", phrase, "condemnation", "iran")
    c1 = add_stance(session, project, statement, "annotator1", "Teheran claims", "claim")
    add_stance(session, project, statement, "annotator2", "Teheran claims to have hit", "claim")
    add_gold(session, statement, [a1, a2])
    add_gold(session, statement, [c1], decision="edit")
    session.commit()
    return project, statement


def unicode_project(session):
    """Statements with emoji, combining marks, Arabic and Hebrew; stances and gold on them."""
    project = make_project(
        session, "uni", members={"unilead": "lead", "ann1": "annotator", "ann2": "annotator"}
    )
    import_actors(session, project, iter_actor_rows("a.csv", io.BytesIO(ACTORS_CSV.encode())))
    records = [
        StatementRecord(external_id=k, text=t, title=f"\u00c9tude {k}", organization="RCIT",
                        lang=k[-2:], date="2024-01", meta={"src": "t\u00eb\u015bt"})
        for k, t in UNICODE_TEXTS.items()
    ]  # fmt: skip
    import_statements(session, project, records)
    by_id = {s.external_id: s for s in list_statements(session, project)}
    for statement in by_id.values():
        for username in ("ann1", "ann2"):
            assign_statement(session, project, statement, get_user(session, username))
    emoji, ar, he = by_id["emoji-1"], by_id["rtl-ar"], by_id["rtl-he"]
    cafe = "Caf\u0065\u0301-Anschlag"
    add_stance(session, project, emoji, "ann1", "🇮🇷 Teheran", "claim", holder="iran")
    add_stance(session, project, emoji, "ann1", cafe, "condemnation", "daesh")
    s = add_stance(
        session, project, emoji, "ann2", "the people of Iran 👩\u200d⚕️", "support", "iran"
    )
    add_stance(session, project, emoji, "ann2", "=SUM(A1)", "claim")
    d1 = add_stance(
        session, project, ar, "ann1", "\u062f\u0627\u0639\u0634", "condemnation", "daesh"
    )
    d2 = add_stance(
        session, project, ar, "ann2", "\u062f\u0627\u0639\u0634", "condemnation", "daesh"
    )
    add_stance(session, project, ar, "ann1", "\u0625\u064a\u0631\u0627\u0646", "support", "iran")
    add_stance(session, project, he, "ann1", "\u05d9\u05e9\u05e8\u05d0\u05dc \U0001f54a\ufe0f",
               "support", "israel")  # fmt: skip
    add_gold(session, ar, [d1, d2])
    add_gold(session, emoji, [s])
    session.commit()
    return project


def live_stances(session, project, *, gold=None) -> list[Stance]:
    """The project's live stances (optionally only gold or only annotators')."""
    query = (
        select(Stance)
        .join(Statement)
        .where(Statement.project_id == project.id, Stance.deleted_at.is_(None))
    )
    if gold is not None:
        query = query.where(Stance.is_gold.is_(gold))
    return list(session.scalars(query))


def decisions(session, project) -> list[GoldDecision]:
    """The project's gold decisions."""
    query = select(GoldDecision).join(Statement).where(Statement.project_id == project.id)
    return list(session.scalars(query))


def label(session, project, key) -> Label:
    """A label of the project by key."""
    return session.scalar(select(Label).where(Label.project_id == project.id, Label.key == key))


def js_slice(text: str, start: int, end: int) -> str:
    """What JavaScript's text.slice(start, end) returns: UTF-16 offsets."""
    return text.encode("utf-16-le")[2 * start : 2 * end].decode("utf-16-le", "replace")


def _spans(name: str, body: str) -> list[tuple[str, int, int]]:
    """(statement text, start, end) of every span in a doccano or label-studio export."""
    if name == "doccano":
        lines = [json.loads(line) for line in body.splitlines()]
        return [(d["text"], s, e) for d in lines for s, e, _ in d["label"]]
    return [
        (task["data"]["text"], r["value"]["start"], r["value"]["end"])
        for task in json.loads(body)
        for a in task["annotations"]
        for r in a["result"]
        if r["type"] == "labels"
    ]


def assert_offsets_in(unit: str, name: str, body: str, session, project) -> None:
    """Read in ``unit``, the spans cover exactly the gold texts; read in the other unit
    they do not (the unicode project's gold spans follow an emoji)."""
    other = {"utf16": "codepoints", "codepoints": "utf16"}[unit]
    gold = sorted(s.text for s in live_stances(session, project, gold=True))

    def cut(how):
        slicer = js_slice if how == "utf16" else lambda t, s, e: t[s:e]
        return sorted(slicer(t, s, e) for t, s, e in _spans(name, body))

    assert cut(unit) == gold
    assert cut(other) != gold


def actor_results(body: str) -> int:
    """How many target/holder results a label-studio export holds."""
    tasks = json.loads(body)
    return sum(
        r["type"] == "textarea" for t in tasks for a in t["annotations"] for r in a["result"]
    )
