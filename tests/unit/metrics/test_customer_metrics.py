"""Per-customer metric functions used by segment scores: the latest NPS answer and group per
customer (the same answers and cut as the NPS aggregate), and each customer's journey stage
(the same as the journey report's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.metrics import api as metrics
from kizuna.metrics.feedback_scores import satisfaction_scores
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)


def _answer(cid: int, days: float, score: Any, kind: str = "nps", **more: Any) -> dict[str, Any]:
    return {"customer_id": cid, "type": "track", "event": "Survey Responded",
            "ts": AS_OF - timedelta(days=days), "score": score, "survey_kind": kind, **more}


def test_latest_usable_answer_per_customer() -> None:
    events = [
        _answer(1, 10, 3), _answer(1, 2, 9),            # latest wins: promoter
        _answer(2, 5, 7), _answer(2, 1, 7.5),           # 7.5 is not usable: passive (7)
        _answer(3, 3, 10, kind="enps"),                 # eNPS is not NPS
        _answer(4, 4, 11), _answer(4, 6, 0),            # 11 off the scale: detractor (0)
        _answer(5, -1, 2),                               # after as_of: not counted
        _answer(6, 1, None),                             # no score
    ]
    with make_snapshot(events=events, as_of=AS_OF) as snap:
        got = {cid: (v.score, v.group) for cid, v in metrics.customer_nps(snap).items()}
        assert metrics.customer_nps(snap)[1].answered_at == AS_OF - timedelta(days=2)
    assert got == {1: (9, "promoter"), 2: (7, "passive"), 4: (0, "detractor")}


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 10)), min_size=1, max_size=60,
                unique_by=lambda t: t[0]))
def test_groups_add_up_to_the_nps_breakdown(answers: list[tuple[int, int]]) -> None:
    """One answer per customer: the per-customer groups count exactly the aggregate's
    promoters, passives and detractors."""
    events = [_answer(cid, 3, score) for cid, score in answers]
    with make_snapshot(events=events, as_of=AS_OF) as snap:
        groups = [v.group for v in metrics.customer_nps(snap).values()]
        day = AS_OF.astimezone(snap.zone).date()
        score = satisfaction_scores(snap, Period(day - timedelta(days=30), day),
                                    kinds=("nps",)).kinds["nps"].score
    assert score is not None
    assert score.breakdown == {"promoters": groups.count("promoter"),
                               "passives": groups.count("passive"),
                               "detractors": groups.count("detractor")}


def test_customer_stages_equal_the_journey_report() -> None:
    events = [
        {"customer_id": 1, "type": "page", "ts": AS_OF - timedelta(days=9)},
        {"customer_id": 2, "type": "track", "event": "Product Viewed",
         "ts": AS_OF - timedelta(days=8)},
        {"customer_id": 3, "type": "track", "event": "Product Added",
         "ts": AS_OF - timedelta(days=8)},
        _answer(4, 2, 10),
    ]
    orders = [{"customer_id": c, "placed_at": AS_OF - timedelta(days=d), "total": 10}
              for c, d in ((3, 5), (4, 40), (4, 20), (4, 3), (5, 100))]
    with make_snapshot(events=events, orders=orders, as_of=AS_OF) as snap:
        stages = metrics.customer_stages(snap)
        report = metrics.journey_stages(snap).stage_of_customer
        again = metrics.customer_stages(snap)  # the temporary table is cleaned up
    assert stages == report == again
    assert stages[3] is not None and stages[3].rank >= 3
