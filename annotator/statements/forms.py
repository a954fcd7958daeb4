"""The statement import form: its shape only; the readers and the service do the checks."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField


class ImportForm(FlaskForm):
    """Statement files to import, with the reader options."""

    files = MultipleFileField("Files (.jsonl, .csv, .txt or .zip)")
    txt_header = BooleanField("Text files start with 'title | author / organisation | date | url'")
