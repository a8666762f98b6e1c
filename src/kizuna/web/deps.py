"""Dashboard dependencies: the signed-in user, roles, language, time zone and rendering."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from kizuna.auth import api as auth
from kizuna.auth.contracts import Role, User
from kizuna.auth.errors import RoleInsufficient
from kizuna.http.deps import SessionDep
from kizuna.settings import Settings
from kizuna.types import UserId
from kizuna.web import formatting, i18n, nav
from kizuna.web.errors import LoginRequired
from kizuna.web.security import CSRF_FIELD, csrf_token
from kizuna.workspaces import api as workspaces

USER_KEY = "user_id"
LOCALE_KEY = "locale"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def path_for(request: Request, name: str, /, **params: Any) -> str:
    """A site-relative URL path for a dashboard route (works under any mount point)."""
    root: str = request.scope.get("root_path", "")
    return root + str(request.app.url_path_for(name, **params))


def choose_locale(request: Request, user: User | None) -> str:
    """The session's explicit choice, then the user's, then Accept-Language, then the default."""
    for candidate in (request.session.get(LOCALE_KEY), user.locale if user else None):
        locale = i18n.normalise_locale(candidate)
        if locale:
            return locale
    return (
        i18n.from_accept_language(request.headers.get("accept-language"))
        or settings_of(request).default_locale
    )


def _load_user(request: Request, session: Session) -> User | None:
    raw = request.session.get(USER_KEY)
    if not isinstance(raw, int):
        return None
    user = auth.get_user(session, UserId(raw))
    if user is None:  # deleted since the cookie was issued
        request.session.pop(USER_KEY, None)
        return None
    request.state.user = user
    timezone = workspaces.get_workspace(session, user.workspace_id).timezone
    request.state.timezone = timezone or settings_of(request).default_timezone
    return user


def optional_user(request: Request, session: SessionDep) -> User | None:
    return _load_user(request, session)


def current_user(request: Request, session: SessionDep) -> User:
    user = _load_user(request, session)
    if user is None:
        raise LoginRequired()
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_role(needed: Role) -> Callable[..., User]:
    """Dependency factory: the signed-in user must hold ``needed`` (admin ⊃ marketer ⊃ viewer)."""

    def dependency(user: CurrentUser) -> User:
        if not user.has_role(needed):
            raise RoleInsufficient(
                f"This page needs the {needed.value!r} role; you are {user.role.value!r}.",
                role=user.role.value,
                needed=needed.value,
            )
        return user

    return dependency


ViewerUser = Annotated[User, Depends(require_role(Role.VIEWER))]
MarketerUser = Annotated[User, Depends(require_role(Role.MARKETER))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the dashboard's common context (t, user, csrf, nav, dates)."""
    templates: Jinja2Templates = request.app.state.templates
    user: User | None = getattr(request.state, "user", None)
    locale = choose_locale(request, user)
    tz = formatting.zone(
        getattr(request.state, "timezone", None), settings_of(request).default_timezone
    )
    current = request.url.path
    root = request.scope.get("root_path", "")
    base: dict[str, Any] = {
        "t": i18n.translator(locale),
        "locale": locale,
        "locales": i18n.LOCALES,
        "user": user,
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request.session),
        "nav_items": nav.visible_items(user),
        "nav_active": lambda item: current.startswith(root + item.active_prefix),
        "path_for": lambda name, **params: path_for(request, name, **params),
        "current_path": current + (f"?{request.url.query}" if request.url.query else ""),
        "timezone": tz.key,
        "fmt_dt": lambda value, seconds=False: formatting.format_datetime(
            value, tz, seconds=seconds
        ),
        "fmt_date": formatting.format_date,
        "fmt_money": formatting.format_money,
        "fmt_value": formatting.format_value,
        "fmt_qty": formatting.format_quantity,
        "fmt_json": formatting.format_json,
    }
    base.update(context or {})
    response = templates.TemplateResponse(
        request, template, base, status_code=status_code, headers=headers
    )
    response.headers.setdefault("cache-control", "no-store")
    return response
