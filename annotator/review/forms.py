"""Reviewer forms: every adjudication carries the statement's review version it was made on."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from annotator.web.input_guard import IntegerField

_VERSIONS = r"^\s*\d+:\d+(\s+\d+:\d+)*\s*$"


class DecisionForm(FlaskForm):
    """The review version the reviewer saw, and an optional reason."""

    review_version = IntegerField(
        validators=[InputRequired("The form lacks the review version; reload the page.")]
    )
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=2000)])


class AcceptForm(DecisionForm):
    """Accept one annotator's version as it was shown."""

    stance = StringField(validators=[InputRequired(), Regexp(r"^\d+:\d+$", message="Bad version.")])

    def pair(self) -> tuple[int, int]:
        """The (stance id, version) the reviewer accepted."""
        return tuple(map(int, self.stance.data.split(":")))


class RejectForm(DecisionForm):
    """Reject all versions of a group: "id:version" pairs separated by spaces."""

    sources = HiddenField(validators=[InputRequired(), Regexp(_VERSIONS, message="Bad versions.")])

    def pairs(self) -> list[tuple[int, int]]:
        """The (stance id, version) pairs the page showed."""
        return [tuple(map(int, p.split(":"))) for p in self.sources.data.split()]


class GoldForm(DecisionForm):
    """A gold stance: edited from a version (``source``), added, or a gold stance's edit.

    Shaped like the annotator's stance form (offsets from the mouse selection, the covered
    text to check them, actors chosen in the type-ahead), so the page script serves both.
    """

    quote = StringField("Or type the exact words", validators=[Optional(), Length(max=20000)])
    start = IntegerField("From character", validators=[Optional(), NumberRange(min=0)])
    end = IntegerField("To character", validators=[Optional(), NumberRange(min=0)])
    text = HiddenField(validators=[Optional(), Length(max=20000)])
    label = SelectField("Label", validate_choice=True)
    target = HiddenField(validators=[Optional(), Length(max=300)])
    target_q = StringField("Target actor", validators=[Optional(), Length(max=300)])
    holder = HiddenField(validators=[Optional(), Length(max=300)])
    holder_q = StringField("Holder", validators=[Optional(), Length(max=300)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=5000)])
    source = HiddenField(validators=[Optional(), Regexp(r"^\d+:\d+$", message="Bad source.")])
    version = IntegerField(validators=[Optional(), NumberRange(min=1)])

    # Actor keys travel in hidden inputs: their errors belong to the visible type-ahead boxes.
    error_fields = {"target": "target_q", "holder": "holder_q"}

    def validate(self, extra_validators=None) -> bool:
        """A selection or typed words: one way to say where the stance is."""
        if not super().validate(extra_validators):
            return False
        if self.quote.data:
            return True
        if self.start.data is None or self.end.data is None:
            self.quote.errors = ["Select the words with the mouse, or type the exact words."]
            return False
        if self.end.data <= self.start.data:
            self.quote.errors = ["The end must come after the start."]
            return False
        return True

    def source_pair(self) -> tuple[int, int] | None:
        """The (stance id, version) the gold stance was edited from, if any."""
        return tuple(map(int, self.source.data.split(":"))) if self.source.data else None


class GoldDeleteForm(FlaskForm):
    """Delete a gold stance at the version shown."""

    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=2000)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class RelationForm(DecisionForm):
    """Accept or edit one annotator's relation: "id:version", and what the edit changes."""

    relation = StringField(
        validators=[InputRequired(), Regexp(r"^\d+:\d+$", message="Bad relation version.")]
    )
    with_ends = BooleanField()  # the reviewer agreed to accept the ends with it
    type = StringField(validators=[Optional(), Length(max=40)])
    reverse = BooleanField("Reverse the direction")

    def pair(self) -> tuple[int, int]:
        """The (relation id, version) the reviewer decided on."""
        return tuple(map(int, self.relation.data.split(":")))


class RelationAddForm(DecisionForm):
    """A gold relation nobody made: two gold stances and a type."""

    from_stance = IntegerField(
        "From (gold stance)", validators=[InputRequired("Pick the stance it starts from.")]
    )
    to_stance = IntegerField(
        "To (gold stance)", validators=[InputRequired("Pick the stance it points to.")]
    )
    type = StringField("Type", validators=[InputRequired("Pick a type."), Length(max=40)])


class GoldRelationDeleteForm(DecisionForm):
    """Delete a gold relation at the version shown."""

    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class GoldRelationEditForm(GoldRelationDeleteForm):
    """Change a gold relation in place at the version shown: its type, its direction."""

    type = StringField(validators=[Optional(), Length(max=40)])
    reverse = BooleanField("Reverse the direction")
