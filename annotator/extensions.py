"""Unbound extensions, bound to an app in ``create_app``; a leaf: imports no feature."""

from __future__ import annotations

from flask_htmx import HTMX
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from annotator.db.engine import Database

csrf = CSRFProtect()
htmx = HTMX()
login_manager = LoginManager()
db = Database()
