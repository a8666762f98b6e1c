"""The in-app channel: the message lands in the customer's inbox (``messaging.inbox``).

``send`` inserts the message idempotently by the job's key (a re-run of the same job returns
the first message, never a second one) and answers :class:`Delivered` with
``in_app:<message id>``. The message's link is the first ``https://`` link of the HTML body
(or ``payload["link"]``); the title is the subject, the body the text part.
"""

from __future__ import annotations

import re

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kizuna.clock import Clock, SystemClock
from kizuna.db.engine import transaction
from kizuna.errors import StorageUnavailable
from kizuna.messaging import inbox
from kizuna.messaging.channels.base import (
    Delivered,
    DeliveryOutcome,
    Failed,
    OutgoingMessage,
    retry,
)
from kizuna.messaging.inbox_html import safe_link

_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']?(https://[^"'\s>]+)""", re.IGNORECASE)


def link_of(message: OutgoingMessage) -> str:
    """``payload["link"]`` if it is https, else the first https link in the HTML, else ""."""
    explicit = safe_link(str(message.payload.get("link") or ""))
    if explicit:
        return explicit
    found = _HREF.search(message.html or "")
    return safe_link(found.group(1).replace("&amp;", "&")) if found else ""


class InAppChannel:
    """Delivers into the inbox table of the database behind ``sessions``."""

    name = "in_app"

    def __init__(self, sessions: sessionmaker[Session], clock: Clock | None = None) -> None:
        self.sessions = sessions
        self.clock = clock or SystemClock()

    def send(self, message: OutgoingMessage, *, idempotency_key: str) -> DeliveryOutcome:
        if message.customer_id is None:
            return Failed("an in-app message needs a customer")
        try:
            with transaction(self.sessions) as session:
                stored, _created = inbox.deliver(
                    session, message.workspace_id, customer_id=message.customer_id,
                    idempotency_key=idempotency_key, title=message.subject,
                    text=message.text, html=message.html, link_url=link_of(message),
                    locale=message.locale, now=self.clock.now())
        except (SQLAlchemyError, StorageUnavailable) as exc:  # database away: try later
            return retry(f"in-app: {type(exc).__name__}: {str(exc)[:200]}", message.attempt)
        return Delivered(f"in_app:{stored.id}")
