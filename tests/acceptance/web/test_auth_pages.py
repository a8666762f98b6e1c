"""Dashboard login, logout, session cookie, CSRF, rate limit, redirects, roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from kizuna.auth.contracts import Role, User
from kizuna.runtime import Runtime
from kizuna.settings import Settings
from kizuna.web.deps import require_role
from tests.acceptance.web.conftest import csrf_of, login


def test_root_redirects_to_dashboard_and_login(client: TestClient) -> None:
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 307 and first.headers["location"] == "/app/"
    second = client.get("/app/customers?q=x", follow_redirects=False)
    assert second.status_code == 303
    assert second.headers["location"] == "/app/login?next=%2Fapp%2Fcustomers%3Fq%3Dx"


def test_security_headers_on_every_dashboard_response(client: TestClient) -> None:
    for path in ("/app/login", "/app/customers", "/app/static/app.css", "/app/nope"):
        response = client.get(path, follow_redirects=False)
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
    assert "content-security-policy" not in client.get("/healthz").headers


def test_login_sets_a_hardened_session_cookie_and_follows_next(
    client: TestClient, users: dict[str, str]
) -> None:
    response = login(client, users["admin"], next="/app/customers?q=abc")
    assert response.status_code == 303
    assert response.headers["location"] == "/app/customers?q=abc"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("kizuna_session=")
    for attribute in ("httponly", "samesite=lax", "path=/app", "max-age=43200"):
        assert attribute in cookie, attribute
    assert "secure" not in cookie  # secure_cookies defaults to off (plain-HTTP dev server)
    page = client.get("/app/customers")
    assert page.status_code == 200
    assert users["admin"] in page.text and "Admin" in page.text


def test_secure_cookies_setting_marks_the_cookie_secure(
    settings: Settings, runtime: Runtime
) -> None:
    from kizuna.http.app import create_app

    with TestClient(
        create_app(settings.model_copy(update={"secure_cookies": True}), runtime),
        base_url="https://testserver",
    ) as c:
        response = c.get("/app/login")
        assert "secure" in response.headers["set-cookie"].lower()


def test_next_never_leaves_the_site(client: TestClient, users: dict[str, str]) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"):
        client.cookies.clear()
        response = login(client, users["admin"], next=target)
        assert response.headers["location"] == "/app/overview", target


def test_wrong_password_shows_the_form_again(client: TestClient, users: dict[str, str]) -> None:
    response = login(client, users["admin"], password="wrong password!")
    assert response.status_code == 401
    assert "The email or password is wrong." in response.text
    assert client.get("/app/customers", follow_redirects=False).status_code == 303


def test_failed_logins_are_rate_limited_per_address(
    strict_client: TestClient, users: dict[str, str]
) -> None:
    for _ in range(3):
        assert login(strict_client, users["admin"], password="nope nope nope").status_code == 401
    blocked = login(strict_client, users["admin"])  # even the right password now waits
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "Too many failed logins" in blocked.text


def test_post_forms_require_the_csrf_token(client: TestClient, users: dict[str, str]) -> None:
    client.get("/app/login")
    no_token = client.post(
        "/app/login",
        data={"email": users["admin"], "password": "x" * 12},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    assert no_token.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in no_token.text
    assert login(client, users["admin"]).status_code == 303
    for path, data in (("/app/logout", {}), ("/app/locale", {"locale": "ja"})):
        for token in (None, "forged-token"):
            body = dict(data) | ({"csrf_token": token} if token else {})
            assert client.post(path, data=body, follow_redirects=False).status_code == 403
    assert client.get("/app/customers").status_code == 200  # still logged in, still English
    assert "Customers" in client.get("/app/customers").text


def test_csrf_token_of_another_session_is_rejected(
    client: TestClient, settings: Settings, runtime: Runtime
) -> None:
    from kizuna.http.app import create_app

    with TestClient(create_app(settings, runtime)) as other:
        foreign = csrf_of(other.get("/app/login").text)
    client.get("/app/login")
    response = client.post(
        "/app/locale", data={"locale": "ja", "csrf_token": foreign}, follow_redirects=False
    )
    assert response.status_code == 403


def test_logout_ends_the_session(viewer_client: TestClient) -> None:
    page = viewer_client.get("/app/customers")
    response = viewer_client.post(
        "/app/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?logged_out=1"
    assert "You have been logged out." in viewer_client.get(response.headers["location"]).text
    assert viewer_client.get("/app/customers", follow_redirects=False).status_code == 303


def test_logout_is_post_only(viewer_client: TestClient) -> None:
    assert viewer_client.get("/app/logout").status_code == 405
    assert viewer_client.get("/app/customers").status_code == 200


def test_login_page_redirects_when_already_signed_in(viewer_client: TestClient) -> None:
    response = viewer_client.get(
        "/app/login?next=/app/customers%3Fpage%3D1", follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/customers?page=1"


def _dashboard(client: TestClient) -> FastAPI:
    app = client.app
    [mount] = [r for r in app.routes if isinstance(r, Mount) and r.path == "/app"]  # type: ignore[attr-defined]
    dashboard = mount.app
    assert isinstance(dashboard, FastAPI)
    return dashboard


def test_require_role_guards_pages(client: TestClient, users: dict[str, str]) -> None:
    """A page that later issues would add, guarded by ``require_role``."""
    dashboard = _dashboard(client)

    @dashboard.get("/admin-only-test")
    def admin_only(user: Annotated[User, Depends(require_role(Role.ADMIN))]) -> dict[str, str]:
        return {"email": user.email}

    assert client.get("/app/admin-only-test", follow_redirects=False).status_code == 303
    login(client, users["viewer"])
    denied = client.get("/app/admin-only-test")
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("text/html")
    assert "Your role does not allow this page." in denied.text
    client.cookies.clear()
    login(client, users["admin"])
    assert client.get("/app/admin-only-test").json() == {"email": users["admin"]}
