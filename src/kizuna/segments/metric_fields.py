"""The metric leaves of segment conditions: which scores exist, their values, the operators
each accepts, and their names in English and Japanese.

The enumerated values are the names the metrics domain uses (``kizuna.metrics``:
``RfmSegment``, ``JourneyStage``, the NPS groups); a unit test keeps the two lists equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kizuna.segments.contracts import Compare
from kizuna.segments.errors import SegmentConditionInvalid

RFM_SEGMENTS = ("Champions", "Loyal Customers", "Potential Loyalists", "New Customers",
                "Promising", "Need Attention", "About to Sleep", "At Risk", "Cannot Lose Them",
                "Hibernating", "Lost")
JOURNEY_STAGES = ("awareness", "consideration", "purchase", "retention", "advocacy")
NPS_GROUPS = ("promoter", "passive", "detractor")

_RFM_JA = ("優良顧客", "ロイヤル顧客", "ロイヤル顧客候補", "新規顧客", "有望顧客", "要注意顧客",
           "休眠予備軍", "離反懸念顧客", "失えない顧客", "休眠顧客", "離反顧客")
_STAGE_JA = ("認知", "検討", "購入", "継続", "推奨")
_NPS_JA = ("推奨者", "中立者", "批判者")


@dataclass(frozen=True, slots=True)
class MetricField:
    """One metric: a text from ``values`` (eq, ne, in, exists) or a number in lo..hi
    (eq, ne, gt, lt, exists; ``whole`` numbers only for NPS answers)."""

    name: str
    column: str
    en: str
    ja: str
    values: tuple[str, ...] = ()
    values_ja: tuple[str, ...] = ()
    lo: float | None = None
    hi: float | None = None
    whole: bool = False
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def enumerated(self) -> bool:
        return bool(self.values)

    @property
    def ops(self) -> tuple[str, ...]:
        return ("eq", "ne", "in", "exists") if self.enumerated else \
            ("eq", "ne", "gt", "lt", "exists")

    def label(self, value: Any, lang: str) -> str:
        """A value as shown to people: Japanese names carry the stored value too."""
        if lang == "ja" and self.enumerated and value in self.values:
            return f"{self.values_ja[self.values.index(value)]} ({value})"
        return str(value)


FIELDS: dict[str, MetricField] = {f.name: f for f in (
    MetricField("rfm_segment", "rfm_segment", "RFM segment", "RFMセグメント", RFM_SEGMENTS,
                _RFM_JA, aliases={"can't lose them": "Cannot Lose Them"}),
    MetricField("clv", "clv", "predicted CLV", "予測CLV", lo=-1e15, hi=1e15),
    MetricField("p_alive", "p_alive", "P(alive)", "P(alive)(生存確率)", lo=0.0, hi=1.0),
    MetricField("expected_purchases", "expected_purchases", "expected purchases (52 weeks)",
                "予測購入回数(52週)", lo=0.0, hi=1e9),
    MetricField("nps_group", "nps_group", "NPS group", "NPSグループ", NPS_GROUPS, _NPS_JA,
                aliases={"promoters": "promoter", "passives": "passive",
                         "detractors": "detractor"}),
    MetricField("nps_score", "nps_score", "latest NPS answer", "最新のNPS回答", lo=0, hi=10,
                whole=True),
    MetricField("journey_stage", "journey_stage", "journey stage", "ジャーニーステージ",
                JOURNEY_STAGES, _STAGE_JA),
    MetricField("engagement_score", "engagement_score", "engagement score",
                "エンゲージメントスコア", lo=0.0, hi=100.0),
)}


def _fail(path: str, message: str) -> SegmentConditionInvalid:
    return SegmentConditionInvalid(path, message)


def _enum_value(f: MetricField, v: Any, path: str) -> str:
    if isinstance(v, str):
        if v in f.values:
            return v
        folded = v.strip().casefold()
        for known in f.values:
            if known.casefold() == folded:
                return known
        if folded in f.aliases:
            return f.aliases[folded]
    raise _fail(path, f"{f.name} must be one of: {', '.join(f.values)}")


def _number(f: MetricField, v: Any, path: str) -> int | float:
    if isinstance(v, bool) or not isinstance(v, int | float) or v != v:
        raise _fail(path, f"{f.name} needs a number from {f.lo:g} to {f.hi:g}")
    assert f.lo is not None and f.hi is not None
    if not f.lo <= v <= f.hi:
        raise _fail(path, f"{f.name} must be from {f.lo:g} to {f.hi:g}")
    if f.whole and v != int(v):
        raise _fail(path, f"{f.name} is a whole number (an answer 0..10)")
    return int(v) if f.whole else v


def metric_compare(f: MetricField, obj: Any, path: str) -> Compare:
    """The ``op``/``value`` of a metric leaf, checked against the metric's values or range."""
    op = obj.get("op")
    if op not in f.ops:
        raise _fail(f"{path}.op", f"{f.name} accepts {'|'.join(f.ops)}")
    if op == "exists":
        if obj.get("value") is not None:
            raise _fail(f"{path}.value", "exists takes no value")
        return Compare("exists")
    value = obj.get("value")
    vpath = f"{path}.value"
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > len(f.values):
            raise _fail(vpath, f"must be a list of 1..{len(f.values)} of: "
                               f"{', '.join(f.values)}")
        picked = [_enum_value(f, v, f"{vpath}[{i}]") for i, v in enumerate(value)]
        return Compare("in", tuple(dict.fromkeys(picked)))
    if f.enumerated:
        return Compare(op, _enum_value(f, value, vpath))
    return Compare(op, _number(f, value, vpath))
