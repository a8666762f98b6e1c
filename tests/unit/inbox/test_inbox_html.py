"""The in-app HTML sanitiser, links, origins and user hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.errors import Invalid
from kizuna.messaging.channels.base import OutgoingMessage
from kizuna.messaging.channels.in_app import link_of
from kizuna.messaging.inbox import inbox_secret, normalise_origin, user_hash
from kizuna.messaging.inbox_html import ALLOWED_TAGS, safe_link, sanitise_html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize(("raw", "clean"), [
    ("<p onclick='x()'>Hi <b>there</b></p>", "<p>Hi <b>there</b></p>"),
    ("<script>alert(1)</script>ok", "ok"),
    ("<a href='javascript:alert(1)'>x</a>", "<a>x</a>"),
    ("<a href='https://s.example/?a=1&amp;b=2'>x</a>",
     '<a href="https://s.example/?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">x</a>'),
    ("<img src=x onerror=alert(1)>text", "text"),
    ("<p>unclosed <i>tags", "<p>unclosed <i>tags</i></p>"),
    ("1 < 2 & 3 > 2", "1 &lt; 2 &amp; 3 &gt; 2"),
    ("<style>p{}</style><svg><script>x</script></svg>after", "after"),
])
def test_sanitise_examples(raw: str, clean: str) -> None:
    assert sanitise_html(raw) == clean


_TAG = st.sampled_from(["p", "b", "a", "script", "img", "style", "div", "iframe", "svg", "li"])
_ATTR = st.sampled_from(["href", "onclick", "src", "style", "onerror", "class"])
_FRAGMENT = st.one_of(
    st.text(max_size=20),
    st.builds(lambda t, a, v: f"<{t} {a}=\"{v}\">", _TAG, _ATTR,
              st.sampled_from(["javascript:x", "https://ok.example/", "x\" onclick=\"y"])),
    st.builds(lambda t: f"</{t}>", _TAG))


@given(st.lists(_FRAGMENT, max_size=12).map("".join))
def test_sanitised_html_only_has_allowed_tags_and_safe_attributes(raw: str) -> None:
    out = sanitise_html(raw)
    for tag, attrs in _tags(out):
        assert tag in ALLOWED_TAGS
        for name, value in attrs:
            assert name in {"href", "rel", "target"}
            if name == "href":
                assert value is not None and value.startswith("https://")
    assert not re.search(r"<\s*script", out, re.IGNORECASE)
    assert sanitise_html(out) == out  # stable


@pytest.mark.parametrize(("url", "ok"), [
    ("https://shop.example/x?y=1", True), ("http://shop.example", False),
    ("javascript:alert(1)", False), ("https://a.example/\" onmouseover=x", False),
    ("", False), ("HTTPS://A.EXAMPLE", True)])
def test_safe_link(url: str, ok: bool) -> None:
    assert (safe_link(url) != "") is ok


def _message(html: str, link: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(workspace_id=1, to="customer:1", customer_id=1, html=html,
                           payload={"link": link} if link else {})


def test_link_of_prefers_payload_then_first_https_link() -> None:
    html = '<a href="http://x">a</a> <a href="https://b.example/?q=1&amp;r=2">b</a>'
    assert link_of(_message(html)) == "https://b.example/?q=1&r=2"
    assert link_of(_message(html, "https://c.example")) == "https://c.example"
    assert link_of(_message("<a href='javascript:x'>x</a>")) == ""


@pytest.mark.parametrize(("raw", "origin"), [
    ("https://Shop.Example/", "https://shop.example"),
    ("https://a.example:8443", "https://a.example:8443"),
    ("http://localhost:3000", "http://localhost:3000"),
    ("http://127.0.0.1:5000", "http://127.0.0.1:5000")])
def test_origins(raw: str, origin: str) -> None:
    assert normalise_origin(raw) == origin


@pytest.mark.parametrize("raw", ["http://shop.example", "shop.example", "https://a.example/path",
                                 "https://u:p@a.example", "ftp://a.example", "https://"])
def test_bad_origins(raw: str) -> None:
    with pytest.raises(Invalid):
        normalise_origin(raw)


@given(st.text(min_size=1, max_size=50), st.integers(1, 10**6), st.integers(1, 5))
def test_user_hash_is_hmac_of_the_derived_secret(user_id: str, workspace_id: int,
                                                 version: int) -> None:
    secret = inbox_secret("server-secret", workspace_id, version)
    assert secret.startswith("inbox_") and secret != inbox_secret("server-secret",
                                                                  workspace_id, version + 1)
    assert user_hash(secret, user_id) == hmac.new(secret.encode(), user_id.encode(),
                                                  hashlib.sha256).hexdigest()
