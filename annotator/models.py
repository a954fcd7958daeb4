"""The domain model of ../DESIGN.md as typed SQLAlchemy 2.0; invariants are also constraints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
    false,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from annotator.formats.actor_csv import (
    ACTOR_TYPES,  # one list for the CSV reader and the constraint
)
from annotator.roles import ROLES, Role

ACTOR_STATUSES = ("approved", "proposed", "rejected")
ASSIGNMENT_STATES = ("new", "in_progress", "done", "skipped")
OPEN_STATES = ("new", "in_progress")  # stances may change; done and skipped lock them
SEMEVAL_VALUES = ("FAVOR", "AGAINST", "NONE")
DECISIONS = ("accept", "edit", "add", "reject", "auto")


def utcnow() -> datetime:
    """Timezone-aware now, so SQLite and PostgreSQL store the same instant."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Always-aware UTC datetimes: SQLite drops the offset, so it is restored on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class RoleType(TypeDecorator):
    """A role stored as its string, loaded as the ordered ``Role`` enum."""

    impl = String(16)
    cache_ok = True

    def process_result_value(self, value, dialect):
        return None if value is None else Role(value)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with named constraints so Alembic migrations are portable."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Raised by logout, a password change and "sign out everywhere": a session cookie names
    # the version it was issued under, and any other version is refused (web/security.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session's user reference: id and session version, so a raised version ends it."""
        return f"{self.id}:{self.session_version}"


class LoginThrottle(Base):
    """Failed logins per username (existing or not), so throttling reveals no accounts."""

    __tablename__ = "login_throttles"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (CheckConstraint("annotators_per_statement >= 1", name="per_statement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    annotators_per_statement: Mapped[int] = mapped_column(Integer, default=2)
    allow_overlap: Mapped[bool] = mapped_column(Boolean, default=True)
    snap_to_words: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_annotator_names: Mapped[bool] = mapped_column(Boolean, default=False)
    # The lead lets annotators accept every suggestion above a score in one go (off: one by one).
    bulk_accept: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Raised by every flush that changes an actor or alias: keys the per-process caches of
    # alias patterns and actor names (services/workspace), so they are exact without a query.
    registry_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    labels: Mapped[list[Label]] = relationship(
        back_populates="project", order_by="Label.position", cascade="all, delete-orphan"
    )


# Same shape as SuggestionDecision: a declaration (a row per user), see docs/architecture.md.
class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(RoleType())

    user: Mapped[User] = relationship(back_populates="memberships")
    project: Mapped[Project] = relationship()


class SchemeEntry:
    """What labels and relation types share: per-project scheme data, edited alike.

    A key unique in its project, a name, a colour and a hotkey for the page, a definition
    for the annotator, an order, and retirement instead of deletion once in use.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(80))
    color: Mapped[str] = mapped_column(String(7), default="#888888")
    hotkey: Mapped[str | None] = mapped_column(String(1))
    definition: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class Label(SchemeEntry, Base):
    __tablename__ = "labels"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        CheckConstraint(_in("semeval", SEMEVAL_VALUES), name="semeval"),
    )

    example: Mapped[str] = mapped_column(Text, default="")
    requires_target: Mapped[bool] = mapped_column(Boolean, default=True)
    polarity: Mapped[str | None] = mapped_column(String(16))
    semeval: Mapped[str] = mapped_column(String(8), default="NONE")

    project: Mapped[Project] = relationship(back_populates="labels")


class GuidelinesVersion(Base):
    __tablename__ = "guidelines"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Actor(Base):
    __tablename__ = "actors"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        CheckConstraint(_in("type", ACTOR_TYPES), name="type"),
        CheckConstraint(_in("status", ACTOR_STATUSES), name="status"),
        # The registry's order (curation.list_actor_page), walked instead of sorted (0022).
        Index("ix_actors_project_name_order", "project_id", sql("lower(name)"), "id"),
        # The search's QID term (actors.matching; 0023 also adds the substring indexes).
        Index("ix_actors_project_wikidata", "project_id", "wikidata"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(300))
    type: Mapped[str] = mapped_column(String(20), default="other")
    wikidata: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="approved")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    aliases: Mapped[list[ActorAlias]] = relationship(
        back_populates="actor", order_by="ActorAlias.id", cascade="all, delete-orphan"
    )


class ActorAlias(Base):
    __tablename__ = "actor_aliases"
    __table_args__ = (UniqueConstraint("actor_id", "normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str] = mapped_column(String(300), index=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases")


def _text_length(context) -> int | None:
    """The inserted text's length in code points (the column's default)."""
    text = context.get_current_parameters().get("text")
    return None if text is None else len(text)


class Statement(Base):
    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        Index("ix_statements_project_sha", "project_id", "text_sha256"),
        # Keyset pages of a project's statements in import order, and every statement's
        # length without reading its text (migration 0014; it replaced 0009's (project, id)).
        Index("ix_statements_project_length", "project_id", "id", "text_length"),
        # Keyset pages in date order (undated first), and the search's walk in that order
        # (migration 0018). The expression is spelled as the browser's sort key is, literal
        # '' included: neither database matches an index expression to a bound parameter.
        Index("ix_statements_project_date", "project_id", sql("coalesce(date, '')"), "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(500))
    author: Mapped[str | None] = mapped_column(String(300))
    organization: Mapped[str | None] = mapped_column(String(300))
    organization_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL")
    )
    date: Mapped[str | None] = mapped_column(String(10))  # ISO 8601, year/month/day precision
    url: Mapped[str | None] = mapped_column(String(2000))
    lang: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    # len(text), stored: agreement reads it for 100,000 statements (texts never change).
    text_length: Mapped[int | None] = mapped_column(Integer, default=_text_length)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization_actor: Mapped[Actor | None] = relationship()


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("statement_id", "annotator_id"),
        CheckConstraint(_in("state", ASSIGNMENT_STATES), name="state"),
        Index("ix_assignments_annotator_statement", "annotator_id", "statement_id"),
        # Covers the review queue's readiness (every active assignment done) and the
        # assignment pages' keyset pages: no assignment row is read (migration 0010).
        Index("ix_assignments_statement_state", "statement_id", "annotator_id", "active", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(12), default="new")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    statement: Mapped[Statement] = relationship()
    annotator: Mapped[User] = relationship()

    @classmethod
    def active_for(cls, statement_id: Any, annotator_id: Any) -> ColumnElement[bool]:
        """SQL: this row is the active assignment of that statement to that annotator.

        Values, columns or bind parameters; on an ``aliased(Assignment)`` it reads the alias.
        Written once because workspace, stances, queue, review and reassignment all ask it.
        """
        return and_(cls.statement_id == statement_id, cls.annotator_id == annotator_id, cls.active)


class OwnedWork:
    """What stances and relations share: an annotator's work or gold, versioned, soft-deleted.

    The owner is an annotator or, with ``is_gold`` and no annotator, the curation of review.
    ``version`` is also the mapper's version column: the database, not only the service,
    refuses an UPDATE based on a stale version (it changes no row: StaleDataError). Deleting
    sets ``deleted_at``, so the row stays and can be restored.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None]

    @declared_attr
    def annotator(cls) -> Mapped[User | None]:
        return relationship()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}


