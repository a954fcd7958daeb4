"""Shared by the hostile-input tests: logged-in clients and a digest of the database.

Requests run with no app context of the test held open, so each gets its own ``g`` as on a
real server.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from annotator.extensions import db
from annotator.models import Base

from .conftest import csrf_from
from .factories import PASSWORD

# Written by refused requests on purpose: failed logins count per name, tokens note their use.
VOLATILE = {"login_throttles": None, "api_tokens": {"last_used_at"}}


def logged_in(app, username: str | None):
    """A client logged in as ``username`` (None: anonymous) and a CSRF token of its session."""
    client = app.test_client()
    token = csrf_from(client.get("/login"))
    if username is None:
        return client, token
    form = {"username": username, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, csrf_from(client.get("/account/"))


def digest(app) -> dict[str, str]:
    """A checksum per table of every committed row (volatile columns aside), on a new connection.

    Per table, so that a breach names what changed (compare two digests with ``changed``).
    """
    sums = {}
    with app.app_context(), db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            skip = VOLATILE.get(table.name, set())
            if skip is None:
                continue
            columns = [c for c in table.columns if c.name not in skip]
            rows = conn.execute(select(*columns).order_by(*table.primary_key.columns))
            sums[table.name] = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return sums


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The tables whose rows differ between two digests."""
    return sorted(name for name in after if before.get(name) != after[name])
