"""Metric leaves of segment conditions: validation with the allowed values, readable text in
en/ja, parse → dump → parse round trips (hypothesis), and the value lists kept equal to the
names the metrics domain uses."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.metrics import api as metrics
from kizuna.segments.conditions import dump, parse, render, uses_metrics
from kizuna.segments.contracts import METRICS, Compare, MetricIs
from kizuna.segments.errors import SegmentConditionInvalid
from kizuna.segments.metric_fields import FIELDS, JOURNEY_STAGES, NPS_GROUPS, RFM_SEGMENTS


def test_value_lists_are_the_metrics_domain_names() -> None:
    assert tuple(str(s) for s in metrics.RfmSegment) == RFM_SEGMENTS
    assert tuple(str(s) for s in metrics.JourneyStage) == JOURNEY_STAGES
    assert NPS_GROUPS == metrics.NPS_GROUPS
    assert set(FIELDS) == set(METRICS)


@pytest.mark.parametrize(("score", "group"), [
    (0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"),
    (10, "promoter")])
def test_nps_group_cut(score: int, group: str) -> None:
    assert metrics.nps_group(score) == group


def test_nps_group_rejects_answers_off_the_scale() -> None:
    with pytest.raises(ValueError, match=r"0\.\.10"):
        metrics.nps_group(11)


def test_examples_parse() -> None:
    assert parse({"metric": "rfm_segment", "op": "in", "value": ["At Risk", "Can't Lose Them"]}) \
        == MetricIs("rfm_segment", Compare("in", ("At Risk", "Cannot Lose Them")))
    assert parse({"metric": "p_alive", "op": "lt", "value": 0.3}) == \
        MetricIs("p_alive", Compare("lt", 0.3))
    assert parse({"metric": "clv", "op": "gt", "value": 10000}) == \
        MetricIs("clv", Compare("gt", 10000))
    assert parse({"metric": "nps_group", "op": "eq", "value": "Detractors"}) == \
        MetricIs("nps_group", Compare("eq", "detractor"))
    assert parse({"metric": "journey_stage", "op": "eq", "value": "Retention"}) == \
        MetricIs("journey_stage", Compare("eq", "retention"))
    assert parse({"metric": "engagement_score", "op": "gt", "value": 60}) == \
        MetricIs("engagement_score", Compare("gt", 60))
    assert parse({"metric": "nps_score", "op": "eq", "value": 7.0}) == \
        MetricIs("nps_score", Compare("eq", 7))


@pytest.mark.parametrize(("bad", "path", "words"), [
    ({"metric": "rfm_segment", "op": "eq", "value": "VIP"}, "condition.value",
     "Champions, Loyal Customers"),
    ({"metric": "journey_stage", "op": "eq", "value": "loyal"}, "condition.value",
     "awareness, consideration, purchase, retention, advocacy"),
    ({"metric": "nps_group", "op": "in", "value": ["promoter", "fan"]}, "condition.value[1]",
     "promoter, passive, detractor"),
    ({"metric": "journey_stage", "op": "gt", "value": "purchase"}, "condition.op",
     "eq|ne|in|exists"),
    ({"metric": "p_alive", "op": "in", "value": [0.1]}, "condition.op", "eq|ne|gt|lt|exists"),
    ({"metric": "p_alive", "op": "gt", "value": 1.5}, "condition.value", "from 0 to 1"),
    ({"metric": "engagement_score", "op": "lt", "value": True}, "condition.value", "number"),
    ({"metric": "nps_score", "op": "eq", "value": 7.5}, "condition.value", "whole"),
    ({"metric": "clv", "op": "exists", "value": 3}, "condition.value", "no value"),
    ({"metric": "clv", "op": "gt", "value": 3, "within_days": 3}, "condition.within_days",
     "unknown field"),
    ({"all": [{"metric": "mood", "op": "eq", "value": "x"}]}, "condition.all[0].metric",
     "rfm_segment|clv"),
])
def test_errors_list_the_allowed_values(bad: Any, path: str, words: str) -> None:
    with pytest.raises(SegmentConditionInvalid) as info:
        parse(bad)
    assert info.value.path == path
    assert words in str(info.value)


def test_readable_text_in_english_and_japanese() -> None:
    c = parse({"metric": "rfm_segment", "op": "in", "value": ["At Risk", "Cannot Lose Them"]})
    assert render(c, "en") == "RFM segment is At Risk or Cannot Lose Them"
    assert render(c, "ja") == \
        "RFMセグメントが 離反懸念顧客 (At Risk) または 失えない顧客 (Cannot Lose Them)"
    both = parse({"all": [{"metric": "p_alive", "op": "lt", "value": 0.3},
                          {"not": {"metric": "nps_group", "op": "eq", "value": "detractor"}}]})
    assert render(both, "en") == "(P(alive) is less than 0.3 AND NOT (NPS group is detractor))"
    assert "批判者 (detractor)" in render(both, "ja") and "否定" in render(both, "ja")
    assert render(parse({"metric": "clv", "op": "exists"}), "en") == "predicted CLV is computed"


def _metric_leaf() -> st.SearchStrategy[dict[str, Any]]:
    enums = st.sampled_from([f for f in FIELDS.values() if f.enumerated]).flatmap(
        lambda f: st.one_of(
            st.builds(lambda op, v: {"metric": f.name, "op": op, "value": v},
                      st.sampled_from(["eq", "ne"]), st.sampled_from(f.values)),
            st.builds(lambda vs: {"metric": f.name, "op": "in", "value": vs},
                      st.lists(st.sampled_from(f.values), min_size=1, max_size=len(f.values))),
            st.just({"metric": f.name, "op": "exists"})))
    numbers = st.sampled_from([f for f in FIELDS.values() if not f.enumerated]).flatmap(
        lambda f: st.builds(
            lambda op, v: {"metric": f.name, "op": op, "value": v},
            st.sampled_from(["eq", "ne", "gt", "lt"]),
            st.integers(int(f.lo or 0), int(min(f.hi or 0, 10**6))) if f.whole
            else st.floats(f.lo, min(f.hi or 0, 1e6), allow_nan=False)))
    return st.one_of(enums, numbers)


_TREES = st.recursive(
    _metric_leaf(),
    lambda kids: st.one_of(
        st.builds(lambda xs: {"all": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda xs: {"any": xs}, st.lists(kids, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, kids),
        st.builds(lambda x: {"all": [x, {"orders": {"at_least": 2}}]}, kids)),
    max_leaves=8)


@given(_TREES)
def test_parse_dump_parse_round_trips_and_renders(tree: dict[str, Any]) -> None:
    cond = parse(tree)
    assert parse(dump(cond)) == cond
    assert uses_metrics(cond)
    for lang in ("en", "ja"):
        text = render(cond, lang)
        assert text and "None" not in text
