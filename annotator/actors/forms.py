"""Forms of the actor registry; the services do the real checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from annotator.actors.curation import ActorData
from annotator.models import ACTOR_TYPES


class ActorForm(FlaskForm):
    """An actor as a lead edits it; aliases one per line, in any script."""

    key = StringField("Key (optional; made from the name if empty)", [Optional(), Length(max=80)])
    name = StringField("Name", [DataRequired("An actor needs a name."), Length(max=300)])
    type = SelectField("Type", choices=list(ACTOR_TYPES), default="other")
    aliases = TextAreaField("Aliases (one per line, any script)", [Length(max=100_000)])
    wikidata = StringField("Wikidata item (e.g. Q794)", [Optional(), Length(max=20)])

    def data_for_service(self) -> ActorData:
        """The values as the registry service takes them."""
        return ActorData(
            name=self.name.data or "",
            type=self.type.data or "other",
            aliases=tuple((self.aliases.data or "").splitlines()),
            wikidata=self.wikidata.data,
            key=self.key.data,
        )


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(["approved", "rejected"], "Choose approve or reject.")])
    back = HiddenField()


class MergeForm(FlaskForm):
    into = StringField(
        "Merge into (key, name or alias)",
        [DataRequired("Name the actor to merge into."), Length(max=300)],
    )


class ActorImportForm(FlaskForm):
    file = FileField(
        "Registry CSV (id,name,type,aliases,wikidata)", [FileRequired("Choose a file.")]
    )
