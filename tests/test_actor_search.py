"""The actor search (registry page, API, type-ahead) on each database's substring index
(migration 0023): what it finds, that FTS syntax is plain text, that the index follows every
write, and that its plans read the index instead of every actor."""

from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import create_engine, delete, insert, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from annotator.accounts.users import get_user
from annotator.actors import curation
from annotator.actors.registry import search_actors, set_aliases
from annotator.db.engine import make_engine
from annotator.db.migrate import alembic_config, upgrade_schema
from annotator.models import Actor, ActorAlias, Project

from .conftest import PG_BASE_URL, _unavailable
from .test_query_plans import explained, recorded
from .workspace_helpers import demo


def names(session, project, query: str) -> set[str]:
    """The names of the actors the registry's search lists."""
    page = curation.list_actor_page(session, project, query=query, status="all", per_page=500)
    return {actor.name for actor in page.actors}


def add(session, project, name: str, *aliases: str, qid: str | None = None) -> Actor:
    lead = get_user(session, "lead")
    data = curation.ActorData(name, "party", aliases, qid)
    return curation.create_actor(session, project, lead, data)


CORPS, ASSAD, PARTY = "Islamic Revolutionary Guard Corps", "Режим Асада", "50% Party"


@pytest.fixture
def registry(session):
    project, _ = demo(session)
    add(session, project, CORPS, "IRGC", "Pasdaran")
    add(session, project, ASSAD, "Assad regime", qid="Q12345")
    add(session, project, PARTY, "a_b")
    session.commit()
    return project


def test_search_finds_substrings_of_names_and_aliases_in_any_case(session, registry):
    project = registry
    assert names(session, project, "revolutionary guard") == {CORPS}
    assert names(session, project, "SDARA") == {CORPS}  # an alias
    assert names(session, project, "режим") == {ASSAD}  # Cyrillic, other case
    assert names(session, project, "Q12345") == {ASSAD}  # the QID
    party = session.scalar(select(Actor).where(Actor.name == PARTY))
    assert names(session, project, party.key) == {PARTY}  # the key
    two = names(session, project, "rg")  # two letters: no trigram to look up
    assert CORPS in two and ASSAD not in two and PARTY not in two
    assert names(session, project, "no such actor") == set()


@pytest.mark.parametrize(
    "query", ['"', '"IRGC"', "IRG*", "NEAR(IRGC Pasdaran)", "-IRGC", "(IRGC", "IRGC OR x", "\\"]
)
def test_fts_syntax_is_plain_text(session, registry, query):
    found = names(session, registry, query)
    assert found == set(), found


def test_like_wildcards_are_plain_text(session, registry):
    assert names(session, registry, "50%") == {PARTY}
    assert names(session, registry, "5_%") == set()
    assert names(session, registry, "a_b") == {PARTY}
    assert names(session, registry, "%") == {PARTY}  # one character: the short path
    assert names(session, registry, "_") == {PARTY}


def test_index_follows_renames_alias_changes_merges_and_deletes(session, registry):
    project = registry
    lead = get_user(session, "lead")
    corps = session.scalar(select(Actor).where(Actor.name == CORPS))
    assad = session.scalar(select(Actor).where(Actor.name == ASSAD))
    curation.update_actor(
        session, project, lead, corps, curation.ActorData("Sepah", "party", ("IRGC",))
    )
    session.commit()
    assert names(session, project, "revolutionary guard") == set()
    assert names(session, project, "sepah") == names(session, project, "IRGC") == {"Sepah"}
    assert names(session, project, "pasdaran") == set()  # the alias left with the edit
    curation.merge_actors(session, project, lead, assad, corps)
    session.commit()
    assert "Sepah" in names(session, project, "assad regime")  # the alias moved over
    set_aliases(corps, ["Guards"])
    session.commit()
    assert "Sepah" not in names(session, project, "assad regime")
    assert names(session, project, "асада") == {ASSAD}  # merged (status all): its own name
    assert "Sepah" in names(session, project, "guards")
    session.execute(delete(Actor).where(Actor.id == assad.id))  # aliases go by the cascade
    session.commit()
    assert names(session, project, "асада") == set()
    assert ASSAD not in names(session, project, "assad regime")
    _index_holds_every_name_and_alias(session)


def _index_holds_every_name_and_alias(session) -> None:
    """SQLite: the FTS table holds exactly the names and aliases, by the rowid scheme."""
    if session.get_bind().dialect.name != "sqlite":
        return
    indexed = set(session.execute(text("SELECT rowid, term, actor_id FROM actors_fts")))
    names = {(2 * i, name, i) for i, name in session.execute(select(Actor.id, Actor.name))}
    aliases = session.execute(select(ActorAlias.id, ActorAlias.normalized, ActorAlias.actor_id))
    assert indexed == names | {(2 * i + 1, norm, a) for i, norm, a in aliases}


def test_type_ahead_ranks_prefixes_first_and_names_the_alias(session, registry):
    project = registry
    add(session, project, "Guardians of the Cedars")
    session.commit()
    found = search_actors(session, project, "guard")
    assert [m.actor.name for m in found][:2] == [
        "Guardians of the Cedars",  # a prefix of the name
        "Islamic Revolutionary Guard Corps",
    ]
    (match,) = search_actors(session, project, "pasda")
    assert match.alias == "Pasdaran" and match.actor.name == CORPS
    (match,) = search_actors(session, project, "режим")
    assert match.alias is None  # its name matched


