"""Property: any text a customer supplies renders escaped and never breaks the HTML."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.messaging.errors import HeaderUnsafe

from .helpers import one, render

TEMPLATE = one('<div class="card"><p title="{{ customer.traits.bio }}">'
               '{{ customer.first_name }}</p><ul>{% for t in customer.traits.tags %}'
               '<li>{{ t }}</li>{% endfor %}</ul></div>',
               subject="{{ customer.first_name }}", text="{{ customer.first_name }}")


class _Structure(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, object]] = []
        self.texts: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag))
        self.attrs.extend(attrs)

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def handle_comment(self, data: str) -> None:
        self.events.append(("comment", data))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl))

    def handle_pi(self, data: str) -> None:
        self.events.append(("pi", data))


def _parse(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    parser.close()
    return parser


text_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60) | \
    st.sampled_from(["<", ">", "&", '"', "'", "</p>", "<!--", "-->", "<script>", "]]>",
                     "&amp;", "&#x3c;", "{{ 7*7 }}", "{% raw %}", "<![CDATA["])


@settings(max_examples=300, deadline=None)
@given(name=text_values, bio=text_values, tags=st.lists(text_values, max_size=3))
def test_trait_values_render_escaped(name: str, bio: str, tags: list[str]) -> None:
    context = {"customer": {"first_name": name, "traits": {"bio": bio, "tags": tags}}}
    try:
        message = render(TEMPLATE, context)
    except HeaderUnsafe:  # control characters in the subject: refused, never stripped
        assert any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in name)
        return
    parsed = _parse(message.html)
    expected = [("start", "div"), ("start", "p"), ("end", "p"), ("start", "ul")]
    expected += [e for _ in tags for e in (("start", "li"), ("end", "li"))]
    expected += [("end", "ul"), ("end", "div")]
    assert parsed.events == expected
    assert parsed.attrs == [("class", "card"), ("title", bio)]
    assert "".join(parsed.texts) == name + "".join(tags)
    assert message.text == name  # text parts are not HTML-escaped
