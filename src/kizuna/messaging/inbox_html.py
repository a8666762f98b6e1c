"""A small allow-list HTML sanitiser for in-app message bodies (stdlib ``html.parser``).

The rendered template output is already sandboxed; this keeps only harmless formatting tags
and ``https:`` links, drops scripts, styles, event handlers and every other attribute.
"""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a",
                          "span", "div", "h1", "h2", "h3", "h4", "blockquote"})
VOID_TAGS = frozenset({"br"})
DROP_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template",
                          "noscript", "svg", "math", "head", "title"})


def safe_link(url: str | None) -> str:
    """``url`` if it is an absolute ``https://`` URL without spaces or controls, else ""."""
    value = (url or "").strip()
    if not value.lower().startswith("https://") or len(value) > 2000:
        return ""
    if any(c.isspace() or ord(c) < 32 or c in "<>\"'`" for c in value):
        return ""
    return value


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        if tag == "a":
            href = safe_link(dict(attrs).get("href"))
            self.out.append(f'<a href="{escape(href)}" rel="noopener noreferrer" '
                            'target="_blank">' if href else "<a>")
        else:
            self.out.append(f"<{tag}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))


def sanitise_html(html: str) -> str:
    """Only allow-listed tags, no attributes except a safe ``href``; text escaped."""
    parser = _Sanitiser()
    parser.feed(html or "")
    parser.close()
    parser.out.extend(f"</{tag}>" for tag in reversed(parser.open))
    return "".join(parser.out)
