"""The statement text and the stance list items: the one place their HTML is built.

The page and the save fragments call these from their Jinja templates (template globals
registered by the workspace blueprint), so a segment or a list item, live or deleted, is
built one way. They are Python rather than Jinja macros for speed, measured on the
benchmark statement (20,000 characters, 500 stances, 1,610 segments, bench/workspace_bench.py):
the text takes 3.5 ms here, 29 ms as an inline Jinja loop and 58 ms as macros; the list
2.4 ms here, 5.2 ms as a loop and 19 ms as macros, against a 21 ms page.

Exact whitespace matters under pre-wrap. Each text segment is one element with one text
node and its absolute code-point start in ``data-start``; the page's script relies on that
to turn a selection into offsets. Every value is escaped here (``html.escape`` quotes ``"``
and ``'``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from html import escape

from markupsafe import Markup

from annotator.text.bidi import isolated_runs
from annotator.text.layout import Paragraph, Segment


def statement_text(
    paragraphs: Iterable[Paragraph], rows, names: dict[str, str], oob: bool = False
) -> Markup:
    """The paragraphs with their highlights (``rows``: the stances drawn), as one string.

    One string, so the template copies one value, not thousands; ``oob`` makes each
    paragraph an out-of-band swap (after a save, only the paragraphs it touched).
    """
    titles = {str(row.id): escape(stance_title(row)) for row in rows}  # escaped once, here
    tags = _tags(rows)
    return Markup("".join(_paragraph(p, titles, names, tags, oob) for p in paragraphs))


def _tags(rows) -> dict[int, str]:
    """The label tag drawn where each stance starts, by offset (several may start together).

    The name is in a ``data-tag`` attribute that CSS shows (``::before``): generated text is
    neither in the segments' text nor selectable, so offsets and copying stay exact.
    """
    tags: dict[int, str] = {}
    heads: dict[str, str] = {}  # per label: escaping 500 times the same two values costs
    for row in rows:
        head = heads.get(row.label_key)
        if head is None:
            key, name = escape(row.label_key), escape(row.label_name)
            head = heads[row.label_key] = (
                f'<span class="tag lbl-{key}" data-tag="{name}" aria-hidden="true" data-for="'
            )
        tags[row.start] = f'{tags.get(row.start, "")}{head}{row.id}"></span>'
    return tags


def _paragraph(p: Paragraph, titles, names, tags: dict[int, str], oob: bool) -> str:
    """One paragraph ``div`` (its direction from its first letter) with its trailing newlines."""
    parts = [f'<div class="para" id="para-{p.index}" data-start="{p.start}" dir="auto"']
    parts.append(' hx-swap-oob="true">' if oob else ">")
    runs = isolated_runs("".join([s.text for s in p.segments]))
    if runs:
        parts.extend(_isolated(p, runs, titles, names, tags))
    else:
        parts.extend(_segment(s, titles, names, tags) for s in p.segments)
    if p.newline:
        parts.append(f'<span class="seg nl" data-start="{p.end}" hidden>{p.newline}</span>')
    parts.append("</div>")
    return "".join(parts)


def _isolated(p: Paragraph, runs, titles, names, tags) -> list[str]:
    """The segments of a mixed-script paragraph, cut at the runs' edges, runs in ``<bdi>``."""
    opens = {p.start + a: f'<bdi dir="{d}">' for a, _, d in runs}
    closes = {p.start + b for _, b, _ in runs}
    cuts = sorted({*opens, *closes})
    out = []
    for seg in p.segments:
        for piece in _cut(seg, cuts):
            if piece.start in closes:
                out.append("</bdi>")
            out.append(opens.get(piece.start, ""))
            out.append(_segment(piece, titles, names, tags))
    if p.end in closes:
        out.append("</bdi>")
    return out


def _cut(seg: Segment, cuts: list[int]) -> list[Segment]:
    """``seg`` split at the offsets in ``cuts`` that fall inside it (each piece a segment)."""
    first = bisect_right(cuts, seg.start)
    if first == len(cuts) or cuts[first] >= seg.end:
        return [seg]
    inside = cuts[first : bisect_left(cuts, seg.end)]
    edges = [seg.start, *inside, seg.end]
    return [
        seg._replace(start=a, end=b, text=seg.text[a - seg.start : b - seg.start])
        for a, b in zip(edges, edges[1:], strict=False)
    ]


