"""relation_types and relations: typed, directed links between stances (argument structure)

Every existing project gets the default types ``supports`` (RA) and ``attacks`` (CA), the
ones ``create_project`` gives a new project.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# A copy, not an import: a migration must keep doing what it did when the code moves on.
DEFAULT_TYPES = (
    ("supports", "Supports", "#59a14f", "s", "RA", 0,
     "The source stance gives a reason for the target stance (AIF inference, RA)."),
    ("attacks", "Attacks", "#e15759", "a", "CA", 1,
     "The source stance argues against the target stance (AIF conflict, CA)."),
)  # fmt: skip


def upgrade() -> None:
    _create_relation_types()
    _create_relations()
    _add_default_types()


def _create_relation_types() -> None:
    op.create_table(
        "relation_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("hotkey", sa.String(length=1), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("aif", sa.String(length=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.CheckConstraint("aif IN ('RA', 'CA')", name=op.f("ck_relation_types_aif")),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_relation_types_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_types")),
        sa.UniqueConstraint("project_id", "key", name=op.f("uq_relation_types_project_id")),
    )


def _create_relations() -> None:
    op.create_table(
        "relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=True),
        sa.Column("is_gold", sa.Boolean(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("from_stance_id", sa.Integer(), nullable=False),
        sa.Column("to_stance_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_with_stance", sa.Boolean(), nullable=False),
        sa.CheckConstraint("from_stance_id <> to_stance_id", name=op.f("ck_relations_not_loop")),
        sa.CheckConstraint("is_gold OR annotator_id IS NOT NULL", name=op.f("ck_relations_owner")),
        sa.ForeignKeyConstraint(
            ["annotator_id"], ["users.id"], name=op.f("fk_relations_annotator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["from_stance_id"],
            ["stances.id"],
            name=op.f("fk_relations_from_stance_id_stances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_relations_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_stance_id"],
            ["stances.id"],
            name=op.f("fk_relations_to_stance_id_stances"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["type_id"], ["relation_types.id"], name=op.f("fk_relations_type_id_relation_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relations")),
    )
    op.create_index("ix_relations_statement_owner", "relations", ["statement_id", "annotator_id"])
    op.create_index("ix_relations_to_stance_id", "relations", ["to_stance_id"])
    op.create_index(op.f("ix_relations_type_id"), "relations", ["type_id"])
    live = sa.text("deleted_at IS NULL")
    op.create_index(
        "uq_relations_live_link",
        "relations",
        ["from_stance_id", "to_stance_id", "type_id"],
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )


def _add_default_types() -> None:
    """Give every project that exists the default types (new ones get them at creation)."""
    projects = sa.table("projects", sa.column("id", sa.Integer()))
    types = sa.table(
        "relation_types",
        *(sa.column(name) for name in ("project_id", "key", "name", "color", "hotkey")),
        *(sa.column(name) for name in ("aif", "position", "definition")),
        sa.column("retired", sa.Boolean()),
    )
    for key, name, color, hotkey, aif, position, definition in DEFAULT_TYPES:
        values = sa.select(
            projects.c.id,
            *(sa.literal(v) for v in (key, name, color, hotkey, aif, position, definition)),
            sa.false(),
        )
        columns = ["project_id", "key", "name", "color", "hotkey", "aif", "position"]
        op.execute(types.insert().from_select([*columns, "definition", "retired"], values))


def downgrade() -> None:
    op.drop_index("uq_relations_live_link", table_name="relations")
    op.drop_index(op.f("ix_relations_type_id"), table_name="relations")
    op.drop_index("ix_relations_to_stance_id", table_name="relations")
    op.drop_index("ix_relations_statement_owner", table_name="relations")
    op.drop_table("relations")
    op.drop_table("relation_types")
