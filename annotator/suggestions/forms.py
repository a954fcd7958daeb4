"""WTForms for the suggestion buttons of the statement page; the services do the checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField
from wtforms.validators import InputRequired, NumberRange


class AcceptAllForm(FlaskForm):
    """Accept every suggestion shown at or above a score (where the lead allows it)."""

    min_score = FloatField(
        "Accept all at or above score",
        default=0.9,
        validators=[
            InputRequired("Give a score from 0 to 1."),
            NumberRange(min=0, max=1, message="Give a score from 0 to 1."),
        ],
    )
