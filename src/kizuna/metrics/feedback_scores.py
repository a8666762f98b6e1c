"""NPS, CSAT, CES and eNPS from the survey responses in a snapshot.

A response is a ``Survey Responded`` track event; its kind is ``properties.survey_type`` (or
``properties.kind``), lower-cased into ``events.survey_kind``, its answer ``properties.score``.
:func:`satisfaction_scores` counts the answers per kind in a period and hands the counts to
``kizuna.metrics.satisfaction`` (the one definition of the statistics): the score with its
interval, the change against the previous period, a trend per local month and, optionally, a
breakdown by customer segment in which groups of fewer than five answers are hidden (the
anonymous-report rule). Answers that cannot be scored (missing, not a whole number, outside the
scale) are counted and reported, never fed to the statistic. See
docs/reference/metrics/satisfaction-from-responses.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from kizuna.analytics import runner
from kizuna.analytics.snapshot import Snapshot
from kizuna.errors import Invalid
from kizuna.metrics import satisfaction
from kizuna.metrics.contracts import Change, Score, ScoreKind
from kizuna.metrics.periods import Period

#: The survey kinds a response may carry, and the statistic each one uses.
KINDS: tuple[str, ...] = ("nps", "csat", "ces", "enps")
_MATHS = {"nps": ScoreKind.NPS, "csat": ScoreKind.CSAT, "ces": ScoreKind.CES, "enps": ScoreKind.NPS}
_LABELS = {"nps": "NPS", "csat": "CSAT", "ces": "CES", "enps": "eNPS"}
#: Kinds that are anonymous by default: the n < MIN_GROUP_N rule covers every figure.
ANONYMOUS_KINDS = frozenset({"enps"})
#: The anonymous-report rule: no figure about fewer respondents than this is shown by group.
MIN_GROUP_N = 5
_PACKAGE = "kizuna.metrics"
_K = TypeVar("_K")


@dataclass(frozen=True, slots=True, kw_only=True)
class RejectedAnswers:
    """Responses of the period that were not scored, by reason."""

    total: int = 0
    missing: int = 0  # no score, or not a number
    not_whole: int = 0  # e.g. 7.5
    out_of_scale: int = 0  # e.g. 11 on NPS, 0 on CSAT


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendPoint:
    """The score of one local month (``start``..``end`` is the part inside the period)."""

    month: date  # first day of the month
    start: date
    end: date
    partial: bool  # the period covers only part of the month
    n: int
    score: Score | None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentScore:
    segment: str
    n: int
    score: Score


@dataclass(frozen=True, slots=True, kw_only=True)
class SegmentBreakdown:
    """Scores per segment of the ``by`` mapping; groups below ``min_n`` answers are hidden.

    ``hidden`` counts the segments with answers that are not shown, ``unassigned`` the answers
    of respondents the mapping does not name (including anonymous respondents).
    """

    groups: tuple[SegmentScore, ...]
    hidden: int
    unassigned: int
    min_n: int
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KindReport:
    """One survey kind in the period. ``score`` is None when there is nothing to score."""

    kind: str  # nps | csat | ces | enps
    statistic: ScoreKind  # the maths used (eNPS: NPS)
    n: int  # usable answers in the period
    score: Score | None
    previous_n: int
    previous: Score | None
    change: Change | None
    rejected: RejectedAnswers
    trend: tuple[TrendPoint, ...]
    segments: SegmentBreakdown | None
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SatisfactionReport:
    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    timezone: str
    as_of: datetime
    kinds: dict[str, KindReport]
    unclassified: int  # responses of the period whose kind is none of KINDS (or missing)
    notes: tuple[str, ...]


# --- public API --------------------------------------------------------------------------


def satisfaction_scores(
    snap: Snapshot,
    period: Period,
    *,
    kinds: Sequence[str] = KINDS,
    by: Mapping[int, str] | None = None,
) -> SatisfactionReport:
    """Satisfaction scores of the responses in ``period`` (local days) with the change against
    the previous period, a monthly trend and, given ``by`` (customer id -> segment), a
    breakdown per segment. Responses after ``snap.as_of`` are ignored."""
    wanted = _kinds(kinds)
    previous = period.previous()
    lo, hi = period.bounds_utc(snap.zone)
    plo, phi = previous.bounds_utc(snap.zone)
    now = snap.as_of_naive
    scales = _scale_params(KINDS)
    rows = runner.rows(
        snap.con,
        _PACKAGE,
        "feedback_answers",
        **scales,
        lo=lo,
        hi=min(hi, now),
        previous_lo=plo,
        previous_hi=min(phi, now),
    )
    tallies = {k: _Tally() for k in KINDS}
    unclassified = 0
    for row in rows:
        n = int(row["n"])
        if row["reason"] == "unknown_kind":
            unclassified += n if row["current"] else 0
            continue
        tallies[row["survey_kind"]].add(row, n)

    groups: dict[str, dict[str | None, dict[int, int]]] = {}
    if by is not None:
        groups = _segment_counts(snap, by, lo, min(hi, now), wanted)

    reports = {
        k: _kind_report(
            k, tallies[k], period, previous, groups.get(k, {}) if by is not None else None
        )
        for k in wanted
    }
    notes: list[str] = []
    if unclassified:
        notes.append(
            f"{unclassified} response(s) in the period have no known survey kind "
            f"(survey_type/kind must be one of {', '.join(KINDS)}) and were not scored."
        )
    if hi > now:
        notes.append(
            f"Responses after {snap.as_of.isoformat()} (the snapshot time) are not counted."
        )
    return SatisfactionReport(
        period_start=period.start,
        period_end=period.end,
        previous_start=previous.start,
        previous_end=previous.end,
        timezone=snap.timezone,
        as_of=snap.as_of,
        kinds=reports,
        unclassified=unclassified,
        notes=tuple(notes),
    )


# --- counting ----------------------------------------------------------------------------


class _Tally:
    """Usable answers per value (current and previous period, current per month) and the
    rejected ones of the current period."""

    __slots__ = ("current", "months", "previous", "rejected")

    def __init__(self) -> None:
        self.current: dict[int, int] = {}
        self.previous: dict[int, int] = {}
        self.months: dict[date, dict[int, int]] = {}
        self.rejected: dict[str, int] = {}

    def add(self, row: Mapping[str, Any], n: int) -> None:
        reason = row["reason"]
        if reason is not None:
            if row["current"]:
                self.rejected[reason] = self.rejected.get(reason, 0) + n
            return
        answer = int(row["answer"])
        target = self.current if row["current"] else self.previous
        target[answer] = target.get(answer, 0) + n
        if row["current"]:
            month = self.months.setdefault(row["month"], {})
            month[answer] = month.get(answer, 0) + n


def _kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    if isinstance(kinds, str):
        kinds = (kinds,)
    out: list[str] = []
    for kind in kinds:
        key = str(kind).strip().lower()
        if key not in _MATHS:
            raise Invalid(
                f"Unknown survey kind {kind!r}; use one of {', '.join(KINDS)}.",
                field="kinds",
                value=str(kind),
            )
        if key not in out:
            out.append(key)
    if not out:
        raise Invalid(f"Name at least one survey kind ({', '.join(KINDS)}).", field="kinds")
    return tuple(out)


def _scale_params(kinds: Sequence[str]) -> dict[str, list[Any]]:
    return {
        "kinds": list(kinds),
        "scale_low": [_MATHS[k].scale[0] for k in kinds],
        "scale_high": [_MATHS[k].scale[1] for k in kinds],
    }


def _segment_counts(
    snap: Snapshot, by: Mapping[int, str], lo: datetime, hi: datetime, kinds: Sequence[str]
) -> dict[str, dict[str | None, dict[int, int]]]:
    ids: list[int] = []
    labels: list[str] = []
    for customer_id, segment in by.items():
        ids.append(int(customer_id))
        labels.append(str(segment))
    rows = runner.rows(
        snap.con,
        _PACKAGE,
        "feedback_segments",
        **_scale_params(kinds),
        customer_ids=ids,
        segments=labels,
        lo=lo,
        hi=hi,
    )
    out: dict[str, dict[str | None, dict[int, int]]] = {}
    for row in rows:
        counts = out.setdefault(row["survey_kind"], {}).setdefault(row["segment"], {})
        counts[int(row["answer"])] = int(row["n"])
    return out


# --- one kind ----------------------------------------------------------------------------


def _n(counts: Mapping[int, int]) -> int:
    return sum(counts.values())


def _kind_report(
    kind: str,
    tally: _Tally,
    period: Period,
    previous: Period,
    groups: dict[str | None, dict[int, int]] | None,
) -> KindReport:
    label, maths = _LABELS[kind], _MATHS[kind]
    anonymous = kind in ANONYMOUS_KINDS
    notes: list[str] = []
    rejected = _rejected(tally.rejected)
    if rejected.total:
        notes.append(_rejected_note(kind, rejected))

    n, previous_n = _n(tally.current), _n(tally.previous)
    current = _score(maths, tally.current, anonymous)
    before = _score(maths, tally.previous, anonymous)
    if n == 0:
        notes.append(f"No {label} answers in {period.label()}.")
    elif current is None:
        notes.append(_hidden_note(label, n))

    change: Change | None = None
    if current is not None and before is not None:
        change = satisfaction.change(maths, before, current)
    elif current is not None and previous_n == 0:
        notes.append(f"No change: the previous period ({previous.label()}) has no {label} answers.")
    elif current is not None:
        notes.append(
            f"No change: the previous period ({previous.label()}) has only {previous_n} "
            f"{label} answer(s), fewer than {MIN_GROUP_N} (anonymous-report rule)."
        )

    segments = None
    if groups is not None and n > 0:
        segments = _breakdown(maths, groups, label)

    return KindReport(
        kind=kind,
        statistic=maths,
        n=n,
        score=current,
        previous_n=previous_n,
        previous=before,
        change=change,
        rejected=rejected,
        trend=_trend(maths, tally.months, period, label, anonymous),
        segments=segments,
        notes=tuple(notes),
    )


def _score(maths: ScoreKind, counts: Mapping[int, int], anonymous: bool) -> Score | None:
    n = _n(counts)
    if n == 0 or (anonymous and n < MIN_GROUP_N):
        return None
    return satisfaction.score(maths, counts)


def _hidden_note(label: str, n: int) -> str:
    return (
        f"{label} is anonymous: {n} answer(s) are fewer than {MIN_GROUP_N}, "
        "so no score is shown (anonymous-report rule)."
    )


def _rejected(reasons: Mapping[str, int]) -> RejectedAnswers:
    missing = reasons.get("missing", 0)
    not_whole = reasons.get("not_whole", 0)
    out_of_scale = reasons.get("out_of_scale", 0)
    return RejectedAnswers(
        total=missing + not_whole + out_of_scale,
        missing=missing,
        not_whole=not_whole,
        out_of_scale=out_of_scale,
    )


def _rejected_note(kind: str, rejected: RejectedAnswers) -> str:
    lo, hi = _MATHS[kind].scale
    parts = [
        f"{count} {what}"
        for count, what in (
            (rejected.missing, "without a numeric score"),
            (rejected.not_whole, "not a whole number"),
            (rejected.out_of_scale, f"outside {lo}–{hi}"),
        )
        if count
    ]
    return (
        f"{rejected.total} {_LABELS[kind]} response(s) were rejected and not scored: "
        + ", ".join(parts)
        + "."
    )


def _months(period: Period) -> list[date]:
    out: list[date] = []
    month = period.start.replace(day=1)
    while month <= period.end:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _trend(
    maths: ScoreKind,
    months: Mapping[date, Mapping[int, int]],
    period: Period,
    label: str,
    anonymous: bool,
) -> tuple[TrendPoint, ...]:
    sizes = {month: _n(counts) for month, counts in months.items() if _n(counts)}
    shown = _shown(sizes, 0)[0] if anonymous else set(sizes)
    points: list[TrendPoint] = []
    for month in _months(period):
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        start, end = max(month, period.start), min(last, period.end)
        n = sizes.get(month, 0)
        score = satisfaction.score(maths, months[month]) if month in shown else None
        note = None
        if n == 0:
            note = f"No {label} answers."
        elif score is None:
            note = (
                f"Hidden: fewer than {MIN_GROUP_N} answers in this or another month "
                "(anonymous-report rule)."
            )
        points.append(
            TrendPoint(
                month=month,
                start=start,
                end=end,
                partial=(start, end) != (month, last),
                n=n,
                score=score,
                note=note,
            )
        )
    return tuple(points)


def _shown(sizes: Mapping[_K, int], unassigned: int) -> tuple[set[_K], int, int]:
    """The groups that may be shown under the anonymous-report rule, the number hidden for
    having fewer than MIN_GROUP_N answers, and the number hidden in addition so that the
    total minus the shown groups does not single out fewer than MIN_GROUP_N answers (which
    would let the hidden answers be worked out by subtraction)."""
    shown = {group for group, n in sizes.items() if n >= MIN_GROUP_N}
    small = sum(1 for n in sizes.values() if n > 0) - len(shown)
    extra = 0
    while shown:
        rest = unassigned + sum(n for group, n in sizes.items() if group not in shown)
        if rest == 0 or rest >= MIN_GROUP_N:
            break
        shown.remove(min(shown, key=lambda g: (sizes[g], str(g))))
        extra += 1
    return shown, small, extra


def _breakdown(
    maths: ScoreKind, groups: Mapping[str | None, Mapping[int, int]], label: str
) -> SegmentBreakdown:
    unassigned = _n(groups.get(None, {}))
    sizes = {segment: _n(counts) for segment, counts in groups.items() if segment is not None}
    shown, small, extra = _shown(sizes, unassigned)
    note_parts: list[str] = []
    if small:
        note_parts.append(
            f"{small} segment(s) with fewer than {MIN_GROUP_N} {label} answers are hidden "
            "(anonymous-report rule)"
        )
    if extra:
        note_parts.append(
            f"{extra} more segment(s) are hidden so that the hidden answers cannot be worked "
            "out from the total"
        )
    return SegmentBreakdown(
        groups=tuple(
            SegmentScore(
                segment=segment,
                n=sizes[segment],
                score=satisfaction.score(maths, groups[segment]),
            )
            for segment in sorted(shown)
        ),
        hidden=small + extra,
        unassigned=unassigned,
        min_n=MIN_GROUP_N,
        note="; ".join(note_parts) + "." if note_parts else None,
    )
