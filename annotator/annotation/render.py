"""HTML for the statement text and the stance list, built in Python.

Exact whitespace matters under pre-wrap, and a page with 500 stances renders thousands of
segments and hundreds of list items: string building is an order of magnitude cheaper than
a Jinja include per item. Each text segment is one element with one text node and its
absolute code-point start in ``data-start``; the page's script relies on that to turn a
selection into offsets. Every value is escaped here (``html.escape`` quotes ``"`` and ``'``).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from markupsafe import Markup

from annotator.text.layout import Paragraph, Segment


def paragraph_html(
    p: Paragraph, titles: dict[str, str], names: dict[str, str], oob=False
) -> Markup:
    """One paragraph ``div`` (optionally an out-of-band swap) with its trailing newlines."""
    parts = [f'<div class="para" id="para-{p.index}" data-start="{p.start}"']
    parts.append(' hx-swap-oob="true">' if oob else ">")
    parts.extend(_segment(s, titles, names) for s in p.segments)
    if p.newline:
        parts.append(f'<span class="seg nl" data-start="{p.end}" hidden>{p.newline}</span>')
    parts.append("</div>")
    return Markup("".join(parts))


def _segment(seg: Segment, titles: dict[str, str], names: dict[str, str]) -> str:
    stances, mention = seg.stances, seg.mention
    if not stances and not mention:
        return f'<span class="seg" data-start="{seg.start}">{escape(seg.text)}</span>'
    if stances:
        refs = [m.ref for m in stances]
        shown = ", ".join(dict.fromkeys([titles.get(ref, "") for ref in refs]))
        attrs = (
            f'class="seg hl lbl-{stances[0].css} depth-{min(len(stances), 3)}'
            f'{" mention" if mention else ""}" data-start="{seg.start}" '
            f'data-stances="{" ".join(refs)}" title="{escape(shown)}"'
        )
    else:
        attrs = f'class="seg mention" data-start="{seg.start}"'
    if mention:
        name = names.get(mention.ref, mention.ref)
        attrs += f' data-actor="{escape(mention.ref)}" data-actor-name="{escape(name)}"'
        if not stances:
            attrs += f' title="{escape(f"Mention of {name} (click to set as target)")}"'
    tag = "mark" if stances else "span"
    return f"<{tag} {attrs}>{escape(seg.text)}</{tag}>"


def joined(parts: Iterable[Markup]) -> Markup:
    """Pieces of safe HTML as one, so the template escapes (copies) one string, not hundreds."""
    return Markup("".join(parts))


def stance_title(row) -> str:
    """A short tooltip for a highlight: label and target (the side list has the rest)."""
    return f"{row.label_name} → {row.target_name}" if row.target_name else row.label_name


def stance_item_html(row, stances_url: str, csrf: str, oob: str | None = None) -> Markup:
    """One item of "My stances": label chip, covered text, actors, note, edit and delete.

    Plain links and forms: the list's hx-boost upgrades them, so each item stays small.
    """
    key, url = escape(row.label_key), f"{stances_url}/{row.id}"
    swap = f' hx-swap-oob="{escape(oob)}"' if oob else ""
    parts = [
        f'<li id="stance-{row.id}" class="stance lbl-{key}" data-start="{row.start}" '
        f'data-end="{row.end}"{swap}>',
        f'<span class="chip lbl-{key}">{escape(row.label_name)}</span>',
        f'<q class="covered">{escape(truncate(row.text, 120))}</q>',
    ]
    if row.target_name is not None:
        proposed = " <small>(proposed)</small>" if row.target_status == "proposed" else ""
        parts.append(f'<span class="who">target <b>{escape(row.target_name)}</b>{proposed}</span>')
    if row.holder_name is not None:
        parts.append(f'<span class="who">holder <b>{escape(row.holder_name)}</b></span>')
    if row.note:
        parts.append(f'<span class="note">{escape(row.note)}</span>')
    parts += [
        f'<span class="actions"><a href="{url}/edit">Edit<span class="sr-only"> stance “',
        f"{escape(truncate(row.text, 30))}”</span></a>",
        f'<form method="post" class="inline" action="{url}/delete">',
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">',
        f'<input type="hidden" name="version" value="{row.version}">',
        '<button type="submit" class="link">Delete<span class="sr-only"> stance</span></button>',
        "</form></span></li>",
    ]
    return Markup("".join(parts))


def truncate(text: str, length: int, end: str = "...", leeway: int = 5) -> str:
    """Jinja's ``truncate`` filter (whole words, 5 characters of leeway), for Python-built HTML."""
    if len(text) <= length + leeway:
        return text
    return text[: length - len(end)].rsplit(" ", 1)[0] + end
