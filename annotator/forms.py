"""WTForms forms shared by the views; each field validates what the service needs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class StanceForm(FlaskForm):
    """A stance as the page sends it: offsets in code points plus the covered text to verify."""

    start = IntegerField("From character", validators=[Optional(), NumberRange(min=0)])
    end = IntegerField("To character", validators=[Optional(), NumberRange(min=0)])
    text = HiddenField()
    quote = StringField("Or type the exact words", validators=[Optional(), Length(max=20000)])
    label = RadioField("Label", validate_choice=False, validators=[DataRequired("Pick a label.")])
    target = HiddenField()
    target_q = StringField("Target actor", validators=[Optional(), Length(max=300)])
    holder = HiddenField()
    holder_q = StringField("Holder", validators=[Optional(), Length(max=300)])
    propose_target = BooleanField("Propose it as a new actor if the registry lacks it")
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    version = IntegerField(validators=[Optional()])


class StateForm(FlaskForm):
    action = HiddenField(validators=[AnyOf(["done", "reopen", "skip"])])


class VersionForm(FlaskForm):
    version = IntegerField(validators=[DataRequired(), NumberRange(min=1)])


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
