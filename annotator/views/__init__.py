"""Blueprints: thin views that call services and commit one unit of work per request."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint of the web layer."""
    from . import auth, projects

    app.register_blueprint(auth.bp)
    app.register_blueprint(projects.bp)
