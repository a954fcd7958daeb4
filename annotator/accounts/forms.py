"""The login and API token forms: their shape only; the services do the checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class PasswordForm(FlaskForm):
    """The logged-in user's own password change: the current one, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    password = PasswordField("New password", validators=[DataRequired(), Length(min=8, max=500)])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("password", "The two new passwords differ.")],
    )


class TokenForm(FlaskForm):
    """A new token's name (what it is for)."""

    name = StringField("Name", validators=[Optional(), Length(max=80)])
