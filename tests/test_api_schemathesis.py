"""Schemathesis against the live app over its own OpenAPI document: no 5xx, no schema breach."""

from __future__ import annotations

from itertools import product

import pytest
import requests

from annotator.accounts.users import find_user
from annotator.projects.assignments import assign_statement

from .test_api_helpers import api_demo

schemathesis = pytest.importorskip("schemathesis")

MAX_EXAMPLES = 30


def test_openapi_document_is_valid_and_fuzzes_clean(live_server, session):
    """Every operation as a lead of the demo project, with random and with real path ids."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        response_schema_conformance,
        status_code_conformance,
    )

    project, statement, tokens = api_demo(session)
    lead = find_user(session, "lead")
    assign_statement(session, project, statement, lead)  # so stance writes get past the queue
    session.commit()
    known = {"slug": "demo", "statement_id": statement.id, "actor_id": 2}
    auth = {"Authorization": f"Bearer {tokens['lead']}"}
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    checks = [not_a_server_error, response_schema_conformance, status_code_conformance]
    http = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17

    for operation, fixed in product(operations, (False, True)):
        names = {p.name for p in operation.path_parameters}
        params = {k: v for k, v in known.items() if k in names} if fixed else None

        @given(case=operation.as_strategy(path_parameters=params))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(
                base_url=f"{live_server}/api/v1", session=http, headers=auth, checks=checks
            )

        run()
