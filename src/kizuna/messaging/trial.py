"""Template test send: render a template for a real customer, send it to an address the admin
types (never to the customer), subject prefixed ``[TEST]`` / ``[テスト]``.

It goes through the email channel directly (not the outbox), is treated as transactional (no
unsubscribe link, no tracking), and is never recorded as a send, so caps and rates do not
count it. An address on the suppression list for a hard bounce or complaint is refused.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kizuna.errors import Invalid
from kizuna.messaging import suppression
from kizuna.messaging.channels.base import Channel, DeliveryOutcome, OutgoingMessage
from kizuna.messaging.contracts import MessageTemplate, RenderedMessage
from kizuna.types import CustomerId, WorkspaceId

PREFIX = {"ja": "[テスト] ", "en": "[TEST] "}
_ADDRESS = re.compile(r"^[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;]+$")


class SmtpNotConfigured(Invalid):
    """No SMTP server is configured: set KIZUNA_SMTP_URL (e.g. smtp://127.0.0.1:1025)."""

    code = "smtp-not-configured"


@dataclass(frozen=True, slots=True)
class TestSendResult:
    __test__ = False  # not a pytest class

    to: str
    customer_id: int
    locale: str
    subject: str
    outcome: DeliveryOutcome
    rendered: RenderedMessage


def check_address(to: str) -> str:
    value = (to or "").strip()
    if len(value) > 320 or not _ADDRESS.match(value):
        raise Invalid(f"{to!r} is not an e-mail address; type one address, e.g. "
                      "you@shop.example.", field="to")
    return value


def test_send(session: Session, workspace_id: WorkspaceId, template: MessageTemplate,
              customer_id: CustomerId | int, *, to: str, channel: Channel | None,
              now: datetime, locale: str | None = None,
              event: Mapping[str, Any] | None = None) -> TestSendResult:
    """Render ``template`` for the customer and send it to ``to`` now; the channel's outcome."""
    from kizuna.messaging.api import preview

    address = check_address(to)
    if channel is None:
        raise SmtpNotConfigured()
    blocked = [s for s in suppression.matching(session, workspace_id, channel="email",
                                               address=address)
               if s.reason in ("hard_bounce", "complaint")]
    if blocked:
        raise Invalid(f"{address} is on the suppression list ({blocked[0].reason}); "
                      "remove it there first or use another address.", field="to")
    rendered = preview(session, workspace_id, template, customer_id, now=now, locale=locale,
                       event=event)
    subject = PREFIX.get(rendered.locale, PREFIX["en"]) + rendered.subject
    message = OutgoingMessage(
        workspace_id=workspace_id, to=address, customer_id=None, subject=subject,
        text=rendered.text, html=rendered.html, locale=rendered.locale,
        from_address=rendered.from_address, reply_to=rendered.reply_to,
        purpose="transactional", track_opens=False, track_clicks=False, unsubscribe=False)
    outcome = channel.send(message, idempotency_key=f"test-send:{uuid.uuid4().hex}")
    return TestSendResult(address, int(customer_id), rendered.locale, subject, outcome,
                          rendered)


test_send.__test__ = False  # type: ignore[attr-defined]
