"""Every blueprint of the app, registered in one place (the only importer of feature views)."""

from __future__ import annotations

from flask import Flask

from annotator.web.access import can
from annotator.web.forms import error_attrs


def register(app: Flask) -> None:
    """Register the feature blueprints and the template globals every page uses."""
    from annotator import api
    from annotator.accounts.views import auth, tokens
    from annotator.actors import views as actors
    from annotator.annotation.views import stances, workspace
    from annotator.exchange import views as exchange
    from annotator.projects.views import lead, overview
    from annotator.review import views as review
    from annotator.statements import views as statements

    for module in (auth, overview, workspace, stances, lead, actors, statements, exchange, review):
        app.register_blueprint(module.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(api.bp)
    app.add_template_global(error_attrs)
    app.add_template_global(can)
