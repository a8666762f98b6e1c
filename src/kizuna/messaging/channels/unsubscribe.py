"""Unsubscribe links: signed tokens per customer + channel + purpose, no login needed.

``List-Unsubscribe: <https://HOST/p/u/TOKEN>`` with ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` (RFC 8058): a POST to the URL withdraws the consent, a GET only
shows a confirmation page. The token is an HMAC-signed payload (itsdangerous, keyed by the
app secret); it does not expire, so a link in an old mail still works. Unsubscribing twice
records one withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from kizuna.messaging.errors import LinkInvalid
from kizuna.profiles import api as profiles
from kizuna.types import CustomerId, WorkspaceId

SALT = "kizuna.messaging.unsubscribe.v1"
METHOD = "unsubscribe-link"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribeScope:
    workspace_id: int
    customer_id: int
    channel: str
    purpose: str


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def unsubscribe_token(secret: str, scope: UnsubscribeScope) -> str:
    return str(_serializer(secret).dumps(
        [scope.workspace_id, scope.customer_id, scope.channel, scope.purpose]))


def read_unsubscribe_token(secret: str, token: str) -> UnsubscribeScope:
    """The scope a token was signed for; :class:`LinkInvalid` if it was altered."""
    try:
        data: Any = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if (not isinstance(data, list) or len(data) != 4
            or not all(isinstance(v, int) for v in data[:2])
            or not all(isinstance(v, str) for v in data[2:])):
        raise LinkInvalid()
    return UnsubscribeScope(workspace_id=data[0], customer_id=data[1], channel=data[2],
                            purpose=data[3])


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/p/u/{token}"


def is_unsubscribed(session: Session, scope: UnsubscribeScope) -> bool:
    customer = profiles.get_customer(session, WorkspaceId(scope.workspace_id), scope.customer_id)
    return any(c.channel == scope.channel and c.purpose == scope.purpose
               and c.status == "withdrawn"
               for c in profiles.list_consents(session, WorkspaceId(scope.workspace_id),
                                               CustomerId(customer.id)))


def unsubscribe(session: Session, scope: UnsubscribeScope, *, now: datetime) -> bool:
    """Withdraw the consent the token names; False if it was already withdrawn.

    A profile merged away resolves to the survivor, whose consent is withdrawn.
    """
    workspace_id = WorkspaceId(scope.workspace_id)
    customer = profiles.get_customer(session, workspace_id, scope.customer_id)
    if is_unsubscribed(session, scope):
        return False
    profiles.record_consent(
        session, workspace_id, CustomerId(customer.id), channel=scope.channel,
        purpose=scope.purpose, status="withdrawn", method=METHOD,
        wording="List-Unsubscribe link", at=now)
    return True


PREFERENCES_SALT = "kizuna.messaging.preferences.v1"


def preferences_token(secret: str, workspace_id: int, customer_id: int) -> str:
    """A signed, non-expiring token for the customer's preference centre (``/p/preferences``)."""
    return str(URLSafeSerializer(secret, salt=PREFERENCES_SALT).dumps(
        [workspace_id, customer_id]))


def read_preferences_token(secret: str, token: str) -> tuple[int, int]:
    """(workspace id, customer id) of a preference-centre token or of an unsubscribe token
    (the link in an email also opens the preference centre); :class:`LinkInvalid` if altered."""
    try:
        data: Any = URLSafeSerializer(secret, salt=PREFERENCES_SALT).loads(token)
    except BadSignature:
        scope = read_unsubscribe_token(secret, token)
        return scope.workspace_id, scope.customer_id
    if (not isinstance(data, list) or len(data) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in data)):
        raise LinkInvalid()
    return data[0], data[1]
