"""A small, real notifier for closed-loop alerts: email over SMTP, signed webhooks over HTTP.

Failures are data (:class:`SendOutcome`), not exceptions. Webhooks are SSRF-safe: the host is
resolved and private, loopback, link-local, multicast and reserved addresses (including the
cloud metadata address 169.254.169.254) are refused unless the host is allow-listed; the
request goes to the address that was checked (no second lookup), redirects are not
followed, and the timeout is short.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from kizuna.errors import ConfigurationInvalid

TIMEOUT_SECONDS = 5.0
METADATA_ADDRESSES = frozenset({"169.254.169.254", "fd00:ec2::254"})

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    tls: bool


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:pass@host:587?starttls=1``, ``smtps://host:465`` or ``smtp://host:1025``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationInvalid(
            "KIZUNA_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or "
            "smtps://host:465."
        )
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
    tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if tls else 25)
    except ValueError as exc:
        raise ConfigurationInvalid("KIZUNA_SMTP_URL has an invalid port.") from exc
    return SmtpTarget(
        host=parts.hostname, port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        starttls=starttls, tls=tls,
    )


def header_safe(value: str, limit: int = 200) -> str:
    """A header value without CR, LF or other control characters (no header injection)."""
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in value)[:limit].strip()


def build_email(
    *, sender: str, recipients: Sequence[str], subject: str, text_body: str, html_body: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = header_safe(sender)
    msg["To"] = ", ".join(header_safe(r) for r in recipients)
    msg["Subject"] = header_safe(subject)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="kizuna.local")
    msg.set_content(text_body)
    msg.add_alternative(html_body, subtype="html")
    return msg


def send_email(target: SmtpTarget, msg: EmailMessage, recipients: Sequence[str]) -> SendOutcome:
    try:
        client: smtplib.SMTP
        if target.tls:
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=TIMEOUT_SECONDS * 2,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=TIMEOUT_SECONDS * 2)
        with client:
            if target.starttls:
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            refused = client.send_message(msg, to_addrs=list(recipients))
        if refused:
            return SendOutcome(False, f"SMTP refused {', '.join(sorted(refused))}")
        return SendOutcome(True)
    except (OSError, smtplib.SMTPException) as exc:
        return SendOutcome(False, f"SMTP {target.host}:{target.port}: {type(exc).__name__}: "
                                  f"{str(exc)[:300]}")


# --- webhooks ----------------------------------------------------------------------------


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
    """Validate ``url``: (host, port, address to connect to). Raises ValueError if refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("webhook URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise ValueError("webhook URL must not carry credentials")
    host = parts.hostname.lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise ValueError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise ValueError(f"cannot resolve {host}")
    if host not in allowed:
        for address in addresses:
            reason = address_refused(address)
            if reason:
                raise ValueError(f"{host} resolves to {address}, a {reason}; add the host to "
                                 "KIZUNA_WEBHOOK_ALLOWED_HOSTS if it is meant")
    return host, port, addresses[0]


def post_webhook(
    url: str, body: bytes, *, message_id: str, timestamp: int, secret: str | None,
    allowed: frozenset[str], resolver: Resolver = system_resolver,
) -> SendOutcome:
    try:
        host, port, address = check_webhook_url(url, allowed, resolver)
    except ValueError as exc:
        return SendOutcome(False, f"refused: {exc}")
    parts = urlsplit(url)
    netloc = f"[{address}]" if ":" in address else address
    pinned = parts._replace(netloc=f"{netloc}:{port}").geturl()
    headers = {
        "content-type": "application/json",
        "user-agent": "kizuna-alerts",
        "host": parts.netloc.rsplit("@", 1)[-1],
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
    }
    if secret:
        headers["webhook-signature"] = sign(secret, message_id, timestamp, body)
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as c:
            response = c.post(pinned, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return SendOutcome(False, f"HTTP {type(exc).__name__}: {str(exc)[:300]}")
    if 200 <= response.status_code < 300:
        return SendOutcome(True)
    note = " (redirects are not followed)" if response.is_redirect else ""
    return SendOutcome(False, f"HTTP {response.status_code}{note}")
