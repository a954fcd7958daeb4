"""Placeholder blueprint, filled in by its issue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("lead", __name__)
