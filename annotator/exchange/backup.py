"""Whole-database backup and restore as JSON Lines: one header, then one line per row.

Rows stream in foreign-key order (``Base.metadata.sorted_tables``) so a restore can insert them
as they come, in batches, inside the caller's one transaction. Password hashes leave the
database only when asked for; login throttles and API tokens never do (tokens are secrets and
throttles are transient), so they are not restored either.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table, delete, insert, select, text, true, update
from sqlalchemy.orm import Session

from annotator.errors import Conflict, Invalid
from annotator.models import Base
from annotator.statements import search

FORMAT = "annotator-backup/1"
# The search backlog is the index's to-do list: a restore rebuilds the index instead.
EXCLUDED = frozenset(
    {"login_throttles", "api_tokens", "search_backlog"}
    # The stored counters are rebuilt by the triggers as the restored rows go in.
    | {"stance_counts", "assignment_counts", "statement_coverage"}
)
UNUSABLE_HASH = "!"
BATCH = 500


def backup_tables() -> list[Table]:
    """The tables a backup holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


def schema_revision(session: Session) -> str | None:
    """The Alembic revision the database is at (None when never migrated)."""
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def iter_backup_lines(
    session: Session, *, include_credentials: bool = False, now: datetime | None = None
) -> Iterator[str]:
    """Yield the header and then every row as one JSON line each, in bounded memory."""
    from annotator.config import VERSION as __version__

    header = {
        "format": FORMAT,
        "tool_version": __version__,
        "schema_revision": schema_revision(session),
        "created_at": _iso(now or datetime.now(UTC)),
        "options": {"include_credentials": include_credentials},
        "tables": [t.name for t in backup_tables()],
    }
    yield json.dumps(header, sort_keys=True)
    for table in backup_tables():
        for row in _iter_rows(session, table):
            if not include_credentials:
                _scrub(table.name, row)
            yield json.dumps({"table": table.name, "row": row}, sort_keys=True, ensure_ascii=False)


def _iter_rows(session: Session, table: Table) -> Iterator[dict[str, Any]]:
    """Stream one table's rows in primary-key order through a server-side cursor."""
    query = select(table).order_by(*table.primary_key.columns)
    result = session.execute(query.execution_options(yield_per=BATCH))
    for mapping in result.mappings():
        yield {key: _encode(value) for key, value in mapping.items()}


def _encode(value: Any) -> Any:
    """JSON-ready value: datetimes as ISO 8601 in UTC, everything else as stored."""
    return _iso(value) if isinstance(value, datetime) else value


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def restore_backup(
    session: Session,
    lines: Iterable[str],
    *,
    force: bool = False,
    include_credentials: bool = False,
) -> dict[str, int]:
    """Insert a backup's rows into this database; returns rows restored per table.

    Refuses a database holding any rows unless ``force`` (which deletes them first). Only
    flushes: the caller commits, so a failure anywhere leaves the database as it was.
    """
    stream = iter(lines)
    _check_header(session, _parse(next(stream, ""), 1))
    _make_room(session, force)
    counts = _insert_rows(session, stream, include_credentials)
    _reset_sequences(session)
    search.rebuild_index(session)  # the rows came in around the importer's indexing
    return counts


def _parse(line: str, number: int) -> dict[str, Any]:
    """One JSON object per line, or a clear error naming the line."""
    try:
        value = json.loads(line)
    except ValueError:
        raise Invalid(f"Line {number} of the backup is not JSON.") from None
    if not isinstance(value, dict):
        raise Invalid(f"Line {number} of the backup is not a JSON object.")
    return value


def _check_header(session: Session, header: dict[str, Any]) -> None:
    """Only backups of this format and this schema revision are restored."""
    if header.get("format") != FORMAT:
        raise Invalid(f"This is not an annotator backup (expected format {FORMAT}).")
    current = schema_revision(session)
    if header.get("schema_revision") != current:
        raise Invalid(
            f"The backup has schema revision {header.get('schema_revision')}, the database "
            f"{current}; run 'annotator init' on a database of the backup's version first."
        )


