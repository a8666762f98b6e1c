"""The client inbox API: identity by user hash, read / dismiss, CORS origins, rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kizuna.db.engine import transaction
from kizuna.http.ratelimit import TokenBucket
from kizuna.messaging import inbox
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.acceptance.inbox.conftest import NOW, Inboxes, identity


def test_fetch_read_dismiss(client: TestClient, workspace: Workspace, write_key: str,
                            inboxes: Inboxes) -> None:
    hana = identity(workspace, "hana-1", write_key)
    assert client.get("/v1/inbox/unread-count", headers=hana).json() == {"unread": 1}
    body = client.get("/v1/inbox", headers=hana).json()
    assert body["unread"] == 1 and [m["id"] for m in body["items"]] == [inboxes.hana_message]
    (msg,) = body["items"]
    assert msg["title"] == "<b>セール</b> 開催中" and msg["link_url"] == "https://shop.example/sale"
    assert msg["read"] is False

    read = client.post(f"/v1/inbox/{inboxes.hana_message}/read", headers=hana)
    assert read.status_code == 200 and read.json()["read"] is True
    assert client.get("/v1/inbox/unread-count", headers=hana).json() == {"unread": 0}

    # another customer's message is invisible: 404, not 403 (ids are not confirmed)
    other = client.post(f"/v1/inbox/{inboxes.ken_message}/dismiss", headers=hana)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")

    assert client.post(f"/v1/inbox/{inboxes.hana_message}/dismiss", headers=hana).status_code \
        == 200
    assert client.get("/v1/inbox", headers=hana).json()["items"] == []


def test_wrong_hash_or_missing_identity_is_401(client: TestClient, workspace: Workspace,
                                              write_key: str, inboxes: Inboxes) -> None:
    forged = identity(workspace, "hana-1", write_key, secret="guessed-secret-" + "x" * 30)
    r = client.get("/v1/inbox", headers=forged)
    assert r.status_code == 401 and r.json()["type"].endswith("/inbox-identity-invalid")
    assert "HMAC-SHA256" in r.json()["detail"]
    ken_hash_for_hana = {**identity(workspace, "ken-2", write_key), "X-Kizuna-User-Id": "hana-1"}
    assert client.get("/v1/inbox", headers=ken_hash_for_hana).status_code == 401
    no_user = {"Authorization": identity(workspace, "x", write_key)["Authorization"]}
    assert client.get("/v1/inbox", headers=no_user).status_code == 401
    no_key = {k: v for k, v in identity(workspace, "hana-1", write_key).items()
              if k != "Authorization"}
    assert client.get("/v1/inbox", headers=no_key).status_code == 401
    # a verified user without a profile yet has an empty inbox
    assert client.get("/v1/inbox", headers=identity(workspace, "new", write_key)).json()[
        "items"] == []


def test_rotating_the_secret_invalidates_old_hashes(client: TestClient, runtime: Runtime,
                                                   workspace: Workspace, write_key: str,
                                                   inboxes: Inboxes) -> None:
    hana = identity(workspace, "hana-1", write_key)
    assert client.get("/v1/inbox", headers=hana).status_code == 200
    with transaction(runtime.sessions) as s:
        inbox.rotate_secret(s, workspace.id, now=NOW)
    assert client.get("/v1/inbox", headers=hana).status_code == 401


def test_cors_only_for_configured_origins(client: TestClient, runtime: Runtime,
                                          workspace: Workspace, write_key: str,
                                          inboxes: Inboxes) -> None:
    shop = "https://shop.example"
    preflight = {"Origin": shop, "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization,x-kizuna-user-id"}
    assert client.options("/v1/inbox", headers=preflight).status_code == 403
    hana = identity(workspace, "hana-1", write_key)
    denied = client.get("/v1/inbox", headers={**hana, "Origin": shop})
    assert denied.status_code == 403 and "kizuna inbox origins" in denied.json()["detail"]
    assert "access-control-allow-origin" not in denied.headers

    with transaction(runtime.sessions) as s:
        inbox.set_allowed_origins(s, workspace.id, [shop + "/"], now=NOW)
    ok = client.options("/v1/inbox/12/read", headers=preflight)
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == shop
    assert "X-Kizuna-User-Hash" in ok.headers["access-control-allow-headers"]
    got = client.get("/v1/inbox", headers={**hana, "Origin": shop})
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == shop
    evil = client.get("/v1/inbox", headers={**hana, "Origin": "https://evil.example"})
    assert evil.status_code == 403


def test_public_endpoints_are_rate_limited(client: TestClient, workspace: Workspace,
                                           write_key: str, inboxes: Inboxes) -> None:
    from kizuna.http.routes.inbox import RATE_BURST, RATE_PER_SECOND

    at = [0.0]  # the real bucket, on a clock the test moves
    client.app.state.inbox_rate_limiter = TokenBucket(  # type: ignore[attr-defined]
        RATE_PER_SECOND, burst=RATE_BURST, now=lambda: at[0])
    hana = identity(workspace, "hana-1", write_key)
    codes = [client.get("/v1/inbox/unread-count", headers=hana).status_code
             for _ in range(int(RATE_BURST) + 1)]
    assert codes == [200] * int(RATE_BURST) + [429]
    limited = client.post(f"/v1/inbox/{inboxes.hana_message}/read", headers=hana)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert "retry in" in limited.json()["detail"]
    at[0] += 1.0  # a second later there are tokens again
    assert client.get("/v1/inbox/unread-count", headers=hana).status_code == 200