def _segment(seg: Segment, titles: dict[str, str], names: dict[str, str], tags) -> str:
    """One ``.seg``; a stance's first one is preceded by its label tag (``_tags``)."""
    stances, mention = seg.stances, seg.mention
    if not stances and not mention:
        return f'<span class="seg" data-start="{seg.start}">{escape(seg.text)}</span>'
    if stances:
        refs = [m.ref for m in stances]
        shown = ", ".join(dict.fromkeys([titles.get(ref, "") for ref in refs]))
        attrs = (
            f'class="seg hl lbl-{stances[0].css} depth-{min(len(stances), 3)}'
            f'{" mention" if mention else ""}" data-start="{seg.start}" '
            f'data-stances="{" ".join(refs)}" title="{shown}"'
        )
    else:
        attrs = f'class="seg mention" data-start="{seg.start}"'
    if mention:
        name = names.get(mention.ref, mention.ref)
        attrs += f' data-actor="{escape(mention.ref)}" data-actor-name="{escape(name)}"'
        if not stances:
            attrs += f' title="{escape(f"Mention of {name} (click to set as target)")}"'
    if stances:
        return f"{tags.get(seg.start, '')}<mark {attrs}>{escape(seg.text)}</mark>"
    return f"<span {attrs}>{escape(seg.text)}</span>"


def stance_title(row) -> str:
    """A short tooltip for a highlight: label and target (the side list has the rest)."""
    return f"{row.label_name} → {row.target_name}" if row.target_name else row.label_name


def stance_items(rows, stances_url: str, csrf: str, editable: bool = True) -> Markup:
    """The items of "My stances" in order, as one string (see ``statement_text``).

    A statement that is not ``editable`` (marked done or skipped) shows no Edit or Delete:
    a control that cannot act is not offered.
    """
    return Markup(
        "".join(_live(row, f"{stances_url}/{row.id}", csrf, editable=editable) for row in rows)
    )


def stance_item(row, stances_url: str, csrf: str, oob: bool = False) -> Markup:
    """One item of "My stances" (``oob``: replacing the one on the page)."""
    return Markup(_live(row, f"{stances_url}/{row.id}", csrf, oob))


def deleted_item(stance, stances_url: str, csrf: str) -> Markup:
    """The item of a stance just deleted, replacing it on the page, with its undo button."""
    url = f"{stances_url}/{stance.id}/restore"
    what = f"<q>{escape(truncate(stance.text, 60))}</q>"
    undo = f' hx-post="{url}" hx-target="#stance-form-slot"'
    item = deleted_list_item(f"stance-{stance.id}", "stance", what, url, csrf, stance.version, undo)
    return Markup(item)


def _live(row, url: str, csrf: str, oob: bool = False, editable: bool = True) -> str:
    """Label chip, covered text, actors, note, edit and delete.

    Plain links and forms: the list's hx-boost upgrades them, so each item stays small.
    """
    key = escape(row.label_key)
    parts = [
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
    if editable:
        parts.append(_actions(row, url, csrf))
    span = f' data-start="{row.start}" data-end="{row.end}"'
    return list_item(f"stance-{row.id}", f"stance lbl-{key}", span, "".join(parts), oob)


def _actions(row, url: str, csrf: str) -> str:
    """Edit, Delete and Link to… of a list item (plain links and form; hx-boost upgrades them)."""
    return "".join(
        [
            f'<span class="actions"><a href="{url}/edit">Edit<span class="sr-only"> stance “',
            f"{escape(truncate(row.text, 30))}”</span></a>",
            f'<form method="post" class="inline" action="{url}/delete">',
            version_inputs(csrf, row.version),
            '<button type="submit" class="link">Delete',
            '<span class="sr-only"> stance</span></button>',
            f'</form><a class="link-to" href="{_link_url(url, row.id)}" hx-boost="false" ',
            f'data-link-from="{row.id}">Link to…</a></span>',
        ]
    )


def _link_url(url: str, stance_id: int) -> str:
    """The "Link to…" page of a stance (views/relations.py), beside its stance URL."""
    return f"{url.rsplit('/stances/', 1)[0]}/relations/new?from={stance_id}"


def list_item(item_id: str, classes: str, attrs: str, inner: str, oob: bool) -> str:
    """The ``li`` every item of the stance and relation lists is, live or deleted."""
    swap = ' hx-swap-oob="true"' if oob else ""
    return f'<li id="{item_id}" class="{classes}"{attrs}{swap}>{inner}</li>'


def deleted_list_item(
    item_id: str, kind: str, what: str, url: str, csrf: str, version: int, undo_attrs: str = ""
) -> str:
    """A list item just deleted, replacing the live one: what it was (HTML, escaped by the
    caller) and an Undo form posting ``version`` to ``url`` (``undo_attrs``: its htmx)."""
    inner = (
        f"<span>Deleted {what}.</span>"
        f'<form method="post" class="inline" action="{url}"{undo_attrs}>'
        f'{version_inputs(csrf, version)}<button type="submit" class="undo">Undo</button></form>'
    )
    return list_item(item_id, f"{kind} deleted", "", inner, oob=True)


def version_inputs(csrf: str, version: int) -> str:
    """The hidden CSRF token and version of a list item's forms (delete, undo)."""
    return (
        f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">'
        f'<input type="hidden" name="version" value="{version}">'
    )


def truncate(text: str, length: int, end: str = "...", leeway: int = 5) -> str:
    """Jinja's ``truncate`` filter (whole words, 5 characters of leeway), for Python-built HTML."""
    if len(text) <= length + leeway:
        return text
    return text[: length - len(end)].rsplit(" ", 1)[0] + end
