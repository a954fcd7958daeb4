"""The projects page and the lead's pages: ``lead`` and ``labels`` share the blueprint here."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("lead", __name__)
P = "/p/<slug>"


def page(template: str, status: int = 200, **values):
    """Render a lead page, 422 when a form was refused."""
    return render_template(f"lead/{template}", **values), status
