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
}
_INT_KEYS = {"MAX_CONTENT_LENGTH", "IMPORT_MAX_BYTES", "LOGIN_MAX_FAILURES"}
_BOOL_KEYS = {"SESSION_COOKIE_SECURE", "TESTING"}


def from_environ(environ: dict[str, str]) -> dict[str, object]:
    """Read every ``ANNOTATOR_X`` variable as config key ``X``, typed where the key needs it."""
    config: dict[str, object] = {}
    for name, value in environ.items():
        if not name.startswith("ANNOTATOR_") or name == "ANNOTATOR_PASSWORD":
            continue
        key = name.removeprefix("ANNOTATOR_")
        if key in _INT_KEYS:
            config[key] = int(value)
        elif key in _BOOL_KEYS:
            config[key] = value.lower() in ("1", "true", "yes", "on")
        else:
            config[key] = value
    return config


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
