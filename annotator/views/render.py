"""HTML for the statement text, built in Python: exact whitespace matters under pre-wrap.

Each segment is one element with one text node and its absolute code-point start in
``data-start``; the page's script relies on that to turn a selection into offsets.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from ..layout import Paragraph, Segment


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
    classes, attrs = ["seg"], [f'data-start="{seg.start}"']
    stances = seg.stances
    if stances:
        classes += ["hl", f"lbl-{stances[0].css}", f"depth-{min(len(stances), 3)}"]
        ids = " ".join(m.ref for m in stances)
        attrs.append(f'data-stances="{ids}"')
        names = dict.fromkeys(titles.get(m.ref, "") for m in stances)
        attrs.append(f'title="{escape(", ".join(names))}"')
    mention = seg.mention
    if mention:
        classes.append("mention")
        name = names.get(mention.ref, mention.ref)
        attrs.append(f'data-actor="{escape(mention.ref)}" data-actor-name="{escape(name)}"')
        if not stances:
            attrs.append(f'title="{escape(f"Mention of {name} (click to set as target)")}"')
    tag = "mark" if stances else "span"
    return f'<{tag} class="{" ".join(classes)}" {" ".join(attrs)}>{escape(seg.text)}</{tag}>'


def stance_title(stance) -> str:
    """A short tooltip for a highlight: label and target (the side list has the rest)."""
    return f"{stance.label.name} → {stance.target.name}" if stance.target else stance.label.name
