"""The in-app inbox: messages a customer sees in their app or on the shop's site.

Messages arrive through the ``in_app`` channel (an outbox job, idempotent by the job's key, so
a retried job cannot make a second message) and are read by the customer's browser or app
through the client inbox API (``GET /v1/inbox`` …, see docs/reference/in-app.md).

Identity: the shop's own server computes ``user_hash = HMAC-SHA256(inbox secret, user_id)``
(hex) and hands it to the page with the ``user_id``; the API refuses a wrong hash, so nobody
reads another customer's inbox by guessing ids. The per-workspace inbox secret is *derived*,
never stored: ``HMAC-SHA256(server secret key, "kizuna-inbox:<workspace id>:<version>")``.
Rotating it bumps the version (old hashes stop working); changing ``KIZUNA_SECRET_KEY``
rotates every workspace's inbox secret too.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kizuna.clock import as_utc
from kizuna.errors import Forbidden, Invalid, NotFound, Unauthorized
from kizuna.messaging.inbox_html import safe_link, sanitise_html
from kizuna.messaging.inbox_tables import InAppMessageRow, InboxSettingsRow
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.types import CustomerId, WorkspaceId

MAX_PAGE = 100
MAX_ORIGINS = 20


class InboxIdentityInvalid(Unauthorized):
    """The user hash does not match the user id: compute it on your server as
    HMAC-SHA256(inbox secret, user_id) in hex (`kizuna inbox secret` shows the secret)."""

    code = "inbox-identity-invalid"

    @property
    def extra_headers(self) -> dict[str, str]:
        return {}


class InboxMessageNotFound(NotFound):
    """This inbox has no such message; list the messages with GET /v1/inbox."""

    code = "inbox-message-not-found"


class InboxOriginNotAllowed(Forbidden):
    """This web site may not call the inbox API: add its origin with
    `kizuna inbox origins --add https://shop.example` (or on the dashboard)."""

    code = "inbox-origin-not-allowed"


@dataclass(frozen=True, slots=True)
class InboxMessage:
    id: int
    customer_id: int
    locale: str
    title: str
    text: str
    html: str
    link_url: str
    created_at: datetime
    read_at: datetime | None
    dismissed_at: datetime | None
    expires_at: datetime | None

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[InboxMessage]
    unread: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class InboxSettings:
    allowed_origins: tuple[str, ...]
    secret_version: int


def _message(row: InAppMessageRow) -> InboxMessage:
    return InboxMessage(id=row.id, customer_id=row.customer_id, locale=row.locale,
                        title=row.title, text=row.body_text, html=row.body_html,
                        link_url=row.link_url, created_at=row.created_at, read_at=row.read_at,
                        dismissed_at=row.dismissed_at, expires_at=row.expires_at)


# ---------------------------------------------------------------- delivery (the channel)

def deliver(session: Session, workspace_id: WorkspaceId | int, *, customer_id: int,
            idempotency_key: str, title: str, text: str, html: str = "", link_url: str = "",
            locale: str = "ja", now: datetime,
            expires_at: datetime | None = None) -> tuple[InboxMessage, bool]:
    """Put a message in the customer's inbox; (message, created). The same key twice gives
    the first message back (``created`` False). Links must be ``https://`` (others dropped);
    the HTML is reduced to harmless formatting (see ``inbox_html``)."""
    query = select(InAppMessageRow).where(InAppMessageRow.workspace_id == workspace_id,
                                          InAppMessageRow.idempotency_key == idempotency_key)
    existing = session.scalars(query).first()
    if existing is not None:
        return _message(existing), False
    row = InAppMessageRow(
        workspace_id=workspace_id, customer_id=customer_id,
        idempotency_key=idempotency_key[:300], locale=(locale or "ja")[:8],
        title=title[:500], body_text=text, body_html=sanitise_html(html),
        link_url=safe_link(link_url), created_at=as_utc(now), read_at=None, dismissed_at=None,
        expires_at=expires_at)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # a concurrent attempt inserted the same key
        return _message(session.scalars(query).one()), False
    return _message(row), True


# ---------------------------------------------------------------- the customer's inbox

def _visible(workspace_id: int, customer_id: int, now: datetime) -> list[object]:
    return [InAppMessageRow.workspace_id == workspace_id,
            InAppMessageRow.customer_id == customer_id,
            InAppMessageRow.dismissed_at.is_(None),
            (InAppMessageRow.expires_at.is_(None)) | (InAppMessageRow.expires_at > as_utc(now))]


def list_messages(session: Session, workspace_id: WorkspaceId | int,
                  customer_id: int | None, *, now: datetime, limit: int = 20,
                  offset: int = 0) -> InboxPage:
    """Unread first, then newest first; dismissed and expired messages are left out."""
    limit = max(1, min(int(limit), MAX_PAGE))
    offset = max(0, int(offset))
    if customer_id is None:
        return InboxPage([], 0, limit, offset)
    rows = session.scalars(
        select(InAppMessageRow).where(*_visible(int(workspace_id), customer_id, now))  # type: ignore[arg-type]
        .order_by(InAppMessageRow.read_at.is_not(None), InAppMessageRow.created_at.desc(),
                  InAppMessageRow.id.desc())
        .limit(limit).offset(offset))
    return InboxPage([_message(r) for r in rows],
                     unread_count(session, workspace_id, customer_id, now=now), limit, offset)


def unread_count(session: Session, workspace_id: WorkspaceId | int,
                 customer_id: int | None, *, now: datetime) -> int:
    if customer_id is None:
        return 0
    return int(session.scalar(
        select(func.count()).select_from(InAppMessageRow)
        .where(*_visible(int(workspace_id), customer_id, now),  # type: ignore[arg-type]
               InAppMessageRow.read_at.is_(None))) or 0)


def _own(session: Session, workspace_id: int, customer_id: int | None,
         message_id: int) -> InAppMessageRow:
    row = session.get(InAppMessageRow, message_id)
    if row is None or customer_id is None or row.workspace_id != workspace_id \
            or row.customer_id != customer_id or row.dismissed_at is not None:
        raise InboxMessageNotFound(message_id=message_id)
    return row


def mark_read(session: Session, workspace_id: WorkspaceId | int, customer_id: int | None,
              message_id: int, *, now: datetime) -> InboxMessage:
    """Mark one of the customer's messages read (again: keeps the first time)."""
    row = _own(session, int(workspace_id), customer_id, message_id)
    if row.read_at is None:
        row.read_at = as_utc(now)
        session.flush()
    return _message(row)


