"""Do the 95 % intervals cover 95 % of the time, and do the change tests reject 5 % of the
time when nothing changed? Checked by simulation (fixed seed, 2,000 samples per case) and,
where cheap, exactly (summing the sampling distribution)."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from scipy import stats

from kizuna.metrics import satisfaction as sat

REPS = 2_000
SIZES = (30, 100, 500)
# (detractors, passives, promoters): typical, high, low and polarised NPS populations.
NPS_POPULATIONS = [(0.2, 0.3, 0.5), (0.1, 0.2, 0.7), (0.4, 0.3, 0.3), (0.3, 0.4, 0.3)]
# CES answer distribution on 1..7 (mean 4.4).
CES_POPULATION = (0.05, 0.1, 0.15, 0.2, 0.25, 0.15, 0.1)


def _nps_counts(draw: np.ndarray) -> dict[int, int]:
    # Detractors answer 0..6, passives 7..8, promoters 9..10: one value per group suffices.
    return {3: int(draw[0]), 8: int(draw[1]), 10: int(draw[2])}


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("probs", NPS_POPULATIONS)
def test_nps_interval_covers_about_95_percent(probs: tuple[float, ...], n: int) -> None:
    rng = np.random.default_rng(1_000 + n)
    true = 100 * (probs[2] - probs[0])
    draws = rng.multinomial(n, probs, size=REPS)
    hits = 0
    for draw in draws:
        score = sat.nps(_nps_counts(draw))
        hits += score.ci_low <= true <= score.ci_high
    assert 0.93 <= hits / REPS <= 0.97


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("p", [0.5, 0.6, 0.8])
def test_csat_interval_covers_about_95_percent(p: float, n: int) -> None:
    rng = np.random.default_rng(2_000 + n)
    hits = 0
    for satisfied in rng.binomial(n, p, size=REPS):
        score = sat.csat({5: int(satisfied), 2: n - int(satisfied)})
        hits += score.ci_low <= 100 * p <= score.ci_high
    assert 0.93 <= hits / REPS <= 0.97


@functools.cache
def _csat_intervals(n: int) -> tuple[np.ndarray, np.ndarray]:
    scores = [sat.csat({5: k, 1: n - k}) for k in range(n + 1)]
    return np.array([s.ci_low for s in scores]), np.array([s.ci_high for s in scores])


@functools.cache
def _nps_intervals(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    cells = [(d, pr) for d in range(n + 1) for pr in range(n - d + 1)]
    scores = [sat.nps({0: d, 7: n - d - pr, 10: pr}) for d, pr in cells]
    d, pr = np.array(cells).T
    low = np.array([s.ci_low for s in scores])
    return d, pr, low, np.array([s.ci_high for s in scores])


@pytest.mark.parametrize("n", SIZES)
def test_csat_interval_covers_95_percent_on_average_over_p(n: int) -> None:
    # Wilson's coverage oscillates with p (Brown, Cai & DasGupta 2001); computed exactly and
    # averaged over p in [0.05, 0.95] it is close to nominal, and never far below anywhere.
    low, high = _csat_intervals(n)
    k = np.arange(n + 1)
    coverages = [
        float(stats.binom.pmf(k, n, p)[(low <= 100 * p) & (100 * p <= high)].sum())
        for p in np.linspace(0.05, 0.95, 91)
    ]
    assert 0.945 <= float(np.mean(coverages)) <= 0.96
    assert min(coverages) >= 0.90


@pytest.mark.parametrize("n", (30, 100))
@pytest.mark.parametrize("probs", NPS_POPULATIONS)
def test_nps_interval_exact_coverage(probs: tuple[float, ...], n: int) -> None:
    d, pr, low, high = _nps_intervals(n)
    true = 100 * (probs[2] - probs[0])
    pmf = stats.multinomial.pmf(np.stack([d, n - d - pr, pr], axis=1), n, probs)
    coverage = float(pmf[(low <= true) & (true <= high)].sum())
    assert 0.935 <= coverage <= 0.965


@pytest.mark.parametrize(("n1", "n2"), [(30, 30), (100, 100), (500, 500), (30, 100)])
def test_nps_change_false_positive_rate_is_about_5_percent(n1: int, n2: int) -> None:
    rng = np.random.default_rng(3_000 + n1 + n2)
    probs = NPS_POPULATIONS[0]
    before = rng.multinomial(n1, probs, size=REPS)
    after = rng.multinomial(n2, probs, size=REPS)
    rejections = sum(
        sat.nps_change(_nps_counts(a), _nps_counts(b)).significant
        for a, b in zip(before, after, strict=True)
    )
    assert 0.03 <= rejections / REPS <= 0.07


@pytest.mark.parametrize(("n1", "n2"), [(30, 30), (100, 100), (500, 500), (30, 100)])
def test_csat_change_false_positive_rate_is_about_5_percent(n1: int, n2: int) -> None:
    rng = np.random.default_rng(4_000 + n1 + n2)
    p = 0.75
    rejections = sum(
        sat.csat_change({5: int(a), 1: n1 - int(a)}, {5: int(b), 1: n2 - int(b)}).significant
        for a, b in zip(rng.binomial(n1, p, REPS), rng.binomial(n2, p, REPS), strict=True)
    )
    assert 0.03 <= rejections / REPS <= 0.07


@pytest.mark.parametrize(("n1", "n2"), [(30, 30), (100, 100), (500, 500), (30, 100)])
def test_ces_change_false_positive_rate_is_about_5_percent(n1: int, n2: int) -> None:
    rng = np.random.default_rng(5_000 + n1 + n2)
    before = rng.multinomial(n1, CES_POPULATION, size=REPS)
    after = rng.multinomial(n2, CES_POPULATION, size=REPS)
    rejections = sum(
        sat.ces_change(dict(enumerate(a.tolist(), 1)), dict(enumerate(b.tolist(), 1))).significant
        for a, b in zip(before, after, strict=True)
    )
    assert 0.03 <= rejections / REPS <= 0.07


@pytest.mark.parametrize("n", SIZES)
def test_ces_interval_covers_about_95_percent(n: int) -> None:
    rng = np.random.default_rng(6_000 + n)
    true = float(np.dot(np.arange(1, 8), CES_POPULATION))
    hits = 0
    for draw in rng.multinomial(n, CES_POPULATION, size=REPS):
        score = sat.ces(dict(enumerate(draw.tolist(), 1)))
        hits += score.ci_low <= true <= score.ci_high
    assert 0.93 <= hits / REPS <= 0.97


def test_nps_change_has_power_against_a_real_change() -> None:
    rng = np.random.default_rng(7_000)
    before = rng.multinomial(500, (0.2, 0.3, 0.5), size=500)
    after = rng.multinomial(500, (0.3, 0.3, 0.4), size=500)  # NPS 30 -> 10
    detected = sum(
        sat.nps_change(_nps_counts(a), _nps_counts(b)).significant
        for a, b in zip(before, after, strict=True)
    )
    assert detected / 500 > 0.95
