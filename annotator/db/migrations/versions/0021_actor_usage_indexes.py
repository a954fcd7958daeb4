"""covering indexes for an actor's live stances

Revision ID: 0021
Revises: 0020

The actor registry (page and API) shows how many live stances point at each listed actor,
as target and as holder, for everyone or for one annotator (``curation.actor_usage``). With
the plain ``(target_id)`` and ``(holder_id)`` indexes of 0001 every such stance row was read
to check ``deleted_at`` and the owner: 20,000 rows, 26-53 ms, for a page of 50 actors at
1,000,000 stances (SQLite). ``(target_id, deleted_at, annotator_id)`` and the same for the
holder answer the counts from the index alone, and still serve every lookup by actor.
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ROLES = ("target", "holder")


def upgrade() -> None:
    for role in ROLES:
        op.create_index(
            f"ix_stances_{role}_live", "stances", [f"{role}_id", "deleted_at", "annotator_id"]
        )
        op.drop_index(f"ix_stances_{role}_id", table_name="stances")


def downgrade() -> None:
    for role in ROLES:
        op.create_index(f"ix_stances_{role}_id", "stances", [f"{role}_id"])
        op.drop_index(f"ix_stances_{role}_live", table_name="stances")
