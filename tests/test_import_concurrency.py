"""Two imports into one project at once: no duplicate texts, no 500. Real threads, real
database (SQLite file or PostgreSQL), through the service and over HTTP.
"""

from __future__ import annotations

import io
import json
import threading

import requests
from sqlalchemy import func, select

from annotator.errors import Conflict
from annotator.extensions import db
from annotator.formats.statement_readers import iter_statements
from annotator.models import Statement
from annotator.projects.projects import get_project
from annotator.statements.statements import import_statements

from .factories import PASSWORD, make_project

N = 2500  # three batches of the importer


def _file(prefix: str) -> bytes:
    """N statements whose texts are the same in every file and whose ids start with ``prefix``."""
    rows = ({"id": f"{prefix}{i}", "text": f"Statement number {i}."} for i in range(N))
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def _rows(app) -> tuple[int, int]:
    with app.app_context():
        q = select(func.count(), func.count(func.distinct(Statement.text_sha256)))
        return tuple(db.session.execute(q.select_from(Statement)).one())


def _together(jobs) -> list:
    """Run the jobs in threads released at the same instant; their results (or exceptions)."""
    barrier, results = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _service_import(app, data: bytes):
    def job():
        with app.app_context():
            project = get_project(db.session, "p")
            records = iter_statements("s.jsonl", io.BytesIO(data))
            try:
                report = import_statements(db.session, project, records)
            except Conflict as exc:
                db.session.rollback()
                return exc
            db.session.commit()
            return report.imported

    return job


def test_two_service_imports_of_the_same_texts_under_other_ids(app):
    with app.app_context():
        make_project(db.session, "p")
        db.session.commit()
    results = _together([_service_import(app, _file("a")), _service_import(app, _file("b"))])
    assert all(isinstance(r, int | Conflict) for r in results), results
    assert sum(r for r in results if isinstance(r, int)) == N
    assert _rows(app) == (N, N)  # the same text under another id is a duplicate: skipped


def _http_client(base: str, who: str) -> tuple[requests.Session, str]:
    import re

    client = requests.Session()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(f"{base}/login").text
    )[1]
    login = client.post(
        f"{base}/login", data={"username": who, "password": PASSWORD, "csrf_token": token}
    )
    assert login.status_code == 200 and login.url.rstrip("/") == base
    page = client.get(f"{base}/p/p/import/").text
    return client, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def test_the_same_file_uploaded_twice_at_once_over_http(app, live_server):
    with app.app_context():
        make_project(db.session, "p", members={"boss": "lead", "chief": "lead"})
        db.session.commit()
    data = _file("x")

    def upload(who):
        client, token = _http_client(live_server, who)
        return lambda: client.post(
            f"{live_server}/p/p/import/",
            data={"csrf_token": token},
            files={"files": ("s.jsonl", data)},
        )

    responses = _together([upload("boss"), upload("chief")])
    statuses = sorted(r.status_code for r in responses)
    assert all(s in (200, 409) for s in statuses), [r.text[-500:] for r in responses]
    assert 200 in statuses
    assert _rows(app) == (N, N)
    for r in responses:
        if r.status_code == 409:
            assert "Another import into this project is running" in r.text
