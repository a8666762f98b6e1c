"""Simulation tests of the uplift statistics: coverage, always-valid peeking, CUPED.

Every simulation is vectorised over many experiments with a fixed seed; assertions use
binomial tolerances around the nominal rates, never fixed numbers.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.experiments import stats

SIMS = 400
# 4 standard errors of a binomial proportion at 0.95 over SIMS experiments
TOL = 4 * math.sqrt(0.05 * 0.95 / SIMS)


def test_welch_interval_covers_planted_revenue_effect_at_nominal_rate() -> None:
    rng = np.random.default_rng(11)
    n1, n0, effect = 300, 250, 2.0
    y0 = rng.gamma(2.0, 5.0, size=(SIMS, n0))
    y1 = rng.gamma(2.0, 5.0, size=(SIMS, n1)) + effect
    _, lo, hi, _ = stats.welch(y1.mean(1), y1.var(1, ddof=1), n1, y0.mean(1),
                               y0.var(1, ddof=1), n0)
    coverage = float(np.mean((lo <= effect) & (effect <= hi)))
    assert abs(coverage - 0.95) <= TOL


def test_proportion_interval_covers_planted_conversion_effect_at_nominal_rate() -> None:
    rng = np.random.default_rng(12)
    n1, n0, p0, p1 = 5000, 4000, 0.10, 0.12
    x1, x0 = rng.binomial(n1, p1, SIMS), rng.binomial(n0, p0, SIMS)
    _, lo, hi, p = stats.proportion_difference(x1, n1, x0, n0)
    coverage = float(np.mean((lo <= p1 - p0) & (p1 - p0 <= hi)))
    assert abs(coverage - 0.95) <= TOL
    assert np.mean(p < 0.05) > 0.5  # the planted effect is detected more often than not


def test_p_values_are_uniform_under_no_effect() -> None:
    rng = np.random.default_rng(13)
    y0, y1 = rng.normal(10, 3, (SIMS, 200)), rng.normal(10, 3, (SIMS, 200))
    _, _, _, p = stats.welch(y1.mean(1), y1.var(1, ddof=1), 200, y0.mean(1),
                             y0.var(1, ddof=1), 200)
    assert abs(float(np.mean(p < 0.05)) - 0.05) <= TOL


def _peeking(rng: np.random.Generator, effect: float) -> tuple[np.ndarray, np.ndarray]:
    """Rejections at any of 20 looks (always-valid, naive) for SIMS experiments."""
    looks, step = 20, 100
    y1 = rng.normal(effect, 1.0, (SIMS, looks * step))
    y0 = rng.normal(0.0, 1.0, (SIMS, looks * step))
    always = np.zeros(SIMS, bool)
    naive = np.zeros(SIMS, bool)
    running_p = np.ones(SIMS)
    for k in range(1, looks + 1):
        n = k * step
        a, b = y1[:, :n], y0[:, :n]
        v1, v0 = a.var(1, ddof=1), b.var(1, ddof=1)
        d = a.mean(1) - b.mean(1)
        pooled = np.concatenate([a, b], axis=1).var(1, ddof=1)
        p, lo, hi = stats.msprt(d, v1 / n + v0 / n, stats.MIXTURE_EFFECT**2 * pooled)
        running_p = np.minimum(running_p, p)
        always |= (lo > 0) | (hi < 0)
        assert np.array_equal(running_p < 0.05, always | (running_p < 0.05))
        _, _, _, pn = stats.welch(a.mean(1), v1, n, b.mean(1), v0, n)
        naive |= pn < 0.05
    return always | (running_p < 0.05), naive


def test_always_valid_keeps_type_one_error_under_peeking_while_naive_does_not() -> None:
    always, naive = _peeking(np.random.default_rng(14), effect=0.0)
    assert float(np.mean(always)) <= 0.05 + TOL
    assert float(np.mean(naive)) > 0.05 + TOL  # peeking 20 times at a fixed-horizon test


def test_always_valid_detects_a_real_effect() -> None:
    always, _ = _peeking(np.random.default_rng(15), effect=0.3)
    assert float(np.mean(always)) > 0.8


def test_cuped_reduces_variance_and_is_unbiased() -> None:
    rng = np.random.default_rng(16)
    n, effect = 400, 1.5
    plain, adjusted, reductions = [], [], []
    for _ in range(SIMS):
        x = rng.gamma(2.0, 10.0, 2 * n)
        y = 0.8 * x + rng.normal(0, 8, 2 * n)
        y[:n] += effect
        theta = stats.cuped_theta(y, x)
        adj = stats.cuped_adjust(y, x, theta)
        plain.append(y[:n].mean() - y[n:].mean())
        adjusted.append(adj[:n].mean() - adj[n:].mean())
        c = stats.compare_metric("revenue_per_recipient", y[:n], y[n:], x1=x[:n], x0=x[n:],
                                 theta=theta)
        assert c.variance_reduction is not None
        reductions.append(c.variance_reduction)
    plain_a, adj_a = np.asarray(plain), np.asarray(adjusted)
    assert adj_a.var() < 0.7 * plain_a.var()
    assert float(np.mean(reductions)) > 0.3
    se_mean = adj_a.std(ddof=1) / math.sqrt(SIMS)
    assert abs(adj_a.mean() - effect) <= 4 * se_mean  # unbiased


def test_cuped_interval_covers_planted_effect() -> None:
    rng = np.random.default_rng(17)
    n, effect, hits = 300, 2.0, 0
    for _ in range(SIMS):
        x = rng.exponential(20.0, 2 * n)
        y = 0.5 * x + rng.normal(0, 10, 2 * n)
        y[:n] += effect
        c = stats.compare_metric("revenue_per_recipient", y[:n], y[n:], x1=x[:n], x0=x[n:],
                                 theta=stats.cuped_theta(y, x))
        assert c.cuped is not None
        hits += c.cuped.low <= effect <= c.cuped.high
    assert abs(hits / SIMS - 0.95) <= TOL


def test_cuped_without_correlation_changes_little() -> None:
    rng = np.random.default_rng(18)
    x, y = rng.normal(0, 1, 2000), rng.normal(0, 1, 2000)
    c = stats.compare_metric("revenue_per_recipient", y[:1000], y[1000:], x1=x[:1000],
                             x0=x[1000:], theta=stats.cuped_theta(y, x))
    assert c.variance_reduction is not None and abs(c.variance_reduction) < 0.05


@settings(max_examples=200, deadline=None)
@given(d=st.floats(-5, 5), v=st.floats(1e-4, 10), t=st.floats(1e-4, 10))
def test_msprt_sequence_and_p_value_agree(d: float, v: float, t: float) -> None:
    p, lo, hi = stats.msprt(d, v, t)
    assert lo <= d <= hi
    assert 0 <= p <= 1
    excludes_zero = bool(lo > 0 or hi < 0)
    if abs(float(p) - 0.05) > 1e-6:
        assert excludes_zero == bool(p < 0.05)


@settings(max_examples=200, deadline=None)
@given(x1=st.integers(0, 500), extra1=st.integers(1, 500), x0=st.integers(0, 500),
       extra0=st.integers(1, 500))
def test_proportion_interval_contains_estimate(x1: int, extra1: int, x0: int,
                                               extra0: int) -> None:
    d, lo, hi, p = stats.proportion_difference(x1, x1 + extra1, x0, x0 + extra0)
    assert lo <= d <= hi and 0 <= p <= 1
    assert -1 <= d <= 1
