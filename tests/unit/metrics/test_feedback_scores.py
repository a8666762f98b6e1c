"""satisfaction_scores on small DuckDB snapshots: what counts, what is rejected, what is hidden."""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.errors import Invalid
from kizuna.metrics import satisfaction
from kizuna.metrics.contracts import ScoreKind
from kizuna.metrics.feedback_scores import MIN_GROUP_N, satisfaction_scores
from kizuna.metrics.periods import Period
from tests.analytic_tables import make_snapshot

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))
MID_NOV = datetime(2026, 11, 15, 3, tzinfo=UTC)  # 12:00 in Tokyo
MID_OCT = datetime(2026, 10, 15, 3, tzinfo=UTC)


def answer(
    score: float | None, *, kind: str | None = "nps", at: datetime = MID_NOV, cid: int | None = 1
) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "event": "Survey Responded",
        "ts": at,
        "score": score,
        "survey_kind": kind,
    }


def report_of(events: list[dict[str, Any]], period: Period = NOV, **kwargs: Any) -> Any:
    with make_snapshot(events=events) as snap:
        return satisfaction_scores(snap, period, **kwargs)


def test_scores_match_the_statistics_on_the_same_answers() -> None:
    nps_answers = [10, 9, 9, 8, 7, 6, 3, 0, 10, 10]
    csat_answers = [5, 4, 4, 3, 1]
    ces_answers = [6, 7, 5, 2]
    events = [answer(s) for s in nps_answers]
    events += [answer(s, kind="csat") for s in csat_answers]
    events += [answer(s, kind="ces") for s in ces_answers]
    report = report_of(events)
    assert report.kinds["nps"].score == satisfaction.nps(nps_answers)
    assert report.kinds["csat"].score == satisfaction.csat(csat_answers)
    assert report.kinds["ces"].score == satisfaction.ces(ces_answers)
    assert list(report.kinds) == ["nps", "csat", "ces", "enps"]
    assert report.kinds["nps"].n == 10 and report.kinds["nps"].rejected.total == 0


def test_period_is_cut_in_local_days_and_stops_at_as_of() -> None:
    # 2026-11-30 23:30 Tokyo is in November; 2026-12-01 00:00 Tokyo is not.
    inside = datetime(2026, 11, 30, 14, 30, tzinfo=UTC)
    outside = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    before = datetime(2026, 10, 31, 14, 59, tzinfo=UTC)  # 23:59 on 31 October in Tokyo
    events = [answer(10, at=inside), answer(0, at=outside), answer(0, at=before)]
    report = report_of(events)
    assert report.kinds["nps"].n == 1 and report.kinds["nps"].previous_n == 1
    # as_of (2026-12-01 00:00 UTC) falls inside December: later answers are not counted.
    dec = Period(date(2026, 12, 1), date(2026, 12, 31))
    late = answer(9, at=datetime(2026, 12, 1, 1, tzinfo=UTC))
    report = report_of([*events, late], dec)
    assert report.kinds["nps"].n == 1  # the 00:00-Tokyo answer, not the one after as_of
    assert any("snapshot time" in note for note in report.notes)


def test_invalid_answers_are_counted_and_never_scored() -> None:
    events = [answer(s) for s in (10, 9, 0)]
    events += [answer(11), answer(-1), answer(7.5), answer(None), answer(math.nan)]
    events += [answer(math.inf), answer(0, kind="csat"), answer(8, kind="ces")]
    report = report_of(events)
    nps = report.kinds["nps"]
    assert nps.score == satisfaction.nps([10, 9, 0])
    assert (nps.rejected.total, nps.rejected.out_of_scale) == (6, 2)
    assert (nps.rejected.not_whole, nps.rejected.missing) == (1, 3)
    assert any("6 NPS response(s) were rejected" in n and "outside 0–10" in n for n in nps.notes)
    for kind in ("csat", "ces"):
        assert report.kinds[kind].score is None
        assert report.kinds[kind].rejected.out_of_scale == 1
        assert any("No " in n for n in report.kinds[kind].notes)


