"""The official Python SDKs, unchanged, against kizuna served by uvicorn on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from kizuna.ingest.tables import EventRow
from kizuna.profiles import api as profiles
from kizuna.runtime import Runtime
from kizuna.types import CustomerId
from kizuna.workspaces.contracts import Workspace


def stored(runtime: Runtime) -> list[EventRow]:
    with runtime.sessions() as s:
        return list(s.scalars(sa.select(EventRow).order_by(EventRow.id)))


@pytest.fixture
def segment_sdk(live_server: str, write_key: str) -> Iterator[Any]:
    import segment.analytics as analytics

    errors: list[Exception] = []
    analytics.write_key = write_key
    analytics.host = live_server
    analytics.sync_mode = True
    analytics.max_retries = 0
    analytics.on_error = lambda error, _items: errors.append(error)
    analytics.default_client = None
    yield analytics
    analytics.default_client = None
    assert errors == []


@pytest.fixture
def rudder_sdk(live_server: str, write_key: str) -> Iterator[Any]:
    import rudderstack.analytics as rudder_analytics

    errors: list[Exception] = []
    rudder_analytics.write_key = write_key
    rudder_analytics.dataPlaneUrl = live_server
    rudder_analytics.sync_mode = True
    rudder_analytics.max_retries = 0
    rudder_analytics.on_error = lambda error, _items: errors.append(error)
    rudder_analytics.default_client = None
    yield rudder_analytics
    rudder_analytics.default_client = None
    assert errors == []


def _drive(sdk: Any) -> None:
    sdk.page(anonymous_id="device-1", name="Home", properties={"path": "/"})
    sdk.track(anonymous_id="device-1", event="Product Viewed", properties={"product_id": "tea-1"})
    sdk.identify(
        user_id="user-42",
        anonymous_id="device-1",
        traits={"email": "aoi@example.jp", "firstName": "Aoi"},
    )
    sdk.track(
        user_id="user-42",
        event="Order Completed",
        properties={"order_id": "sdk-1", "total": 1500, "currency": "JPY"},
    )


@pytest.mark.parametrize("sdk_name", ["segment_sdk", "rudder_sdk"])
def test_sdk_events_land_on_the_identified_customer(
    request: pytest.FixtureRequest, runtime: Runtime, workspace: Workspace, sdk_name: str
) -> None:
    sdk = request.getfixturevalue(sdk_name)
    _drive(sdk)
    sdk.flush()
    rows = stored(runtime)
    assert [(r.type, r.event) for r in rows] == [
        ("page", None),
        ("track", "Product Viewed"),
        ("identify", None),
        ("track", "Order Completed"),
    ]
    assert all(r.context and r.context.get("library") for r in rows)
    assert len({r.customer_id for r in rows}) == 1
    with runtime.sessions() as s:
        customer = profiles.get_customer(s, workspace.id, CustomerId(rows[0].customer_id))
    assert customer.external_id == "user-42"
    assert customer.email == "aoi@example.jp"
    assert customer.first_name == "Aoi"
