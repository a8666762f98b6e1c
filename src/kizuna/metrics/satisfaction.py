"""NPS, CSAT and CES with n, a confidence interval and a test of change between periods.

Pure functions over survey answers: give either the answers themselves (any iterable of
whole numbers, e.g. a list or a numpy array) or the number of answers per scale value
(``{0: 3, 9: 12, 10: 5}``); both give identical results. Methods and formulas are in
docs/reference/satisfaction-scores.md:

- NPS: adjusted-Wald interval (add ¾ promoter, ¾ detractor, 3 to n; Rocks 2016), on −100..100;
- CSAT: Wilson score interval of the top-2-box share, in percent;
- CES: Student t interval of the mean on the 1–7 scale.

Changes between two periods: NPS by a z test on the difference of two independent
adjusted-Wald estimates, CSAT by the pooled two-proportion z test (interval: Newcombe's
hybrid score interval), CES by Welch's t test.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from kizuna.errors import Invalid
from kizuna.metrics.contracts import MIN_RELIABLE_N, Change, Score, ScoreKind
from kizuna.metrics.errors import AnswersInvalid, NoAnswers

#: One answer: a whole number (whole-number floats such as ``9.0`` are accepted too).
Answer: TypeAlias = int | float | np.integer[Any] | np.floating[Any]
#: Raw answers (whole numbers) or the number of answers per scale value.
Answers: TypeAlias = Iterable[Answer] | Mapping[int, int] | npt.NDArray[Any]
#: What a change test accepts for each period: answers, counts or an already computed score.
Period: TypeAlias = Answers | Score

_Counts: TypeAlias = npt.NDArray[np.int64]

#: Pseudo-counts of the adjusted-Wald NPS interval (Rocks 2016; Sauro & Lewis).
NPS_PSEUDO_PROMOTERS = 0.75
NPS_PSEUDO_DETRACTORS = 0.75
NPS_PSEUDO_N = 3.0

_NPS_METHOD = "adjusted Wald (+3/4 promoter, +3/4 detractor, +3 n; Rocks 2016)"
_CSAT_METHOD = "Wilson score interval"
_CES_METHOD = "Student t interval of the mean"


# --- public API --------------------------------------------------------------------------


def nps(answers: Answers, *, confidence: float = 0.95) -> Score:
    """Net Promoter Score on −100..100: % promoters (9–10) − % detractors (0–6)."""
    return _nps_score(tally(ScoreKind.NPS, answers), confidence)


def csat(answers: Answers, *, confidence: float = 0.95) -> Score:
    """Customer satisfaction in percent: the share of 4–5 answers on a 1–5 scale."""
    return _csat_score(tally(ScoreKind.CSAT, answers), confidence)


def ces(answers: Answers, *, confidence: float = 0.95) -> Score:
    """Customer effort score: the mean of a 1–7 agreement scale."""
    return _ces_score(tally(ScoreKind.CES, answers), confidence)


def score(kind: ScoreKind | str, answers: Answers, *, confidence: float = 0.95) -> Score:
    """The score of ``kind`` (``"nps"``, ``"csat"`` or ``"ces"``)."""
    kind = _kind(kind)
    return _SCORERS[kind](tally(kind, answers), confidence)


def nps_change(before: Period, after: Period, *, confidence: float = 0.95) -> Change:
    """Change of NPS (after − before, in points) with its interval and two-sided p-value."""
    return change(ScoreKind.NPS, before, after, confidence=confidence)


def csat_change(before: Period, after: Period, *, confidence: float = 0.95) -> Change:
    """Change of CSAT (after − before, in percentage points)."""
    return change(ScoreKind.CSAT, before, after, confidence=confidence)


def ces_change(before: Period, after: Period, *, confidence: float = 0.95) -> Change:
    """Change of the CES mean (after − before)."""
    return change(ScoreKind.CES, before, after, confidence=confidence)


def change(
    kind: ScoreKind | str, before: Period, after: Period, *, confidence: float = 0.95
) -> Change:
    """Test of change of a score between two independent periods (after − before)."""
    kind = _kind(kind)
    c1 = _period_counts(kind, before, "before")
    c2 = _period_counts(kind, after, "after")
    s1 = _SCORERS[kind](c1, confidence)
    s2 = _SCORERS[kind](c2, confidence)
    lo, hi, p, method = _CHANGERS[kind](c1, c2, confidence)
    return Change(
        kind=kind,
        before=s1,
        after=s2,
        difference=s2.value - s1.value,
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
        p_value=p,
        significant=p < 1.0 - confidence,
        method=method,
        small_sample=s1.small_sample or s2.small_sample,
    )


def tally(kind: ScoreKind | str, answers: Answers) -> _Counts:
    """Validate answers (or counts) and return the number of answers per scale value."""
    kind = _kind(kind)
    lo, hi = kind.scale
    if isinstance(answers, Mapping):
        counts = np.zeros(hi - lo + 1, dtype=np.int64)
        for key, number in answers.items():
            value = _whole(key, kind, f"counts[{key!r}]", what="answer")
            how_many = _count(number, f"counts[{key!r}]")
            counts[value - lo] += how_many
    elif isinstance(answers, np.ndarray):
        counts = _tally_array(kind, answers)
    elif isinstance(answers, str | bytes):
        raise AnswersInvalid(
            f"{kind.value.upper()} answers must be a list of whole numbers, not text.",
            field="answers",
            value=answers,
            allowed=_allowed(kind),
        )
    else:
        counts = np.zeros(hi - lo + 1, dtype=np.int64)
        for index, answer in enumerate(answers):
            counts[_whole(answer, kind, f"answers[{index}]", what="answer") - lo] += 1
    if int(counts.sum()) == 0:
        raise NoAnswers(
            f"There are no {kind.value.upper()} answers to score; "
            "a score needs at least one answer in the period."
        )
    return counts


# --- validation --------------------------------------------------------------------------


def _kind(kind: ScoreKind | str) -> ScoreKind:
    try:
        return ScoreKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in ScoreKind)
        raise Invalid(
            f"Unknown satisfaction score {kind!r}; use one of {allowed}.",
            field="kind",
            value=str(kind),
        ) from None


def _allowed(kind: ScoreKind) -> str:
    lo, hi = kind.scale
    return f"whole numbers from {lo} to {hi}"


def _as_whole(value: object) -> int | None:
    """The value as an int if it is a whole number (bools and text are not), else None."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float | np.floating) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _whole(value: object, kind: ScoreKind, field: str, *, what: str) -> int:
    lo, hi = kind.scale
    number = _as_whole(value)
    if number is None or not lo <= number <= hi:
        raise AnswersInvalid(
            f"{kind.value.upper()} {what}s must be {_allowed(kind)}; {field} is {value!r}.",
            field=field,
            value=value,
            allowed=_allowed(kind),
        )
    return number


