"""Journey stages, funnel, movement and journey map on a hand-built snapshot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from kizuna.errors import Invalid
from kizuna.metrics import intervals, satisfaction
from kizuna.metrics.journeys import NO_STAGE, JourneyStage, journey_stages
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)  # 09:00 on 1 December in Tokyo
SEP = datetime(2026, 9, 10, 3, tzinfo=UTC)
OCT = datetime(2026, 10, 10, 3, tzinfo=UTC)
NOV = datetime(2026, 11, 10, 3, tzinfo=UTC)


def _ev(cid: int | None, event: str, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"customer_id": cid, "event": event, "ts": at, **kw}


def _page(cid: int | None, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"customer_id": cid, "type": "page", "ts": at, **kw}


def _order(cid: int, at: datetime, **kw: Any) -> dict[str, Any]:
    return {"customer_id": cid, "placed_at": at, "total": 10.0, **kw}


def _snapshot() -> Any:
    m = timedelta(minutes=1)
    events = [
        _page(1, SEP),  # 1: awareness in Sep
        _page(2, SEP),
        _ev(2, "Product Viewed", SEP + m),  # 2: consideration in Sep
        _ev(2, "Survey Responded", OCT, survey_kind="csat", score=2),  # answered in consideration
        _page(3, OCT),
        _ev(3, "Products Searched", OCT + m),  # 3: consideration, buys in Oct
        _ev(3, "Survey Responded", NOV, survey_kind="nps", score=10),  # promoter -> advocacy
        _page(4, SEP),  # 4: two orders -> retention
        _ev(5, "Email Delivered", SEP, campaign_id="nl-1"),  # 5: no stage (delivery only)
        _page(None, NOV, who="anon:a"),  # an anonymous visitor: awareness
        _ev(6, "Social Post Shared", NOV, reach=10),  # 6: advocacy without a purchase
        _ev(4, "Survey Responded", NOV, survey_kind="nps", score=3),  # answered in retention
    ]
    orders = [
        _order(3, OCT + 5 * m),
        _order(4, SEP + timedelta(days=1)),
        _order(4, OCT),
        _order(4, NOV, status="cancelled"),  # not counted
        _order(7, AS_OF + timedelta(days=1)),  # after as_of: ignored
    ]
    return make_snapshot(events=events, orders=orders, as_of=AS_OF)


def test_current_stage_per_customer_and_funnel() -> None:
    rep = journey_stages(_snapshot())
    s = JourneyStage
    assert rep.stage_of_customer == {
        1: s.AWARENESS,
        2: s.CONSIDERATION,
        3: s.ADVOCACY,
        4: s.RETENTION,
        5: None,
        6: s.ADVOCACY,
        7: None,
    }
    assert rep.people == 8 and rep.no_stage == 2
    reached = {f.stage: (f.reached, f.current, f.n) for f in rep.funnel}
    assert reached == {
        s.AWARENESS: (6, 2, 8),
        s.CONSIDERATION: (4, 1, 6),
        s.PURCHASE: (3, 0, 4),
        s.RETENTION: (3, 1, 3),
        s.ADVOCACY: (2, 2, 3),
    }
    purchase = rep.funnel[2]
    ci = intervals.wilson(3, 4)
    assert ci and purchase.conversion == 0.75
    assert (purchase.ci_low, purchase.ci_high) == (ci.low, ci.high)


def test_month_end_counts_and_transitions() -> None:
    rep = journey_stages(_snapshot(), months=3, transition_from=date(2026, 9, 30))
    assert [m.month for m in rep.months] == ["2026-10", "2026-11", "2026-12"]
    assert rep.months[-1].cutoff == AS_OF  # the running month ends now
    assert rep.months[0].cutoff == datetime(2026, 10, 31, 15, tzinfo=UTC)  # Tokyo midnight
    octo = rep.months[0].people
    assert octo == {
        NO_STAGE: 4,  # 5, 6, 7, anon
        "awareness": 1,
        "consideration": 1,
        "purchase": 1,
        "retention": 1,
        "advocacy": 0,
    }
    assert all(m.total == 8 for m in rep.months)
    t = rep.transitions
    assert t.start_cutoff == datetime(2026, 9, 30, 15, tzinfo=UTC)
    # end of Sep: 1 aware, 2 considering, 4 purchased; 3 new, 6 and anon new, 5 and 7 none
    assert t.matrix["awareness"]["awareness"] == 1
    assert t.matrix["consideration"]["consideration"] == 1
    assert t.matrix["purchase"]["retention"] == 1
    assert t.matrix[NO_STAGE]["advocacy"] == 2
    assert t.matrix[NO_STAGE]["awareness"] == 1
    assert t.matrix[NO_STAGE][NO_STAGE] == 2
    assert t.n == 8
    for a, row in enumerate(t.matrix.values()):
        assert all(v == 0 for b, v in enumerate(row.values()) if b < a)  # never down


def test_journey_map_touchpoints_and_satisfaction_per_stage() -> None:
    rep = journey_stages(_snapshot())
    by = {m.stage: m for m in rep.journey_map}
    aware = by[JourneyStage.AWARENESS]
    assert aware.uses == 5 and aware.people == 5  # pages of 1, 2, 3, 4 and anon
    assert [(t.name, t.uses, t.share) for t in aware.touchpoints] == [("page view", 5, 1.0)]
    cons = by[JourneyStage.CONSIDERATION]
    names = {t.name: t.uses for t in cons.touchpoints}
    assert names == {"Product Viewed": 1, "Products Searched": 1, "Survey Responded": 1}
    assert cons.csat == satisfaction.csat({2: 1}) and cons.csat_mean == 2.0
    assert cons.nps is None and cons.note and "No NPS" in cons.note
    # 3's promoter answer was given while in purchase (it is what moved 3 to advocacy)
    purchase = by[JourneyStage.PURCHASE]
    assert purchase.nps == satisfaction.nps({10: 1}) and purchase.nps_mean == 10.0
    assert by[JourneyStage.RETENTION].nps == satisfaction.nps({3: 1})
    adv = by[JourneyStage.ADVOCACY]
    assert {t.name for t in adv.touchpoints} == {"Survey Responded", "Social Post Shared"}
    assert adv.nps is None and adv.csat is None


def test_off_scale_answers_are_left_out_with_a_note() -> None:
    events = [
        _page(1, SEP),
        _ev(1, "Survey Responded", OCT, survey_kind="nps", score=11),
        _ev(1, "Survey Responded", OCT, survey_kind="nps", score=7),
    ]
    rep = journey_stages(make_snapshot(events=events, as_of=AS_OF))
    aware = rep.journey_map[0]
    assert aware.nps == satisfaction.nps({7: 1})
    assert aware.note and "1 answers off their scale" in aware.note


def test_empty_snapshot() -> None:
    rep = journey_stages(make_snapshot(as_of=AS_OF))
    assert rep.people == 0 and rep.stage_of_customer == {}
    assert all(f.conversion is None and f.reached == 0 for f in rep.funnel)
    assert all(m.uses == 0 and m.nps is None for m in rep.journey_map)


def test_bad_arguments() -> None:
    snap = make_snapshot(as_of=AS_OF)
    with pytest.raises(Invalid):
        journey_stages(snap, months=0)
    with pytest.raises(Invalid):
        journey_stages(snap, transition_from=date(2026, 11, 2), transition_to=date(2026, 11, 1))