class Stance(OwnedWork, Base):
    """An annotator's stance, or a gold one (``is_gold``, no annotator) made by adjudication."""

    __tablename__ = "stances"
    __table_args__ = (
        CheckConstraint('"start" >= 0 AND "start" < "end"', name="span"),
        CheckConstraint("is_gold OR annotator_id IS NOT NULL", name="owner"),
        Index("ix_stances_statement_owner", "statement_id", "annotator_id"),
        # An annotator's stances (queue counts) and a label's (browser filter), migration 0009.
        Index("ix_stances_owner_statement", "annotator_id", "statement_id"),
        Index("ix_stances_label_statement", "label_id", "statement_id"),
        # An actor's live stances as target or holder, by owner: the registry's usage counts
        # read these alone, never a stance row (migration 0021; they replaced the plain
        # (target_id) and (holder_id) indexes).
        Index("ix_stances_target_live", "target_id", "deleted_at", "annotator_id"),
        Index("ix_stances_holder_live", "holder_id", "deleted_at", "annotator_id"),
    )

    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    guidelines_version: Mapped[int | None] = mapped_column(Integer)
    # The suggestion an annotator accepted to make this stance (None: drawn by hand). A plain
    # column, no foreign key: SQLite can add a key only by rebuilding ``stances``, whose drop
    # would fire the ON DELETE actions of every table that points at stances. Suggestions
    # with a decision are never deleted (services/suggestions), so the id stays valid.
    origin_suggestion_id: Mapped[int | None] = mapped_column(Integer)

    label: Mapped[Label] = relationship()
    target: Mapped[Actor | None] = relationship(foreign_keys=[target_id])
    holder: Mapped[Actor | None] = relationship(foreign_keys=[holder_id])


