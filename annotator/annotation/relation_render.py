"""The relation list items of the workspace, built in Python like the stance items (render.py).

A statement may carry hundreds of relations; each item is one string with its data for the
page script (``data-from``, ``data-to``, the type's key, name and colour: the arcs are drawn
from these), an edit link and a delete form. Every value is escaped here.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from annotator.annotation.render import deleted_list_item, list_item, truncate, version_inputs


def relation_items(rows, relations_url: str, csrf: str) -> Markup:
    """The items of the relation list in order, as one string."""
    return Markup("".join(_live(row, f"{relations_url}/{row.id}", csrf) for row in rows))


def relation_item(row, relations_url: str, csrf: str, oob: bool = False) -> Markup:
    """One live relation item (``oob``: replacing the one on the page)."""
    return Markup(_live(row, f"{relations_url}/{row.id}", csrf, oob))


def deleted_relation_item(row, relations_url: str, csrf: str) -> Markup:
    """The item of a relation just deleted, with its undo button, replacing the live one."""
    url = f"{relations_url}/{row.id}/restore"
    what = (
        f"link <q>{escape(truncate(row.from_text, 40))}</q> "
        f"{escape(row.type_name)} <q>{escape(truncate(row.to_text, 40))}</q>"
    )
    return Markup(deleted_list_item(f"relation-{row.id}", "relation", what, url, csrf, row.version))


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
        version_inputs(csrf, row.version),
        '<button type="submit" class="link">Delete<span class="sr-only"> relation</span></button>',
        "</form></span>",
    ]
    data = (
        f' data-from="{row.from_id}" data-to="{row.to_id}" data-type="{escape(row.type_key)}"'
        f' data-name="{name}" data-color="{escape(row.type_color)}" data-version="{row.version}"'
    )
    return list_item(f"relation-{row.id}", "relation", data, "".join(parts), oob)
