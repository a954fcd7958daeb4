"""The rows of the suggestion panel: the one place their HTML is built.

Python rather than a Jinja loop for the same reason as annotation/render.py: measured on
the benchmark page (200 suggestions, bench/suggest_workspace_bench.py), the loop took
about as long as the rest of the panel's cost. The rows share one CSRF form
(``#sugg-form``, in the panel template): each button names it and its own ``formaction``,
which htmx honours too, so a row carries no token of its own. Every value is escaped.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def suggestion_items(items, base: str, editable: bool) -> Markup:
    """The ``li`` of every suggestion, in text order, as one string."""
    return Markup("".join(_item(s, base, editable) for s in items))


def _item(s, base: str, editable: bool) -> str:
    key = escape(s.label_key)
    parts = [
        f'<li id="sugg-{s.id}" class="sugg lbl-{key}" tabindex="-1" data-id="{s.id}" ',
        f'data-start="{s.start}" data-end="{s.end}" data-score="{s.score:.2f}">',
        f'<span class="chip lbl-{key}">{escape(s.label_name)}</span> ',
        f'<q class="covered">{escape(_short(s.text))}</q>',
    ]
    if s.target_name:
        parts.append(f'<span class="who">target <b class="t">{escape(s.target_name)}</b></span>')
    if s.holder_name:
        parts.append(f'<span class="who">holder <b class="h">{escape(s.holder_name)}</b></span>')
    parts.append(f'<span class="score">score {s.score:.2f} · {escape(s.recommender)}</span>')
    if editable:
        url = f"{base}/{s.id}"
        parts += [
            '<span class="sugg-actions"><button type="submit" form="sugg-form" ',
            f'formaction="{url}/accept" data-act="accept">Accept</button>',
            f'<a href="{url}/edit" data-act="edit">Edit…</a>',
            f'<button type="submit" form="sugg-form" formaction="{url}/reject" class="link" ',
            'data-act="reject">Reject</button></span>',
        ]
    parts.append("</li>")
    return "".join(parts)


def _short(text: str, length: int = 90) -> str:
    """Long spans cut at a word, as the stance list does."""
    if len(text) <= length + 5:
        return text
    return text[: length - 3].rsplit(" ", 1)[0] + "..."
