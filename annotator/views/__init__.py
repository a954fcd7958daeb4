"""Blueprints: thin views that call services and commit one unit of work per request."""

from __future__ import annotations

from flask import Flask

from ..forms import error_attrs


def register(app: Flask) -> None:
    """Register every blueprint of the web layer."""
    from .. import api
    from . import account as account_views
    from . import actors, auth, export, imports, lead, projects, review, stances, workspace

    for module in (auth, projects, workspace, stances, lead, actors, imports, export, review):
        app.register_blueprint(module.bp)
    app.register_blueprint(account_views.bp)
    app.register_blueprint(api.bp)
    app.add_template_global(error_attrs)
