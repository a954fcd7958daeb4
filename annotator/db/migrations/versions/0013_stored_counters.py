"""stored counters: Progress, Assignments and the annotator list read counts, not stances

Revision ID: 0013
Revises: 0012

Progress and Assignments counted every live stance and every assignment of the project on
each request, which grew with the project. Three small tables now hold the counts
(``stance_counts`` per label and annotator, ``assignment_counts`` per project, annotator,
active and state, ``statement_coverage``: statements with at least k active assignees), kept
by triggers in the transaction of every write, whichever path makes it (the services, the
import, bulk inserts, cascades). SQLite uses row triggers; PostgreSQL statement triggers over
transition tables, so a bulk insert of 5,000 stances updates each counter row once, except for
a stance's update: a row trigger whose WHEN lets the edits that change no count pass free.

Decrements only ever UPDATE (a cascade from a deleted project finds its rows gone and does
nothing); a deleted statement first deletes its assignments (BEFORE trigger) so they can still
name their project. The coverage is counted after the change under a lock of the statement
row on PostgreSQL, so two transactions assigning one statement count in turn.

A later migration that rebuilds stances, assignments or statements (SQLite batch mode) drops
their triggers and must create them again (``tests/test_counters.py`` checks they exist).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

LIVE = "deleted_at IS NULL AND NOT is_gold"

# --- SQLite: row triggers. ---------------------------------------------------------------

SQLITE_ADD_STANCE = (
    "INSERT INTO stance_counts (label_id, annotator_id, n) "
    "SELECT new.label_id, new.annotator_id, 1 WHERE new.deleted_at IS NULL AND NOT new.is_gold "
    "ON CONFLICT (label_id, annotator_id) DO UPDATE SET n = n + 1;"
)
SQLITE_DROP_STANCE = (
    "UPDATE stance_counts SET n = n - 1 WHERE old.deleted_at IS NULL AND NOT old.is_gold "
    "AND label_id = old.label_id AND annotator_id = old.annotator_id;"
)
OLD_PROJECT = "(SELECT project_id FROM statements WHERE id = old.statement_id)"
SQLITE_ADD_ASSIGNMENT = (
    "INSERT INTO assignment_counts (project_id, annotator_id, active, state, n) "
    "SELECT project_id, new.annotator_id, new.active, new.state, 1 FROM statements "
    "WHERE id = new.statement_id "
    "ON CONFLICT (project_id, annotator_id, active, state) DO UPDATE SET n = n + 1;"
)
SQLITE_DROP_ASSIGNMENT = (
    f"UPDATE assignment_counts SET n = n - 1 WHERE project_id = {OLD_PROJECT} "
    "AND annotator_id = old.annotator_id AND active = old.active AND state = old.state;"
)
SQLITE_GAIN_ASSIGNEE = (  # the statement now has k active assignees: one more at k
    "INSERT INTO statement_coverage (project_id, assignees, statements) "
    "SELECT project_id, (SELECT count(*) FROM assignments "
    "WHERE statement_id = new.statement_id AND active), 1 FROM statements "
    "WHERE {when} AND id = new.statement_id "
    "ON CONFLICT (project_id, assignees) DO UPDATE SET statements = statements + 1;"
)
SQLITE_LOSE_ASSIGNEE = (  # the statement now has k: one fewer at k + 1
    "UPDATE statement_coverage SET statements = statements - 1 "
    f"WHERE {{when}} AND project_id = {OLD_PROJECT} AND assignees = 1 + "
    "(SELECT count(*) FROM assignments WHERE statement_id = old.statement_id AND active);"
)
SQLITE_TRIGGERS = {
    "stance_counts_insert": "AFTER INSERT ON stances "
    f"WHEN new.deleted_at IS NULL AND NOT new.is_gold BEGIN {SQLITE_ADD_STANCE} END",
    "stance_counts_delete": "AFTER DELETE ON stances "
    f"WHEN old.deleted_at IS NULL AND NOT old.is_gold BEGIN {SQLITE_DROP_STANCE} END",
    "stance_counts_update": "AFTER UPDATE OF label_id, annotator_id, deleted_at, is_gold "
    "ON stances WHEN old.label_id IS NOT new.label_id OR old.annotator_id IS NOT new.annotator_id "
    "OR (old.deleted_at IS NULL AND NOT old.is_gold) "
    "IS NOT (new.deleted_at IS NULL AND NOT new.is_gold) "
    f"BEGIN {SQLITE_DROP_STANCE} {SQLITE_ADD_STANCE} END",
    "assignment_counts_insert": "AFTER INSERT ON assignments BEGIN "
    f"{SQLITE_ADD_ASSIGNMENT} {SQLITE_GAIN_ASSIGNEE.format(when='new.active')} END",
    "assignment_counts_delete": "AFTER DELETE ON assignments BEGIN "
    f"{SQLITE_DROP_ASSIGNMENT} {SQLITE_LOSE_ASSIGNEE.format(when='old.active')} END",
    # The statement of an assignment never changes: only its annotator, state and activity.
    "assignment_counts_update": "AFTER UPDATE OF annotator_id, active, state ON assignments "
    f"BEGIN {SQLITE_DROP_ASSIGNMENT} {SQLITE_ADD_ASSIGNMENT} "
    f"{SQLITE_GAIN_ASSIGNEE.format(when='new.active AND NOT old.active')} "
    f"{SQLITE_LOSE_ASSIGNEE.format(when='old.active AND NOT new.active')} END",
    "statement_coverage_insert": "AFTER INSERT ON statements BEGIN "
    "INSERT INTO statement_coverage (project_id, assignees, statements) "
    "VALUES (new.project_id, 0, 1) "
    "ON CONFLICT (project_id, assignees) DO UPDATE SET statements = statements + 1; END",
    "statement_coverage_delete": "AFTER DELETE ON statements BEGIN "
    "UPDATE statement_coverage SET statements = statements - 1 "
    "WHERE project_id = old.project_id AND assignees = 0; END",
    # Its assignments go first, while they can still name their project.
    "statement_assignments_first": "BEFORE DELETE ON statements BEGIN "
    "DELETE FROM assignments WHERE statement_id = old.id; END",
}

# --- PostgreSQL: statement triggers over transition tables. ------------------------------

PG_STANCE_CHANGES = {  # each changed row as +1 (new) or -1 (old), live annotator rows only
    "INSERT": f"SELECT label_id, annotator_id, 1 AS d FROM new_rows WHERE {LIVE}",
    "DELETE": f"SELECT label_id, annotator_id, -1 AS d FROM old_rows WHERE {LIVE}",
}
# An update is a row trigger whose WHEN skips the edits that change no count (span, target,
# note: most saves) without calling the function; a statement trigger cost every edit
# ~0.4 ms of planning over its transition tables.
PG_STANCE_UPDATE = (
    "CREATE FUNCTION stance_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF OLD.deleted_at IS NULL AND NOT OLD.is_gold THEN UPDATE stance_counts SET n = n - 1 "
    "WHERE label_id = OLD.label_id AND annotator_id = OLD.annotator_id; END IF; "
    "IF NEW.deleted_at IS NULL AND NOT NEW.is_gold THEN "
    "INSERT INTO stance_counts AS c (label_id, annotator_id, n) "
    "VALUES (NEW.label_id, NEW.annotator_id, 1) "
    "ON CONFLICT (label_id, annotator_id) DO UPDATE SET n = c.n + 1; END IF; "
    "RETURN NULL; END $$",
    "CREATE TRIGGER stance_counts_update AFTER UPDATE ON stances FOR EACH ROW WHEN ("
    "(OLD.label_id, OLD.annotator_id, OLD.deleted_at IS NULL AND NOT OLD.is_gold) "
    "IS DISTINCT FROM (NEW.label_id, NEW.annotator_id, NEW.deleted_at IS NULL AND NOT NEW.is_gold)"
    ") EXECUTE FUNCTION stance_counts_update()",
)
PG_STANCE_BODY = """
    WITH d AS (
        SELECT label_id, annotator_id, sum(d) AS d FROM ({changes}) c
        GROUP BY label_id, annotator_id HAVING sum(d) <> 0
    ), fewer AS (
        UPDATE stance_counts c SET n = c.n + d.d FROM d
        WHERE d.d < 0 AND c.label_id = d.label_id AND c.annotator_id = d.annotator_id
    )
    INSERT INTO stance_counts AS c (label_id, annotator_id, n)
    SELECT label_id, annotator_id, d FROM d WHERE d > 0
    ON CONFLICT (label_id, annotator_id) DO UPDATE SET n = c.n + excluded.n;
