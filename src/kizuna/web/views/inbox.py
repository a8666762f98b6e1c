"""Dashboard page of the in-app inbox: the user-hash secret, allowed origins, the snippet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.errors import Invalid
from kizuna.http.deps import SessionDep
from kizuna.messaging import api as messaging
from kizuna.runtime import Runtime
from kizuna.web.deps import AdminUser, path_for, render, settings_of
from kizuna.web.security import CSRF_FIELD, check_csrf

router = APIRouter()
CsrfField = Annotated[str, Form(alias=CSRF_FIELD)]
DONE = ("origins", "rotated")


def _page(request: Request, user: AdminUser, session: SessionDep, *, done: str = "",
          error: str = "", origins_text: str | None = None, status_code: int = 200) -> Response:
    settings = settings_of(request)
    current = messaging.inbox.get_settings(session, user.workspace_id)
    secret = messaging.inbox.workspace_secret(session, user.workspace_id,
                                              settings.secret_key.get_secret_value())
    return render(request, "inbox/settings.html", {
        "secret": secret, "origins": current.allowed_origins,
        "origins_text": "\n".join(current.allowed_origins) if origins_text is None
        else origins_text,
        "base_url": settings.public_base_url.rstrip("/"), "done": done, "error": error,
    }, status_code=status_code)


@router.get("/inbox", name="inbox_settings")
def inbox_settings(request: Request, user: AdminUser, session: SessionDep,
                   done: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The inbox secret, the web sites allowed to embed the inbox, and the snippet."""
    return _page(request, user, session, done=done if done in DONE else "")


@router.post("/inbox/origins", name="inbox_origins")
def save_origins(request: Request, user: AdminUser, session: SessionDep,
                 origins: Annotated[str, Form(max_length=5000)] = "",
                 csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    runtime: Runtime = request.app.state.runtime
    try:
        messaging.inbox.set_allowed_origins(session, user.workspace_id, origins.splitlines(),
                                            now=runtime.clock.now())
    except Invalid as exc:  # validated before anything is written
        return _page(request, user, session, error=str(exc), origins_text=origins,
                     status_code=400)
    return RedirectResponse(f"{path_for(request, 'inbox_settings')}?done=origins",
                            status_code=303)


@router.post("/inbox/rotate", name="inbox_rotate")
def rotate(request: Request, user: AdminUser, session: SessionDep,
           csrf: CsrfField = "") -> Response:
    check_csrf(request.session, csrf)
    runtime: Runtime = request.app.state.runtime
    messaging.inbox.rotate_secret(session, user.workspace_id, now=runtime.clock.now())
    return RedirectResponse(f"{path_for(request, 'inbox_settings')}?done=rotated",
                            status_code=303)
