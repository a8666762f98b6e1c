"""Engagement, journey stages and RFM on data written through the real facades, snapshotted
from real SQLite and real PostgreSQL (the ``database_url`` fixture runs each test on both)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kizuna.analytics.snapshot import Snapshot, take_snapshot
from kizuna.ingest import api as ingest
from kizuna.metrics import satisfaction
from kizuna.metrics.engagement import engagement_kpis, engagement_scores
from kizuna.metrics.journeys import JourneyStage, journey_stages
from kizuna.metrics.periods import Period
from kizuna.metrics.rfm import RfmSegment, rfm
from kizuna.runtime import Runtime
from kizuna.workspaces.contracts import Workspace

from .conftest import AS_OF, _track

MAY = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)  # 10:00 on 1 May in Tokyo


def _mail_and_social() -> list[dict[str, Any]]:
    campaign = {"campaign_id": "nl-20260501", "email_subject": "May"}
    h = timedelta(hours=1)
    return [
        _track("d1", "u1", "Email Delivered", MAY, **campaign),
        _track("d2", "u2", "Email Delivered", MAY, **campaign),
        _track("o1", "u1", "Email Opened", MAY + h, **campaign),
        _track("o1b", "u1", "Email Opened", MAY + 2 * h, **campaign),
        _track("c1", "u1", "Email Link Clicked", MAY + 2 * h, link_url="https://x", **campaign),
        _track("s3", "u3", "Social Post Liked", MAY, network="x", post_id="p9", reach=200),
        _track("s2", "u2", "Social Post Shared", MAY + h, network="x", post_id="p8", reach=50),
    ]


@pytest.fixture
def shop_snapshot(
    runtime: Runtime,
    settings: Any,
    workspace: Workspace,
    write_key: str,
    small_shop: dict[str, int],
) -> Iterator[Snapshot]:
    with runtime.sessions.begin() as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, messages=_mail_and_social(), received_at=AS_OF)
    snap = take_snapshot(
        settings.database_url, workspace.id, timezone="Asia/Tokyo", currency="JPY", as_of=AS_OF
    )
    yield snap
    snap.close()


def test_engagement_kpis_from_the_store(shop_snapshot: Snapshot) -> None:
    rep = engagement_kpis(shop_snapshot, Period(date(2026, 5, 1), date(2026, 5, 31)))
    assert (rep.email_open_rate.value, rep.email_open_rate.n) == (0.5, 2)
    assert rep.email_click_rate.value == 0.5 and rep.click_to_open_rate.value == 1.0
    assert rep.newsletter_open_rate.value == 0.5 and rep.unsubscribe_rate.value == 0.0
    assert rep.social_engagement.value == pytest.approx(2 / 250)
    assert rep.sessions.value == 0.0 and rep.pages_per_session.value is None
    march = engagement_kpis(shop_snapshot, Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert march.sessions.value == 2.0 and march.pages_per_session.value == 1.5


def test_engagement_scores_from_the_store(
    shop_snapshot: Snapshot, small_shop: dict[str, int]
) -> None:
    res = engagement_scores(shop_snapshot, window_days=60)  # 2 Apr .. 1 Jun: May mail/social
    u1, u2, u3 = (small_shop[u] for u in ("u1", "u2", "u3"))
    assert res.active == 3
    # u1: opens .10 + clicks .15 + orders (11 Apr) .20 + recency (clicked last, 1.0) .15
    assert res.scores[u1] == pytest.approx(60.0)
    # u2: social .10 + recency (shared at +1 h: 2nd of 3) .15 * 2/3
    assert res.scores[u2] == pytest.approx(20.0)
    # u3: social .10 + recency (liked at 01:00, earliest) .15 / 3
    assert res.scores[u3] == pytest.approx(15.0)


def test_journey_stages_from_the_store(shop_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    rep = journey_stages(shop_snapshot)
    u1, u2, u3 = (small_shop[u] for u in ("u1", "u2", "u3"))
    assert rep.stage_of_customer == {
        u1: JourneyStage.RETENTION,
        u2: JourneyStage.ADVOCACY,  # promoter (9) in March, a share in May
        u3: JourneyStage.CONSIDERATION,
    }
    assert [f.reached for f in rep.funnel] == [3, 3, 2, 2, 1]
    by = {m.stage: m for m in rep.journey_map}
    assert by[JourneyStage.PURCHASE].nps == satisfaction.nps({9: 1})  # u2 answered as a buyer
    assert by[JourneyStage.CONSIDERATION].touchpoints[0].name in {"page view", "Product Viewed"}


def test_rfm_from_the_store(shop_snapshot: Snapshot, small_shop: dict[str, int]) -> None:
    rep = rfm(shop_snapshot)
    u1, u2 = small_shop["u1"], small_shop["u2"]
    # u1: last order 11 Apr (51 days), 2 orders, 30; u2: 5 Mar (88 days), 1 order, 30
    assert rep.customers == {
        u1: (3, 3, 1, RfmSegment.ABOUT_TO_SLEEP.value),
        u2: (1, 1, 1, RfmSegment.LOST.value),
    }
    assert rep.revenue == 60.0
    seg = {s.segment: s for s in rep.segments}
    assert seg[RfmSegment.ABOUT_TO_SLEEP].mean_recency == 51.0
    assert seg[RfmSegment.LOST].mean_recency == 88.0