class ReviewDecision:
    """What a reviewer's decision on a statement records, for stances and relations alike:
    who decided, what (``DECISIONS``), why and when; the sources and the gold row it made
    are the subclass's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (CheckConstraint(_in("decision", DECISIONS), name="decision"),)


class GoldDecision(ReviewDecision, Base):
    """Why a gold stance exists (or why all versions were rejected): who, when, from what."""

    __tablename__ = "gold_decisions"

    gold_stance_id: Mapped[int | None] = mapped_column(ForeignKey("stances.id"))
    source_stance_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class AuditEvent(Base):
    """Append-only trace of every change that matters (stances, gold, actors, members)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_project_statement", "project_id", "statement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    statement_id: Mapped[int | None] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(Session, "before_flush")
def _raise_registry_version(session: Session, _context, _instances) -> None:
    """Whatever service changes actors or aliases, their project's registry_version goes up.

    Alias rows change through their actor's collection, which marks the actor dirty too; an
    alias flushed on its own is caught by its ``actor_id``.
    """
    project_ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Actor):
            project_ids.add(obj.project_id)
        elif isinstance(obj, ActorAlias) and obj.actor is not None:
            project_ids.add(obj.actor.project_id)
    for project_id in project_ids - {None}:
        project = session.get(Project, project_id)
        if project is not None and project not in session.deleted:
            project.registry_version = Project.registry_version + 1


AIF_KINDS = ("RA", "CA")  # AIF scheme nodes: RA inference (support), CA conflict (attack)


class RelationType(SchemeEntry, Base):
    """A project's kind of argument link (supports, attacks, rebuts...); data, like labels."""

    __tablename__ = "relation_types"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        CheckConstraint(_in("aif", AIF_KINDS), name="aif"),
    )

    aif: Mapped[str] = mapped_column(String(2), default="RA")

    project: Mapped[Project] = relationship()


class Relation(OwnedWork, Base):
    """A typed, directed link between two stances of one statement and one owner.

    The owner is an annotator or gold, as for stances. A live (from, to, type) exists once;
    ``from`` fixes the statement and the owner, so the unique index needs no owner column.
    ``deleted_with_stance`` marks a relation that went with one of its ends, so restoring
    that stance brings it back while a relation deleted on its own stays deleted.
    """

    __tablename__ = "relations"
    __table_args__ = (
        CheckConstraint("from_stance_id <> to_stance_id", name="not_loop"),
        CheckConstraint("is_gold OR annotator_id IS NOT NULL", name="owner"),
        Index("ix_relations_statement_owner", "statement_id", "annotator_id"),
        Index("ix_relations_to_stance_id", "to_stance_id"),
    )

    type_id: Mapped[int] = mapped_column(ForeignKey("relation_types.id"), index=True)
    from_stance_id: Mapped[int] = mapped_column(ForeignKey("stances.id", ondelete="CASCADE"))
    to_stance_id: Mapped[int] = mapped_column(ForeignKey("stances.id", ondelete="CASCADE"))
    deleted_with_stance: Mapped[bool] = mapped_column(Boolean, default=False)

    type: Mapped[RelationType] = relationship()
    from_stance: Mapped[Stance] = relationship(foreign_keys=[from_stance_id])
    to_stance: Mapped[Stance] = relationship(foreign_keys=[to_stance_id])


class RelationDecision(ReviewDecision, Base):
    """Why a gold relation exists, or why a group of relations was rejected: who, when, from what.

    The relations' counterpart of ``GoldDecision``: a decision on a relation group names the
    annotators' relations it used (``source_relation_ids``) and the gold relation it made.
    """

    __tablename__ = "relation_decisions"

    gold_relation_id: Mapped[int | None] = mapped_column(ForeignKey("relations.id"))
    source_relation_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


# One live (from, to, type): a partial index, so a deleted relation does not block a new one.
_LIVE = Relation.deleted_at.is_(None)
Index(
    "uq_relations_live_link",
    Relation.from_stance_id,
    Relation.to_stance_id,
    Relation.type_id,
    unique=True,
    sqlite_where=_LIVE,
    postgresql_where=_LIVE,
)


# Live gold stances by label: the Labels page counts them in this partial index alone, a row
# per gold stance (migration 0019; annotators' stances are stored counters, ``stance_counts``).
Index(
    "ix_stances_live_gold_label",
    Stance.label_id,
    sqlite_where=and_(Stance.is_gold.is_(True), Stance.deleted_at.is_(None)),
    postgresql_where=and_(Stance.is_gold.is_(True), Stance.deleted_at.is_(None)),
)


