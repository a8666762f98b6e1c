"""Email over SMTP: multipart text + HTML (UTF-8), List-Unsubscribe one-click, optional DKIM.

- ``Message-ID`` is derived from the idempotency key, so every attempt of one delivery has the
  same id (receivers and the provider can drop duplicates).
- With a customer and link settings, the mail carries ``List-Unsubscribe: <https://…/p/u/T>,
  <mailto:…>`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058), and the
  HTML gets click-tracking links and an open pixel unless the message turns them off.
- DKIM (``dkimpy``, rsa-sha256, relaxed/relaxed) signs From, To, Subject, Date, Message-ID,
  MIME-Version, Content-Type, List-Unsubscribe and List-Unsubscribe-Post.
- Reply codes: 4xx and lost connections are retryable, 5xx permanent failures.
- Connections are reused: each thread keeps one open connection to the server (reopened
  after ``max_per_connection`` messages). A completed transaction leaves the session ready
  for the next ``MAIL`` (RFC 5321 §4.1.4; a failed one is reset with ``RSET`` by smtplib), so
  no ``RSET`` round trip is spent per message. A reused connection the server has closed
  fails before ``DATA`` — nothing was handed over — and is reopened and the message sent
  once more at once; an error from ``DATA`` on drops the connection and is a retry.
"""

from __future__ import annotations

