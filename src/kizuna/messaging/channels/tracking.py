"""Open and click tracking: a signed 1×1 pixel URL and signed click-redirect URLs.

``/p/o/TOKEN.gif`` records ``Email Opened``; ``/p/c/TOKEN`` records ``Email Link Clicked`` and
redirects (302) to the URL signed into the token — never to a URL from the query, so it is
not an open redirect. Events are idempotent per message (open) and per message + link
(click). Both can be turned off per message (``track_opens`` / ``track_clicks``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from kizuna.ingest import api as ingest
from kizuna.messaging.errors import LinkInvalid
from kizuna.types import WorkspaceId

SALT = "kizuna.messaging.tracking.v1"
OPENED = "Email Opened"
CLICKED = "Email Link Clicked"
#: A transparent 1×1 GIF.
PIXEL_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
             b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedHit:
    workspace_id: int
    customer_id: int
    message_key: str
    url: str | None = None  # None for an open


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def open_token(secret: str, workspace_id: int, customer_id: int, message_key: str) -> str:
    return str(_serializer(secret).dumps(["o", workspace_id, customer_id, message_key]))


def click_token(secret: str, workspace_id: int, customer_id: int, message_key: str,
                url: str) -> str:
    return str(_serializer(secret).dumps(["c", workspace_id, customer_id, message_key, url]))


def read_token(secret: str, token: str, kind: str) -> TrackedHit:
    """The hit a token was signed for; :class:`LinkInvalid` if altered or of another kind."""
    try:
        data: Any = _serializer(secret).loads(token)
    except BadSignature as exc:
        raise LinkInvalid() from exc
    size = 4 if kind == "o" else 5
    if (not isinstance(data, list) or len(data) != size or data[0] != kind
            or not isinstance(data[1], int) or not isinstance(data[2], int)
            or not all(isinstance(v, str) for v in data[3:])):
        raise LinkInvalid()
    url = data[4] if kind == "c" else None
    if url is not None and not re.match(r"https?://", url, re.IGNORECASE):
        raise LinkInvalid()
    return TrackedHit(workspace_id=data[1], customer_id=data[2], message_key=data[3], url=url)


def add_tracking(html: str, *, secret: str, base_url: str, workspace_id: int, customer_id: int,
                 message_key: str, opens: bool, clicks: bool, skip: frozenset[str] = frozenset()
                 ) -> str:
    """``html`` with http(s) links rewritten through the click redirect and a pixel appended.

    Links in ``skip`` (e.g. the unsubscribe link) stay as they are.
    """
    base = base_url.rstrip("/")
    if clicks:
        def rewrite(match: re.Match[str]) -> str:
            url = unescape(match.group(3))
            if url in skip:
                return match.group(0)
            token = click_token(secret, workspace_id, customer_id, message_key, url)
            return f"{match.group(1)}{match.group(2)}{base}/p/c/{token}{match.group(2)}"

        html = _HREF.sub(rewrite, html)
    if opens:
        token = open_token(secret, workspace_id, customer_id, message_key)
        pixel = (f'<img src="{escape(base)}/p/o/{token}.gif" width="1" height="1" alt="" '
                 'style="display:none">')
        at = html.lower().rfind("</body>")
        html = html[:at] + pixel + html[at:] if at >= 0 else html + pixel
    return html


def record_hit(session: Session, hit: TrackedHit, *, now: datetime) -> bool:
    """Record the open or click as the customer's event; False if already recorded."""
    if hit.url is None:
        event, key, props = OPENED, f"email-open:{hit.message_key}", {}
    else:
        digest = hashlib.sha256(hit.url.encode()).hexdigest()[:24]
        event, key = CLICKED, f"email-click:{hit.message_key}:{digest}"
        props = {"url": hit.url}
    key = key if len(key) <= 200 else "h:" + hashlib.sha256(key.encode()).hexdigest()
    new = ingest.record_customer_event(
        session, WorkspaceId(hit.workspace_id), customer_id=hit.customer_id, event=event,
        properties={"message_key": hit.message_key, "channel": "email", **props}, at=now,
        message_id=key)
    return new is not None
