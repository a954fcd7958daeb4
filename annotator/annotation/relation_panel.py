"""What the workspace shows of an annotator's relations: one query for the rows, one for the types.

The rows carry what the side panel and the arcs need (type, both ends with a snippet of their
text, version), read in one select joined to the type and both stances. Like the stance list,
the page reads the user's own rows directly (no assignment check): a statement that is not
assigned shows no relations, as it shows no stances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from annotator.annotation.relation_types import list_relation_types
from annotator.models import Project, Relation, RelationType, Stance, Statement, User

SNIPPET = 160  # characters of each end's text the row carries (the list shows fewer)


class RelationRow(NamedTuple):
    """A live relation as the workspace draws and lists it."""

    id: int
    version: int
    type_key: str
    type_name: str
    type_color: str
    from_id: int
    to_id: int
    note: str
    from_text: str
    to_text: str


@dataclass
class RelationPanel:
    """The relations section of the statement page: the rows and the active types."""

    rows: list[RelationRow]
    types: list[RelationType] = field(default_factory=list)


def load_relation_panel(
    session: Session, project: Project, statement: Statement, user: User
) -> RelationPanel:
    """The user's live relations on the statement, in creation order, and the types offered."""
    params = {"statement_id": statement.id, "owner_id": user.id}
    rows = [RelationRow(*r) for r in session.connection().execute(_ROWS, params)]
    return RelationPanel(rows, list_relation_types(session, project))


def get_relation_row(session: Session, relation_id: int) -> RelationRow | None:
    """One relation as a row, live or not (an edit form shows its ends)."""
    row = session.connection().execute(_ONE, {"relation_id": relation_id}).first()
    return RelationRow(*row) if row is not None else None


def saved_relation_row(
    session: Session, relation_id: int, statement: Statement, user: User
) -> tuple[RelationRow, int]:
    """After a save, in one query: the relation as a row and the user's live relation count."""
    params = {"relation_id": relation_id, "statement_id": statement.id, "owner_id": user.id}
    *row, count = session.connection().execute(_SAVED, params).one()
    return RelationRow(*row), count


def count_relations(session: Session, statement: Statement, user: User) -> int:
    """The counter beside "Relations": the user's live relations on the statement."""
    params = {"statement_id": statement.id, "owner_id": user.id}
    return session.connection().execute(_COUNT, params).scalar_one()


_FROM, _TO = aliased(Stance), aliased(Stance)
_COLUMNS = select(
    Relation.id,
    Relation.version,
    RelationType.key,
    RelationType.name,
    RelationType.color,
    Relation.from_stance_id,
    Relation.to_stance_id,
    Relation.note,
    func.substr(_FROM.text, 1, SNIPPET),
    func.substr(_TO.text, 1, SNIPPET),
).select_from(
    Relation.__table__.join(RelationType.__table__, RelationType.id == Relation.type_id)
    .join(_FROM, _FROM.id == Relation.from_stance_id)
    .join(_TO, _TO.id == Relation.to_stance_id)
)
_MINE = (
    Relation.statement_id == bindparam("statement_id"),
    Relation.is_gold.is_(False),
    Relation.annotator_id == bindparam("owner_id"),
    Relation.deleted_at.is_(None),
)
_ROWS = _COLUMNS.where(*_MINE).order_by(Relation.id)
_ONE = _COLUMNS.where(Relation.id == bindparam("relation_id"))
_COUNT = select(func.count()).select_from(Relation).where(*_MINE)
_SAVED = _ONE.add_columns(_COUNT.scalar_subquery())
