"""Test data for the dashboard and admin API tests, built through the real facades."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from kizuna.auth import api as auth
from kizuna.auth.contracts import Role, Scope
from kizuna.ingest import api as ingest
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import CustomerUpsert
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace

T0 = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
PASSWORD = "correct horse battery staple"
OTHER_CUSTOMERS = 60
EXTRA_PAGE_VIEWS = 55  # more than one timeline page (50)


@dataclass(frozen=True)
class Seeded:
    hanako: CustomerId
    hanako_user_id: str
    hanako_email: str
    anonymous_id: str
    xss_customer: CustomerId
    events_total: int


def seed_customers(runtime: Runtime, workspace: Workspace) -> Seeded:
    """Hanako browses anonymously, then identifies (her imported profile absorbs the anonymous
    one), then orders; 60 other imported customers; one whose name is a script tag."""
    ws = workspace.id
    anon = "anon-hanako-7f3a"
    with runtime.sessions() as s, s.begin():
        source = ingest.create_source(s, workspace_id=ws, name="web", clock=runtime.clock).source
        others = [
            CustomerUpsert(
                external_id=f"shop-{i:03d}",
                email=f"buyer{i:03d}@example.org",
                name=f"Buyer {i:03d}",
                country="US" if i % 2 else "JP",
                seen_at=T0 - timedelta(days=i + 1),
            )
            for i in range(OTHER_CUSTOMERS)
        ]
        profiles.upsert_customers(s, ws, others, T0 - timedelta(days=100))
        [hanako] = profiles.upsert_customers(
            s,
            ws,
            [CustomerUpsert(external_id="u-hanako", email="hanako@example.jp", name="山田 花子")],
            T0 - timedelta(days=30),
        )
        [xss] = profiles.upsert_customers(
            s,
            ws,
            [CustomerUpsert(external_id="u-xss", name="<script>alert('x')</script>")],
            T0 - timedelta(days=200),
        )

        def at(minutes: float) -> str:
            return (T0 + timedelta(minutes=minutes)).isoformat()

        messages: list[dict[str, Any]] = [
            {
                "type": "page",
                "messageId": f"pv-{i}",
                "anonymousId": anon,
                "name": f"Page {i}",
                "properties": {"path": f"/p/{i}"},
                "timestamp": at(i * 0.1),
            }
            for i in range(EXTRA_PAGE_VIEWS)
        ]
        messages.append(
            {
                "type": "track",
                "messageId": "m-viewed",
                "anonymousId": anon,
                "event": "Product Viewed",
                "properties": {"product_id": "sku-matcha", "name": "抹茶セット", "price": 3200},
                "timestamp": at(10),
            }
        )
        # Browsing first (an anonymous profile), identify later: a real merge, as on a site.
        received = T0 + timedelta(hours=1)
        ingest.ingest_messages(s, source=source, messages=messages, received_at=received)
        known = [
            {
                "type": "identify",
                "messageId": "m-identify",
                "userId": "u-hanako",
                "anonymousId": anon,
                "traits": {
                    "email": "hanako@example.jp",
                    "name": "山田 花子",
                    "plan": "gold",
                    "address": {"country": "JP"},
                },
                "timestamp": at(20),
            },
            {
                "type": "track",
                "messageId": "m-order",
                "userId": "u-hanako",
                "event": "Order Completed",
                "properties": {
                    "order_id": "o-1001",
                    "total": 6400,
                    "currency": "JPY",
                    "products": [
                        {
                            "product_id": "sku-matcha",
                            "name": "抹茶セット",
                            "price": 3200,
                            "quantity": 2,
                        },
                    ],
                },
                "timestamp": at(30),
            },
        ]
        ingest.ingest_messages(s, source=source, messages=known, received_at=received)
        profiles.record_consent(
            s,
            ws,
            hanako,
            channel="email",
            purpose="marketing",
            status="granted",
            method="form",
            wording="メールでお知らせを受け取る",
            at=T0 + timedelta(minutes=21),
        )
    return Seeded(
        hanako=hanako,
        hanako_user_id="u-hanako",
        hanako_email="hanako@example.jp",
        anonymous_id=anon,
        xss_customer=xss,
        events_total=len(messages) + len(known),
    )


def create_user(runtime: Runtime, workspace: Workspace, email: str, role: Role) -> None:
    with runtime.sessions() as s, s.begin():
        auth.create_user(
            s,
            workspace_id=workspace.id,
            email=email,
            password=PASSWORD,
            role=role,
            clock=runtime.clock,
        )


def create_key(runtime: Runtime, workspace: Workspace, scope: Scope) -> str:
    with runtime.sessions() as s, s.begin():
        return auth.create_api_key(
            s, workspace_id=workspace.id, scope=scope, clock=runtime.clock
        ).key
