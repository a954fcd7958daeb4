"""The one form loop of the browser, and the one way a refusal reaches the page.

Every browser form goes through ``submit``: validate, call the service, commit; or roll
back and refuse. A refusal is announced once, by the form's alert (``form.refusal``, shown by
the ``form_alert`` macro), and marks the input it is about (``error_attrs`` and the
``field_error`` macro), so a screen reader reads the message once and finds the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import abort, flash, redirect
from flask_wtf import FlaskForm

from annotator.errors import DomainError
from annotator.extensions import db
from annotator.web.errors import render_refusal


class ConfirmForm(FlaskForm):
    """A one-button form (delete, revoke, sign out everywhere): only its CSRF token matters."""


class Refused(NamedTuple):
    """A form the loop turned down: the status to answer with and what it announced.

    Status 200 and no message when nothing was submitted yet: the page shows the form.
    """

    status: int
    message: str
    error: DomainError | None = None  # the service's refusal; None when the form's checks failed


def submit(form, action: Callable[[], Any], *, read: Callable[[Any], Any] | None = None):
    """Validate, run the service and commit; a refusal is rolled back and lands on its field.

    Returns the service's result, or ``read(result)`` when given (run beside the commit, see
    ``Database.commit_and_read``), or a ``Refused``. A refusal whose writes are the point (a
    failed login's counter: ``keeps_writes``) is committed instead of rolled back.
    """
    if not form.validate_on_submit():
        if not form.is_submitted():
            return Refused(200, "")  # nothing sent yet (a GET): show the form as it is
        form.refusal = first_error(form)  # the fields carry their own messages already
        return Refused(400 if form.errors.keys() == {"csrf_token"} else 422, form.refusal)
    try:
        result = action()
    except DomainError as exc:
        if exc.keeps_writes:
            db.session.commit()
        else:
            db.session.rollback()
        return Refused(exc.status, refuse(form, exc.message, exc.field), exc)
    if read is None:
        db.session.commit()
        return result
    return db.commit_and_read(lambda: read(result))


def run_form(form, action: Callable[[], Any]) -> bool:
    """``submit`` for pages that only need to know whether the form went through."""
    return not isinstance(submit(form, action), Refused)


def submit_or_refuse(form, action: Callable[[], Any], *, read: Callable[[Any], Any] | None = None):
    """``submit`` for a form with no place on the page to show a refusal (a button, an htmx
    action): the refusal is the answer at once, as the error page or fragment says it."""
    result = submit(form, action, read=read)
    if isinstance(result, Refused):
        abort(render_refusal(result.status, result.message))
    return result


def press(form, action: Callable[[], Any], done: str, back: str):
    """A one-button form on a page that lists things: flash ``done``, or the refusal, and
    send the browser back to ``back`` (303), where the flash shows."""
    if run_form(form, action):
        flash(done, "info")
    flash_errors(form)
    return redirect(back, 303)


def refuse(form, message: str, field: str | None = None) -> str:
    """Make ``message`` the form's one alert and mark the input it is about; returns it.

    A form maps a service's field name to the input that shows it in ``error_fields`` (an
    actor key travels in a hidden input; its type-ahead box is what the user sees).
    """
    name = getattr(form, "error_fields", {}).get(field, field)
    target = getattr(form, name, None) if name else None
    if target is not None and hasattr(target, "errors"):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)
    form.refusal = message
    return message


def flash_errors(form) -> None:
    """For one-button forms: the refusal as error flashes on the page the user returns to."""
    for message in [*form.form_errors, *(e for name, errs in _field_errors(form) for e in errs)]:
        flash(message, "error")


def error_attrs(field, error_id: str, hint_id: str = "", **attrs) -> dict[str, str]:
    """``attrs`` plus the attributes tying the input to its error text (and to a hint's id).

    The error text itself is not an alert: the form's message is, so a screen reader
    announces the refusal once and reads the field's message when the input has focus.
    """
    tie = {"aria-invalid": "true"} if field.errors else {}
    described = " ".join(filter(None, (error_id if field.errors else "", hint_id)))
    return attrs | tie | ({"aria-describedby": described} if described else {})


def first_error(form) -> str:
    """The form's first error as "Label: message", for a one-line alert."""
    if form.form_errors:
        return form.form_errors[0]
    for name, errors in _field_errors(form):
        field = getattr(form, name)
        label = field.label.text if field.label.text else name
        return f"{label}: {errors[0]}"
    return "Invalid input."


def _field_errors(form) -> list[tuple[str, list[str]]]:
    return [(name, errors) for name, errors in form.errors.items() if name is not None]
