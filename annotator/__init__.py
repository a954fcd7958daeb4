"""stance-annotator: annotate claims, condemnations and support, linked to an actor registry."""

from __future__ import annotations

import os
from pathlib import Path

from apiflask import APIFlask

from annotator.config import VERSION as __version__

__all__ = ["__version__", "create_app"]

_PACKAGE = Path(__file__).resolve().parent


def _asset_dir(name: str) -> str:
    """Find ``static``/``templates``: the repository top in a checkout, the package in a wheel."""
    packaged = _PACKAGE / name
    return str(packaged if packaged.is_dir() else _PACKAGE.parent / name)


def create_app(test_config: dict | None = None) -> APIFlask:
    """Assemble the app: config, extensions, blueprints, error handlers, CLI. Nothing else.

    An ``APIFlask`` is a ``Flask`` that can build the OpenAPI document of the API blueprint;
    the API serves that document and its docs page itself, and only the API answers in JSON.
    """
    from annotator import config
    from annotator.cli import register_cli
    from annotator.extensions import csrf, db, htmx, login_manager
    from annotator.jobs import search_index
    from annotator.web import blueprints, compression, errors, input_guard, security

    app = APIFlask(
        __name__,
        spec_path=None,
        docs_path=None,
        json_errors=False,
        instance_path=os.environ.get("ANNOTATOR_INSTANCE_PATH") or None,
        static_folder=_asset_dir("static"),
        template_folder=_asset_dir("templates"),
    )
    config.configure(app, test_config)

    db.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)
    input_guard.init_app(app)
    compression.init_app(app)
    search_index.init_app(app)
    blueprints.register(app)
    errors.register(app)
    register_cli(app)
    return app
