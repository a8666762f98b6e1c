"""Email over SMTP: multipart text + HTML (UTF-8), List-Unsubscribe one-click, optional DKIM.

- ``Message-ID`` is derived from the idempotency key, so every attempt of one delivery has the
  same id (receivers and the provider can drop duplicates).
- With a customer and link settings, the mail carries ``List-Unsubscribe: <https://…/p/u/T>,
  <mailto:…>`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), and the
  HTML gets click-tracking links and an open pixel unless the message turns them off.
- DKIM (``dkimpy``, rsa-sha256, relaxed/relaxed) signs From, To, Subject, Date, Message-ID,
  MIME-Version, Content-Type, List-Unsubscribe and List-Unsubscribe-Post.
- Reply codes: 4xx and lost connections are retryable, 5xx permanent failures.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import dkim  # type: ignore[import-untyped]

from kizuna.errors import ConfigurationInvalid
from kizuna.messaging.channels import tracking
from kizuna.messaging.channels.base import (
    Delivered,
    DeliveryOutcome,
    Failed,
    OutgoingMessage,
    classify_smtp,
    retry,
)
from kizuna.messaging.channels.unsubscribe import (
    UnsubscribeScope,
    unsubscribe_token,
    unsubscribe_url,
)
from kizuna.settings import Settings

TIMEOUT_SECONDS = 10.0
#: CRLF; long header lines (List-Unsubscribe carries signed URLs) stay whole instead of being
#: folded into RFC 2047 encoded words that mail clients would not read as URLs.
WIRE = policy.SMTP.clone(max_line_length=998)
DKIM_HEADERS: tuple[bytes, ...] = (
    b"from", b"to", b"subject", b"date", b"message-id", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    tls: bool = False
    timeout: float = TIMEOUT_SECONDS


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


@dataclass(frozen=True, slots=True, kw_only=True)
class DkimKey:
    domain: str
    selector: str
    private_key: bytes  # PEM


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSettings:
    """Where unsubscribe and tracking links point, and the secret that signs them."""

    base_url: str
    secret: str
    unsubscribe_mailto: str | None = None


def header_safe(value: str, limit: int = 998) -> str:
    """A header value without CR, LF or other control characters (no header injection)."""
    return "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in value)[:limit].strip()


def message_id_for(idempotency_key: str, domain: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


class SmtpChannel:
    """Email over SMTP (see the module docstring)."""

    name = "email"

    def __init__(self, target: SmtpTarget, *, sender: str, links: LinkSettings | None = None,
                 dkim_key: DkimKey | None = None, message_domain: str | None = None) -> None:
        self.target = target
        self.sender = sender
        self.links = links
        self.dkim_key = dkim_key
        self.message_domain = message_domain or (
            dkim_key.domain if dkim_key else sender.rpartition("@")[2].strip("> ") or "kizuna")

    def build(self, message: OutgoingMessage, *, idempotency_key: str) -> EmailMessage:
        msg = EmailMessage(policy=WIRE)
        msg["From"] = header_safe(message.from_address or self.sender)
        msg["To"] = header_safe(message.to)
        if message.reply_to:
            msg["Reply-To"] = header_safe(message.reply_to)
        msg["Subject"] = header_safe(message.subject)
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = message_id_for(idempotency_key, self.message_domain)
        html = message.html
        links = self.links
        if links is not None and message.customer_id is not None:
            skip: set[str] = set()
            if message.unsubscribe:
                token = unsubscribe_token(links.secret, UnsubscribeScope(
                    workspace_id=message.workspace_id, customer_id=message.customer_id,
                    channel="email", purpose=message.purpose))
                url = unsubscribe_url(links.base_url, token)
                skip.add(url)
                value = f"<{url}>"
                if links.unsubscribe_mailto:
                    value += (f", <mailto:{links.unsubscribe_mailto}?subject="
                              f"{quote('unsubscribe ' + token)}>")
                msg["List-Unsubscribe"] = value
                msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            if html and (message.track_opens or message.track_clicks):
                html = tracking.add_tracking(
                    html, secret=links.secret, base_url=links.base_url,
                    workspace_id=message.workspace_id, customer_id=message.customer_id,
                    message_key=idempotency_key, opens=message.track_opens,
                    clicks=message.track_clicks, skip=frozenset(skip))
        msg.set_content(message.text or " ", charset="utf-8", cte="base64")
        if html:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
        # after the body: set_content drops Content-* headers
        msg["Content-Language"] = "ja" if message.locale == "ja" else "en"
        return msg

    def to_bytes(self, msg: EmailMessage) -> bytes:
        """The wire form (CRLF), with a DKIM-Signature header first when a key is set."""
        raw = msg.as_bytes(policy=WIRE)
        if self.dkim_key is None:
            return raw
        present = {k.lower().encode() for k in msg}
        signature: bytes = dkim.sign(
            raw, self.dkim_key.selector.encode(), self.dkim_key.domain.encode(),
            self.dkim_key.private_key, canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h for h in DKIM_HEADERS if h in present])
        return signature.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> DeliveryOutcome:
        msg = self.build(message, idempotency_key=idempotency_key)
        outcome = deliver(self.target, self.sender, [message.to], self.to_bytes(msg),
                          attempt=message.attempt)
        return Delivered(str(msg["Message-ID"])) if isinstance(outcome, Delivered) else outcome


def deliver(target: SmtpTarget, sender: str, recipients: Sequence[str], raw: bytes, *,
            attempt: int = 1) -> DeliveryOutcome:
    """Hand ``raw`` (a whole message) to the SMTP server; never raises."""
    where = f"{target.host}:{target.port}"
    try:
        client: smtplib.SMTP
        if target.tls:
            client = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
        with client:
            if target.starttls:
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            refused = client.sendmail(sender, list(recipients), raw)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return classify_smtp(code, _text(text), attempt)
    except smtplib.SMTPResponseException as exc:
        return classify_smtp(exc.smtp_code, _text(exc.smtp_error), attempt)
    except smtplib.SMTPNotSupportedError as exc:
        return Failed(f"SMTP {where}: {exc}")
    except (OSError, smtplib.SMTPException) as exc:
        return retry(f"SMTP {where}: {type(exc).__name__}: {str(exc)[:300]}", attempt)
    if refused:
        return Failed(f"SMTP refused {', '.join(sorted(refused))}")
    return Delivered("")


def build_simple_email(*, sender: str, recipients: Sequence[str], subject: str, text_body: str,
                       html_body: str, header_limit: int = 200) -> EmailMessage:
    """A plain multipart notification (alerts to staff: no unsubscribe, no tracking)."""
    msg = EmailMessage()
    msg["From"] = header_safe(sender, header_limit)
    msg["To"] = ", ".join(header_safe(r, header_limit) for r in recipients)
    msg["Subject"] = header_safe(subject, header_limit)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="kizuna.local")
    msg.set_content(text_body)
    msg.add_alternative(html_body, subtype="html")
    return msg


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def email_channel(settings: Settings) -> SmtpChannel | None:
    """The email channel configured by ``KIZUNA_SMTP_URL``, DKIM and link settings (None if
    no SMTP server is set)."""
    if settings.smtp_url is None:
        return None
    target = parse_smtp_url(settings.smtp_url.get_secret_value())
    key = None
    if settings.dkim_domain:
        if not settings.dkim_private_key_file:
            raise ConfigurationInvalid("KIZUNA_DKIM_DOMAIN is set but "
                                       "KIZUNA_DKIM_PRIVATE_KEY_FILE is not; set both or neither.")
        try:
            pem = Path(settings.dkim_private_key_file).read_bytes()
        except OSError as exc:
            raise ConfigurationInvalid(
                f"KIZUNA_DKIM_PRIVATE_KEY_FILE cannot be read: {exc}") from exc
        key = DkimKey(domain=settings.dkim_domain, selector=settings.dkim_selector,
                      private_key=pem)
    links = LinkSettings(base_url=settings.public_base_url,
                         secret=settings.secret_key.get_secret_value(),
                         unsubscribe_mailto=settings.unsubscribe_mailto)
    return SmtpChannel(target, sender=settings.email_from, links=links, dkim_key=key)
