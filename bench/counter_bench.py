"""What the stored counters' triggers (migration 0013) add to one stance save.

Builds two identical databases (SQLite files, or two PostgreSQL schemas of the URL's
database), each with the demo, a 20,000-character statement and a project that allows
overlaps; in one of them the counter triggers are dropped. Then, alternating between the two
in rounds so both see the same load, it times the real service path of a save with its
commit: create a stance, change its label, delete it. Reports the median milliseconds per
save of each kind with and without the triggers, and the ratio.

Usage:  python bench/counter_bench.py [--database-url URL] [--rounds 10] [--saves 50]
PostgreSQL: pass a URL of a scratch database; the schemas counters_on / counters_off are
dropped and recreated in it.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIGRATION = ROOT / "annotator/db/migrations/versions/0013_stored_counters.py"
KINDS = ("create", "relabel", "delete")


def _migration():
    spec = importlib.util.spec_from_file_location("m0013", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def drop_triggers(conn) -> None:
    """Remove every counter trigger (the schema as it was before 0013, tables aside)."""
    from sqlalchemy import text

    m = _migration()
    if conn.dialect.name == "sqlite":
        for name in m.SQLITE_TRIGGERS:
            conn.execute(text(f"DROP TRIGGER {name}"))
        return
    tables = {name: spec[0] for name, spec in m._pg_specs().items()}
    tables |= {"stance_counts_update": "stances", "statement_assignments_first": "statements"}
    for name, table in tables.items():
        conn.execute(text(f"DROP TRIGGER {name} ON {table}"))


def urls(base: str | None) -> dict[str, str]:
    """The two databases: with the triggers ("on") and without ("off")."""
    if not base:
        folder = tempfile.mkdtemp(prefix="counters-")
        return {k: f"sqlite:///{folder}/{k}.sqlite" for k in ("on", "off")}
    sep = "&" if "?" in base else "?"
    return {k: f"{base}{sep}options=-csearch_path%3Dcounters_{k}" for k in ("on", "off")}


def build(url: str, triggers: bool, base: str | None):
    """A migrated database with a long statement assigned to annotator1; returns the app."""
    from sqlalchemy import text

    from annotator import create_app
    from annotator.db.engine import make_engine
    from annotator.db.migrate import upgrade_schema
    from annotator.demo import load_demo
    from annotator.extensions import db

    if base:
        with make_engine(base).begin() as conn:
            schema = url.rsplit("%3D", 1)[1]
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "PASSWORD_METHOD": "pbkdf2"})
    upgrade_schema(db.engine)
    with app.app_context():
        load_demo(db.session, "bench-password", method="pbkdf2:sha256:1000")
        _long_statement(db.session)
        if not triggers:
            drop_triggers(db.session.connection())
        db.session.commit()
    return app


def _long_statement(session) -> None:
    """20,000 characters, assigned to annotator1, in the demo (overlaps allowed)."""
    from annotator.accounts.users import find_user
    from annotator.formats.statement_readers import StatementRecord
    from annotator.projects.assignments import assign_statement
    from annotator.projects.projects import find_project
    from annotator.statements.statements import import_statements

    project = find_project(session, "demo")
    project.allow_overlap = True
    words = "Teheran claims the Mullah regime strikes again and Iran condemns Israel "
    import_statements(session, project, [StatementRecord(LONG, (words * 300)[:20_000])])
    statement = _statement(session, project)
    assign_statement(session, project, statement, find_user(session, "annotator1"))


def main() -> None:
    """Alternate rounds between the two databases and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--saves", type=int, default=50)
    args = parser.parse_args()
    apps = {k: build(u, k == "on", args.database_url) for k, u in urls(args.database_url).items()}
    times = {k: {kind: [] for kind in KINDS} for k in apps}
    offset = 0
    for _ in range(args.rounds):
        for key, app in apps.items():
            with app.app_context():
                _round(times[key], offset, args.saves)
        offset += args.saves
    db_name = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{db_name}, median ms per save (service + commit), {args.rounds} x {args.saves}:")
    for kind in KINDS:
        on, off = (statistics.median(times[k][kind]) for k in ("on", "off"))
        print(f"  {kind:>8}: with counters {on:.3f}  without {off:.3f}  ratio {on / off:.3f}")


def _round(times: dict[str, list[float]], offset: int, saves: int) -> None:
    """``saves`` stances created, relabelled and deleted, each save committed on its own."""
    from annotator.accounts.users import find_user
    from annotator.annotation.stances import (
        StanceInput,
        create_stance,
        delete_stance,
        update_stance,
    )
    from annotator.annotation.versions import RowEdit
    from annotator.extensions import db
    from annotator.projects.projects import find_project

    session = db.session
    project, user = find_project(session, "demo"), find_user(session, "annotator1")
    statement = _statement(session, project)
    for k in range(offset, offset + saves):
        start = (k * 7) % 19_000
        data = StanceInput(start, start + 40, statement.text[start : start + 40], "claim", "iran")
        where = (session, project, statement, user)
        stance = _timed(times["create"], create_stance, *where, data)
        other = StanceInput(data.start, data.end, data.text, "condemnation", "iran")
        edit = RowEdit(project, statement, user, row_id=stance.id, version=stance.version)
        stance = _timed(times["relabel"], update_stance, session, edit, other)
        edit = RowEdit(project, statement, user, row_id=stance.id, version=stance.version)
        _timed(times["delete"], delete_stance, session, edit)
    session.close()


def _timed(into: list[float], save, *args):
    """Run one save and its commit; note the milliseconds."""
    from annotator.extensions import db

    t = time.perf_counter()
    result = save(*args)
    db.session.commit()
    into.append(1000 * (time.perf_counter() - t))
    return result


def _statement(session, project):
    from sqlalchemy import select

    from annotator.models import Statement

    return session.scalar(
        select(Statement).where(Statement.project_id == project.id, Statement.external_id == LONG)
    )


LONG = "counter-bench"


if __name__ == "__main__":
    main()
