"""actor search from a substring index

Revision ID: 0023
Revises: 0022

The registry's search and the workspace's type-ahead look for a text anywhere in an actor's
name or aliases (``LIKE '%…%'``), which no B-tree serves: every search read all the project's
actors and every alias of the database (7 ms at 5,000 actors and 20,000 aliases, the
yardstick's; a hundred times that for a registry drawn from Wikidata). Each database gets its
own substring index (``actors.matching`` reads them):

* SQLite: an FTS5 table ``actors_fts`` with the trigram tokenizer, one row per actor name
  (rowid ``2 × actor id``) and per alias (``2 × alias id + 1``), kept by triggers, so every
  writer (forms, imports, merges, bulk inserts, restores) keeps it whole.
* PostgreSQL: pg_trgm GIN indexes on ``lower(actors.name)`` and ``actor_aliases.normalized``,
  which serve the LIKE itself. ``CREATE EXTENSION`` needs a superuser or, since PostgreSQL 13,
  the database's owner (pg_trgm is a trusted extension); where neither holds, the migration
  goes on without the indexes and the search keeps scanning (correct, slower).

Both: ``(project_id, wikidata)``, for the search's QID term.
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SQLITE = (
    "CREATE VIRTUAL TABLE actors_fts USING fts5(term, actor_id UNINDEXED, tokenize='trigram')",
    "CREATE TRIGGER actors_fts_insert AFTER INSERT ON actors BEGIN "
    "INSERT INTO actors_fts(rowid, term, actor_id) VALUES (2 * new.id, new.name, new.id); END",
    "CREATE TRIGGER actors_fts_update AFTER UPDATE OF name ON actors BEGIN "
    "UPDATE actors_fts SET term = new.name WHERE rowid = 2 * new.id; END",
    "CREATE TRIGGER actors_fts_delete AFTER DELETE ON actors BEGIN "
    "DELETE FROM actors_fts WHERE rowid = 2 * old.id; END",
    "CREATE TRIGGER actor_aliases_fts_insert AFTER INSERT ON actor_aliases BEGIN "
    "INSERT INTO actors_fts(rowid, term, actor_id) "
    "VALUES (2 * new.id + 1, new.normalized, new.actor_id); END",
    "CREATE TRIGGER actor_aliases_fts_update AFTER UPDATE ON actor_aliases BEGIN "
    "UPDATE actors_fts SET term = new.normalized, actor_id = new.actor_id "
    "WHERE rowid = 2 * new.id + 1; END",
    "CREATE TRIGGER actor_aliases_fts_delete AFTER DELETE ON actor_aliases BEGIN "
    "DELETE FROM actors_fts WHERE rowid = 2 * old.id + 1; END",
    "INSERT INTO actors_fts(rowid, term, actor_id) SELECT 2 * id, name, id FROM actors",
    "INSERT INTO actors_fts(rowid, term, actor_id) "
    "SELECT 2 * id + 1, normalized, actor_id FROM actor_aliases",
)
SQLITE_TRIGGERS = (
    "actors_fts_insert", "actors_fts_update", "actors_fts_delete",
    "actor_aliases_fts_insert", "actor_aliases_fts_update", "actor_aliases_fts_delete",
)  # fmt: skip
POSTGRESQL = (  # the operator class named in the extension's schema, wherever that is
    "CREATE INDEX ix_actors_trgm_name ON actors USING gin (lower(name) {schema}.gin_trgm_ops)",
    "CREATE INDEX ix_actor_aliases_trgm ON actor_aliases "
    "USING gin (normalized {schema}.gin_trgm_ops)",
)
WIKIDATA_INDEX = "ix_actors_project_wikidata"


def upgrade() -> None:
    op.create_index(WIKIDATA_INDEX, "actors", ["project_id", "wikidata"])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for sql in SQLITE:
            op.execute(sql)
    else:
        _trigram_indexes(bind)


def _trigram_indexes(bind) -> None:
    """pg_trgm (created if missing) and the two indexes, or, where either is refused (no
    right to create the extension, or no use of the schema it lives in), nothing at all."""
    query = "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'"
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            schema = bind.execute(sa.text(query)).scalar()
            for sql in POSTGRESQL:
                bind.execute(sa.text(sql.format(schema=schema)))
    except sa.exc.DBAPIError as err:
        print(f"0023: no pg_trgm index ({err.orig}); actor search keeps scanning")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS actors_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_actor_aliases_trgm")
        op.execute("DROP INDEX IF EXISTS ix_actors_trgm_name")
    op.drop_index(WIKIDATA_INDEX, table_name="actors")
