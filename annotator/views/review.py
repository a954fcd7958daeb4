"""Placeholder blueprint, filled in by its issue."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)
