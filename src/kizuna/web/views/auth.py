"""Login, logout and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kizuna.auth import api as auth
from kizuna.auth.errors import InvalidCredentials
from kizuna.errors import Invalid
from kizuna.http.deps import RuntimeDep, SessionDep
from kizuna.web import i18n
from kizuna.web.deps import (
    LOCALE_KEY,
    USER_KEY,
    OptionalUser,
    path_for,
    render,
)
from kizuna.web.security import CSRF_FIELD, LoginThrottle, check_csrf, csrf_token, safe_next

router = APIRouter()

FormStr = Annotated[str, Form()]


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _home(request: Request) -> str:
    return path_for(request, "overview")


@router.get("/login", name="login")
def login_page(
    request: Request, user: OptionalUser, next: str = "", logged_out: bool = False
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next, _home(request)), status_code=303)
    return render(
        request,
        "login.html",
        {"next": safe_next(next, ""), "error": None, "email": "", "logged_out": logged_out},
    )


@router.post("/login", name="login_submit")
def login_submit(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    email: FormStr = "",
    password: FormStr = "",
    next: FormStr = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    client = _client_key(request)
    retry_after = throttle.retry_after(client)
    context = {"next": safe_next(next, ""), "email": email, "logged_out": False}
    if retry_after is not None:
        return render(
            request,
            "login.html",
            {**context, "error": "login.rate_limited"},
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
    check_csrf(request.session, csrf)
    try:
        user = auth.authenticate_user(session, email=email, password=password, clock=runtime.clock)
    except InvalidCredentials:
        throttle.record_failure(client)
        return render(request, "login.html", {**context, "error": "login.failed"}, status_code=401)
    chosen = i18n.normalise_locale(request.session.get(LOCALE_KEY))
    request.session.clear()  # a fresh session (and CSRF token) on every login: no fixation
    request.session[USER_KEY] = int(user.id)
    if chosen:
        request.session[LOCALE_KEY] = chosen
        auth.set_user_locale(session, user.id, chosen)
    csrf_token(request.session)
    return RedirectResponse(safe_next(next, _home(request)), status_code=303)


@router.post("/logout", name="logout")
def logout(request: Request, csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(request.session, csrf)
    locale = request.session.get(LOCALE_KEY)
    request.session.clear()
    if locale:
        request.session[LOCALE_KEY] = locale
    return RedirectResponse(path_for(request, "login") + "?logged_out=1", status_code=303)


@router.post("/locale", name="set_locale")
def set_locale(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    locale: FormStr = "",
    next: FormStr = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    check_csrf(request.session, csrf)
    chosen = i18n.normalise_locale(locale)
    if chosen is None or chosen != locale:
        raise Invalid(
            f"Unknown language {locale!r}; choose one of {', '.join(i18n.LOCALES)}.",
            field="locale",
        )
    request.session[LOCALE_KEY] = chosen
    if user is not None:
        auth.set_user_locale(session, user.id, chosen)
    fallback = _home(request) if user else path_for(request, "login")
    return RedirectResponse(safe_next(next, fallback), status_code=303)
