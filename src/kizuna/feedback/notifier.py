"""A small, real notifier for closed-loop alerts: email over SMTP, signed webhooks over HTTP.

The transport lives in the messaging domain's channels (``kizuna.messaging.api``): Standard
Webhooks signing, the SSRF guard (private, loopback, link-local, multicast, reserved and cloud
metadata addresses refused unless allow-listed; the checked address is the one called;
redirects are not followed) and SMTP delivery. This module keeps the alerts' simpler
interface: failures are data (:class:`SendOutcome`), not exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from kizuna.messaging import api as messaging

TIMEOUT_SECONDS = 5.0
HEADER_LIMIT = 200

SmtpTarget = messaging.SmtpTarget
Resolver = messaging.Resolver
allowed_hosts = messaging.allowed_hosts
check_webhook_url = messaging.check_webhook_url
parse_smtp_url = messaging.parse_smtp_url
sign = messaging.sign_webhook
system_resolver = messaging.system_resolver


@dataclass(frozen=True, slots=True)
class SendOutcome:
    ok: bool
    error: str | None = None


def _outcome(result: messaging.DeliveryOutcome) -> SendOutcome:
    if isinstance(result, messaging.Delivered):
        return SendOutcome(True)
    return SendOutcome(False, result.reason)


def header_safe(value: str, limit: int = HEADER_LIMIT) -> str:
    """A header value without CR, LF or other control characters (no header injection)."""
    return messaging.header_safe(value, limit)


def build_email(
    *, sender: str, recipients: Sequence[str], subject: str, text_body: str, html_body: str
) -> EmailMessage:
    return messaging.build_simple_email(sender=sender, recipients=recipients, subject=subject,
                                        text_body=text_body, html_body=html_body,
                                        header_limit=HEADER_LIMIT)


def send_email(target: SmtpTarget, msg: EmailMessage, recipients: Sequence[str]) -> SendOutcome:
    sender = str(msg["From"] or "")
    return _outcome(messaging.deliver(
        target, sender, recipients, msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))))


def post_webhook(
    url: str, body: bytes, *, message_id: str, timestamp: int, secret: str | None,
    allowed: frozenset[str], resolver: Resolver = system_resolver,
) -> SendOutcome:
    return _outcome(messaging.post_signed(
        url, body, message_id=message_id, timestamp=timestamp, secret=secret, allowed=allowed,
        resolver=resolver, user_agent="kizuna-alerts", timeout=TIMEOUT_SECONDS))
