"""The dashboard: a server-rendered FastAPI sub-application mounted at ``/app``.

It has its own middleware (signed session cookie, security headers) and its own error
handlers (HTML pages instead of problem+json), so the JSON API under ``/v1`` is untouched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from kizuna.errors import KizunaError
from kizuna.settings import Settings
from kizuna.web import i18n
from kizuna.web.deps import choose_locale, path_for, render
from kizuna.web.errors import CsrfInvalid, LoginRequired
from kizuna.web.security import LoginThrottle, SecurityHeadersMiddleware
from kizuna.web.views import auth as auth_views
from kizuna.web.views import broadcasts as broadcast_views
from kizuna.web.views import customers as customer_views
from kizuna.web.views import experiments as experiment_views
from kizuna.web.views import feedback as feedback_views
from kizuna.web.views import ideas as idea_views
from kizuna.web.views import inbox as inbox_views
from kizuna.web.views import jobs as job_views
from kizuna.web.views import journeys as journey_views
from kizuna.web.views import loyalty as loyalty_views
from kizuna.web.views import overview as overview_views
from kizuna.web.views import recommendations as recommendation_views
from kizuna.web.views import reviews as review_views
from kizuna.web.views import segments as segment_views
from kizuna.web.views import surveys as survey_views

MOUNT = "/app"
SESSION_COOKIE = "kizuna_session"
HERE = Path(__file__).parent
log = logging.getLogger("kizuna.web")


def build_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # everything, whatever the file name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _error_page(
    request: Request,
    status: int,
    message: str,
    headers: dict[str, str] | None = None,
    detail: str | None = None,
) -> Response:
    return render(
        request,
        "errors/error.html",
        {"status": status, "message": message, "detail": detail if detail != message else None},
        status_code=status,
        headers=headers,
    )


def _kizuna_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KizunaError)
    if isinstance(exc, LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = path_for(request, "login") + "?" + urlencode({"next": target})
        return RedirectResponse(login, status_code=303)
    t = i18n.translator(choose_locale(request, getattr(request.state, "user", None)))
    detail: str | None = str(exc)
    if exc.status >= 500:
        log.exception("dashboard error", exc_info=exc)
        message, detail = t("error.title"), None
    elif isinstance(exc, CsrfInvalid):
        message = t("error.csrf")
    elif exc.status == 404:
        message = t("error.not_found")
    elif exc.status == 403:
        message = t("error.forbidden")
    else:
        message, detail = str(exc), None
    headers = {k: v for k, v in exc.extra_headers.items() if k.lower() != "www-authenticate"}
    return _error_page(request, exc.status, message, headers or None, detail)


def _unexpected_error(request: Request, exc: Exception) -> Response:
    """Any other exception: a plain error page without internals (the server logs it)."""
    t = i18n.translator(choose_locale(request, getattr(request.state, "user", None)))
    return _error_page(request, 500, t("error.title"))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    t = i18n.translator(choose_locale(request, getattr(request.state, "user", None)))
    message = t("error.not_found") if exc.status_code == 404 else str(exc.detail)
    return _error_page(request, exc.status_code, message, getattr(exc, "headers", None))


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
    )
    return _error_page(request, 400, detail)


def build_dashboard(settings: Settings, parent: FastAPI) -> FastAPI:
    dashboard = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    dashboard.state.runtime = parent.state.runtime
    dashboard.state.settings = settings
    dashboard.state.templates = build_templates()
    dashboard.state.login_throttle = LoginThrottle(settings.login_rate_limit_per_minute)
    dashboard.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        path=MOUNT,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    dashboard.add_middleware(SecurityHeadersMiddleware)
    dashboard.add_exception_handler(KizunaError, _kizuna_error)
    dashboard.add_exception_handler(StarletteHTTPException, _http_error)
    dashboard.add_exception_handler(RequestValidationError, _validation_error)
    dashboard.add_exception_handler(Exception, _unexpected_error)
    dashboard.include_router(auth_views.router)
    dashboard.include_router(customer_views.router)
    dashboard.include_router(overview_views.router)
    dashboard.include_router(survey_views.router)
    dashboard.include_router(feedback_views.router)
    dashboard.include_router(review_views.router)
    dashboard.include_router(idea_views.router)
    dashboard.include_router(segment_views.router)
    dashboard.include_router(journey_views.router)
    dashboard.include_router(recommendation_views.router)
    dashboard.include_router(loyalty_views.router)
    dashboard.include_router(job_views.router)
    dashboard.include_router(inbox_views.router)
    dashboard.include_router(experiment_views.router)
    dashboard.include_router(broadcast_views.router)
    dashboard.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return dashboard


def install(app: FastAPI, settings: Settings) -> None:
    """Mount the dashboard on ``app`` at ``/app``; ``/`` redirects there."""

    async def root() -> RedirectResponse:
        return RedirectResponse(MOUNT + "/", status_code=307)

    app.add_api_route("/", root, methods=["GET"], include_in_schema=False)
    app.mount(MOUNT, build_dashboard(settings, app), name="dashboard")
