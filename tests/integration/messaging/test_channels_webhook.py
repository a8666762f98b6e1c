"""The webhook channel against a real loopback HTTP server: Standard Webhooks signatures,
Retry-After, classification of answers, and the SSRF guard with simulated DNS answers."""

from __future__ import annotations

import base64

import orjson
import pytest

from kizuna.messaging import api as messaging
from kizuna.messaging.channels.base import backoff_seconds
from kizuna.messaging.channels.webhook import WebhookChannel, verify
from tests.conftest import free_port
from tests.integration.messaging.channel_servers import http_server

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()
NOW = 1_800_000_000.0


def _channel(allowed: frozenset[str] = frozenset({"127.0.0.1"}),
             resolver: messaging.Resolver = messaging.system_resolver) -> WebhookChannel:
    return WebhookChannel(secret=SECRET, allowed=allowed, resolver=resolver, clock=lambda: NOW)


def _message(url: str, attempt: int = 1) -> messaging.OutgoingMessage:
    return messaging.OutgoingMessage(workspace_id=1, customer_id=7, to=url, attempt=attempt,
                                     payload={"text": "ご注文ありがとうございます", "n": 1})


def test_signed_post_to_an_allow_listed_server_is_delivered() -> None:
    with http_server((200, {})) as ep:
        url = f"http://127.0.0.1:{ep.port}/hooks/line?x=1"
        outcome = _channel().send(_message(url), idempotency_key="dlv_1")
        again = _channel().send(_message(url), idempotency_key="dlv_1")
    assert outcome == again == messaging.Delivered("dlv_1")
    (path, headers, body), (_, headers2, _) = ep.requests
    assert path == "/hooks/line?x=1"
    assert orjson.loads(body) == {"text": "ご注文ありがとうございます", "n": 1}
    assert headers["webhook-id"] == headers2["webhook-id"] == "dlv_1"
    assert headers["webhook-timestamp"] == str(int(NOW))
    assert verify(SECRET, headers, body, now=NOW)
    assert messaging.verify_webhook(SECRET, headers, body, now=NOW + 60)
    assert not verify(SECRET, headers, body + b" ", now=NOW)
    assert not verify(SECRET, headers, body, now=NOW + 3600)  # replayed too late
    assert not verify("whsec_" + base64.b64encode(b"x" * 32).decode(), headers, body, now=NOW)


@pytest.mark.parametrize(("status", "headers", "wait"), [
    (503, {"retry-after": "3600"}, 3600.0),
    (429, {"retry-after": "1"}, backoff_seconds(3)),  # the backoff is longer
    (500, {}, backoff_seconds(3)),
    (429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, backoff_seconds(3)),  # past date
])
def test_5xx_and_429_are_retryable_with_retry_after(status: int, headers: dict[str, str],
                                                   wait: float) -> None:
    with http_server((status, headers)) as ep:
        outcome = _channel().send(_message(f"http://127.0.0.1:{ep.port}/", attempt=3),
                                  idempotency_key="r")
    assert outcome == messaging.Retryable(f"HTTP {status}", wait)


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_4xx_fails_permanently(status: int) -> None:
    with http_server((status, {})) as ep:
        outcome = _channel().send(_message(f"http://127.0.0.1:{ep.port}/"), idempotency_key="f")
    assert outcome == messaging.Failed(f"HTTP {status}")


def test_redirects_are_refused_not_followed() -> None:
    with http_server((302, {"location": "http://169.254.169.254/latest/meta-data/"}),
                     (200, {})) as ep:
        outcome = _channel().send(_message(f"http://127.0.0.1:{ep.port}/"), idempotency_key="x")
    assert isinstance(outcome, messaging.Failed) and "redirects are not followed" in outcome.reason
    assert len(ep.requests) == 1


def test_connection_refused_is_retryable() -> None:
    outcome = _channel().send(_message(f"http://127.0.0.1:{free_port()}/"), idempotency_key="c")
    assert isinstance(outcome, messaging.Retryable) and outcome.retry_after == backoff_seconds(1)


def test_loopback_is_refused_unless_allow_listed() -> None:
    with http_server((200, {})) as ep:
        outcome = _channel(allowed=frozenset()).send(
            _message(f"http://127.0.0.1:{ep.port}/"), idempotency_key="s")
    assert isinstance(outcome, messaging.Failed) and "loopback" in outcome.reason
    assert "KIZUNA_WEBHOOK_ALLOWED_HOSTS" in outcome.reason and ep.requests == []


@pytest.mark.parametrize(("answers", "reason"), [
    (["169.254.169.254"], "metadata"), (["100.100.100.200"], "metadata"),
    (["fd00:ec2::254"], "metadata"), (["10.0.0.5"], "private"), (["172.16.3.4"], "private"),
    (["192.168.1.20"], "private"), (["127.0.0.53"], "loopback"), (["::1"], "loopback"),
    (["::ffff:10.1.1.1"], "private"), (["fe80::1"], "link-local"), (["169.254.1.1"], "link-local"),
    (["93.184.216.34", "10.9.9.9"], "private"),  # one bad answer is enough
])
def test_internal_dns_answers_are_refused(answers: list[str], reason: str) -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return answers

    outcome = _channel(allowed=frozenset(), resolver=resolver).send(
        _message("https://hooks.example.com/slack"), idempotency_key="d")
    assert isinstance(outcome, messaging.Failed) and reason in outcome.reason
    assert asked == [("hooks.example.com", 443)]


def test_the_checked_address_is_the_one_called() -> None:
    """DNS is asked once; an allow-listed name goes to the address that was checked."""
    calls: list[str] = []
    with http_server((200, {})) as ep:
        def resolver(host: str, port: int) -> list[str]:
            calls.append(host)
            return ["127.0.0.1"]

        outcome = _channel(allowed=frozenset({"bridge.internal"}), resolver=resolver).send(
            _message(f"http://bridge.internal:{ep.port}/in"), idempotency_key="p")
    assert isinstance(outcome, messaging.Delivered) and calls == ["bridge.internal"]
    assert ep.requests[0][1]["host"] == f"bridge.internal:{ep.port}"


@pytest.mark.parametrize("url", ["ftp://example.com/", "http://u:p@example.com/",
                                 "javascript:alert(1)", "http:///nohost"])
def test_bad_urls_fail(url: str) -> None:
    outcome = _channel(resolver=lambda h, p: ["93.184.216.34"]).send(_message(url),
                                                                      idempotency_key="b")
    assert isinstance(outcome, messaging.Failed) and outcome.reason.startswith("refused")
