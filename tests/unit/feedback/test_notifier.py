"""The notifier against real loopback servers: signatures, SSRF refusals, redirects, SMTP."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.errors import ConfigurationInvalid
from kizuna.feedback import notifier
from tests.unit.feedback.servers import smtp_server, webhook_server

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
LOOPBACK = frozenset({"127.0.0.1"})


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return headers["webhook-signature"] == f"v1,{expected}"


def test_signed_post_reaches_an_allow_listed_loopback_server() -> None:
    with webhook_server(200) as hook:
        outcome = notifier.post_webhook(hook.url, b'{"a":1}', message_id="msg_1",
                                        timestamp=1_700_000_000, secret=SECRET, allowed=LOOPBACK)
    assert outcome.ok, outcome.error
    [(path, headers, body)] = hook.requests
    assert path == "/hooks/kizuna?x=1" and body == b'{"a":1}'
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1700000000"
    assert _verify(SECRET, headers, body)
    assert not _verify(SECRET, headers, b'{"a":2}')


def test_private_addresses_are_refused_unless_allow_listed() -> None:
    with webhook_server(200) as hook:
        outcome = notifier.post_webhook(hook.url, b"{}", message_id="m", timestamp=1,
                                        secret=None, allowed=frozenset())
        assert not outcome.ok and "loopback" in (outcome.error or "")
        assert hook.requests == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [("10.1.2.3", "private"), ("192.168.0.10", "private"), ("169.254.169.254", "metadata"),
     ("169.254.10.1", "link-local"), ("224.0.0.1", "multicast"), ("::1", "loopback"),
     ("::ffff:127.0.0.1", "loopback"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified")],
)
def test_every_kind_of_internal_address_is_refused(address: str, reason: str) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", address]  # one public, one internal: refused

    with pytest.raises(ValueError, match=reason):
        notifier.check_webhook_url("https://hooks.example.com/x", frozenset(), resolver)


def test_public_addresses_pass_and_bad_urls_fail() -> None:
    def public(host: str, port: int) -> list[str]:
        return ["93.184.216.34"]

    assert notifier.check_webhook_url("https://hooks.example.com/x", frozenset(), public) == (
        "hooks.example.com", 443, "93.184.216.34")
    for bad in ["ftp://example.com/", "http:///nohost", "http://u:p@example.com/", "javascript:1"]:
        with pytest.raises(ValueError):
            notifier.check_webhook_url(bad, frozenset(), public)


def test_redirects_are_not_followed_and_errors_are_kept() -> None:
    with webhook_server(302) as hook:
        outcome = notifier.post_webhook(hook.url, b"{}", message_id="m", timestamp=1,
                                        secret=None, allowed=LOOPBACK)
    assert not outcome.ok and outcome.error == "HTTP 302 (redirects are not followed)"
    assert len(hook.requests) == 1
    closed = f"http://127.0.0.1:{notifier_free_port()}/x"
    outcome = notifier.post_webhook(closed, b"{}", message_id="m", timestamp=1, secret=None,
                                    allowed=LOOPBACK)
    assert not outcome.ok and (outcome.error or "").startswith("HTTP ConnectError")


def notifier_free_port() -> int:
    from tests.conftest import free_port

    return free_port()


def test_smtp_url_parsing() -> None:
    t = notifier.parse_smtp_url("smtp://al%40ice:p%3Ass@mail.example.com:587?starttls=1")
    assert (t.host, t.port, t.username, t.password, t.starttls, t.tls) == (
        "mail.example.com", 587, "al@ice", "p:ss", True, False)
    t = notifier.parse_smtp_url("smtps://mail.example.com")
    assert (t.port, t.tls, t.starttls, t.username) == (465, True, False, None)
    for bad in ["http://mail.example.com", "smtp://", "smtp://host:notaport"]:
        with pytest.raises(ConfigurationInvalid):
            notifier.parse_smtp_url(bad)


@given(st.text(max_size=300))
def test_header_values_never_carry_line_breaks(value: str) -> None:
    safe = notifier.header_safe(value)
    assert "\r" not in safe and "\n" not in safe and len(safe) <= 200


def test_email_goes_through_a_real_smtp_server() -> None:
    msg = notifier.build_email(sender="kizuna@example.com", recipients=["a@example.com"],
                               subject="Hello\r\nBcc: evil@example.com", text_body="hi",
                               html_body="<p>hi</p>")
    with smtp_server() as (port, inbox):
        target = notifier.parse_smtp_url(f"smtp://127.0.0.1:{port}")
        assert notifier.send_email(target, msg, ["a@example.com"]).ok
    [(sender, rcpts, got)] = inbox.messages
    assert sender == "kizuna@example.com" and rcpts == ["a@example.com"]
    assert got["Subject"] == "Hello  Bcc: evil@example.com" and got["Bcc"] is None
    failed = notifier.send_email(notifier.parse_smtp_url(f"smtp://127.0.0.1:{port}"), msg,
                                 ["a@example.com"])
    assert not failed.ok and "SMTP 127.0.0.1" in (failed.error or "")
