"""Bounces and complaints → the suppression list.

Synchronous: when the SMTP server permanently refuses the recipient (a 5xx reply to
``RCPT TO`` or ``DATA`` for that recipient), :func:`on_failed` suppresses the address on the
email channel with reason ``hard_bounce``. A 4xx stays a retry (the outbox retries it). Replies
about the sender or the login (``5.1.7`` / ``5.1.8`` sender address, ``530``/``534``/``535``/
``538`` authentication, ``5.7.x`` policy without an address status) are not the recipient's
fault and suppress nothing.

Asynchronous: :func:`record_email_event` takes a bounce or complaint reported later by a
provider or a DSN processor (``POST /v1/email-events``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from kizuna.db.engine import transaction
from kizuna.errors import Invalid, KizunaError
from kizuna.messaging import suppression
from kizuna.messaging.contracts import Suppression
from kizuna.types import WorkspaceId

log = logging.getLogger("kizuna.messaging.bounces")

EMAIL_EVENT_TYPES = ("bounce", "complaint")
_REPLY = re.compile(r"^SMTP (5\d\d)\b\s*(.*)$", re.DOTALL)
_ENHANCED = re.compile(r"\b5\.(\d{1,3})\.(\d{1,3})\b")
_NOT_RECIPIENT_CODES = frozenset({530, 534, 535, 538})
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def is_hard_bounce(reason: str) -> bool:
    """Does a failed SMTP outcome's reason say the recipient address is refused for good?"""
    if reason.startswith("SMTP refused "):  # the server refused the (only) recipient
        return True
    match = _REPLY.match(reason.strip())
    if match is None:
        return False
    code, text = int(match.group(1)), match.group(2)
    if code in _NOT_RECIPIENT_CODES:
        return False
    enhanced = _ENHANCED.search(text)
    if enhanced is None:
        return code in (550, 551, 553)  # mailbox unavailable / not local / name not allowed
    subject, detail = int(enhanced.group(1)), int(enhanced.group(2))
    if subject == 1:
        return detail not in (7, 8)  # 5.1.7 / 5.1.8: the sender's address
    return subject == 2  # 5.2.x mailbox status (disabled, full, too large)


def on_failed(sessions: sessionmaker[Session], workspace_id: int, *, address: str,
              reason: str, now: datetime, customer_id: int | None = None) -> bool:
    """After a permanently failed email: suppress ``address`` if it was a hard bounce.

    True if the address was suppressed. Never raises (the job's failure is recorded anyway).
    """
    if not address or not is_hard_bounce(reason):
        return False
    try:
        with transaction(sessions) as session:
            suppression.suppress(session, WorkspaceId(workspace_id), channel="email",
                                 address=address, reason="hard_bounce", now=now)
    except KizunaError:
        log.exception("could not suppress the hard-bounced address of workspace %s",
                      workspace_id)
        return False
    log.info("hard bounce in workspace %s: address suppressed (%s)", workspace_id, reason[:200])
    return True


@dataclass(frozen=True, slots=True)
class EmailEventResult:
    type: str
    suppression: Suppression


def record_email_event(session: Session, workspace_id: WorkspaceId, *, type: str, email: str,
                       at: datetime) -> EmailEventResult:
    """A bounce (→ ``hard_bounce``) or complaint (→ ``complaint``) suppresses the address."""
    if type not in EMAIL_EVENT_TYPES:
        raise Invalid(f"type must be one of {list(EMAIL_EVENT_TYPES)}, not {type!r}.",
                      field="type")
    address = (email or "").strip()
    if not _EMAIL.match(address) or len(address) > 320:
        raise Invalid(f"{email!r} is not an e-mail address.", field="email")
    reason = "hard_bounce" if type == "bounce" else "complaint"
    entry = suppression.suppress(session, workspace_id, channel="email", address=address,
                                 reason=reason, now=at)
    return EmailEventResult(type, entry)
