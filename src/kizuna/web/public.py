"""The public site: pages customers open without logging in, mounted at ``/p``.

Survey pages (``/p/s/…``), the idea board (``/p/ideas``) and review forms live here. It is a
sub-application of its own, like the dashboard, with:

- its own signed session cookie (``kizuna_public``, path ``/p``): CSRF tokens and the
  progress of a half-answered survey, never a login;
- CSRF on every form (:func:`check_form`), a honeypot field bots fill in and people never see
  (:func:`is_bot`), and a per-address rate limit on every POST (:func:`limit`);
- security headers; pages meant to be embedded in a customer's site (survey widget) relax
  ``frame-ancestors`` themselves via :func:`embeddable`;
- HTML error pages in the visitor's language (``Accept-Language``, ``?lang=``, or the default).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from kizuna.errors import KizunaError
from kizuna.http.ratelimit import TokenBucket
from kizuna.settings import Settings
from kizuna.web import formatting, i18n
from kizuna.web.security import CSRF_FIELD, SecurityHeadersMiddleware, check_csrf, csrf_token

MOUNT = "/p"
SESSION_COOKIE = "kizuna_public"
HONEYPOT_FIELD = "website"  # a plausible name bots fill in; hidden from people and readers
HERE = Path(__file__).parent
log = logging.getLogger("kizuna.web.public")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def choose_public_locale(request: Request, preferred: str | None = None) -> str:
    """``?lang=``, then the session's choice, then ``preferred`` (e.g. the customer's), then
    Accept-Language, then the default."""
    for candidate in (request.query_params.get("lang"), request.session.get("locale"),
                      preferred):
        locale = i18n.normalise_locale(candidate)
        if locale:
            return locale
    settings: Settings = request.app.state.settings
    return i18n.from_accept_language(request.headers.get("accept-language")) or (
        settings.default_locale)


def public_path(request: Request, name: str, /, **params: Any) -> str:
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(name, **params))


def render_public(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    locale: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a public template with ``t``, ``locale``, CSRF and honeypot fields in context."""
    templates: Jinja2Templates = request.app.state.templates
    settings: Settings = request.app.state.settings
    chosen = locale or choose_public_locale(request)
    tz = formatting.zone(None, settings.default_timezone)
    base: dict[str, Any] = {
        "t": i18n.translator(chosen),
        "locale": chosen,
        "locales": i18n.LOCALES,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request.session),
        "honeypot_field": HONEYPOT_FIELD,
        "path_for": lambda name, **params: public_path(request, name, **params),
        "static_path": lambda path: public_path(request, "public_static", path=path),
        "current_path": request.url.path,
        "fmt_dt": lambda value, seconds=False: formatting.format_datetime(
            value, tz, seconds=seconds),
        "fmt_date": formatting.format_date,
        "timezone": tz.key,
    }
    base.update(context or {})
    response = templates.TemplateResponse(
        request, template, base, status_code=status_code, headers=headers)
    response.headers.setdefault("cache-control", "no-store")
    return response


def check_form(request: Request, submitted_token: str | None) -> None:
    """Raise ``CsrfInvalid`` unless the form carries this visitor's CSRF token."""
    check_csrf(request.session, submitted_token)


def is_bot(honeypot_value: str | None) -> bool:
    """True when the hidden honeypot field was filled in (people never see it)."""
    return bool(honeypot_value and honeypot_value.strip())


def limit(request: Request, bucket: str = "post") -> None:
    """Spend one token of the visitor's address for ``bucket``; raises ``RateLimited``."""
    limiter: TokenBucket = request.app.state.rate_limiter
    limiter.take((bucket, client_address(request)))


def embeddable(response: Response, allowed_origins: list[str] | tuple[str, ...]) -> Response:
    """Let ``allowed_origins`` (e.g. ``https://shop.example``) frame this response.

    With no origins the page stays unframeable. Origins are validated by the caller (scheme
    and host only, no wildcards beyond what the admin configured).
    """
    if not allowed_origins:
        return response
    ancestors = " ".join(allowed_origins)
    response.headers["content-security-policy"] = (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {ancestors}"
    )
    return response  # the security middleware adds no X-Frame-Options when a CSP is set


def _error(request: Request, status: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    return render_public(request, "public/error.html", {"status": status, "message": message},
                         status_code=status, headers=headers)


def _kizuna_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, KizunaError)
    t = i18n.translator(choose_public_locale(request))
    if exc.status >= 500:
        log.exception("public page error", exc_info=exc)
        message = t("public.error.title")
    elif exc.code == "csrf-invalid":
        message = t("public.error.csrf")
    elif exc.status == 404:
        message = t("public.error.not_found")
    elif exc.status == 429:
        message = t("public.error.rate_limited")
    else:
        message = str(exc)
    headers = {k: v for k, v in exc.extra_headers.items() if k.lower() != "www-authenticate"}
    return _error(request, exc.status, message, headers or None)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    t = i18n.translator(choose_public_locale(request))
    message = t("public.error.not_found") if exc.status_code == 404 else str(exc.detail)
    return _error(request, exc.status_code, message)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = "; ".join(
        f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
    return _error(request, 400, detail)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("public page error", exc_info=exc)
    t = i18n.translator(choose_public_locale(request))
    return _error(request, 500, t("public.error.title"))


def build_public_site(settings: Settings, parent: FastAPI) -> FastAPI:
    from kizuna.web.app import build_templates
    from kizuna.web.public_views import (
        ideas,
        loyalty,
        preferences,
        reviews,
        surveys,
        tracking,
        unsubscribe,
    )

    site = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    site.state.runtime = parent.state.runtime
    site.state.settings = settings
    site.state.templates = build_templates()
    site.state.rate_limiter = TokenBucket(
        settings.public_posts_per_minute / 60.0, burst=max(5.0, settings.public_posts_per_minute))
    site.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=60 * 60 * 24 * 7,
        path=MOUNT,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    site.add_middleware(SecurityHeadersMiddleware)
    site.add_exception_handler(KizunaError, _kizuna_error)
    site.add_exception_handler(StarletteHTTPException, _http_error)
    site.add_exception_handler(RequestValidationError, _validation_error)
    site.add_exception_handler(Exception, _unexpected)
    site.include_router(surveys.router)
    site.include_router(ideas.router)
    site.include_router(reviews.router)
    site.include_router(loyalty.router)
    site.include_router(unsubscribe.router)
    site.include_router(preferences.router)
    site.include_router(tracking.router)
    site.mount("/static", StaticFiles(directory=HERE / "static"), name="public_static")
    return site


def install(app: FastAPI, settings: Settings) -> None:
    app.mount(MOUNT, build_public_site(settings, app), name="public")