def test_search_plans_read_the_substring_index(session, registry):
    """No full read of actors or aliases for a search of three letters or more, in a registry
    of 3,000 actors and 6,000 aliases with fresh statistics. PostgreSQL with sequential scans
    priced out (it reads tables this small whole; at the yardstick's 20,000 aliases it takes
    the trigram index by itself), and only where pg_trgm could be made."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    if not sqlite and not _has_trigram_indexes(session):
        pytest.skip("pg_trgm could not be created here: the search scans (0023)")
    _bulk_registry(session, registry, 3_000)
    with recorded(session) as seen:
        names(session, registry, "pasdaran")
        search_actors(session, registry, "revolutionary")
    plans = "\n\n".join(explained(session, seen, "enable_seqscan"))
    if sqlite:
        assert "actors_fts VIRTUAL TABLE INDEX 0:M" in plans, plans
        assert "SCAN actors\n" not in plans + "\n" and "SCAN actor_aliases" not in plans, plans
    else:
        assert "ix_actor_aliases_trgm" in plans and "ix_actors_trgm_name" in plans, plans
        assert "Seq Scan on actor" not in plans, plans


def _bulk_registry(session, project, n: int) -> None:
    rows = [
        {"project_id": project.id, "key": f"bulk-{k}", "name": f"Bulk actor {k}",
         "type": "party", "status": "approved"}
        for k in range(n)
    ]  # fmt: skip
    session.execute(insert(Actor), rows)
    ids = session.scalars(select(Actor.id).where(Actor.key.like("bulk-%"))).all()
    aliases = [
        {"actor_id": actor_id, "alias": f"b{actor_id}-{k}", "normalized": f"b{actor_id}-{k}"}
        for actor_id in ids
        for k in range(2)
    ]
    session.execute(insert(ActorAlias), aliases)
    if session.get_bind().dialect.name != "sqlite":  # as autovacuum would: GIN's pending list
        for index in ("ix_actors_trgm_name", "ix_actor_aliases_trgm"):
            session.execute(text(f"SELECT gin_clean_pending_list('{index}'::regclass)"))
    session.execute(text("ANALYZE"))


def _has_trigram_indexes(session) -> bool:
    found = session.execute(
        text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE :pattern"),
        {"pattern": "ix_actor%_trgm%"},
    )
    return found.scalar() == 2


def test_0023_indexes_the_actors_already_there(database_url):
    """Down to 0022, actors added, up again: the migration's index holds them."""
    engine = make_engine(database_url)
    command.downgrade(alembic_config(engine), "0022")
    with Session(engine) as session:
        project = Project(slug="p", name="P")
        session.add(project)
        session.flush()
        actor = Actor(project_id=project.id, key="iran", name="Islamic Republic", type="state")
        actor.aliases = [ActorAlias(alias="IRI", normalized="iri")]
        session.add(actor)
        session.commit()
        project_id = project.id
    upgrade_schema(engine)
    with Session(engine) as session:
        project = session.get(Project, project_id)
        assert (
            names(session, project, "republic")
            == names(session, project, "IRI")
            == {"Islamic Republic"}
        )
        _index_holds_every_name_and_alias(session)
    engine.dispose()


def test_0023_without_pg_trgm_goes_on_and_the_search_scans():
    """A role that may not create extensions (no superuser, no CREATE on the database), then
    one that may not use the schema the extension is in: the migrations complete without
    the trigram indexes each time, and the search still finds."""
    if not PG_BASE_URL:
        pytest.skip("PostgreSQL only: SQLite's FTS5 needs no extension")
    name = f"annotator_noext_{os.getpid()}"
    admin = create_engine(PG_BASE_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD 'noext'"))
            conn.execute(text(f"CREATE DATABASE {name}"))
    except DBAPIError as err:
        admin.dispose()
        _unavailable(f"cannot create a role and a database here: {err.orig}")
    url = make_url(PG_BASE_URL).set(username=name, password="noext", database=name)
    try:
        owner = create_engine(make_url(PG_BASE_URL).set(database=name))
        with owner.begin() as conn:  # PostgreSQL 15: public is no longer everyone's
            conn.execute(text(f"GRANT CREATE, USAGE ON SCHEMA public TO {name}"))
        owner.dispose()
        engine = make_engine(url.render_as_string(hide_password=False))
        upgrade_schema(engine)
        with Session(engine) as session:
            assert not _has_trigram_indexes(session)
            project = Project(slug="p", name="P")
            session.add(project)
            session.flush()
            session.add(Actor(project_id=project.id, key="iran", name="Islamic Republic"))
            session.commit()
            assert names(session, project, "republic") == {"Islamic Republic"}
        _extension_out_of_reach(PG_BASE_URL, name)
        command.downgrade(alembic_config(engine), "0022")
        upgrade_schema(engine)  # the extension is there now, in a schema the role cannot use
        with Session(engine) as session:
            assert not _has_trigram_indexes(session)
            assert names(session, session.get(Project, project.id), "republic")
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()


def _extension_out_of_reach(base_url: str, name: str) -> None:
    """pg_trgm created by the superuser in a schema the role ``name`` has no use of."""
    owner = create_engine(make_url(base_url).set(database=name))
    with owner.begin() as conn:
        conn.execute(text("CREATE SCHEMA trgm_private"))
        conn.execute(text("CREATE EXTENSION pg_trgm SCHEMA trgm_private"))
    owner.dispose()
