from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from kizuna.db.engine import transaction
from kizuna.messaging import inbox
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace
from tests.conftest import TEST_SECRET

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Inboxes:
    hana: int
    ken: int
    hana_message: int
    ken_message: int


def identity(workspace: Workspace, user_id: str, write_key: str,
             secret: str = TEST_SECRET) -> dict[str, str]:
    """The headers the snippet sends for ``user_id`` (hash made as the shop's server would)."""
    import base64

    with_secret = inbox.inbox_secret(secret, workspace.id, 1)
    return {"Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
            "X-Kizuna-User-Id": user_id,
            "X-Kizuna-User-Hash": inbox.user_hash(with_secret, user_id)}


@pytest.fixture
def inboxes(runtime: Runtime, workspace: Workspace, write_key: str) -> Inboxes:
    with transaction(runtime.sessions) as s:
        hana, ken = profiles.upsert_customers(s, workspace.id, [
            CustomerUpsert(external_id="hana-1", first_name="Hana"),
            CustomerUpsert(external_id="ken-2", first_name="Ken")], NOW)
        a, _ = inbox.deliver(s, workspace.id, customer_id=hana, idempotency_key="k:1",
                             title="<b>セール</b> 開催中",
                             text="20%オフ <img src=x onerror=alert(1)>",
                             html="<p>20%</p>", link_url="https://shop.example/sale",
                             locale="ja", now=NOW - timedelta(hours=1))
        b, _ = inbox.deliver(s, workspace.id, customer_id=ken, idempotency_key="k:2",
                             title="Ken's note", text="private", now=NOW)
    return Inboxes(hana, ken, a.id, b.id)
