"""The preference centre: ``/p/preferences/{token}``, no login.

``GET`` shows each channel × purpose with its current state and the exact consent wording in
the customer's language (ja / en). ``POST`` (CSRF + honeypot + per-address rate limit) records
one consent per changed toggle through ``profiles.api.record_consent`` with method
``preference_centre`` and the wording shown: the record of when, how and what text was agreed.
The token is a signed preference token or the email's unsubscribe token; an altered one is
a 404 page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.messaging import api as messaging
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import CustomerId, WorkspaceId
from kizuna.web import i18n
from kizuna.web.public import (
    HONEYPOT_FIELD,
    check_form,
    choose_public_locale,
    is_bot,
    limit,
    public_path,
    render_public,
)
from kizuna.web.security import CSRF_FIELD

router = APIRouter()
Token = Annotated[str, Path(min_length=8, max_length=1000)]
ITEMS = (("email", "marketing"), ("webhook", "marketing"), ("in_app", "marketing"))
METHOD = "preference_centre"


def field_name(channel: str, purpose: str) -> str:
    return f"c_{channel}_{purpose}"


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session, runtime


def _owner(request: Request, token: str) -> tuple[WorkspaceId, int]:
    settings: Settings = request.app.state.settings
    workspace_id, customer_id = messaging.read_preferences_token(
        settings.secret_key.get_secret_value(), token)
    return WorkspaceId(workspace_id), customer_id


def _items(session: Session, workspace_id: WorkspaceId, customer_id: int,
           t: Any) -> list[dict[str, Any]]:
    latest = {(c.channel, c.purpose): c
              for c in profiles.list_consents(session, workspace_id, CustomerId(customer_id))}
    items = []
    for channel, purpose in ITEMS:
        consent = latest.get((channel, purpose))
        items.append({
            "channel": channel, "purpose": purpose, "field": field_name(channel, purpose),
            "label": t(f"preferences.item.{channel}.{purpose}"),
            "wording": t(f"preferences.wording.{channel}.{purpose}"),
            "state": consent.status if consent else "none",
            "granted": consent is not None and consent.status == "granted",
            "changed_at": consent.recorded_at if consent else None,
        })
    return items


def _page(request: Request, session: Session, token: str, workspace_id: WorkspaceId,
          customer_id: int, *, changed: int | None = None,
          locale: str | None = None) -> Response:
    customer = profiles.get_customer(session, workspace_id, customer_id)
    locale = locale or choose_public_locale(request, customer.locale)
    t = i18n.translator(locale)
    action = public_path(request, "public_preferences_post", token=token)
    return render_public(request, "public/messaging/preferences.html", {
        "items": _items(session, workspace_id, customer.id, t), "changed": changed,
        "action": action, "self_path": public_path(request, "public_preferences", token=token),
    }, locale=locale)


@router.get("/preferences/{token}", name="public_preferences")
def preferences_page(request: Request, token: Token) -> Response:
    workspace_id, customer_id = _owner(request, token)
    with _tx(request) as (session, _):
        return _page(request, session, token, workspace_id, customer_id)


@router.post("/preferences/{token}", name="public_preferences_post")
async def save_preferences(request: Request, token: Token,
                           csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
                           honeypot: Annotated[str, Form(alias=HONEYPOT_FIELD)] = "",
                           form_locale: Annotated[str, Form(alias="locale")] = "") -> Response:
    check_form(request, csrf)
    limit(request)
    workspace_id, customer_id = _owner(request, token)
    form = await request.form()
    with _tx(request) as (session, runtime):
        customer = profiles.get_customer(session, workspace_id, customer_id)
        if is_bot(honeypot):
            return _page(request, session, token, workspace_id, customer.id)
        # the wording recorded is the text the customer saw: that of the page's language
        locale = i18n.normalise_locale(form_locale) or choose_public_locale(request,
                                                                           customer.locale)
        t = i18n.translator(locale)
        now = runtime.clock.now()
        changed = 0
        for item in _items(session, workspace_id, customer.id, t):
            wanted = form.get(item["field"]) == "on"
            if wanted == item["granted"] or (not wanted and item["state"] == "none"):
                continue
            profiles.record_consent(
                session, workspace_id, CustomerId(customer.id), channel=item["channel"],
                purpose=item["purpose"], status="granted" if wanted else "withdrawn",
                method=METHOD, wording=item["wording"], at=now)
            changed += 1
        return _page(request, session, token, workspace_id, customer.id, changed=changed,
                     locale=locale)
