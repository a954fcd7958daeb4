"""What a request may carry: ids the database can hold, and no NUL character anywhere.

One bounded ``int`` URL converter (an id beyond PostgreSQL's ``integer`` is a 404, as any
unknown id), one bounded ``IntegerField`` for forms and ``db_int`` for query arguments
(422 or ignored, as for "abc"), and one check before every view for NUL characters in
the path, the query, the form and upload file names (PostgreSQL cannot store them; SQLite
can, so the two databases would disagree). The database guard (``db/guard.py``) is the
net under these; here the refusal names the field.
"""

from __future__ import annotations

import wtforms
from flask import Flask, request
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

from annotator.db.guard import INT_MAX, INT_MIN
from annotator.errors import Invalid


def _digits_up_to(limit: int) -> str:
    """A regex matching exactly the decimal numbers 0..limit (no sign, no leading zeros)."""
    text = str(limit)
    parts = [rf"[1-9]\d{{0,{len(text) - 2}}}|0"]  # shorter numbers
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:  # same prefix, a smaller digit here, anything after
            tail = rf"\d{{{len(text) - i - 1}}}" if i < len(text) - 1 else ""
            parts.append(f"{text[:i]}[{low}-{int(digit) - 1}]{tail}")
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only ids a database column can hold (others: 404).

    The bound is in the regex, not only in ``to_python``: werkzeug collects the methods of
    every rule whose regex matched, so a number refused later made another method's rule
    answer 405 instead of 404.
    """

    regex = _digits_up_to(INT_MAX)

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, INT_MIN if min is None else min, max or INT_MAX, signed)
        if not signed and not fixed_digits:
            self.regex = _digits_up_to(self.max)


def db_int(value: str) -> int:
    """``request.args.get(..., type=db_int)``: out of range counts as not a number."""
    number = int(value)
    if not INT_MIN <= number <= INT_MAX:
        raise ValueError(f"{value} is out of range")
    return number


class IntegerField(wtforms.IntegerField):
    """An IntegerField that refuses numbers no database column can hold (422, on the field)."""

    out_of_range = False

    def process_formdata(self, valuelist) -> None:
        """Parse as WTForms does; a number out of range is kept out of ``data``."""
        super().process_formdata(valuelist)
        self.out_of_range = self.data is not None and not INT_MIN <= self.data <= INT_MAX
        if self.out_of_range:
            self.data = None

    def pre_validate(self, form) -> None:
        """Refuse before the validators run: ``DataRequired`` would replace the message."""
        if self.out_of_range:
            raise StopValidation(f"Number out of range (at most {INT_MAX}).")


def init_app(app: Flask) -> None:
    """Install the converter (before any route is added) and the request check."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul)


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul() -> None:
    """422 naming the first path part, query argument, form field or file name with a NUL."""
    if request.routing_exception is not None:
        return  # a 404 or 405 anyway
    sources = [(request.view_args or {}).items(), request.args.items(multi=True)]
    if request.mimetype in _FORMS:  # other bodies are left unread: the API reads its own JSON
        sources.append(request.form.items(multi=True))  # with a smaller size limit
        sources.append((name, f.filename or "") for name, f in request.files.items(multi=True))
    for items in sources:
        for name, value in items:
            if "\x00" in name or (isinstance(value, str) and "\x00" in value):
                field = name.replace("\x00", "\\0")
                raise Invalid(f"{field}: NUL characters are not allowed.", field=field)
