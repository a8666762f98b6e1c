"""Unsubscribe links from emails: ``/p/u/{token}`` (RFC 8058 one-click).

``POST`` withdraws the consent the signed token names (customer + channel + purpose) and
answers 200. It needs no cookie and no CSRF token — mail clients send it on the reader's
behalf with ``List-Unsubscribe=One-Click`` — and is idempotent. ``GET`` never unsubscribes
(link scanners and prefetchers open links): it shows a confirmation page (ja / en, in the
customer's language) whose button POSTs. An altered token is a 404 page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kizuna.db.translate import translate_db_errors
from kizuna.messaging import api as messaging
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.types import WorkspaceId
from kizuna.web import i18n
from kizuna.web.public import choose_public_locale, public_path, render_public

router = APIRouter()
Token = Annotated[str, Path(min_length=8, max_length=1000)]


@contextmanager
def _tx(request: Request) -> Iterator[tuple[Session, Runtime]]:
    runtime: Runtime = request.app.state.runtime
    with translate_db_errors(), runtime.sessions() as session, session.begin():
        yield session, runtime


def _scope(request: Request, token: str) -> messaging.UnsubscribeScope:
    settings: Settings = request.app.state.settings
    return messaging.read_unsubscribe_token(settings.secret_key.get_secret_value(), token)


def _page(request: Request, session: Session, scope: messaging.UnsubscribeScope, token: str,
          *, done: bool, changed: bool = False) -> Response:
    customer = profiles.get_customer(session, WorkspaceId(scope.workspace_id), scope.customer_id)
    locale = choose_public_locale(request, customer.locale)
    t = i18n.translator(locale)
    purpose = t("unsubscribe.purpose.marketing" if scope.purpose == "marketing"
                else "unsubscribe.purpose.other")
    return render_public(request, "public/messaging/unsubscribe.html", {
        "done": done, "changed": changed, "purpose": purpose,
        "action": public_path(request, "public_unsubscribe_post", token=token),
    }, locale=locale)


@router.get("/u/{token}", name="public_unsubscribe")
def confirm_page(request: Request, token: Token) -> Response:
    scope = _scope(request, token)
    with _tx(request) as (session, _):
        done = messaging.is_unsubscribed(session, scope)
        return _page(request, session, scope, token, done=done)


@router.post("/u/{token}", name="public_unsubscribe_post")
def one_click(request: Request, token: Token) -> Response:
    scope = _scope(request, token)
    with _tx(request) as (session, runtime):
        changed = messaging.unsubscribe(session, scope, now=runtime.clock.now())
        return _page(request, session, scope, token, done=True, changed=changed)