"""
ROW = "statement_id, annotator_id, active, state"
PG_ASSIGNMENT_CHANGES = {
    "INSERT": f"SELECT {ROW}, 1 AS d FROM new_rows",
    "DELETE": f"SELECT {ROW}, -1 AS d FROM old_rows",
    "UPDATE": f"SELECT {ROW}, 1 AS d FROM new_rows UNION ALL SELECT {ROW}, -1 FROM old_rows",
}
PG_ASSIGNMENT_BODY = """
    WITH d AS (
        SELECT s.project_id, c.annotator_id, c.active, c.state, sum(c.d) AS d
        FROM ({changes}) c JOIN statements s ON s.id = c.statement_id
        GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
    ), fewer AS (
        UPDATE assignment_counts c SET n = c.n + d.d FROM d
        WHERE d.d < 0 AND c.project_id = d.project_id AND c.annotator_id = d.annotator_id
          AND c.active = d.active AND c.state = d.state
    )
    INSERT INTO assignment_counts AS c (project_id, annotator_id, active, state, n)
    SELECT project_id, annotator_id, active, state, d FROM d WHERE d > 0
    ON CONFLICT (project_id, annotator_id, active, state) DO UPDATE SET n = c.n + excluded.n;
    -- Statements whose active assignees changed, locked so that concurrent writers count in
    -- turn (NO KEY UPDATE does not block the stance inserts that reference them).
    PERFORM 1 FROM statements WHERE id IN (
        SELECT statement_id FROM ({changes}) c WHERE active
        GROUP BY statement_id HAVING sum(d) <> 0
    ) ORDER BY id FOR NO KEY UPDATE;
    WITH moved AS (
        SELECT statement_id, sum(d) AS d FROM ({changes}) c WHERE active
        GROUP BY statement_id HAVING sum(d) <> 0
    ), now AS (
        SELECT s.project_id, m.d, (
            SELECT count(*) FROM assignments a WHERE a.statement_id = m.statement_id AND a.active
        ) AS after
        FROM moved m JOIN statements s ON s.id = m.statement_id
    ), steps AS (
        SELECT project_id, k, sum(sign(d))::int AS d
        FROM now, generate_series(least(after - d, after) + 1, greatest(after - d, after)) k
        GROUP BY project_id, k
    ), fewer AS (
        UPDATE statement_coverage c SET statements = c.statements + s.d FROM steps s
        WHERE s.d < 0 AND c.project_id = s.project_id AND c.assignees = s.k
    )
    INSERT INTO statement_coverage AS c (project_id, assignees, statements)
    SELECT project_id, k, d FROM steps WHERE d > 0
    ON CONFLICT (project_id, assignees) DO UPDATE SET statements = c.statements + excluded.statements;