def dismiss(session: Session, workspace_id: WorkspaceId | int, customer_id: int | None,
            message_id: int, *, now: datetime) -> InboxMessage:
    """Hide one of the customer's messages for good (it counts as read)."""
    row = _own(session, int(workspace_id), customer_id, message_id)
    row.dismissed_at = as_utc(now)
    row.read_at = row.read_at or as_utc(now)
    session.flush()
    return _message(row)


# ---------------------------------------------------------------- identity and settings

def get_settings(session: Session, workspace_id: WorkspaceId | int) -> InboxSettings:
    row = session.get(InboxSettingsRow, int(workspace_id))
    if row is None:
        return InboxSettings((), 1)
    return InboxSettings(tuple(str(o) for o in row.allowed_origins), row.secret_version)


def _settings_row(session: Session, workspace_id: int, now: datetime) -> InboxSettingsRow:
    row = session.get(InboxSettingsRow, workspace_id)
    if row is None:
        row = InboxSettingsRow(workspace_id=workspace_id, allowed_origins=[], secret_version=1,
                               updated_at=as_utc(now))
        session.add(row)
    return row


def normalise_origin(origin: str) -> str:
    """``https://shop.example`` (scheme, host, port; http only for localhost) or Invalid."""
    parts = urlsplit(origin.strip())
    host = (parts.hostname or "").lower()
    local = host in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme not in ("https", "http") or not host or (parts.scheme == "http"
                                                             and not local) \
            or parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise Invalid(f"{origin!r} is not an origin; give scheme and host only, e.g. "
                      "https://shop.example (http only for localhost).", field="origins")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def set_allowed_origins(session: Session, workspace_id: WorkspaceId | int,
                        origins: list[str], *, now: datetime) -> InboxSettings:
    """Replace the origins allowed to call the inbox API from a browser."""
    clean = list(dict.fromkeys(normalise_origin(o) for o in origins if o.strip()))
    if len(clean) > MAX_ORIGINS:
        raise Invalid(f"At most {MAX_ORIGINS} origins.", field="origins")
    row = _settings_row(session, int(workspace_id), now)
    row.allowed_origins = clean
    row.updated_at = as_utc(now)
    session.flush()
    return get_settings(session, workspace_id)


def rotate_secret(session: Session, workspace_id: WorkspaceId | int, *,
                  now: datetime) -> InboxSettings:
    """A new inbox secret (the old one, and every user hash made with it, stop working)."""
    row = _settings_row(session, int(workspace_id), now)
    row.secret_version = (row.secret_version or 1) + 1
    row.updated_at = as_utc(now)
    session.flush()
    return get_settings(session, workspace_id)


def inbox_secret(server_secret: str, workspace_id: int, version: int = 1) -> str:
    """The workspace's inbox secret, derived from the server's secret key (never stored)."""
    digest = hmac.new(server_secret.encode(), f"kizuna-inbox:{int(workspace_id)}:{version}"
                      .encode(), hashlib.sha256).hexdigest()
    return f"inbox_{digest}"


def workspace_secret(session: Session, workspace_id: WorkspaceId | int,
                     server_secret: str) -> str:
    return inbox_secret(server_secret, int(workspace_id),
                        get_settings(session, workspace_id).secret_version)


def user_hash(secret: str, user_id: str) -> str:
    """What the shop's server computes for a signed-in user: HMAC-SHA256 hex."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def authenticate(session: Session, workspace_id: WorkspaceId, *, server_secret: str,
                 user_id: str, user_hash_value: str) -> CustomerId | None:
    """The customer whose inbox this is (None: a verified user with no profile yet).

    Raises :class:`InboxIdentityInvalid` unless ``user_hash_value`` is the user's hash.
    """
    if not user_id or not user_hash_value:
        raise InboxIdentityInvalid("Send the user id and its user hash (X-Kizuna-User-Id, "
                                   "X-Kizuna-User-Hash).")
    expected = user_hash(workspace_secret(session, workspace_id, server_secret), user_id)
    if not hmac.compare_digest(expected, user_hash_value.strip().lower()):
        raise InboxIdentityInvalid()
    return profiles.find_customer_id(session, workspace_id, IdentityRef(user_id=user_id))
