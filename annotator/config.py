"""Configuration from ``ANNOTATOR_*`` environment variables, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

VERSION = "0.1.0"

DEFAULTS = {
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    "IMPORT_MAX_BYTES": 64 * 1024 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "WTF_CSRF_TIME_LIMIT": None,
    "PASSWORD_METHOD": "scrypt",
    "LOGIN_MAX_FAILURES": 5,
    # Responses compressed when the client accepts it (flask-compress; web/compression.py).
    "COMPRESS_RESPONSES": True,
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Level 1: the 686 kB annotation page to 56 kB (brotli) / 74 kB (gzip) for +4 % / +9 % of
    # the page's CPU; the libraries' defaults (4, 6) cost +24 % / +30 % (bench/compress_bench.py).
    "COMPRESS_BR_LEVEL": 1,
    "COMPRESS_LEVEL": 1,
    "COMPRESS_STREAMS": False,  # streamed exports go out as they are made, never buffered
}
# Settings that are text even when they look like JSON (a secret key of digits stays a string).
_TEXT_KEYS = ("SECRET_KEY", "DATABASE_URL")
# Inputs of CLI commands that share the prefix but are never configuration.
_NOT_CONFIG = ("PASSWORD",)


def configure(app, test_config: dict | None = None) -> None:
    """Defaults, then ``ANNOTATOR_*`` variables (JSON-typed), then the test's values.

    ``app`` is untyped: services read ``VERSION`` here, and they import no Flask.
    """
    app.config.update(DEFAULTS)
    before = dict(app.config)
    app.config.from_prefixed_env("ANNOTATOR")
    for key in _NOT_CONFIG:
        app.config.pop(key, None)
    for key in _TEXT_KEYS:
        if f"ANNOTATOR_{key}" in os.environ:
            app.config[key] = os.environ[f"ANNOTATOR_{key}"]
    _check_types(app.config, before)
    app.config.update(test_config or {})
    app.config.setdefault("DATABASE_URL", default_database_url(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)


def _check_types(config: dict, defaults: dict) -> None:
    """A flag or number given as something else fails at start (``no`` would read as true)."""
    for key, default in defaults.items():
        value = config[key]
        if isinstance(default, bool | int) and type(value) is not type(default):
            kind = "true or false" if isinstance(default, bool) else "a whole number"
            raise ValueError(f"ANNOTATOR_{key} must be {kind}, not {value!r}.")


def default_database_url(instance_path: str) -> str:
    """A SQLite file in the instance folder: zero set-up for one machine."""
    return f"sqlite:///{Path(instance_path) / 'annotator.sqlite'}"


def instance_secret_key(instance_path: str) -> str:
    """A random key generated once and kept in the instance folder, never in the repository."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:  # link is atomic: concurrent workers all end up reading the first key written
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def masked(url: str) -> str:
    """The database URL with its password hidden, fit for error messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable database URL>"
