"""Unbound extensions, bound to an app in ``create_app``; a leaf: imports no feature."""

from __future__ import annotations

import flask_htmx
from flask import Flask, Response, request
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from annotator.db.engine import Database

_READ = "annotator.htmx_headers"  # the request's htmx headers an answer depended on


class HTMX(flask_htmx.HTMX):
    """flask-htmx's view of the request, noting each htmx header the answer was built from.

    Views, templates and error pages all ask this object, so the ``Vary`` it adds after the
    request is the one place that sets it, and it is set exactly where the answer differs.
    """

    def init_app(self, app: Flask) -> None:
        """Bind to the app and add ``Vary`` for the headers read while answering."""
        super().init_app(app)
        app.after_request(_vary)

    def __bool__(self) -> bool:
        _note("HX-Request")
        return super().__bool__()

    @property
    def target(self) -> str | None:
        """The id of the element htmx will swap (``HX-Target``)."""
        _note("HX-Target")
        return super().target


def _note(header: str) -> None:
    request.environ.setdefault(_READ, set()).add(header)


def _vary(response: Response) -> Response:
    response.vary.update(request.environ.get(_READ, ()))
    return response


csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
db = Database()