def _make_room(session: Session, force: bool) -> None:
    """Refuse to mix a backup into existing data; with ``force`` delete everything first."""
    tables = Base.metadata.sorted_tables
    nonempty = [t.name for t in tables if session.scalar(select(true()).select_from(t).limit(1))]
    if nonempty and not force:
        raise Conflict(
            f"The database is not empty ({', '.join(nonempty)}); restore with --force to "
            "replace everything in it."
        )
    for table in reversed(tables):
        _clear_self_references(session, table)
        session.execute(delete(table))


def _self_references(table: Table) -> list[str]:
    """Columns pointing at the same table (actors merged into actors)."""
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]


def _clear_self_references(session: Session, table: Table) -> None:
    for name in _self_references(table):
        session.execute(update(table).values({name: None}))


def _insert_rows(session: Session, stream: Iterator[str], credentials: bool) -> dict[str, int]:
    """Insert rows in batches per table; self-references are set once all rows exist."""
    known = {t.name: t for t in backup_tables()}
    counts: dict[str, int] = {name: 0 for name in known}
    batch: list[dict[str, Any]] = []
    current: Table | None = None
    deferred: list[tuple[Table, dict[str, Any]]] = []
    for number, line in enumerate(stream, start=2):
        if not line.strip():
            continue
        table, row = _decode_line(known, _parse(line, number), number, credentials)
        if table is not current or len(batch) >= BATCH:
            _flush(session, current, batch)
            current, batch = table, []
        deferred.extend(_split_self_references(table, row))
        batch.append(row)
        counts[table.name] += 1
    _flush(session, current, batch)
    for table, values in deferred:
        pk = table.c.id
        session.execute(update(table).where(pk == values.pop("id")).values(values))
    return counts


def _decode_line(
    known: dict[str, Table], item: dict[str, Any], number: int, credentials: bool
) -> tuple[Table, dict[str, Any]]:
    """The table and column values of one row line, validated against the model."""
    table = known.get(item.get("table", ""))
    row = item.get("row")
    if table is None or not isinstance(row, dict):
        raise Invalid(f"Line {number} of the backup names no known table.")
    unknown = set(row) - set(table.c.keys())
    if unknown:
        raise Invalid(f"Line {number}: {table.name} has no column {sorted(unknown)[0]}.")
    for column in table.c:
        if _is_datetime(column) and row.get(column.name) is not None:
            row[column.name] = datetime.fromisoformat(row[column.name])
    if not credentials:
        _scrub(table.name, row)
    return table, row


def _scrub(table: str, row: dict[str, Any]) -> None:
    """Blank the secrets a backup leaves out by default: password hashes and the tokens sent to
    model servers (personal API tokens are not backed up at all, see ``EXCLUDED``)."""
    if table == "users":
        row["password_hash"] = UNUSABLE_HASH
    elif table == "recommenders":
        row["token"] = None


def _is_datetime(column) -> bool:
    return isinstance(column.type, DateTime) or isinstance(
        getattr(column.type, "impl", None), DateTime
    )


def _split_self_references(table: Table, row: dict[str, Any]) -> list[tuple[Table, dict]]:
    """Take self-referencing values out of the row, to be set after the whole table exists."""
    values = {name: row.pop(name) for name in _self_references(table) if row.get(name)}
    for name in _self_references(table):
        row.setdefault(name, None)
    return [(table, {"id": row["id"], **values})] if values else []


def _flush(session: Session, table: Table | None, batch: list[dict[str, Any]]) -> None:
    if table is not None and batch:
        session.execute(insert(table), batch)


def _reset_sequences(session: Session) -> None:
    """PostgreSQL serials do not move for explicit ids: point them past the largest id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in backup_tables():
        if "id" in table.c and table.c.id.primary_key:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 1), '
                    f'(SELECT MAX(id) FROM "{table.name}") IS NOT NULL)'
                )
            )
