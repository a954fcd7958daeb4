"""WTForms for the lead's pages; services do the domain checks, forms the shape."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from annotator.models import SEMEVAL_VALUES
from annotator.projects.labels import POLARITIES
from annotator.roles import ROLES
from annotator.web.input_guard import IntegerField


def _choices(values, *, none: bool = False) -> list[SelectChoice]:
    """Select options whose label is the value; an empty "none" first when optional."""
    return [SelectChoice("", "none")] * none + [SelectChoice(v, v) for v in values]


class ProjectCreateForm(FlaskForm):
    slug = StringField("Short name (URL)", validators=[DataRequired(), Length(max=64)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])


class ProjectSettingsForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5000)])
    annotators_per_statement = IntegerField(
        "Annotators per statement",
        validators=[DataRequired("Give a number from 1 to 50."), NumberRange(min=1, max=50)],
    )
    allow_overlap = BooleanField("Overlapping stances allowed")
    snap_to_words = BooleanField("Snap selections to word boundaries")
    hide_annotator_names = BooleanField("Hide annotator names from reviewers")
    bulk_accept = BooleanField("Annotators may accept all suggestions above a score at once")


class LabelForm(FlaskForm):
    """Edit a label; ``key`` is only read when the label is created (it never changes)."""

    key = StringField("Key", validators=[Optional(), Length(max=40)])
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    color = StringField("Colour", default="#888888", validators=[DataRequired(), Length(max=7)])
    hotkey = SelectField("Hotkey", choices=lambda: _choices("123456789", none=True))
    definition = TextAreaField("Definition", validators=[Optional(), Length(max=5000)])
    example = TextAreaField("Example", validators=[Optional(), Length(max=5000)])
    requires_target = BooleanField("Requires a target actor")
    polarity = SelectField("Default polarity", choices=lambda: _choices(POLARITIES, none=True))
    semeval = SelectField("SemEval", choices=lambda: _choices(SEMEVAL_VALUES), default="NONE")

    def values(self) -> dict:
        """The service's keyword arguments."""
        fields = ("name", "color", "hotkey", "definition", "example", "requires_target")
        return {f: getattr(self, f).data for f in (*fields, "polarity", "semeval")}


class MoveForm(FlaskForm):
    direction = StringField(validators=[AnyOf(["up", "down"])])


class GuidelinesForm(FlaskForm):
    body = TextAreaField("Guidelines (Markdown)", validators=[DataRequired("Write something.")])


class MemberForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    role = SelectField("Role", choices=lambda: _choices(ROLES), default="annotator")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=lambda: _choices(ROLES))


class AssignForm(FlaskForm):
    per_statement = IntegerField(
        "Annotators per statement", validators=[Optional(), NumberRange(min=1, max=50)]
    )


class ReassignForm(FlaskForm):
    statement_id = IntegerField("Statement", validators=[DataRequired()])
    from_user = StringField("From annotator", validators=[DataRequired(), Length(max=80)])
    to_user = StringField("To annotator", validators=[Optional(), Length(max=80)])

    # The assignment services name their fields after the domain, not this form's inputs.
    error_fields = {"statement": "statement_id", "annotator": "from_user", "to": "to_user"}
