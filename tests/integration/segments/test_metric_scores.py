"""Metric scores refreshed from a real small shop on SQLite and PostgreSQL: the stored values
are the ones the metrics / predict facades report for those customers, metric conditions
select the right customers (alone and under NOT / AND / OR), a refresh re-evaluates the
segments that use metrics, and a preview before the first refresh says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from kizuna.metrics import api as metrics
from kizuna.metrics.feedback_scores import satisfaction_scores
from kizuna.metrics.periods import Period
from kizuna.predict import api as predict
from kizuna.profiles import api as profiles
from kizuna.profiles.contracts import IdentityRef
from kizuna.runtime import Runtime
from kizuna.segments import api as segments
from kizuna.segments import scores
from kizuna.segments.errors import MetricScoresNotComputed
from kizuna.workspaces.contracts import Workspace
from tests.integration.segments.scoreshop import write_scored_shop

NOW = datetime.now(UTC).replace(microsecond=0)
Table = dict[int, scores.CustomerScores]


@pytest.fixture
def shop(runtime: Runtime, workspace: Workspace, write_key: str) -> dict[str, int]:
    """230 customers (see scoreshop); user id → customer id."""
    return write_scored_shop(runtime, workspace, write_key, NOW)


def _refresh(runtime: Runtime, workspace: Workspace, now: datetime = NOW
             ) -> scores.ScoresRefreshed:
    return segments.refresh_workspace_scores(runtime.sessions, workspace.id, now,
                                             database_url=runtime.settings.database_url)


def _table(runtime: Runtime, workspace: Workspace, ids: Any) -> Table:
    with runtime.sessions() as s:
        out = {cid: scores.customer_scores(s, workspace.id, cid) for cid in ids}
    return {cid: v for cid, v in out.items() if v is not None}


def _select(runtime: Runtime, workspace: Workspace, cond: Any) -> set[int]:
    with runtime.sessions() as s:
        return set(s.scalars(segments.compiled_select(s, workspace.id, cond, NOW)))


def test_scores_match_the_metrics_and_predict_facades(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    done = _refresh(runtime, workspace)
    assert done.n == 230 and done.changed == 230 and done.notes == ()
    table = _table(runtime, workspace, shop.values())
    assert len(table) == 230
    with metrics.snapshot_workspace(runtime.settings.database_url, workspace, as_of=NOW) as snap:
        rfm = metrics.rfm(snap).customers
        clv = predict.predict_customers(snap).customers
        stages = metrics.journey_stages(snap).stage_of_customer
        engagement = metrics.engagement_scores(snap).scores
        start = (NOW - timedelta(days=30)).astimezone(snap.zone).date()
        nps = satisfaction_scores(snap, Period(start, NOW.astimezone(snap.zone).date()),
                                  kinds=("nps",)).kinds["nps"].score
    assert nps is not None
    for cid, row in table.items():
        assert row.rfm_segment == (str(rfm[cid].segment) if cid in rfm else None)
        i = int(clv.index_of([cid])[0])
        if i < 0:  # never ordered
            assert cid not in rfm and (row.clv, row.p_alive) == (None, None)
            continue
        assert row.clv == Decimal(str(clv.clv[i])).quantize(Decimal("0.01"))
        assert row.p_alive == pytest.approx(float(clv.p_alive[i]), abs=1e-6)
        assert row.expected_purchases == pytest.approx(float(clv.expected_purchases[i]),
                                                       abs=1e-6)
    for cid, row in table.items():
        assert row.journey_stage == (str(stages[cid]) if stages.get(cid) else None)
        assert row.engagement_score == pytest.approx(engagement[cid], abs=1e-4)
    assert sum(1 for r in table.values() if r.clv is not None) == len(rfm) > 200
    # NPS: shop-n answered when n % 4 == 0 with [10, 9, 8, 3, 6][(n // 4) % 5]
    for n in range(80):
        row = table[shop[f"shop-{n:03d}"]]
        if n % 4:
            assert (row.nps_score, row.nps_group) == (None, None)
        else:
            answer = [10, 9, 8, 3, 6][(n // 4) % 5]
            group = "promoter" if answer >= 9 else "passive" if answer >= 7 else "detractor"
            assert (row.nps_score, row.nps_group) == (answer, group)
    groups = [r.nps_group for r in table.values()]
    assert nps.breakdown == {"promoters": groups.count("promoter"),
                             "passives": groups.count("passive"),
                             "detractors": groups.count("detractor")}


def test_metric_conditions_select_the_right_customers(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    _refresh(runtime, workspace)
    table = _table(runtime, workspace, shop.values())
    everyone = set(shop.values())

    def where(test: Any) -> set[int]:
        return {cid for cid, r in table.items() if test(r)}

    at_risk = ["At Risk", "Cannot Lose Them", "Hibernating", "Lost"]
    cases: list[tuple[dict[str, Any], set[int]]] = [
        ({"metric": "rfm_segment", "op": "in", "value": at_risk},
         where(lambda r: r.rfm_segment in at_risk)),
        ({"metric": "p_alive", "op": "lt", "value": 0.9},
         where(lambda r: r.p_alive is not None and r.p_alive < 0.9)),
        ({"metric": "clv", "op": "gt", "value": 50},
         where(lambda r: r.clv is not None and r.clv > 50)),
        ({"metric": "nps_group", "op": "eq", "value": "detractor"},
         where(lambda r: r.nps_group == "detractor")),
        ({"metric": "nps_group", "op": "ne", "value": "detractor"},
         everyone - where(lambda r: r.nps_group == "detractor")),
        ({"metric": "nps_score", "op": "exists"}, where(lambda r: r.nps_score is not None)),
        ({"metric": "journey_stage", "op": "eq", "value": "retention"},
         where(lambda r: r.journey_stage == "retention")),
        ({"metric": "engagement_score", "op": "gt", "value": 40},
         where(lambda r: r.engagement_score is not None and r.engagement_score > 40)),
    ]
    for cond, expected in cases:
        assert _select(runtime, workspace, cond) == expected, cond
        assert _select(runtime, workspace, {"not": cond}) == everyone - expected, cond
    assert cases[0][1] and cases[3][1] and cases[6][1]  # the data has each kind
    a, b, c = cases[0], cases[3], cases[7]
    assert _select(runtime, workspace, {"all": [a[0], c[0]]}) == a[1] & c[1]
    assert _select(runtime, workspace, {"any": [a[0], b[0]]}) == a[1] | b[1]
    assert _select(runtime, workspace, {"all": [{"not": a[0]}, {"any": [b[0], c[0]]}]}) == \
        (everyone - a[1]) & (b[1] | c[1])
    assert _select(runtime, workspace, {"all": [a[0], {"orders": {"at_least": 1}}]}) == a[1]


def test_customer_without_scores_matches_ne_and_not_only(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    _refresh(runtime, workspace)
    with runtime.sessions.begin() as s:
        late = int(profiles.resolve_customers(s, workspace.id,
                                              [IdentityRef(user_id="late")], NOW)[0])
    for cond in ({"metric": "engagement_score", "op": "lt", "value": 100},
                 {"metric": "rfm_segment", "op": "exists"},
                 {"metric": "journey_stage", "op": "in", "value": ["awareness", "purchase"]}):
        assert late not in _select(runtime, workspace, cond)
        assert late in _select(runtime, workspace, {"not": cond})
    assert late in _select(runtime, workspace, {"metric": "nps_group", "op": "ne",
                                                "value": "promoter"})


def test_preview_says_when_scores_were_never_computed(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    cond = {"metric": "rfm_segment", "op": "eq", "value": "Champions"}
    with runtime.sessions() as s:
        segments.preview_size(s, workspace.id, {"orders": {"at_least": 1}}, NOW)
        with pytest.raises(MetricScoresNotComputed, match="refresh-scores"):
            segments.preview_size(s, workspace.id, cond, NOW)
    with runtime.sessions.begin() as s:  # also through a segment that uses a metric
        segments.create_segment(s, workspace.id, key="champs", name="Champions",
                                condition=cond, now=NOW)
    with runtime.sessions() as s, pytest.raises(MetricScoresNotComputed):
        segments.preview_size(s, workspace.id, {"segment": "champs"}, NOW)
    _refresh(runtime, workspace)
    with runtime.sessions() as s:
        p = segments.preview_size(s, workspace.id, {"segment": "champs"}, NOW)
    table = _table(runtime, workspace, shop.values())
    assert p.size == sum(1 for r in table.values() if r.rfm_segment == "Champions") > 0


def test_refresh_reevaluates_metric_segments_and_is_idempotent(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int], write_key: str) -> None:
    cond = {"metric": "nps_group", "op": "eq", "value": "detractor"}
    with runtime.sessions.begin() as s:
        segments.create_segment(s, workspace.id, key="detractors", name="Detractors",
                                condition=cond, now=NOW)
        segments.create_segment(s, workspace.id, key="vip-detractors", name="VIP detractors",
                                condition={"all": [{"segment": "detractors"},
                                                   {"orders": {"at_least": 2}}]}, now=NOW)
        segments.create_segment(s, workspace.id, key="buyers", name="Buyers",
                                condition={"orders": {"at_least": 1}}, now=NOW)
        assert scores.metric_segments(s, workspace.id) == ["detractors", "vip-detractors"]
    first = _refresh(runtime, workspace)
    assert first.segments == ("detractors", "vip-detractors")
    detractors = _select(runtime, workspace, cond)
    with runtime.sessions() as s:
        assert set(segments.list_members(s, workspace.id, "detractors", limit=1000)) == \
            detractors
    again = _refresh(runtime, workspace)  # same data, same time: nothing changed
    assert (again.n, again.changed, again.segments) == (230, 0, ())
    # shop-001 (no answer before) now answers 2: a detractor from the next refresh on
    later = NOW + timedelta(minutes=5)
    from kizuna.ingest import api as ingest
    with runtime.sessions.begin() as s:
        source = ingest.find_source_by_write_key(s, write_key)
        assert source is not None
        ingest.ingest_messages(s, source=source, received_at=later, messages=[{
            "type": "track", "messageId": "late-nps", "userId": "shop-001",
            "event": "Survey Responded", "timestamp": later.isoformat(),
            "properties": {"survey_type": "nps", "score": 2}}])
    third = _refresh(runtime, workspace, later + timedelta(seconds=1))
    assert third.changed >= 1
    who = shop["shop-001"]
    with runtime.sessions() as s:
        assert who in segments.list_members(s, workspace.id, "detractors", limit=1000)
        row = scores.customer_scores(s, workspace.id, who)
        assert row is not None and (row.nps_score, row.nps_group) == (2, "detractor")
        assert scores.last_refresh(s, workspace.id) is not None


def test_housekeeping_refreshes_scores_hourly(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    from kizuna import housekeeping

    task = next(t for t in housekeeping.default_tasks(runtime.settings) if t.name == "scores")
    assert task.interval == runtime.settings.scores_refresh_seconds == 3600
    keeper = housekeeping.Housekeeper(runtime, [task], first_delay=0)
    runs = keeper.run_due()
    assert [(r.task, r.outcome, r.error) for r in runs] == [("scores", "ok", "")]
    with runtime.sessions() as s:
        assert scores.last_refresh(s, workspace.id) is not None
    assert len(_table(runtime, workspace, shop.values())) == 230


def test_merged_away_customer_loses_its_scores_row(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    _refresh(runtime, workspace)
    gone, survivor = shop["shop-002"], shop["shop-003"]
    with runtime.sessions.begin() as s:
        profiles.alias(s, workspace.id, previous_id="shop-002", user_id="shop-003",
                       at=NOW + timedelta(minutes=1))
    done = _refresh(runtime, workspace, NOW + timedelta(minutes=2))
    assert done.n == 229 and done.changed >= 2  # the survivor's orders grew too
    table = _table(runtime, workspace, shop.values())
    assert gone not in table and survivor in table


def test_refresh_inside_the_callers_transaction(
        runtime: Runtime, workspace: Workspace, shop: dict[str, int]) -> None:
    """refresh_scores(session, …) computes while the caller's transaction is open (on SQLite
    from a backup copy of the file) and gives the same rows as the two-transaction path."""
    with runtime.sessions.begin() as s:
        assert segments.refresh_scores(s, workspace.id, NOW).n == 230
    again = _refresh(runtime, workspace)
    assert (again.n, again.changed) == (230, 0)
