"""htmx answers through flask-htmx: the page or its fragment, and redirects htmx can follow."""

from __future__ import annotations

from flask import Response, redirect, render_template
from flask_htmx import make_response

from annotator.extensions import htmx


def page_or_fragment(page: str, fragment: str, status: int = 200, /, **context) -> Response:
    """The whole page for a browser, the fragment the page includes for htmx (same markup)."""
    return make_response(render_template(fragment if htmx else page, **context), status)


def see_other(location: str) -> Response:
    """After a POST: htmx navigates to ``location`` (HX-Location), a browser follows a 303."""
    if htmx:
        return make_response("", 204, location=location)
    return redirect(location, 303)