"""
PG_STATEMENT_BODY = {
    "INSERT": """
    INSERT INTO statement_coverage AS c (project_id, assignees, statements)
    SELECT project_id, 0, count(*) FROM new_rows GROUP BY project_id
    ON CONFLICT (project_id, assignees) DO UPDATE SET statements = c.statements + excluded.statements;
""",
    "DELETE": """
    UPDATE statement_coverage c SET statements = c.statements - d.n
    FROM (SELECT project_id, count(*) AS n FROM old_rows GROUP BY project_id) d
    WHERE c.project_id = d.project_id AND c.assignees = 0;
""",
}
PG_ASSIGNMENTS_FIRST = (
    "CREATE FUNCTION statement_assignments_first() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN DELETE FROM assignments WHERE statement_id = OLD.id; RETURN OLD; END $$",
    "CREATE TRIGGER statement_assignments_first BEFORE DELETE ON statements "
    "FOR EACH ROW EXECUTE FUNCTION statement_assignments_first()",
)


def _pg_trigger(name: str, table: str, op_name: str, body: str) -> tuple[str, str]:
    """One statement trigger and its function; the transition tables its event has."""
    tables = {"INSERT": "NEW TABLE AS new_rows", "DELETE": "OLD TABLE AS old_rows"}
    referencing = tables.get(op_name, "OLD TABLE AS old_rows NEW TABLE AS new_rows")
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} "
        "RETURN NULL; END $$",
        f"CREATE TRIGGER {name} AFTER {op_name} ON {table} REFERENCING {referencing} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    )


def _pg_specs() -> dict[str, tuple[str, str, str]]:
    """Trigger name -> (table, event, function body), for every counter trigger."""
    out = {}
    for op_name, changes in PG_STANCE_CHANGES.items():
        body = PG_STANCE_BODY.format(changes=changes)
        out[f"stance_counts_{op_name.lower()}"] = ("stances", op_name, body)
    for op_name, changes in PG_ASSIGNMENT_CHANGES.items():
        body = PG_ASSIGNMENT_BODY.format(changes=changes)
        out[f"assignment_counts_{op_name.lower()}"] = ("assignments", op_name, body)
    for op_name, body in PG_STATEMENT_BODY.items():
        out[f"statement_coverage_{op_name.lower()}"] = ("statements", op_name, body)
    return out


# --- Backfill: the same counts from the rows, once. --------------------------------------

BACKFILL = (
    "INSERT INTO stance_counts (label_id, annotator_id, n) "
    f"SELECT label_id, annotator_id, count(*) FROM stances WHERE {LIVE} "
    "GROUP BY label_id, annotator_id",
    "INSERT INTO assignment_counts (project_id, annotator_id, active, state, n) "
    "SELECT s.project_id, a.annotator_id, a.active, a.state, count(*) "
    "FROM assignments a JOIN statements s ON s.id = a.statement_id GROUP BY 1, 2, 3, 4",
    "INSERT INTO statement_coverage (project_id, assignees, statements) "
    "SELECT project_id, 0, count(*) FROM statements GROUP BY project_id",
    # Per statement its active count c; it counts at every k from 1 to c.
    "INSERT INTO statement_coverage (project_id, assignees, statements) "
    "WITH RECURSIVE per AS ("
    "  SELECT s.project_id, count(*) AS c FROM assignments a "
    "  JOIN statements s ON s.id = a.statement_id WHERE a.active GROUP BY s.id, s.project_id"
    "), ks(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM ks WHERE k < (SELECT max(c) FROM per)) "
    "SELECT per.project_id, ks.k, count(*) FROM per JOIN ks ON ks.k <= per.c "
    "GROUP BY per.project_id, ks.k",
)


def upgrade() -> None:
    _create_tables()
    for statement in BACKFILL:
        op.execute(statement)
    if op.get_bind().dialect.name == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        return
    for name, spec in _pg_specs().items():
        for ddl in _pg_trigger(name, *spec):
            op.execute(ddl)
    for ddl in (*PG_STANCE_UPDATE, *PG_ASSIGNMENTS_FIRST):
        op.execute(ddl)


def _create_tables() -> None:
    def users():
        return sa.ForeignKey("users.id", ondelete="CASCADE")

    def projects():
        return sa.ForeignKey("projects.id", ondelete="CASCADE")

    op.create_table(
        "stance_counts",
        sa.Column("label_id", sa.Integer(), sa.ForeignKey("labels.id", ondelete="CASCADE")),
        sa.Column("annotator_id", sa.Integer(), users()),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("label_id", "annotator_id", name=op.f("pk_stance_counts")),
    )
    op.create_table(
        "assignment_counts",
        sa.Column("project_id", sa.Integer(), projects()),
        sa.Column("annotator_id", sa.Integer(), users()),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "annotator_id", "active", "state", name=op.f("pk_assignment_counts")
        ),
    )
    op.create_table(
        "statement_coverage",
        sa.Column("project_id", sa.Integer(), projects()),
        sa.Column("assignees", sa.Integer(), autoincrement=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "assignees", name=op.f("pk_statement_coverage")),
    )
    op.create_index(op.f("ix_stance_counts_annotator_id"), "stance_counts", ["annotator_id"])
    op.create_index(
        op.f("ix_assignment_counts_annotator_id"), "assignment_counts", ["annotator_id"]
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        tables = {name: spec[0] for name, spec in _pg_specs().items()}
        tables |= {"stance_counts_update": "stances", "statement_assignments_first": "statements"}
        for name, table in tables.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for table in ("statement_coverage", "assignment_counts", "stance_counts"):
        op.drop_table(table)
