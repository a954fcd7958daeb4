"""The lead's recommender form: the shape of the input; the service checks the values.

The token is a password input that is never filled back in: left empty it stays as it is,
"Remove the token" clears it. Settings are read only for the recommender's kind.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from annotator.models import RECOMMENDER_KINDS
from annotator.suggestions.recommenders import RecommenderInput
from annotator.web.input_guard import IntegerField

KIND_NAMES = {
    "span_memory": "Span memory (repeats labelled spans)",
    "classifier": "Sentence classifier (trained on finished work)",
    "external": "External model (Label Studio ML backend)",
    "file": "Predictions imported from a file",
}


def _fraction(label: str) -> FloatField:
    return FloatField(label, validators=[Optional(), NumberRange(min=0, max=1)])


class RecommenderForm(FlaskForm):
    """Create (kind chosen once) or edit a recommender."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    kind = SelectField("Kind", choices=[SelectChoice(k, KIND_NAMES[k]) for k in RECOMMENDER_KINDS])
    enabled = BooleanField("Switched on", default=True)
    threshold = _fraction("Score threshold (0-1)")
    min_precision = _fraction("Minimum held-out precision (classifier; empty: none)")
    retrain_every = IntegerField(
        "Retrain after this many new stances (0: never)",
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
    )
    url = StringField("Model server URL", validators=[Optional(), Length(max=500)])
    timeout = FloatField("Timeout (seconds)", validators=[Optional(), NumberRange(0.1, 300)])
    token = PasswordField(
        "Token (sent as Authorization; never shown)", validators=[Length(max=500)]
    )
    clear_token = BooleanField("Remove the token")

    def to_input(self, kind: str, *, creating: bool) -> RecommenderInput:
        """The service's input; on an edit, empty fields leave the stored values."""
        settings = {}
        if kind in ("span_memory", "classifier") and self.retrain_every.data is not None:
            settings["retrain_every"] = self.retrain_every.data
        if kind == "external":
            if self.url.data or creating:
                settings["url"] = (self.url.data or "").strip() or None
            if self.timeout.data is not None:
                settings["timeout"] = self.timeout.data
        token = "" if self.clear_token.data else (self.token.data or None)
        return RecommenderInput(
            name=self.name.data,
            kind=kind if creating else None,
            enabled=bool(self.enabled.data),
            threshold=self.threshold.data if self.threshold.data is not None else 0.0,
            min_precision=self.min_precision.data,
            clear_min_precision=self.min_precision.data is None,
            settings=settings,
            token=token,
        )

    def fill(self, recommender) -> None:
        """Show a stored recommender's values (never its token)."""
        self.name.data = recommender.name
        self.kind.data = recommender.kind
        self.enabled.data = recommender.enabled
        self.threshold.data = recommender.threshold
        self.min_precision.data = recommender.min_precision
        settings = recommender.settings or {}
        self.retrain_every.data = settings.get("retrain_every")
        self.url.data = settings.get("url")
        self.timeout.data = settings.get("timeout")