def _count(value: object, field: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        number = int(value)
        if number >= 0:
            return number
    raise AnswersInvalid(
        f"Answer counts must be whole numbers ≥ 0; {field} is {value!r}.",
        field=field,
        value=value,
        allowed="whole numbers of answers >= 0",
    )


def _tally_array(kind: ScoreKind, answers: npt.NDArray[Any]) -> _Counts:
    lo, hi = kind.scale
    flat = answers.ravel()
    ok: npt.NDArray[np.bool_]
    if np.issubdtype(flat.dtype, np.integer):
        ok = (flat >= lo) & (flat <= hi)
    elif np.issubdtype(flat.dtype, np.floating):
        ok = np.isfinite(flat) & (flat >= lo) & (flat <= hi) & (np.floor(flat) == flat)
    else:
        ok = np.zeros(flat.shape, dtype=np.bool_)
    if not bool(ok.all()):
        index = int(np.argmin(ok))
        _whole(flat[index].item(), kind, f"answers[{index}]", what="answer")
        raise AnswersInvalid(  # an object array holding a valid-looking value
            f"{kind.value.upper()} answers must be {_allowed(kind)}.",
            field=f"answers[{index}]",
            value=flat[index],
            allowed=_allowed(kind),
        )
    return np.bincount(flat.astype(np.int64) - lo, minlength=hi - lo + 1).astype(np.int64)


def _period_counts(kind: ScoreKind, period: Period, field: str) -> _Counts:
    if isinstance(period, Score):
        if period.kind is not kind:
            raise Invalid(
                f"Cannot compare a {period.kind.value.upper()} score in {field!r} "
                f"with {kind.value.upper()}.",
                field=field,
                value=period.kind.value,
            )
        return tally(kind, period.counts)
    return tally(kind, period)


def _z(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (validated)."""
    if not (isinstance(confidence, float | int) and 0.0 < confidence < 1.0):
        raise Invalid(
            f"The confidence level must be a number between 0 and 1 (e.g. 0.95); "
            f"got {confidence!r}.",
            field="confidence",
            value=str(confidence),
        )
    return _normal_quantile(float(confidence))


@functools.lru_cache(maxsize=64)
def _normal_quantile(confidence: float) -> float:
    return float(stats.norm.ppf(0.5 + confidence / 2.0))


def _t_quantile(confidence: float, df: float) -> float:
    """Two-sided Student t quantile (scipy.special is ~50x faster than scipy.stats here)."""
    return float(special.stdtrit(df, 0.5 + confidence / 2.0))


# --- single scores -----------------------------------------------------------------------


def _counts_dict(kind: ScoreKind, counts: _Counts) -> dict[int, int]:
    lo = kind.scale[0]
    return {lo + i: int(c) for i, c in enumerate(counts)}


def _nps_adjusted(counts: _Counts) -> tuple[float, float, float]:
    """Adjusted-Wald estimate of NPS as a proportion, its variance per answer, and n."""
    promoters, detractors = float(counts[9:].sum()), float(counts[:7].sum())
    n_adj = float(counts.sum()) + NPS_PSEUDO_N
    p_p = (promoters + NPS_PSEUDO_PROMOTERS) / n_adj
    p_d = (detractors + NPS_PSEUDO_DETRACTORS) / n_adj
    estimate = p_p - p_d
    return estimate, p_p + p_d - estimate**2, n_adj


def _nps_score(counts: _Counts, confidence: float) -> Score:
    z = _z(confidence)
    n = int(counts.sum())
    promoters, passives, detractors = (
        int(counts[9:].sum()),
        int(counts[7:9].sum()),
        int(counts[:7].sum()),
    )
    value = 100.0 * (promoters - detractors) / n
    estimate, variance, n_adj = _nps_adjusted(counts)
    se = math.sqrt(variance / n_adj)
    low = 100.0 * max(-1.0, estimate - z * se)
    high = 100.0 * min(1.0, estimate + z * se)
    return Score(
        kind=ScoreKind.NPS,
        value=value,
        n=n,
        # The adjusted interval is centred on the shrunken estimate; at n = 1 it can miss
        # the observed score, so it is widened to contain it (documented).
        ci_low=min(low, value),
        ci_high=max(high, value),
        confidence=confidence,
        method=_NPS_METHOD,
        std_error=100.0 * se,
        small_sample=n < MIN_RELIABLE_N,
        breakdown={"promoters": promoters, "passives": passives, "detractors": detractors},
        counts=_counts_dict(ScoreKind.NPS, counts),
    )


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _csat_score(counts: _Counts, confidence: float) -> Score:
    z = _z(confidence)
    n = int(counts.sum())
    satisfied = int(counts[3:].sum())
    p = satisfied / n
    low, high = _wilson(satisfied, n, z)
    return Score(
        kind=ScoreKind.CSAT,
        value=100.0 * p,
        n=n,
        ci_low=100.0 * low,
        ci_high=100.0 * high,
        confidence=confidence,
        method=_CSAT_METHOD,
        std_error=100.0 * math.sqrt(p * (1 - p) / n),
        small_sample=n < MIN_RELIABLE_N,
        breakdown={"satisfied": satisfied, "other": n - satisfied},
        counts=_counts_dict(ScoreKind.CSAT, counts),
    )


def _mean_var(counts: _Counts, lo: int) -> tuple[float, float, int]:
    """Mean, sample variance (ddof 1; 0 when n = 1) and n of answers given as counts."""
    values = np.arange(lo, lo + len(counts), dtype=np.float64)
    n = int(counts.sum())
    mean = float((values * counts).sum() / n)
    var = float((counts * (values - mean) ** 2).sum() / (n - 1)) if n > 1 else 0.0
    return mean, var, n


def _ces_score(counts: _Counts, confidence: float) -> Score:
    _z(confidence)
    lo, hi = ScoreKind.CES.scale
    mean, var, n = _mean_var(counts, lo)
    if n > 1:
        se = math.sqrt(var / n)
        half = _t_quantile(float(confidence), n - 1) * se
        low, high = max(float(lo), mean - half), min(float(hi), mean + half)
    else:  # one answer says nothing about spread: the interval is the whole scale
        se, low, high = (hi - lo) / 2.0, float(lo), float(hi)
    return Score(
        kind=ScoreKind.CES,
        value=mean,
        n=n,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
        method=_CES_METHOD,
        std_error=se,
        small_sample=n < MIN_RELIABLE_N,
        breakdown={
            "agree": int(counts[4:].sum()),
            "neutral": int(counts[3]),
            "disagree": int(counts[:3].sum()),
        },
        counts=_counts_dict(ScoreKind.CES, counts),
    )


_SCORERS = {ScoreKind.NPS: _nps_score, ScoreKind.CSAT: _csat_score, ScoreKind.CES: _ces_score}


# --- changes -----------------------------------------------------------------------------

#: (ci_low, ci_high, p_value, method) of after − before, on the score's own scale.
_ChangeStats: TypeAlias = tuple[float, float, float, str]


def _two_sided_normal(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2.0))


def _nps_diff(c1: _Counts, c2: _Counts, confidence: float) -> _ChangeStats:
    z = _z(confidence)
    e1, v1, n1 = _nps_adjusted(c1)
    e2, v2, n2 = _nps_adjusted(c2)
    se = math.sqrt(v1 / n1 + v2 / n2)  # > 0 always, thanks to the pseudo-counts
    diff_adj = e2 - e1
    return (
        100.0 * max(-2.0, diff_adj - z * se),
        100.0 * min(2.0, diff_adj + z * se),
        _two_sided_normal(diff_adj / se),
        "z test on the difference of two adjusted-Wald NPS estimates",
    )


def _csat_diff(c1: _Counts, c2: _Counts, confidence: float) -> _ChangeStats:
    z = _z(confidence)
    k1, n1 = int(c1[3:].sum()), int(c1.sum())
    k2, n2 = int(c2[3:].sum()), int(c2.sum())
    p1, p2 = k1 / n1, k2 / n2
    pooled = (k1 + k2) / (n1 + n2)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = 1.0 if se0 == 0.0 else _two_sided_normal((p2 - p1) / se0)
    l1, u1 = _wilson(k1, n1, z)
    l2, u2 = _wilson(k2, n2, z)
    diff = p2 - p1
    low = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return (
        100.0 * max(-1.0, low),
        100.0 * min(1.0, high),
        p_value,
        "pooled two-proportion z test; Newcombe hybrid score interval",
    )


def _ces_diff(c1: _Counts, c2: _Counts, confidence: float) -> _ChangeStats:
    _z(confidence)
    lo, hi = ScoreKind.CES.scale
    m1, var1, n1 = _mean_var(c1, lo)
    m2, var2, n2 = _mean_var(c2, lo)
    diff, span = m2 - m1, float(hi - lo)
    method = "Welch t test"
    if n1 < 2 or n2 < 2:
        return -span, span, 1.0, method + " (not possible: needs 2 answers per period)"
    a, b = var1 / n1, var2 / n2
    se = math.sqrt(a + b)
    if se == 0.0:  # every answer identical within each period
        return diff, diff, 1.0 if diff == 0.0 else 0.0, method + " (no variance)"
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    half = _t_quantile(confidence, df) * se
    p_value = float(2.0 * special.stdtr(df, -abs(diff) / se))
    return max(-span, diff - half), min(span, diff + half), p_value, method


_CHANGERS = {ScoreKind.NPS: _nps_diff, ScoreKind.CSAT: _csat_diff, ScoreKind.CES: _ces_diff}
