"""the registry's name order from an index

Revision ID: 0022
Revises: 0021

The actor registry (page and API) lists a project's actors by lower-case name, then id. With
no index in that order every page sorted all the project's live actors in a temporary
B-tree: 2.1 ms of the API page's 11 at 5,000 actors (bench/scale.py), ten times that at
50,000. ``(project_id, lower(name), id)`` gives the page by walking the index; the keyset
cursor of the browser page (``lower(name) > :key OR ...``) seeks in it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_actors_project_name_order", "actors", ["project_id", sa.text("lower(name)"), "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_actors_project_name_order", table_name="actors")
