"""Set-up for review tests: a project, one statement, three annotators' stances through services."""

from __future__ import annotations

from annotator.accounts.users import find_user
from annotator.actors.registry import import_actors
from annotator.annotation.stances import StanceInput, create_stance
from annotator.projects.assignments import assign_statement, set_assignment_state
from annotator.review.queue_page import review_queue_page
from annotator.statements.statements import import_statements, list_statements

from .factories import make_project

TEXT = "Iran condemns Israel. The USA supports Israel. Russia claims victory."
ACTORS = ("iran", "israel", "usa", "russia")


class _Actor:
    def __init__(self, key):
        self.key, self.name, self.type, self.wikidata, self.aliases = (
            key,
            key.title(),
            "state",
            None,
            [],
        )
        self.file, self.line = "actors.csv", 1


class _Statement:
    def __init__(self, external_id, text=TEXT):
        self.external_id, self.text = external_id, text
        self.title = self.author = self.organization = self.date = self.url = self.lang = None
        self.meta, self.file, self.line = {}, "s.jsonl", 1


def setup(session, annotators=("ann1", "ann2"), statements=1, hide=False):
    """A project 'rev' with a reviewer, a lead, annotators and assigned statements."""
    members = {name: "annotator" for name in annotators} | {"rev": "reviewer", "boss": "lead"}
    project = make_project(session, "rev", members=members)
    project.hide_annotator_names = hide
    import_actors(session, project, [_Actor(k) for k in ACTORS])
    import_statements(
        session, project, [_Statement(f"s{k}", TEXT + " " * k) for k in range(statements)]
    )
    sts = list_statements(session, project)
    for st in sts:
        for name in annotators:
            assign_statement(session, project, st, find_user(session, name))
    session.commit()
    return project, sts


def mark(session, project, st, username, phrase, label="condemnation", target="israel", **kw):
    """One stance by ``username`` over the first occurrence of ``phrase``."""
    start = st.text.index(phrase)
    data = StanceInput(start, start + len(phrase), phrase, label, target, **kw)
    return create_stance(session, project, st, find_user(session, username), data)


def done(session, project, st, *usernames):
    for name in usernames:
        set_assignment_state(session, project, st, find_user(session, name), "done")
    session.commit()


def whole_queue(session, project, names, **filters):
    """The whole review queue as one page (of the id order: most disagreement first)."""
    page = review_queue_page(session, project, names, size=10_000, **filters)
    assert page.next_after is None
    return page.rows
