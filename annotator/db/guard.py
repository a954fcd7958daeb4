"""The last check before a value reaches the database: what one of the two would refuse.

PostgreSQL refuses NUL characters in text and integers beyond its 4-byte ``integer``; both
drivers fail on lone surrogates (not encodable as UTF-8). SQLite stores or compares such
values without a word. Every entry point checks its own input and names the field (the web
request check, the import readers, the API's schema), but a value that slips past them
would be a 500 on one database and silently stored on the other. Here it is a 422 on both.
"""

from __future__ import annotations

from sqlalchemy import Engine, event

from annotator.errors import Invalid

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL's ``integer``: every id and counter column


def install(engine: Engine) -> None:
    """Check every statement's parameters before the driver sees them (runs first)."""
    event.listen(engine, "before_cursor_execute", _check_parameters, insert=True)


def _check_parameters(_conn, _cursor, _statement, parameters, _context, _executemany) -> None:
    # One row (dict or tuple), several (executemany), or a batch flattened into one tuple
    # (insertmanyvalues): walking every container covers them all.
    _check_all(parameters)


_CONTAINERS = (dict, list, tuple)


def _check_all(values) -> None:
    """Walk every parameter; the common kinds are tested inline, since a call per value cost
    a tenth of a 100,000-statement import (measured), and only a bad value calls out."""
    for value in values.values() if isinstance(values, dict) else values or ():
        kind = type(value)
        if kind is str:
            if "\x00" in value or not (value.isascii() or _encodable(value)):
                check_value(value)
        elif kind is int:
            if not INT_MIN <= value <= INT_MAX:
                check_value(value)
        elif value is None:
            continue
        elif isinstance(value, _CONTAINERS):
            _check_all(value)
        else:
            check_value(value)  # subclasses of str and int (enums), floats, dates


def check_value(value: object) -> None:
    """Raise Invalid for a NUL, a lone surrogate or an integer no database column can hold."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid("Text must not contain NUL characters.")
        if not value.isascii() and not _encodable(value):
            raise Invalid("Text must be valid Unicode (no lone surrogates).")
    elif isinstance(value, int) and not isinstance(value, bool) and not INT_MIN <= value <= INT_MAX:
        raise Invalid(f"The number {value} is out of range.")


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_clean(text: str) -> bool:
    """Whether a string may be stored: no NUL character, no lone surrogate."""
    return "\x00" not in text and (text.isascii() or _encodable(text))
