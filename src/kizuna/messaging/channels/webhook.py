"""Signed webhooks (Standard Webhooks) with an SSRF guard, as a delivery channel.

- Signing: headers ``webhook-id`` (the idempotency key, the same on every retry),
  ``webhook-timestamp`` (Unix seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256(key,
  "id.timestamp.body")>``; secrets ``whsec_<base64>`` are decoded, other strings used as bytes.
- SSRF: the host is resolved and every address checked; private, loopback, link-local,
  multicast, reserved, unspecified and cloud-metadata addresses are refused unless the host is
  allow-listed (``KIZUNA_WEBHOOK_ALLOWED_HOSTS``). The request goes to the checked address (no
  second lookup, so no DNS rebinding), redirects are never followed (a 3xx is a failure).
- Outcomes: 2xx delivered; 408/425/429/5xx, timeouts and connection errors retryable (with the
  backoff step or the server's ``Retry-After`` if longer); other 4xx and refusals failed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import orjson

from kizuna.messaging.channels.base import (
    Delivered,
    DeliveryOutcome,
    Failed,
    OutgoingMessage,
    classify_http,
    retry,
)
from kizuna.settings import Settings

TIMEOUT_SECONDS = 5.0
METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254", "100.100.100.200"})

Resolver = Callable[[str, int], list[str]]


class AddressRefused(ValueError):
    """The webhook URL is not allowed (scheme, credentials, or a refused address)."""


def signing_key(secret: str) -> bytes:
    """Standard Webhooks secrets are ``whsec_<base64>``; anything else is used as bytes."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_"):], validate=True)
        except ValueError:
            pass
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`` (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, *, now: float,
           tolerance: float = 300.0) -> bool:
    """True if ``headers`` carry a valid signature of ``body`` made within ``tolerance`` s."""
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate)
               for candidate in headers.get("webhook-signature", "").split())


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_refused(address: str) -> str | None:
    """Why an address may not be called by a webhook (None if it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if str(ip) in METADATA_ADDRESSES:
        return "cloud metadata address"
    for flag in ("is_loopback", "is_link_local", "is_multicast", "is_unspecified",
                 "is_reserved", "is_private"):
        if getattr(ip, flag):
            return flag.removeprefix("is_").replace("_", "-") + " address"
    if not ip.is_global:
        return "non-public address"
    return None


def allowed_hosts(raw: str) -> frozenset[str]:
    return frozenset(h.strip().lower().strip("[]") for h in raw.split(",") if h.strip())


def check_webhook_url(
    url: str, allowed: frozenset[str], resolver: Resolver = system_resolver
) -> tuple[str, int, str]:
    """Validate ``url``: (host, port, address to connect to). Raises :class:`AddressRefused`."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("webhook URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise AddressRefused("webhook URL must not carry credentials")
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused("webhook URL has an invalid port") from exc
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise AddressRefused(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise AddressRefused(f"cannot resolve {host}")
    if host not in allowed:
        for address in addresses:
            reason = address_refused(address)
            if reason:
                raise AddressRefused(
                    f"{host} resolves to {address}, a {reason}; add the host to "
                    "KIZUNA_WEBHOOK_ALLOWED_HOSTS if it is meant")
    return host, port, addresses[0]


def post_signed(
    url: str, body: bytes, *, message_id: str, timestamp: int, secret: str | None,
    allowed: frozenset[str], resolver: Resolver = system_resolver, attempt: int = 1,
    user_agent: str = "kizuna", timeout: float = TIMEOUT_SECONDS,
) -> DeliveryOutcome:
    """POST ``body`` (JSON) to ``url``, signed and SSRF-checked; never raises."""
    try:
        host, port, address = check_webhook_url(url, allowed, resolver)
    except AddressRefused as exc:
        return Failed(f"refused: {exc}")
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    pinned = parts._replace(netloc=f"{netloc}:{port}").geturl()
    headers = {
        "content-type": "application/json",
        "user-agent": user_agent,
        "host": parts.netloc.rsplit("@", 1)[-1],
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.post(pinned, content=body, headers=headers,
                                   extensions=extensions)
    except httpx.HTTPError as exc:
        return retry(f"HTTP {type(exc).__name__}: {str(exc)[:300]}", attempt)
    if 200 <= response.status_code < 300:
        return Delivered(response.headers.get("x-message-id") or message_id)
    return classify_http(response.status_code, attempt, response.headers.get("retry-after"))


class WebhookChannel:
    """POSTs ``message.payload`` as JSON to ``message.to`` (chatbots, LINE, Slack, CRMs)."""

    name = "webhook"

    def __init__(self, *, secret: str | None, allowed: frozenset[str] = frozenset(),
                 resolver: Resolver = system_resolver,
                 clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.allowed = allowed
        self.resolver = resolver
        self.clock = clock

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> DeliveryOutcome:
        body = orjson.dumps(dict(message.payload))
        return post_signed(message.to, body, message_id=idempotency_key,
                           timestamp=int(self.clock()), secret=self.secret,
                           allowed=self.allowed, resolver=self.resolver,
                           attempt=message.attempt)


def webhook_channel(settings: Settings, secret: str | None,
                    resolver: Resolver = system_resolver) -> WebhookChannel:
    """A webhook channel signing with ``secret`` and the allow-list from settings."""
    return WebhookChannel(secret=secret, allowed=allowed_hosts(settings.webhook_allowed_hosts),
                          resolver=resolver)