def test_kinds_without_answers_are_none_with_a_note() -> None:
    report = report_of([answer(9)], kinds=("csat", "enps"))
    assert list(report.kinds) == ["csat", "enps"]
    for kind in report.kinds.values():
        assert kind.score is None and kind.change is None and kind.n == 0
        assert kind.notes and "No " in kind.notes[0]
        assert all(p.score is None and p.n == 0 for p in kind.trend)


def test_only_survey_responses_count_and_unknown_kinds_are_reported() -> None:
    events = [answer(9), answer(10, kind="stars"), answer(10, kind=None)]
    events.append({**answer(3), "event": "Review Submitted"})
    events.append({**answer(3), "type": "page", "event": "page"})
    report = report_of(events)
    assert report.kinds["nps"].n == 1
    assert report.unclassified == 2
    assert any("no known survey kind" in note for note in report.notes)


def test_change_against_the_previous_period() -> None:
    before = [10, 9, 6, 5, 8, 7]
    after = [10, 10, 9, 9, 8, 6]
    events = [answer(s, at=MID_OCT) for s in before] + [answer(s) for s in after]
    nps = report_of(events).kinds["nps"]
    assert nps.previous == satisfaction.nps(before)
    assert nps.change == satisfaction.nps_change(before, after)
    assert nps.previous_n == 6
    # Nothing before: no change, and a note says why.
    alone = report_of([answer(s) for s in after]).kinds["nps"]
    assert alone.change is None and alone.previous is None
    assert any("previous period" in n and "no NPS answers" in n for n in alone.notes)


def test_enps_uses_nps_maths_and_hides_fewer_than_five_answers() -> None:
    events = [answer(s, kind="enps", cid=None) for s in (10, 9, 8, 6, 3, 10)]
    events += [answer(s, kind="enps", cid=None, at=MID_OCT) for s in (9, 9, 2)]
    enps = report_of(events).kinds["enps"]
    assert enps.statistic is ScoreKind.NPS
    assert enps.score == satisfaction.nps([10, 9, 8, 6, 3, 10])
    assert enps.previous is None and enps.previous_n == 3 and enps.change is None
    assert any("fewer than 5" in n for n in enps.notes)
    few = report_of(events[:4]).kinds["enps"]
    assert few.score is None and few.n == 4
    assert any("anonymous" in n for n in few.notes)


def test_breakdown_hides_small_groups_and_what_subtraction_would_reveal() -> None:
    segment = {1: "gold", 2: "gold", 3: "silver", 4: "bronze"}
    events = [answer(s, cid=1) for s in (10, 9, 9, 8, 7, 6)]  # gold: 6 answers
    events += [answer(s, cid=3) for s in (10, 3, 5, 9, 9, 9, 9)]  # silver: 7
    events += [answer(s, cid=4) for s in (0, 1)]  # bronze: 2 -> hidden
    report = report_of(events, by=segment)
    seg = report.kinds["nps"].segments
    assert seg is not None and seg.min_n == MIN_GROUP_N
    # bronze alone would be total - gold - silver: the smaller shown group goes too.
    assert [g.segment for g in seg.groups] == ["silver"]
    assert seg.hidden == 2 and seg.unassigned == 0
    assert seg.note is not None and "anonymous-report rule" in seg.note
    assert seg.groups[0].score == satisfaction.nps([10, 3, 5, 9, 9, 9, 9])

    # With 5+ unassigned answers (anonymous or unmapped people) nothing more is hidden.
    more = events + [answer(10, cid=None) for _ in range(5)]
    seg = report_of(more, by=segment).kinds["nps"].segments
    assert seg is not None
    assert [g.segment for g in seg.groups] == ["gold", "silver"]
    assert (seg.hidden, seg.unassigned) == (1, 5)

    # Every group large enough: all shown, no note.
    big = [e for e in events if e["customer_id"] != 4]
    seg = report_of(big, by=segment).kinds["nps"].segments
    assert seg is not None and seg.hidden == 0 and seg.note is None
    assert report_of(big).kinds["nps"].segments is None  # no mapping, no breakdown


