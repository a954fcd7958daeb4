"""relation ends: the database refuses ends of another statement or another owner

Revision ID: 0016
Revises: 0014

A relation's two ends are stances of the relation's own statement and owner (the same
annotator, or both gold). The relation service checks it and answers 422; this makes the
database refuse it too, whichever path writes (an import, a bulk insert, a script), as the
other invariants of a relation already are (``not_loop``, ``owner``, the unique live
(from, to, type)). A CHECK cannot look at another row, and a composite foreign key cannot
name "the same owner" while gold stances have no annotator, so it is a trigger on insert and
on any update of the ends or the owner, and one on a stance's update that would move a linked
stance to another statement or owner: SQLite ``RAISE(ABORT)``, PostgreSQL a PL/pgSQL
function, both failing the statement with "relation ends must be stances of the relation's
statement and owner". Existing rows are checked first: the upgrade stops, naming the first
bad relation, rather than install a rule the data already breaks.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None

MESSAGE = "relation ends must be stances of the relation's statement and owner"
COLUMNS = "from_stance_id, to_stance_id, statement_id, annotator_id, is_gold"
NAMES = ("relation_ends_insert", "relation_ends_update")
STANCE_TRIGGER, STANCE_COLUMNS = "stance_keeps_its_relations", "statement_id, annotator_id, is_gold"


def _bad_end(row: str, end: str) -> str:
    """True when the ``end`` stance of ``row`` (new, or a table alias) is not its own."""
    return (
        f"NOT EXISTS (SELECT 1 FROM stances s WHERE s.id = {row}.{end} "
        f"AND s.statement_id = {row}.statement_id AND s.is_gold = {row}.is_gold "
        f"AND (s.annotator_id = {row}.annotator_id "
        f"OR (s.annotator_id IS NULL AND {row}.annotator_id IS NULL)))"
    )


BAD = f"{_bad_end('new', 'from_stance_id')} OR {_bad_end('new', 'to_stance_id')}"
# A stance moved to another statement or owner under a relation that links it: the same rule
# from the other side (stances never move in the app; a script could).
MOVED = (
    "EXISTS (SELECT 1 FROM relations r WHERE (r.from_stance_id = new.id OR r.to_stance_id = "
    "new.id) AND NOT (r.statement_id = new.statement_id AND r.is_gold = new.is_gold AND "
    "(r.annotator_id = new.annotator_id OR (r.annotator_id IS NULL AND new.annotator_id IS NULL))))"
)


def upgrade() -> None:
    _refuse_existing()
    if op.get_bind().dialect.name == "sqlite":
        for name, when in zip(NAMES, ("INSERT", f"UPDATE OF {COLUMNS}"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {when} ON relations WHEN {BAD} "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE.replace(chr(39), chr(39) * 2)}'); END"
            )
        op.execute(
            f"CREATE TRIGGER {STANCE_TRIGGER} BEFORE UPDATE OF {STANCE_COLUMNS} ON stances "
            f"WHEN {MOVED} BEGIN SELECT RAISE(ABORT, '{MESSAGE.replace(chr(39), chr(39) * 2)}'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION relation_ends_check() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {BAD} THEN RAISE EXCEPTION USING ERRCODE = 'check_violation', "
        f"MESSAGE = $m${MESSAGE}$m$; END IF; RETURN NEW; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {NAMES[0]} BEFORE INSERT OR UPDATE OF {COLUMNS} ON relations "
        "FOR EACH ROW EXECUTE FUNCTION relation_ends_check()"
    )
    op.execute(
        "CREATE FUNCTION stance_relations_check() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF {MOVED} THEN RAISE EXCEPTION USING ERRCODE = 'check_violation', "
        f"MESSAGE = $m${MESSAGE}$m$; END IF; RETURN NEW; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {STANCE_TRIGGER} BEFORE UPDATE OF {STANCE_COLUMNS} ON stances "
        "FOR EACH ROW EXECUTE FUNCTION stance_relations_check()"
    )


def _refuse_existing() -> None:
    """Stop the upgrade on data that already breaks the rule, naming the first relation."""
    bad = f"{_bad_end('r', 'from_stance_id')} OR {_bad_end('r', 'to_stance_id')}"
    row = op.get_bind().execute(sa.text(f"SELECT r.id FROM relations r WHERE {bad} LIMIT 1"))
    first = row.scalar()
    if first is not None:
        raise RuntimeError(f"relation {first}: {MESSAGE}; fix it before upgrading")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (*NAMES, STANCE_TRIGGER):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {STANCE_TRIGGER} ON stances")
    op.execute("DROP FUNCTION IF EXISTS stance_relations_check()")
    op.execute(f"DROP TRIGGER IF EXISTS {NAMES[0]} ON relations")
    op.execute("DROP FUNCTION IF EXISTS relation_ends_check()")