import base64
import hashlib
import os
import smtplib
import ssl
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Any
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
                 dkim_key: DkimKey | None = None, message_domain: str | None = None,
                 reuse_connections: bool = True, max_per_connection: int = 100) -> None:
        self.target = target
        self.sender = sender
        self.links = links
        self.dkim_key = dkim_key
        self.message_domain = message_domain or (
            dkim_key.domain if dkim_key else sender.rpartition("@")[2].strip("> ") or "kizuna")
        self.reuse_connections = reuse_connections
        self.max_per_connection = max(1, max_per_connection)
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._open_lock = threading.Lock()
        self.connections_opened = 0

    def _headers_and_html(self, message: OutgoingMessage, *,
                          idempotency_key: str) -> tuple[list[tuple[str, str]], str]:
        """The top-level headers (in order) and the HTML body with tracking applied."""
        headers = [("From", header_safe(message.from_address or self.sender)),
                   ("To", header_safe(message.to))]
        if message.reply_to:
            headers.append(("Reply-To", header_safe(message.reply_to)))
        headers += [("Subject", header_safe(message.subject)),
                    ("Date", formatdate(usegmt=True)),
                    ("Message-ID", message_id_for(idempotency_key, self.message_domain))]
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
                headers += [("List-Unsubscribe", value),
                            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
            if html and (message.track_opens or message.track_clicks):
                html = tracking.add_tracking(
                    html, secret=links.secret, base_url=links.base_url,
                    workspace_id=message.workspace_id, customer_id=message.customer_id,
                    message_key=idempotency_key, opens=message.track_opens,
                    clicks=message.track_clicks, skip=frozenset(skip))
        return headers, html

    def build(self, message: OutgoingMessage, *, idempotency_key: str) -> EmailMessage:
        """The message as an :class:`EmailMessage` (the wire form :meth:`send` writes is
        :meth:`raw`, built without the ``email`` package's header parsing)."""
        headers, html = self._headers_and_html(message, idempotency_key=idempotency_key)
        msg = EmailMessage(policy=WIRE)
        for name, value in headers:
            msg[name] = value
        msg.set_content(message.text or " ", charset="utf-8", cte="base64")
        if html:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
        # after the body: set_content drops Content-* headers
        msg["Content-Language"] = "ja" if message.locale == "ja" else "en"
        return msg

    def raw(self, message: OutgoingMessage, *, idempotency_key: str) -> tuple[bytes, str]:
        """The wire form (CRLF, DKIM-signed when a key is set) and the Message-ID."""
        headers, html = self._headers_and_html(message, idempotency_key=idempotency_key)
        message_id = message_id_for(idempotency_key, self.message_domain)
        lines: list[bytes] = []
        for name, value in headers:
            encoded = _header_bytes(name, value)
            if encoded is None:  # an address the fast path does not handle: the slow one
                return self.to_bytes(self.build(message, idempotency_key=idempotency_key)), \
                    message_id
            lines.append(encoded)
        language = b"Content-Language: " + (b"ja" if message.locale == "ja" else b"en")
        text_part = _text_part("plain", message.text or " ")
        if html:
            boundary = b"=_kizuna_" + hashlib.sha256(
                idempotency_key.encode() + os.urandom(8)).hexdigest()[:32].encode()
            body = (b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\""
                    + boundary + b"\"\r\n" + language + b"\r\n\r\n--" + boundary + b"\r\n"
                    + text_part + b"\r\n--" + boundary + b"\r\n" + _text_part("html", html)
                    + b"\r\n--" + boundary + b"--\r\n")
        else:
            body = b"MIME-Version: 1.0\r\n" + language + b"\r\n" + text_part
        raw = b"\r\n".join(lines) + b"\r\n" + body
        return self._sign(raw, {name.lower() for name, _ in headers} | {
            "mime-version", "content-type"}), message_id

    def to_bytes(self, msg: EmailMessage) -> bytes:
        """The wire form (CRLF), with a DKIM-Signature header first when a key is set."""
        return self._sign(msg.as_bytes(policy=WIRE), {k.lower() for k in msg})

    def _sign(self, raw: bytes, present: set[str]) -> bytes:
        if self.dkim_key is None:
            return raw
        signature: bytes = dkim.sign(
            raw, self.dkim_key.selector.encode(), self.dkim_key.domain.encode(),
            self.dkim_key.private_key, canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[h for h in DKIM_HEADERS if h.decode() in present])
        return signature.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> DeliveryOutcome:
        raw, message_id = self.raw(message, idempotency_key=idempotency_key)
        if self.reuse_connections:
            outcome = self._send_reusing([message.to], raw, attempt=message.attempt)
        else:
            outcome = deliver(self.target, self.sender, [message.to], raw,
                              attempt=message.attempt)
        return Delivered(message_id) if isinstance(outcome, Delivered) else outcome

    # -- connection reuse (one connection per thread) -------------------------------------
    def _connection(self) -> _Client:
        """This thread's open connection (a new one after ``max_per_connection`` messages)."""
        client: _Client | None = getattr(self._local, "client", None)
        if client is not None and client.sock is not None \
                and self._local.count < self.max_per_connection:
            return client
        self._drop()
        client = _connect(self.target)
        self._local.client, self._local.count = client, 0
        with self._open_lock:
            self._open.append(client)
            self.connections_opened += 1
        return client

    def _drop(self) -> None:
        client: _Client | None = getattr(self._local, "client", None)
        self._local.client = None
        if client is None:
            return
        with self._open_lock:
            if client in self._open:
                self._open.remove(client)
        _quit(client)

    def _send_reusing(self, recipients: Sequence[str], raw: bytes, *,
                      attempt: int) -> DeliveryOutcome:
        """One message over this thread's connection. A reused connection that turns out to
        be closed (idle timeout, the server's per-connection limit) fails before DATA, when
        nothing was handed over: it is reopened and the message sent on the new one."""
        where = f"{self.target.host}:{self.target.port}"
        for try_no in (1, 2):
            client: _Client | None = None
            try:
                client = self._connection()
                reused = self._local.count > 0
                self._local.count += 1
                client.stage = ""
                refused = client.sendmail(self.sender, list(recipients), raw)
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                return classify_smtp(code, _text(text), attempt)
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code == 421 or client is None or client.sock is None:
                    self._drop()
                    if try_no == 1 and client is not None and reused \
                            and client.stage != "data":
                        continue  # closed by the server before the message: send again
                return classify_smtp(exc.smtp_code, _text(exc.smtp_error), attempt)
            except smtplib.SMTPNotSupportedError as exc:
                self._drop()
                return Failed(f"SMTP {where}: {exc}")
            except (OSError, smtplib.SMTPException) as exc:
                self._drop()  # the state of the session is unknown: never reuse it
                if try_no == 1 and client is not None and reused and client.stage != "data":
                    continue
                return retry(f"SMTP {where}: {type(exc).__name__}: {str(exc)[:300]}",
                             attempt)
            if refused:
                return Failed(f"SMTP refused {', '.join(sorted(refused))}")
            return Delivered("")
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close every connection this channel holds open (all threads)."""
        with self._open_lock:
            clients, self._open = self._open, []
        for client in clients:
            _quit(client)
        self._local = threading.local()


class _Client(smtplib.SMTP):
    """``smtplib.SMTP`` that remembers how far the current message got (``stage``)."""

    stage = ""

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        self.stage = "mail"
        return super().mail(sender, options)

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.stage = "data"
        return super().data(msg)


class _SslClient(smtplib.SMTP_SSL, _Client):
    pass


def _connect(target: SmtpTarget) -> _Client:
    client: _Client
    if target.tls:
        client = _SslClient(target.host, target.port, timeout=target.timeout,
                            context=ssl.create_default_context())
    else:
        client = _Client(target.host, target.port, timeout=target.timeout)
    try:
        if target.starttls:
            client.starttls(context=ssl.create_default_context())
        if target.username:
            client.login(target.username, target.password or "")
    except BaseException:
        _quit(client)
        raise
    return client


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


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


_ADDRESS_HEADERS = frozenset({"From", "To", "Reply-To"})


def _header_bytes(name: str, value: str) -> bytes | None:
    """``Name: value`` for the wire: non-ASCII text as RFC 2047 encoded words (addresses:
    only the display name); None for an address this cannot encode (non-ASCII mailbox)."""
    if value.isascii():
        return f"{name}: {value}".encode("ascii")
    if name in _ADDRESS_HEADERS:
        found = getaddresses([value])
        if len(found) != 1 or not found[0][1].isascii():
            return None
        display, address = found[0]
        return f"{name}: {formataddr((display, address), charset='utf-8')}".encode("ascii")
    encoded = Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    return f"{name}: {encoded}".encode("ascii")


def _text_part(subtype: str, text: str) -> bytes:
    # lines end with CRLF, the last one too (as ``email.contentmanager`` writes text)
    body = b"\r\n".join(text.encode("utf-8").splitlines()) + b"\r\n"
    data = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return (b"Content-Type: text/" + subtype.encode() + b"; charset=\"utf-8\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + data)


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
