"""The Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

import warnings

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from annotator.db.engine import make_engine
from annotator.db.migrate import alembic_config, upgrade_schema
from annotator.models import Base

DATE_INDEX = "ix_statements_project_date"  # an expression index: compared by test_date_index_*
NAME_ORDER_INDEX = "ix_actors_project_name_order"  # another: test_name_order_index_*


def test_migrated_schema_matches_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _not_search_index}
        context = MigrationContext.configure(conn, opts=opts)
        with warnings.catch_warnings():  # SQLite cannot reflect expression indexes: see below
            for name in (DATE_INDEX, NAME_ORDER_INDEX):
                warnings.filterwarnings("ignore", f".*expression-based index.*{name}")
            diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


SEARCH_INDEXES = (
    "statements_fts", "ix_statements_fts", "search_vector",  # 0009
    "actors_fts", "ix_actors_trgm_name", "ix_actor_aliases_trgm",  # 0023
)  # fmt: skip


def _not_search_index(name, type_, _parent) -> bool:
    """The full-text and substring indexes (FTS5 tables on SQLite; on PostgreSQL a generated
    tsvector column and GIN indexes) live in migrations 0009 and 0023 only: the models cannot
    declare them."""
    return not (name or "").startswith(SEARCH_INDEXES)


def test_every_table_has_a_primary_key_and_named_constraints(database_url):
    engine = make_engine(database_url)
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert inspector.get_pk_constraint(table.name)["constrained_columns"], table.name
    checks = {c["name"] for c in inspector.get_check_constraints("stances")}
    engine.dispose()
    assert {"ck_stances_span", "ck_stances_owner"} <= checks


def test_0019_swaps_the_live_owner_index_for_live_gold_by_label(database_url):
    """Down: the (label, annotator) index of 0010 is back and the gold one gone; up: swapped."""
    engine = make_engine(database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0019").down_revision
    old, new = "ix_stances_live_label_owner", "ix_stances_live_gold_label"
    try:
        assert new in _stance_indexes(engine) and old not in _stance_indexes(engine)
        command.downgrade(config, before)
        assert old in _stance_indexes(engine) and new not in _stance_indexes(engine)
    finally:
        upgrade_schema(engine)
    indexes = _stance_indexes(engine)
    engine.dispose()
    assert indexes[new] == ["label_id"] and old not in indexes


def _stance_indexes(engine) -> dict[str, list[str]]:
    return {i["name"]: i["column_names"] for i in inspect(engine).get_indexes("stances")}


def _index_definition(engine, name: str = DATE_INDEX) -> str | None:
    """The definition of an index as the database stores it, spaces squeezed."""
    sql = (
        "SELECT sql FROM sqlite_master WHERE name = :name"
        if engine.dialect.name == "sqlite"
        else "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
    )
    with engine.connect() as conn:
        found = conn.execute(text(sql), {"name": name}).scalar()
    return None if found is None else " ".join(found.split())


def test_date_index_is_the_models_and_goes_with_0018(database_url):
    """Autogenerate skips expression indexes on SQLite, so this compares the stored definition
    with the model's on both databases, and downgrades through 0018 and back."""
    engine = make_engine(database_url)
    stored = _index_definition(engine)
    model = next(i for i in Base.metadata.tables["statements"].indexes if i.name == DATE_INDEX)
    columns = [str(getattr(c, "name", c)) for c in model.expressions]
    assert columns == ["project_id", "coalesce(date, '')", "id"]
    if engine.dialect.name == "sqlite":
        assert (
            stored
            == f"CREATE INDEX {DATE_INDEX} ON statements (project_id, coalesce(date, ''), id)"
        )
    else:
        assert stored.endswith("(project_id, COALESCE(date, ''::character varying), id)"), stored
    command.downgrade(alembic_config(engine), "0017")
    assert _index_definition(engine) is None
    upgrade_schema(engine)
    assert _index_definition(engine) == stored
    engine.dispose()


def test_name_order_index_is_the_models_and_goes_with_0022(database_url):
    """The registry's (project, lower(name), id) order: stored as the model declares it on
    both databases (autogenerate cannot compare it on SQLite), gone below 0022, back above."""
    engine = make_engine(database_url)
    stored = _index_definition(engine, NAME_ORDER_INDEX)
    model = next(i for i in Base.metadata.tables["actors"].indexes if i.name == NAME_ORDER_INDEX)
    assert [str(getattr(c, "name", c)) for c in model.expressions] == [
        "project_id", "lower(name)", "id",
    ]  # fmt: skip
    expected = "(project_id, lower(name), id)" if engine.dialect.name == "sqlite" else (
        "(project_id, lower((name)::text), id)"
    )  # fmt: skip
    assert stored is not None and stored.endswith(expected), stored
    command.downgrade(alembic_config(engine), "0021")
    assert _index_definition(engine, NAME_ORDER_INDEX) is None
    upgrade_schema(engine)
    assert _index_definition(engine, NAME_ORDER_INDEX) == stored
    engine.dispose()
