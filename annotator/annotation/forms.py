"""The stance form and the statement state forms; services do the domain checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from annotator.web.input_guard import IntegerField


class StanceForm(FlaskForm):
    """A stance as the page sends it: offsets in code points plus the covered text to verify."""

    start = IntegerField("From character", validators=[Optional(), NumberRange(min=0)])
    end = IntegerField("To character", validators=[Optional(), NumberRange(min=0)])
    text = HiddenField()
    quote = StringField("Exact words from the text", validators=[Optional(), Length(max=20000)])
    label = RadioField("Label", validate_choice=False, validators=[DataRequired("Pick a label.")])
    target = HiddenField()
    target_q = StringField("Target actor", validators=[Optional(), Length(max=300)])
    holder = HiddenField()
    holder_q = StringField("Holder", validators=[Optional(), Length(max=300)])
    propose_target = BooleanField("Propose it as a new actor if the registry lacks it")
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    version = IntegerField(validators=[Optional()])

    # Actor keys travel in hidden inputs: their errors belong to the visible type-ahead boxes.
    error_fields = {"target": "target_q", "holder": "holder_q"}


class StateForm(FlaskForm):
    action = HiddenField(
        validators=[AnyOf(["done", "reopen", "skip"], "Unknown action: use done, reopen or skip.")]
    )
    confirm = BooleanField()  # reopening an adjudicated statement, after the page warned


def version_field(noun: str) -> IntegerField:
    """The version of the stance or relation the annotator saw, which every change sends."""
    message = f"The form lacks the {noun}'s version; reload the page."
    return IntegerField(validators=[DataRequired(message), NumberRange(min=1)])


class VersionForm(FlaskForm):
    version = version_field("stance")


class RelationForm(FlaskForm):
    """A new relation: two stance ids (the page's script or the "Link to…" form) and a type."""

    from_stance = IntegerField(
        "From stance", validators=[DataRequired("Choose the stance to link from.")]
    )
    to_stance = IntegerField("Link to", validators=[DataRequired("Choose the stance to link to.")])
    type = RadioField(
        "Relation type", validate_choice=False, validators=[DataRequired("Pick a relation type.")]
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])

    # The service names the ends "from" and "to"; these inputs show their errors.
    error_fields = {"from": "from_stance", "to": "to_stance"}


class RelationEditForm(FlaskForm):
    """A relation's type and note, with the version the annotator saw."""

    type = RadioField(
        "Relation type", validate_choice=False, validators=[DataRequired("Pick a relation type.")]
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    version = version_field("relation")


class RelationVersionForm(FlaskForm):
    """Delete or undo: only the version the annotator saw (and the CSRF token)."""

    version = version_field("relation")