def test_monthly_trend_per_local_month() -> None:
    period = Period(date(2026, 9, 15), date(2026, 11, 30))
    sep = datetime(2026, 9, 30, 15, 30, tzinfo=UTC)  # 1 October 00:30 in Tokyo
    events = [answer(10, at=sep), answer(9, at=MID_OCT), answer(3, at=MID_NOV)]
    events.append(answer(0, at=datetime(2026, 9, 20, tzinfo=UTC)))
    trend = report_of(events, period).kinds["nps"].trend
    assert [(p.month, p.start, p.end, p.partial, p.n) for p in trend] == [
        (date(2026, 9, 1), date(2026, 9, 15), date(2026, 9, 30), True, 1),
        (date(2026, 10, 1), date(2026, 10, 1), date(2026, 10, 31), False, 2),
        (date(2026, 11, 1), date(2026, 11, 1), date(2026, 11, 30), False, 1),
    ]
    assert trend[1].score == satisfaction.nps([10, 9])
    assert trend[0].score is not None and trend[0].score.ci_low <= trend[0].score.value


def test_enps_trend_hides_small_months_and_their_complement() -> None:
    period = Period(date(2026, 10, 1), date(2026, 11, 30))
    events = [answer(9, kind="enps", at=MID_OCT) for _ in range(8)]
    events += [answer(2, kind="enps", at=MID_NOV) for _ in range(2)]
    enps = report_of(events, period).kinds["enps"]
    assert enps.score is not None and enps.n == 10
    # November alone is < 5, and October = total - November would reveal it: both hidden.
    assert [p.score for p in enps.trend] == [None, None]
    assert all(p.note and "anonymous" in p.note for p in enps.trend)


def test_bad_kinds_are_refused() -> None:
    with make_snapshot() as snap:
        with pytest.raises(Invalid) as err:
            satisfaction_scores(snap, NOV, kinds=("nps", "stars"))
        assert err.value.fields["field"] == "kinds"
        with pytest.raises(Invalid):
            satisfaction_scores(snap, NOV, kinds=())
        assert list(satisfaction_scores(snap, NOV, kinds=("NPS", "nps")).kinds) == ["nps"]


def test_the_report_is_json_friendly() -> None:
    report = report_of([answer(s) for s in (10, 9, 0)], by={1: "gold"})
    text = json.dumps(dataclasses.asdict(report), default=str, ensure_ascii=False)
    assert '"kind": "nps"' in text


_scores = st.one_of(
    st.integers(-2, 12).map(float),
    st.sampled_from([None, 2.5, math.nan]),
)
_rows = st.lists(
    st.tuples(
        st.sampled_from(["nps", "csat", "ces", "enps"]),
        _scores,
        st.integers(1, 6),  # customer
        st.integers(-40, 40),  # days from 1 November
    ),
    max_size=60,
)


@given(_rows)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_response_is_either_scored_or_rejected(rows: list[tuple[Any, ...]]) -> None:
    start = datetime(2026, 10, 31, 15, tzinfo=UTC)  # 1 November 00:00 in Tokyo
    events = [
        answer(score, kind=kind, cid=cid, at=start + timedelta(days=days, hours=5))
        for kind, score, cid, days in rows
    ]
    segment = {c: "odd" if c % 2 else "even" for c in range(1, 7)}
    report = report_of(events, by=segment)
    for kind, got in report.kinds.items():
        lo, hi = got.statistic.scale
        inside = [(s, c) for k, s, c, d in rows if k == kind and 0 <= d < 30]
        valid = [
            int(s) for s, _ in inside if s is not None and float(s).is_integer() and lo <= s <= hi
        ]
        assert got.n == len(valid)
        assert got.n + got.rejected.total == len(inside)
        assert sum(p.n for p in got.trend) == got.n
        hidden = kind == "enps" and len(valid) < MIN_GROUP_N
        if valid and not hidden:
            assert got.score == satisfaction.score(got.statistic, valid)
        else:
            assert got.score is None and got.notes
        if got.segments is not None:
            shown = sum(g.n for g in got.segments.groups)
            assert all(g.n >= MIN_GROUP_N for g in got.segments.groups)
            # Once any group is shown, the rest (total - shown) is empty or >= 5 answers.
            if got.segments.groups:
                assert got.n - shown == 0 or got.n - shown >= MIN_GROUP_N
