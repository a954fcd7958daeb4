"""Guidelines Markdown rendered safely: raw HTML is escaped, links limited to safe schemes."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_SAFE_SCHEMES = ("http:", "https:", "mailto:", "#", "/")


def _validate_link(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_SCHEMES)


_MD.validateLink = _validate_link


def render_markdown(text: str) -> Markup:
    """HTML for trusted display: no raw HTML passes, no javascript: links."""
    return Markup(_MD.render(text or ""))


def render_inline(text: str) -> Markup:
    """One line of Markdown (code spans, emphasis, links) without a paragraph around it."""
    return Markup(_MD.renderInline(text or ""))
