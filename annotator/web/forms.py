"""The one form loop of the browser, and the one way a field error is tied to its input."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from annotator.errors import DomainError
from annotator.extensions import db


def run_form(form, action: Callable) -> bool:
    """Validate, run the service and commit; a domain error lands on its field, rolled back."""
    if not form.validate_on_submit():
        return False
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        field = getattr(form, exc.field, None) if exc.field else None
        errors = field.errors if field is not None and hasattr(field, "errors") else None
        (errors if isinstance(errors, list) else form.form_errors).append(exc.message)
        return False
    db.session.commit()
    return True


def flash_errors(form) -> None:
    """For one-button forms: the refusal as error flashes on the page the user returns to."""
    for message in [*form.form_errors, *(e for errs in form.errors.values() for e in errs)]:
        flash(message, "error")


def error_attrs(field, error_id: str) -> dict[str, str]:
    """The attributes tying an input to its error text, or none when the field is valid.

    Forms answer a failure with one alert (the form's message); a field's own message is
    only described by the input, so a screen reader announces the error once.
    """
    if not field.errors:
        return {}
    return {"aria-invalid": "true", "aria-describedby": error_id}


def first_error(form) -> str:
    """The form's first error as "Label: message", for a one-line 422 message."""
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None and field.label.text else name
        return f"{label}: {errors[0]}"
    return "Invalid input."
