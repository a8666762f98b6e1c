"""The SMTP channel against a real aiosmtpd server on loopback: multipart ja/en mail,
List-Unsubscribe one-click headers, stable Message-IDs, DKIM, tracking, reply classification."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import dkim  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st

from kizuna.messaging.channels.base import (
    BACKOFF_SECONDS,
    MAX_RETRY_AFTER,
    Delivered,
    Failed,
    OutgoingMessage,
    Retryable,
    backoff_seconds,
    classify_http,
    parse_retry_after,
)
from kizuna.messaging.channels.smtp import (
    DkimKey,
    LinkSettings,
    SmtpChannel,
    SmtpTarget,
    message_id_for,
)
from kizuna.messaging.channels.unsubscribe import read_unsubscribe_token
from tests.conftest import free_port
from tests.integration.messaging.channel_servers import smtp_server

SECRET = "test-secret-for-links-0123456789"
LINKS = LinkSettings(base_url="https://shop.example", secret=SECRET,
                     unsubscribe_mailto="unsubscribe@shop.example")
JA = OutgoingMessage(
    workspace_id=1, customer_id=42, to="hana@example.com", locale="ja",
    subject="花子様、秋の新作のご案内", text="花子様\n新作が入荷しました。",
    html='<html><body><p>花子様</p><a href="https://shop.example/new?a=1&amp;b=2">新作</a>'
         "</body></html>",
    from_address="茶屋 <shop@example.com>")
EN = OutgoingMessage(
    workspace_id=1, customer_id=42, to="hana@example.com", locale="en",
    subject="New arrivals", text="Hi Hana", html="<p>Hi <a href='https://shop.example/x'>x</a></p>")


def _channel(port: int, **kwargs: object) -> SmtpChannel:
    return SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, timeout=5),
                       sender="bounce@shop.example", links=LINKS, **kwargs)  # type: ignore[arg-type]


def _parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())  # type: ignore[attr-defined]


def test_ja_and_en_mail_arrive_multipart_with_one_click_headers() -> None:
    with smtp_server() as (port, box):
        channel = _channel(port)
        outcome_ja = channel.send(JA, idempotency_key="delivery-1")
        outcome_en = channel.send(EN, idempotency_key="delivery-2")
    assert isinstance(outcome_ja, Delivered) and isinstance(outcome_en, Delivered)
    (sender, rcpts, raw_ja), (_, _, raw_en) = box.received
    assert sender == "bounce@shop.example" and rcpts == ["hana@example.com"]
    ja = _parse(raw_ja)
    assert ja.get_content_type() == "multipart/alternative"
    assert ja["Subject"] == JA.subject and b"=?utf-8?" in raw_ja.lower()
    assert ja["Content-Language"] == "ja" and _parse(raw_en)["Content-Language"] == "en"
    text, html = _parts(ja)
    assert "新作が入荷しました" in text and "花子様" in html
    assert ja["Message-ID"] == outcome_ja.provider_message_id == message_id_for(
        "delivery-1", "shop.example")
    unsubscribe = str(ja["List-Unsubscribe"])
    https, mailto = re.findall(r"<([^>]+)>", unsubscribe)
    assert https.startswith("https://shop.example/p/u/")
    assert mailto.startswith("mailto:unsubscribe@shop.example?subject=")
    assert ja["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert b"\r\nList-Unsubscribe: <https://shop.example/p/u/" in raw_ja  # not RFC 2047
    scope = read_unsubscribe_token(SECRET, https.rsplit("/", 1)[1])
    assert (scope.workspace_id, scope.customer_id, scope.channel, scope.purpose) == (
        1, 42, "email", "marketing")
    assert "Hi Hana" in _parts(_parse(raw_en))[0]


def test_a_resend_has_the_same_message_id_and_another_delivery_does_not() -> None:
    with smtp_server() as (port, box):
        channel = _channel(port)
        first = channel.send(EN, idempotency_key="k-1")
        again = channel.send(EN, idempotency_key="k-1")
        other = channel.send(EN, idempotency_key="k-2")
    ids = [_parse(raw)["Message-ID"] for _, _, raw in box.received]
    assert ids[0] == ids[1] != ids[2]
    assert isinstance(first, Delivered) and isinstance(other, Delivered)
    assert first == again and first.provider_message_id != other.provider_message_id


def test_tracking_rewrites_links_and_adds_a_pixel_unless_turned_off() -> None:
    with smtp_server() as (port, box):
        channel = _channel(port)
        channel.send(JA, idempotency_key="t-1")
        channel.send(OutgoingMessage(**{**_fields(JA), "track_opens": False,
                                        "track_clicks": False}), idempotency_key="t-2")
        channel.send(OutgoingMessage(**{**_fields(JA), "customer_id": None}),
                     idempotency_key="t-3")
    tracked, untracked, anonymous = (_parts(_parse(raw))[1] for _, _, raw in box.received)
    assert "https://shop.example/p/c/" in tracked and "https://shop.example/p/o/" in tracked
    assert "shop.example/new?a=1" not in tracked
    assert "/p/c/" not in untracked and "/p/o/" not in untracked
    assert "https://shop.example/new?a=1&amp;b=2" in untracked
    assert "/p/" not in anonymous
    assert _parse(box.received[2][2])["List-Unsubscribe"] is None


def _fields(message: OutgoingMessage) -> dict[str, object]:
    return {name: getattr(message, name) for name in message.__dataclass_fields__}


def test_header_injection_in_the_subject_is_neutralised() -> None:
    hostile = OutgoingMessage(**{**_fields(EN), "subject": "Hi\r\nBcc: evil@example.com"})
    with smtp_server() as (port, box):
        assert isinstance(_channel(port).send(hostile, idempotency_key="h"), Delivered)
    got = _parse(box.received[0][2])
    assert got["Bcc"] is None and "\n" not in str(got["Subject"])


def _rsa_pem() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    import base64

    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


def test_dkim_signature_covers_the_unsubscribe_headers_and_verifies() -> None:
    private, record = _rsa_pem()

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"mail2026._domainkey.shop.example."
        return record

    key = DkimKey(domain="shop.example", selector="mail2026", private_key=private)
    with smtp_server() as (port, box):
        assert isinstance(_channel(port, dkim_key=key).send(JA, idempotency_key="d-1"),
                          Delivered)
    raw = box.received[0][2]
    assert raw.startswith(b"DKIM-Signature:")
    signed = _parse(raw)["DKIM-Signature"].replace(" ", "").replace("\t", "")
    tags = dict(part.split("=", 1) for part in signed.split(";") if "=" in part)
    covered = set(tags["h"].lower().split(":"))
    assert {"from", "to", "subject", "date", "message-id", "list-unsubscribe",
            "list-unsubscribe-post"} <= covered
    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(b"<https://shop.example/p/u/", b"<https://evil.example/p/u/", 1)
    assert tampered != raw and not dkim.verify(tampered, dnsfunc=dns)


@pytest.mark.parametrize(("where", "reply", "kind"), [
    ("rcpt", "450 4.2.1 Mailbox busy, try later", Retryable),
    ("rcpt", "550 5.1.1 No such user", Failed),
    ("data", "451 4.3.0 Temporary local problem", Retryable),
    ("data", "554 5.7.1 Message rejected as spam", Failed),
])
def test_smtp_4xx_is_retryable_and_5xx_is_permanent(where: str, reply: str,
                                                   kind: type) -> None:
    with smtp_server() as (port, box):
        if where == "rcpt":
            box.rcpt_reply = reply
        else:
            box.data_reply = reply
        outcome = _channel(port).send(OutgoingMessage(**{**_fields(EN), "attempt": 2}),
                                      idempotency_key="c")
    assert isinstance(outcome, kind)
    assert reply.split(" ", 1)[0] in outcome.reason
    if isinstance(outcome, Retryable):
        assert outcome.retry_after == backoff_seconds(2)
    assert box.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_with_the_right_and_the_wrong_password() -> None:
    with smtp_server(login=("shop", "s3cret")) as (port, box):
        good = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, username="shop",
                                      password="s3cret"), sender="b@shop.example")
        bad = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port, username="shop",
                                     password="wrong"), sender="b@shop.example")
        anonymous = SmtpChannel(SmtpTarget(host="127.0.0.1", port=port),
                                sender="b@shop.example")
        assert isinstance(good.send(EN, idempotency_key="a1"), Delivered)
        refused = bad.send(EN, idempotency_key="a2")
        no_login = anonymous.send(EN, idempotency_key="a3")
    assert isinstance(refused, Failed) and refused.reason.startswith("SMTP 535")
    assert isinstance(no_login, Failed) and no_login.reason.startswith("SMTP 530")
    assert len(box.received) == 1


def test_connection_refused_is_retryable() -> None:
    outcome = _channel(free_port()).send(EN, idempotency_key="r")
    assert isinstance(outcome, Retryable) and outcome.retry_after == BACKOFF_SECONDS[0]
    assert "127.0.0.1" in outcome.reason


@given(st.integers(min_value=-3, max_value=50))
def test_backoff_grows_and_stays_bounded(attempt: int) -> None:
    assert backoff_seconds(attempt) <= backoff_seconds(attempt + 1) <= BACKOFF_SECONDS[-1]
    assert backoff_seconds(attempt) >= BACKOFF_SECONDS[0]


@given(st.integers(min_value=1, max_value=10), st.integers(min_value=0, max_value=10**7),
       st.sampled_from([429, 500, 502, 503, 504, 408]))
def test_retry_after_is_the_longer_of_backoff_and_server_wish(
        attempt: int, seconds: int, status: int) -> None:
    outcome = classify_http(status, attempt, str(seconds))
    assert isinstance(outcome, Retryable)
    assert outcome.retry_after == max(backoff_seconds(attempt), min(seconds, MAX_RETRY_AFTER))


@given(st.integers(min_value=400, max_value=499).filter(lambda s: s not in (408, 425, 429)))
def test_other_4xx_fail_permanently(status: int) -> None:
    assert isinstance(classify_http(status, 1, "5"), Failed)


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, now) == 90
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None
