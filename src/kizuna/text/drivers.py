"""Key drivers: which themes go with detractors vs promoters, and their effect on NPS.

For a theme T with share ``s`` of the NPS respondents, overall NPS is
``s * NPS(T) + (1 - s) * NPS(rest)``. The theme's *effect* is ``overall - NPS(rest)``
``= s * (NPS(T) - NPS(rest))``: the points it adds to (or, negative, takes from) the
overall score; if T's respondents scored like the rest, NPS would rise by ``-effect``.
The 95% interval is a percentile bootstrap over respondents (1,000 resamples, fixed
seed); the p-value is two-sided from a normal approximation with the bootstrap standard
error. Respondents without a score (``None``) are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kizuna.text.contracts import KeyDriver, Theme

BOOTSTRAP = 1000
SEED = 20261202
_CHUNK_CELLS = 4_000_000  # resample matrix cells per chunk (memory bound)


def _category(score: int) -> int:
    return 1 if score >= 9 else (-1 if score <= 6 else 0)


def _nps(v: np.ndarray) -> float:
    return float(100.0 * v.mean()) if len(v) else math.nan


def key_drivers(
    assignments: Sequence[int | None], scores: Sequence[int | None], themes: Sequence[Theme]
) -> list[KeyDriver]:
    pairs = [
        (a, _category(int(s)))
        for a, s in zip(assignments, scores, strict=False)
        if s is not None and not isinstance(s, bool) and 0 <= int(s) <= 10
    ]
    n_comments = len(assignments)
    if not themes:
        return []
    theme_ids = [t.id for t in themes]
    col = {tid: j for j, tid in enumerate(theme_ids)}
    n = len(pairs)
    v = np.array([c for _, c in pairs], dtype=np.int8)
    member = np.zeros((n, len(themes)), dtype=bool)
    for i, (a, _) in enumerate(pairs):
        if a is not None and a in col:
            member[i, col[a]] = True
    boots = _bootstrap(v, member)
    out: list[KeyDriver] = []
    for t in themes:
        j = col[t.id]
        inside = v[member[:, j]]
        outside = v[~member[:, j]]
        k = len(inside)
        nps_with, nps_without = _nps(inside), _nps(outside)
        if k and len(outside):
            effect = _nps(v) - nps_without
            b = boots[:, j]
            b = b[~np.isnan(b)]
            lo, hi = (
                (float(np.percentile(b, 2.5)), float(np.percentile(b, 97.5)))
                if len(b)
                else (math.nan, math.nan)
            )
            se = float(np.std(b, ddof=1)) if len(b) > 1 else 0.0
            p = _p_value(effect, se)
        else:
            effect = lo = hi = p = math.nan
        out.append(
            KeyDriver(
                theme_id=t.id,
                label=t.label,
                n=k,
                share_of_comments=(
                    sum(1 for a in assignments if a == t.id) / n_comments if n_comments else 0.0
                ),
                promoters=int((inside == 1).sum()),
                passives=int((inside == 0).sum()),
                detractors=int((inside == -1).sum()),
                nps_with=round(nps_with, 2) if k else math.nan,
                nps_without=round(nps_without, 2) if len(outside) else math.nan,
                effect_on_nps=round(effect, 2) if not math.isnan(effect) else math.nan,
                ci_low=round(lo, 2) if not math.isnan(lo) else math.nan,
                ci_high=round(hi, 2) if not math.isnan(hi) else math.nan,
                p_value=round(p, 4) if not math.isnan(p) else math.nan,
            )
        )
    out.sort(key=lambda d: (math.isnan(d.effect_on_nps), d.effect_on_nps, d.theme_id))
    return out


def _p_value(effect: float, se: float) -> float:
    if se <= 0:
        return 1.0 if effect == 0 else 0.0
    z = abs(effect) / se
    return math.erfc(z / math.sqrt(2.0))


def _bootstrap(v: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Bootstrap effects, shape (BOOTSTRAP, themes); NaN where a side was empty."""
    n, t = member.shape
    out = np.full((BOOTSTRAP, t), np.nan)
    if n == 0:
        return out
    rng = np.random.default_rng(SEED)
    vf = v.astype(np.float64)
    mf = member.astype(np.float64)
    rows = max(1, _CHUNK_CELLS // n)
    for start in range(0, BOOTSTRAP, rows):
        b = min(rows, BOOTSTRAP - start)
        # resample as counts (multinomial weights): same as drawing indices with replacement
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(np.float64)  # (b, n)
        total_v = w @ vf  # (b,)
        in_n = w @ mf  # (b, t)
        in_v = w @ (mf * vf[:, None])  # (b, t)
        out_n = n - in_n
        out_v = total_v[:, None] - in_v
        with np.errstate(invalid="ignore", divide="ignore"):
            overall = 100.0 * total_v / n
            without = 100.0 * out_v / out_n
            eff = overall[:, None] - without
        eff[(in_n == 0) | (out_n == 0)] = np.nan
        out[start : start + b] = eff
    return out
