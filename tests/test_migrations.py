"""The Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from annotator.db.engine import make_engine
from annotator.db.migrate import alembic_config, upgrade_schema
from annotator.models import Base


def test_migrated_schema_matches_models(database_url):
    engine = make_engine(database_url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _not_search_index}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def _not_search_index(name, type_, _parent) -> bool:
    """The full-text index (FTS5 tables on SQLite; on PostgreSQL a generated tsvector column
    and its GIN index) lives in migration 0009 only: the models cannot declare either."""
    return not (name or "").startswith(("statements_fts", "ix_statements_fts", "search_vector"))


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
