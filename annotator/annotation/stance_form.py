"""The stance form as every page builds and reads it: the workspace's stance form and a
suggestion's accept-then-edit form (suggestions/views.py) are the same form, so its label
choices, its URL and the reading of its actor fields are written once here.
"""

from __future__ import annotations

from flask import url_for
from wtforms.fields.choices import SelectChoice

from annotator.actors.registry import propose_actor, resolve_actor
from annotator.annotation.forms import StanceForm
from annotator.annotation.workspace import active_labels
from annotator.errors import Invalid


def stance_form(project, formdata=None, **data) -> StanceForm:
    """A stance form whose label choices are the project's active labels."""
    form = StanceForm(formdata=formdata, **data)  # formdata=None: never auto-read the request
    form.label.choices = [SelectChoice(lab.key, lab.name) for lab in active_labels(project)]
    return form


def stances_url(project, st) -> str:
    """The stance collection URL; item URLs append ``/<id>`` (built once, not per item)."""
    return url_for("stances.create", slug=project.slug, statement_id=st.id)


def form_actor(session, project, user, form: StanceForm, role: str) -> str | None:
    """The actor key the form names for ``role`` (target or holder), None for none.

    A key picked from the type-ahead wins; a typed name resolves by name or alias, and a
    typed target the registry lacks becomes a proposal when the annotator asked for one.
    """
    key, typed = form[role].data, (form[f"{role}_q"].data or "").strip()
    if key or not typed:
        return key or None
    actor = resolve_actor(session, project, typed)
    if actor is None and role == "target" and form.propose_target.data:
        actor = propose_actor(session, project, user, typed)
    if actor is None:
        raise Invalid(
            f"No actor in the registry is called “{typed}”. Pick one from the list "
            "or propose it as a new actor.",
            field=role,
        )
    return actor.key