# Statements without a review, in id order: the review queue's "next" walks this alone
# (migration 0020); reading ``reviewed_at`` from the row reads past the statement's text.
Index(
    "ix_statements_unreviewed",
    Statement.project_id,
    Statement.id,
    sqlite_where=Statement.reviewed_at.is_(None),
    postgresql_where=Statement.reviewed_at.is_(None),
)


# --- Suggestions (annotator/suggestions/): proposed stances, never anyone's work until accepted.

RECOMMENDER_KINDS = ("span_memory", "classifier", "external", "file")
SUGGESTION_DECISIONS = ("accept", "reject")
JOB_KINDS = ("train", "predict", "webhooks")
JOB_STATES = ("queued", "running", "done", "failed")


class Recommender(Base):
    """A source of suggestions in one project; ``token`` is sent to a model server, never shown."""

    __tablename__ = "recommenders"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        CheckConstraint(_in("kind", RECOMMENDER_KINDS), name="kind"),
        CheckConstraint("threshold >= 0 AND threshold <= 1", name="threshold"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[float] = mapped_column(Float, default=0.0)
    # Classifiers: suggestions are offered only while the held-out precision reaches this.
    min_precision: Mapped[float | None] = mapped_column(Float)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    token: Mapped[str | None] = mapped_column(String(500))
    active_version: Mapped[str | None] = mapped_column(String(100))
    event_cursor: Mapped[int] = mapped_column(Integer, default=0)  # last audit event sent
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Recommender {self.id} {self.kind} {self.name!r}>"  # never the token


class Suggestion(Base):
    """A proposed stance: where, which label and actors, how sure, from which model."""

    __tablename__ = "suggestions"
    __table_args__ = (
        UniqueConstraint(
            "recommender_id", "statement_id", "start", "end", "label_id", "model_version"
        ),
        CheckConstraint('"start" >= 0 AND "start" < "end"', name="span"),
        CheckConstraint("score >= 0 AND score <= 1", name="score"),
        Index("ix_suggestions_statement_recommender", "statement_id", "recommender_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommender_id: Mapped[int] = mapped_column(ForeignKey("recommenders.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    label_id: Mapped[int] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id", ondelete="SET NULL"))
    score: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recommender: Mapped[Recommender] = relationship()
    label: Mapped[Label] = relationship()
    target: Mapped[Actor | None] = relationship(foreign_keys=[target_id])
    holder: Mapped[Actor | None] = relationship(foreign_keys=[holder_id])


# Same shape as Membership: a declaration (a row per user), see docs/architecture.md.
class SuggestionDecision(Base):
    """An annotator's accept or reject of one suggestion; at most one each (two tabs: 409)."""

    __tablename__ = "suggestion_decisions"
    __table_args__ = (
        UniqueConstraint("suggestion_id", "user_id"),
        CheckConstraint(_in("decision", SUGGESTION_DECISIONS), name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(8))
    stance_id: Mapped[int | None] = mapped_column(ForeignKey("stances.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecommenderModel(Base):
    """A trained model as JSON (never pickle) with its held-out figures."""

    __tablename__ = "recommender_models"
    __table_args__ = (UniqueConstraint("recommender_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommender_id: Mapped[int] = mapped_column(ForeignKey("recommenders.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(100))
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    training_size: Mapped[int] = mapped_column(Integer, default=0)
    stance_count: Mapped[int] = mapped_column(Integer, default=0)  # project stances seen
    precision: Mapped[float | None] = mapped_column(Float)
    recall: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artefact: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SuggestionRun(Base):
    """A recommender version ran on a statement: it is not run there again."""

    __tablename__ = "suggestion_runs"
    __table_args__ = (UniqueConstraint("recommender_id", "statement_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recommender_id: Mapped[int] = mapped_column(ForeignKey("recommenders.id", ondelete="CASCADE"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    model_version: Mapped[str] = mapped_column(String(100))
    stored: Mapped[int] = mapped_column(Integer, default=0)
    dropped: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectJob:
    """What a project's background job records, suggestions' and agreement's alike: who asked,
    its state (``JOB_STATES``), how far it is, its error, and when it was asked, started, ended."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class SuggestionJob(ProjectJob, Base):
    """A background job (training, predictions, webhooks) with state and progress to show."""

    __tablename__ = "suggestion_jobs"
    __table_args__ = (
        CheckConstraint(_in("kind", JOB_KINDS), name="kind"),
        CheckConstraint(_in("state", JOB_STATES), name="state"),
        Index("ix_suggestion_jobs_project_state", "project_id", "state"),
    )

    recommender_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommenders.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int | None] = mapped_column(Integer)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SuggestionView(Base):
    """A suggestion was in front of a user: the first time it was listed for them.

    The denominator of the acceptance rate (accepted / shown); one row per pair, written
    with ON CONFLICT DO NOTHING, so listing a page again costs one INSERT that adds nothing.
    """

    __tablename__ = "suggestion_views"
    __table_args__ = (UniqueConstraint("suggestion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Stored agreement (annotator/review/stored_agreement.py): the project's figures at scale.


class AgreementRun(ProjectJob, Base):
    """One recomputation of the project's agreement (a background job), and once done its result.

    The newest done run of a scope (finished statements, or unfinished too) is what the
    agreement page, ``annotator agreement`` and the API show; the result is stored with
    annotator ids in its pairs, named for each viewer when read.
    """

    __tablename__ = "agreement_runs"
    __table_args__ = (
        CheckConstraint(_in("state", JOB_STATES), name="state"),
        Index("ix_agreement_runs_project_scope", "project_id", "include_unfinished", "state"),
    )

    include_unfinished: Mapped[bool] = mapped_column(Boolean, default=False)
    resamples: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(40), default="")
    total: Mapped[int] = mapped_column(Integer, default=100)
    recomputed: Mapped[int | None] = mapped_column(Integer)  # statements compared afresh
    reused: Mapped[int | None] = mapped_column(Integer)  # statements whose stored counts held
    seconds: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class StatementAgreement(Base):
    """A statement's stored part of the project agreement, valid while its content_hash holds.

    content_hash digests the statement's annotators in scope, their spans and relations:
    what the relation counts depend on. stance_agreement is the statement's own whole-stance
    agreement (as ``stance_agreement_by_statement``), for the review queue.
    """

    __tablename__ = "statement_agreements"
    __table_args__ = (
        # The review queue least agreement first (migration 0014).
        Index(
            "ix_statement_agreements_order",
            "project_id",
            "include_unfinished",
            "stance_agreement",
            "statement_id",
        ),
    )

    statement_id: Mapped[int] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    include_unfinished: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(32))
    stance_agreement: Mapped[float | None] = mapped_column(Float)
    n_relations: Mapped[int] = mapped_column(Integer, default=0)
    relation_counts: Mapped[list | None] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


# Whether anything changed since a stored result: a range scan on these, not a table scan.
Index("ix_stances_updated_at", Stance.updated_at)
Index("ix_relations_updated_at", Relation.updated_at)
Index("ix_assignments_updated_at", Assignment.updated_at)


class SearchBacklog(Base):
    """A statement stored but not yet in the full-text index (migration 0012).

    The import writes its new ids here inside its own transaction, which is all it pays for
    search; the index job (annotator/jobs/search_index.py) indexes them after the commit and
    removes them. No foreign key: SQLite's delete trigger clears a deleted statement's row.
    """

    __tablename__ = "search_backlog"

    statement_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


# --- Stored counters (migration 0013): what Progress, Assignments and the annotator list count.
# Kept by database triggers on stances, assignments and statements (SQLite row triggers,
# PostgreSQL statement triggers over transition tables), so every write path, bulk inserts
# included, keeps them in its own transaction; `annotator/projects/counters.py` reads them.
# A migration that rebuilds one of those tables (SQLite batch mode) must re-create them.


class StanceCount(Base):
    """Live annotator stances (not deleted, not gold) per (label, annotator)."""

    __tablename__ = "stance_counts"

    label_id: Mapped[int] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    n: Mapped[int] = mapped_column(Integer, default=0)


class AssignmentCount(Base):
    """Assignments per (project, annotator, active, state), inactive ones too."""

    __tablename__ = "assignment_counts"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    annotator_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    state: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class StatementCoverage(Base):
    """Statements of a project with at least ``assignees`` active assignments (0: all of them).

    Cumulative, so a change moves one row: a statement gaining its k-th active assignee adds
    one at k, losing it takes one away at k; short of N is the row at 0 minus the row at N.
    """

    __tablename__ = "statement_coverage"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    assignees: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    statements: Mapped[int] = mapped_column(Integer, default=0)
