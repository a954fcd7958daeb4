"""Blueprints: thin views that call services and commit one unit of work per request."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Register every blueprint of the web layer."""
    from . import auth, projects, stances, workspace

    for module in (auth, projects, workspace, stances):
        app.register_blueprint(module.bp)
