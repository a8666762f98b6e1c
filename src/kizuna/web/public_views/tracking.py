"""Email open pixel ``/p/o/{token}.gif`` and click redirect ``/p/c/{token}``.

Both read a signed token (altered tokens are a 404) and record the customer's ``Email
Opened`` / ``Email Link Clicked`` event once per message (per link for clicks). The redirect
goes only to the URL signed into the token, so it is not an open redirect. Nothing is cached.
A customer deleted since the mail was sent still gets the pixel and the redirect.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.db.translate import translate_db_errors
from kizuna.errors import NotFound
from kizuna.messaging import api as messaging
from kizuna.runtime import Runtime
from kizuna.settings import Settings

router = APIRouter()
Token = Annotated[str, Path(min_length=8, max_length=4000)]
NO_STORE = {"cache-control": "no-store, max-age=0", "pragma": "no-cache"}


def _hit(request: Request, token: str, kind: str) -> messaging.TrackedHit:
    settings: Settings = request.app.state.settings
    return messaging.read_tracking_token(settings.secret_key.get_secret_value(), token, kind)


def _record(request: Request, hit: messaging.TrackedHit) -> None:
    runtime: Runtime = request.app.state.runtime
    try:
        with translate_db_errors(), runtime.sessions() as session, session.begin():
            messaging.record_tracking_hit(session, hit, now=runtime.clock.now())
    except NotFound:
        pass  # the customer was deleted: still answer


@router.get("/o/{token}.gif", name="public_open_pixel")
def open_pixel(request: Request, token: Token) -> Response:
    _record(request, _hit(request, token, "o"))
    return Response(messaging.PIXEL_GIF, media_type="image/gif", headers=NO_STORE)


@router.get("/c/{token}", name="public_click")
def click(request: Request, token: Token) -> Response:
    hit = _hit(request, token, "c")
    _record(request, hit)
    assert hit.url is not None
    return RedirectResponse(hit.url, status_code=302,
                            headers={**NO_STORE, "referrer-policy": "no-referrer"})
