"""Migration 0004: relation tables, their constraints, and default types for older projects."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from annotator.db.engine import make_engine
from annotator.db.migrate import alembic_config, upgrade_schema

from .conftest import PG_BASE_URL, _schema_url

BEFORE = "0003"  # the revision 0004 follows


@pytest.fixture
def blank_engine(tmp_path) -> Iterator[Engine]:
    """An empty database of its own (a file, or a PostgreSQL schema dropped afterwards)."""
    if not PG_BASE_URL:
        engine = make_engine(f"sqlite:///{tmp_path / 'blank.sqlite'}")
        yield engine
        engine.dispose()
        return
    schema = f"annotator_reltest_{os.getpid()}"
    admin = make_engine(PG_BASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(_schema_url(PG_BASE_URL, schema))
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _project_at_0002(engine: Engine) -> None:
    """A project as it was before relations existed: one user, statement and two stances."""
    upgrade_schema(engine, BEFORE)
    now = "2024-01-19 10:00:00+00:00"
    rows = [
        "INSERT INTO projects (id, slug, name, description, annotators_per_statement,"
        " allow_overlap, snap_to_words, hide_annotator_names, registry_version, created_at)"
        f" VALUES (7, 'old', 'Old', '', 2, true, false, false, 0, '{now}')",
        "INSERT INTO users (id, username, password_hash, is_admin, active, created_at)"
        f" VALUES (3, 'ann', 'x', false, true, '{now}')",
        "INSERT INTO labels (id, project_id, key, name, color, definition, example,"
        " requires_target, semeval, position, retired)"
        " VALUES (5, 7, 'claim', 'Claim', '#888888', '', '', false, 'NONE', 0, false)",
        "INSERT INTO statements (id, project_id, external_id, meta, text, text_sha256,"
        f" review_version, created_at) VALUES (11, 7, 's1', '{{}}', 'abc def', 'x', 0, '{now}')",
    ]
    for stance_id, start, end in ((21, 0, 3), (22, 4, 7)):
        rows.append(
            'INSERT INTO stances (id, statement_id, annotator_id, is_gold, start, "end", text,'
            " label_id, note, version, created_at, updated_at)"
            f" VALUES ({stance_id}, 11, 3, false, {start}, {end}, 'abc', 5, '', 1, '{now}',"
            f" '{now}')"
        )
    with engine.begin() as conn:
        for row in rows:
            conn.execute(text(row))


def _relation(conn, relation_id: int, a: int, b: int, type_id: int, deleted: bool = False):
    deleted_at = "'2024-01-20 10:00:00+00:00'" if deleted else "NULL"
    conn.execute(
        text(
            "INSERT INTO relations (id, statement_id, annotator_id, is_gold, type_id,"
            " from_stance_id, to_stance_id, note, version, created_at, updated_at, deleted_at,"
            " deleted_with_stance) VALUES (:id, 11, 3, false, :type, :a, :b, '', 1,"
            f" '2024-01-19 10:00:00+00:00', '2024-01-19 10:00:00+00:00', {deleted_at}, false)"
        ),
        {"id": relation_id, "type": type_id, "a": a, "b": b},
    )


def test_upgrade_gives_existing_projects_the_default_types(blank_engine):
    _project_at_0002(blank_engine)
    upgrade_schema(blank_engine)
    with blank_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT key, aif, position, retired FROM relation_types WHERE project_id = 7")
        ).all()
    expected = [("attacks", "CA", 1, False), ("supports", "RA", 0, False)]
    assert sorted(tuple(r) for r in rows) == expected


def test_constraints_refuse_loops_duplicates_and_unknown_ends(blank_engine):
    _project_at_0002(blank_engine)
    upgrade_schema(blank_engine)
    with blank_engine.connect() as conn:
        supports = conn.scalar(text("SELECT id FROM relation_types WHERE key = 'supports'"))
    with blank_engine.begin() as conn:
        _relation(conn, 1, 21, 22, supports)
        _relation(conn, 2, 21, 22, supports, deleted=True)  # a deleted twin does not clash
    for a, b in ((21, 21), (21, 22), (21, 999)):  # loop, live duplicate, no such stance
        with pytest.raises(IntegrityError), blank_engine.begin() as conn:
            _relation(conn, 3, a, b, supports)


def test_downgrade_removes_the_tables_and_upgrade_restores_them(blank_engine):
    _project_at_0002(blank_engine)
    upgrade_schema(blank_engine)
    command.downgrade(alembic_config(blank_engine), BEFORE)
    assert not {"relations", "relation_types"} & set(inspect(blank_engine).get_table_names())
    upgrade_schema(blank_engine)
    inspector = inspect(blank_engine)
    checks = {c["name"] for c in inspector.get_check_constraints("relations")}
    unique = [i for i in inspector.get_indexes("relations") if i["unique"]]
    assert {"ck_relations_not_loop", "ck_relations_owner"} <= checks
    assert [i["name"] for i in unique] == ["uq_relations_live_link"]


def test_upgrading_to_head_keeps_every_row_of_an_older_project(blank_engine):
    """SQLite's batch mode rebuilds ``projects`` (0002, 0006): with foreign keys enforced, the
    DROP of the old table cascaded and deleted every label, statement and stance (found when
    0006 landed). The migrations run with foreign keys off and check them before committing."""
    _project_at_0002(blank_engine)
    upgrade_schema(blank_engine)
    counts = {}
    with blank_engine.connect() as conn:
        for table in ("projects", "labels", "statements", "stances", "relation_types", "users"):
            counts[table] = conn.scalar(text(f"SELECT count(*) FROM {table}"))
        foreign_keys = (
            conn.exec_driver_sql("PRAGMA foreign_keys").scalar() if not PG_BASE_URL else 1
        )
    assert counts == {
        "projects": 1,
        "labels": 1,
        "statements": 1,
        "stances": 2,
        "relation_types": 2,
        "users": 1,
    }
    assert foreign_keys == 1  # on again for the connections that follow
