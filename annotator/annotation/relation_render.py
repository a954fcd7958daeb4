"""The relation list items of the workspace, built in Python like the stance items (render.py).

A statement may carry hundreds of relations; each item is one string with its data for the
page script (``data-from``, ``data-to``, the type's key, name and colour: the arcs are drawn
from these), an edit link and a delete form. Every value is escaped here.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from annotator.annotation.render import truncate


def relation_items(rows, relations_url: str, csrf: str) -> Markup:
    """The items of the relation list in order, as one string."""
    return Markup("".join(_live(row, f"{relations_url}/{row.id}", csrf) for row in rows))


def relation_item(row, relations_url: str, csrf: str, oob: bool = False) -> Markup:
    """One live relation item (``oob``: replacing the one on the page)."""
    return Markup(_live(row, f"{relations_url}/{row.id}", csrf, oob))


def deleted_relation_item(row, relations_url: str, csrf: str) -> Markup:
    """The item of a relation just deleted, with its undo button, replacing the live one."""
    url = f"{relations_url}/{row.id}/restore"
    inner = (
        f"<span>Deleted link <q>{escape(truncate(row.from_text, 40))}</q> "
        f"{escape(row.type_name)} <q>{escape(truncate(row.to_text, 40))}</q>.</span>"
        f'<form method="post" class="inline" action="{url}">{_version_inputs(csrf, row.version)}'
        '<button type="submit" class="undo">Undo</button></form>'
    )
    return Markup(
        f'<li id="relation-{row.id}" class="relation deleted" hx-swap-oob="true">{inner}</li>'
    )


def _live(row, url: str, csrf: str, oob: bool = False) -> str:
    """Type chip, source and target snippets, note, edit and delete."""
    name = escape(row.type_name)
    parts = [
        f'<span class="chip rel-chip">{name}</span> ',
        f'<q class="covered" data-end="from">{escape(truncate(row.from_text, 60))}</q>',
        f' <span aria-hidden="true">→</span><span class="sr-only"> {name}</span> ',
        f'<q class="covered" data-end="to">{escape(truncate(row.to_text, 60))}</q>',
    ]
    if row.note:
        parts.append(f'<span class="note">{escape(row.note)}</span>')
    parts += [
        f'<span class="actions"><a href="{url}/edit">Edit',
        '<span class="sr-only"> relation</span></a>',
        f'<form method="post" class="inline" action="{url}/delete">',
        _version_inputs(csrf, row.version),
        '<button type="submit" class="link">Delete<span class="sr-only"> relation</span></button>',
        "</form></span>",
    ]
    data = (
        f' data-from="{row.from_id}" data-to="{row.to_id}" data-type="{escape(row.type_key)}"'
        f' data-name="{name}" data-color="{escape(row.type_color)}" data-version="{row.version}"'
    )
    swap = ' hx-swap-oob="true"' if oob else ""
    return f'<li id="relation-{row.id}" class="relation"{data}{swap}>{"".join(parts)}</li>'


def _version_inputs(csrf: str, version: int) -> str:
    return (
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        f'<input type="hidden" name="version" value="{version}">'
    )
