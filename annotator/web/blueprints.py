"""Every blueprint of the app, registered in one place (the only importer of feature views)."""

from __future__ import annotations

from flask import Flask

from annotator.web.access import can
from annotator.web.forms import error_attrs


def register(app: Flask) -> None:
    """Register the feature blueprints and the template globals every page uses."""
    from annotator import api
    from annotator.accounts.views import account, admin, auth, tokens
    from annotator.actors import views as actors
    from annotator.annotation.views import relations, stances, workspace
    from annotator.exchange import views as exchange
    from annotator.projects.views import labels, lead, overview, recommenders
    from annotator.review import views as review
    from annotator.statements import views as statements
    from annotator.suggestions import views as suggestions

    accounts = (auth, tokens, account, admin)
    modules = (
        *accounts,
        overview,
        lead,
        labels,
        recommenders,
        workspace,
        stances,
        relations,
        actors,
        statements,
    )
    for bp in dict.fromkeys(m.bp for m in (*modules, exchange, review, suggestions, api)):
        app.register_blueprint(bp)  # once each: lead and labels share the ``lead`` blueprint
    app.register_blueprint(statements.browser_bp)
    app.add_template_global(error_attrs)
    app.add_template_global(can)
