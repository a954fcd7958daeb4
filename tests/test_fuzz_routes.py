"""Fuzz over the URL map: every route, hostile path, query and form values, each role.

Generated from ``app.url_map`` like the role matrix: a new route is fuzzed without being
listed here. For each role (anonymous, annotator, reviewer, lead, site admin) and each route
and method, Hypothesis draws every path argument (the world's real value or a hostile one)
and a handful of query or form fields, named after the app's form fields and query
arguments, with hostile values: huge and negative integers, NUL, lone surrogates, 10 kB
strings, mixed scripts. Browser routes get a valid CSRF token of the session, API routes a
bearer token and a JSON body. Two rules are checked after every request:

- no 5xx, anywhere;
- a refused request (4xx) changed nothing: a digest of every table is the same before and
  after it (failed-login counters and tokens' last-used times aside, which exist to change).

Runs on whichever database the suite runs on (SQLite, or PostgreSQL with
ANNOTATOR_TEST_DATABASE_URL); derandomised, so a failure reproduces.
"""

from __future__ import annotations

import io
import json
import threading
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from annotator.extensions import db

from .hostile_helpers import changed, digest, logged_in
from .test_role_matrix import SKIP, _world

ROLES = (None, "annotator1", "reviewer", "lead", "admin")
SESSION_ENDING = {"auth.logout", "profile.sign_out_everywhere"}
UPLOADS = {"imports.upload": "files", "actors.import_csv": "file"}

HOSTILE_INTS = ["2147483648", "9223372036854775808", "-1", "-2147483649", "1" + "0" * 30, "0"]
HOSTILE_TEXT = [
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udfffy",
    "x" * 10_000,
    "ä" * 10_000,
    "Iran داعش 🙂 e\u0301 עברית \u202eevil",
    "",
    "   ",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "1.5",
    "NaN",
]
HOSTILE = st.sampled_from(HOSTILE_INTS + HOSTILE_TEXT)
QUERY_NAMES = [
    "q", "after", "from", "page", "status", "annotator", "label", "field", "target_q",
    "holder_q", "into", "format", "scope", "include_unfinished", "next", "filename",
    "txt_header", "version", "offsets",
]  # fmt: skip


def _form_field_names() -> list[str]:
    """Every field name of every form class of the app (the forms' modules are imported)."""
    from flask_wtf import FlaskForm

    names, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(k for k, v in vars(cls).items() if hasattr(v, "field_class"))
    return sorted(names - {"csrf_token"})


def _encode(value: str) -> bytes:
    """UTF-8, with a lone surrogate as the bytes a broken client would send."""
    return value.encode("utf-8", "surrogatepass")


def _path(rule, real: dict, drawn: dict) -> str:
    """The rule's URL with the drawn values in place, percent-encoded byte by byte."""
    marks = {}
    values = {}
    for i, arg in enumerate(sorted(rule.arguments)):
        integer = isinstance(rule._converters[arg], IntegerConverter)
        values[arg] = 1_000_000_007 + i if integer else f"ARG{i}MARK"
        marks[str(values[arg])] = drawn.get(arg, real[arg])
    path = rule.build(values, append_unknown=False)[1]
    for mark, value in marks.items():
        path = path.replace(mark, quote(_encode(str(value)), safe=""))
    return path


def _request(client, method, path, fields, token, api_bearer, upload):
    """One request as a browser (form + CSRF token) or an API client (bearer + JSON)."""
    if api_bearer is not None:
        headers = {"Authorization": f"Bearer {api_bearer}"} if api_bearer else {}
        api = client.application.test_client()
        if method == "GET":
            return api.get(f"{path}?{urlencode({k: _encode(v) for k, v in fields.items()})}",
                           headers=headers)  # fmt: skip
        return api.open(path, method=method, headers=headers,
                        data=json.dumps(fields), content_type="application/json")  # fmt: skip
    if method == "GET":
        return client.get(f"{path}?{urlencode({k: _encode(v) for k, v in fields.items()})}")
    if upload:
        lines = "".join(json.dumps({"id": v[:50] or "x", "text": v or "t"}) + "\n"
                        for v in fields.values()) or '{"id": "x"}\n'  # fmt: skip
        form = {k: v for k, v in fields.items() if "\x00" in v or v.isascii()}
        form |= {"csrf_token": token, upload: (io.BytesIO(_encode(lines)), "h.jsonl")}
        return client.post(path, data=form, content_type="multipart/form-data")
    body = urlencode({"csrf_token": token} | {k: _encode(v) for k, v in fields.items()})
    return client.open(path, method=method, data=body,
                       content_type="application/x-www-form-urlencoded")  # fmt: skip


@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    phases=[Phase.generate],  # no shrinking: each example is a whole sweep; the report names it
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def _sweep(app, world, clients, data) -> None:
    """One request per role, route and method; collects every breach in ``world['wrong']``."""
    names = _form_field_names()
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]
    before = digest(app)
    for who in ROLES:
        for rule in sorted(rules, key=lambda r: (r.endpoint in SESSION_ENDING, r.rule)):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                api = rule.rule.startswith("/api/")
                drawn = {
                    arg: data.draw(HOSTILE)
                    for arg in rule.arguments
                    if data.draw(st.booleans())  # about half the time the real value
                }
                pool = QUERY_NAMES if method == "GET" or api else names + QUERY_NAMES
                fields = data.draw(st.dictionaries(st.sampled_from(pool), HOSTILE, max_size=5))
                client, token = clients[who]
                bearer = world["bearer"].get(who or "", "") if api else None
                real = world["values"] | {"token_id": world["spare"].get(who or "", 1)}
                path = _path(rule, real, drawn)
                response = _request(
                    client, method, path, fields, token, bearer, UPLOADS.get(rule.endpoint)
                )
                after = digest(app)
                status = response.status_code
                where = f"{who or 'anonymous'} {method} {path[:120]} {sorted(fields)[:5]}"
                if status >= 500:
                    world["wrong"].append(f"{where}: {status}")
                elif 400 <= status < 500 and after != before:
                    tables = ", ".join(changed(before, after))
                    threads = sorted(t.name for t in threading.enumerate())  # who else writes?
                    world["wrong"].append(
                        f"{where}: refused ({status}) but changed {tables}; {threads}"
                    )
                before = after
                world["requests"] += 1
                world["statuses"].add(status)
                if rule.endpoint in SESSION_ENDING and who is not None and status < 400:
                    clients[who] = logged_in(app, who)


def test_no_route_answers_500_or_changes_anything_when_it_refuses(app):
    """The sweep, twice over (two Hypothesis examples), on the suite's database."""
    with app.app_context():
        world = _world(db.session) | {"wrong": [], "requests": 0, "statuses": set()}
    clients = {who: logged_in(app, who) for who in ROLES}
    _sweep(app, world, clients)
    assert world["requests"] > 500  # two sweeps of about 460 requests
    assert {200, 303, 403, 404, 422} <= world["statuses"]  # it reached views, not only guards
    assert not world["wrong"], "\n".join(world["wrong"][:40])
