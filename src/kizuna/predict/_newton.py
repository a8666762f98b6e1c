"""Newton's method on log-parameters with the analytic Hessian, warm-started on subsamples.

The BG/NBD and Gamma-Gamma likelihoods are sums over customers of a few logarithms, so one
pass over the data is memory-bound and the number of passes decides the fit time. Here:

* ``fit_newton`` fits a strided subsample first (every 16th, 256th, ... customer), then
  refines on ever larger samples; on the full data one or two Newton steps from that warm
  start reach the maximum (Newton converges quadratically), and a last pass confirms it.
* ``chunk_sums`` evaluates a per-row function on blocks of 8k rows, in scratch buffers that
  are reused (so they stay in cache and cost no page faults), and adds up the block sums.

Convergence is declared on the Newton decrement ``g' (-H)^-1 g``: half of it is the
log-likelihood still to gain, so stopping when it is below ``1e-12 |LL|`` (and the Newton
step below 1e-7 in every log-parameter) puts the result at the maximum to twelve
significant digits, on any data (not just the benchmark's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
from scipy.optimize import minimize

from kizuna.predict.contracts import FloatArray
from kizuna.predict.errors import FitNotConverged

CHUNK = 1 << 13
SUBSAMPLE_STEP = 16
SMALLEST_STAGE = 40_000
FINAL_TOLERANCE = 1e-12  # of |LL|: the log-likelihood left on the table at the end
STEP_TOLERANCE = 1e-7  # and the last Newton step in log-parameters (relative precision)
NOISE = 1e-14  # relative rounding of a float64 sum of many terms, with a margin
STAGE_TOLERANCE = 1e-3  # absolute, on a subsample: it only has to be a good starting point
MAX_LOG_PARAM = 30.0

_local = threading.local()


def workspace(count: int, length: int) -> FloatArray:
    """``count`` scratch rows of ``length`` floats, reused per thread: allocating fresh
    temporaries for every block costs page faults that take longer than the arithmetic."""
    buf: FloatArray | None = getattr(_local, "buf", None)
    if buf is None or buf.shape[0] < count or buf.shape[1] < length:
        rows = max(count, buf.shape[0] if buf is not None else 0)
        cols = max(length, buf.shape[1] if buf is not None else 0)
        buf = _local.buf = np.empty((rows, cols))
    return buf[:count, :length]


def chunk_sums(
    fn: Callable[..., FloatArray], arrays: Sequence[FloatArray], *, chunk: int = CHUNK,
) -> FloatArray:
    """``sum(fn(*block) for block in blocks of rows of arrays)``: ``fn`` returns a 1-D vector
    of sums over the block's rows. Blocks of 8k rows keep ``fn``'s scratch rows in the L2
    cache and stay below the size from which OpenBLAS spreads a dot product over threads
    (which on two shared cores made it slower, as did running blocks on two Python threads:
    each numpy call on a block is short enough for the GIL hand-over to dominate)."""
    n = len(arrays[0])
    total: FloatArray | None = None
    for s in range(0, max(n, 1), chunk):
        part = fn(*(a[s:s + chunk] for a in arrays))
        total = part if total is None else total + part
    assert total is not None
    return total


class Problem(Protocol):
    """A log-likelihood over rows of data, with its gradient and Hessian in the natural
    (positive) parameters."""

    n_rows: int

    def evaluate(self, params: FloatArray) -> tuple[float, FloatArray, FloatArray]: ...

    def subsample(self, step: int) -> Problem: ...


Evaluation = tuple[float, FloatArray, FloatArray]


def _in_log_space(problem: Problem, theta: FloatArray) -> Evaluation:
    """LL, gradient and Hessian in theta = log(params)."""
    p = np.exp(theta)
    with np.errstate(all="ignore"):
        ll, g, h = problem.evaluate(p)
    if not (np.isfinite(ll) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
        return -np.inf, np.zeros_like(theta), np.zeros((len(theta), len(theta)))
    return ll, g * p, h * np.outer(p, p) + np.diag(g * p)


def _direction(g: FloatArray, h: FloatArray) -> tuple[FloatArray, bool]:
    """Newton ascent direction, and whether -H is positive definite there. Away from the
    maximum (where the surface is not concave) the eigenvalues of -H are replaced by their
    absolute values ("saddle-free" Newton), which still gives an ascent direction."""
    m = -(h + h.T) / 2
    try:
        c = np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        lam, v = np.linalg.eigh(m)
        lam = np.maximum(np.abs(lam), 1e-8 * max(float(np.max(np.abs(lam))), 1e-300))
        return np.asarray(v @ ((v.T @ g) / lam)), False
    return np.asarray(np.linalg.solve(c.T, np.linalg.solve(c, g))), True


def newton(
    problem: Problem, theta: FloatArray, *, tol: float, relative: bool, max_iter: int = 100,
) -> tuple[FloatArray, float, int, bool]:
    """Maximise over theta = log(params) by Newton with a backtracking line search.

    Returns (theta, LL at theta, iterations, converged). Converged means -H is positive
    definite and half the Newton decrement (the predicted remaining gain) is at most ``tol``
    (relative to |LL| if ``relative``) with a Newton step below ``STEP_TOLERANCE`` in every
    log-parameter, or the predicted gain is below the rounding noise of the LL itself. On a
    flat likelihood surface a tiny gain can still hide a visible parameter change, hence both.
    """
    ll, g, h = _in_log_space(problem, theta)
    if not np.isfinite(ll):
        return theta, ll, 0, False
    for it in range(max_iter):
        d, concave = _direction(g, h)
        gain = float(g @ d)
        scale = max(abs(ll), 1.0)
        biggest = float(np.max(np.abs(d)))
        if concave and (gain / 2 <= NOISE * scale or (
                gain / 2 <= tol * (scale if relative else 1.0)
                and (biggest <= STEP_TOLERANCE or not relative))):
            return theta, ll, it, True
        step = min(1.0, 2.0 / biggest)  # at most a factor e^2 per parameter per step
        while True:
            cand = theta + step * d
            if np.max(np.abs(cand)) > MAX_LOG_PARAM + 5:
                lln = -np.inf
            else:
                lln, gn, hn = _in_log_space(problem, cand)
            # Armijo, with an allowance for rounding in the LL (a sum over many rows).
            if np.isfinite(lln) and lln >= ll + 1e-4 * step * gain - NOISE * scale:
                break
            step /= 4
            if step < 1e-12:
                # No progress is possible: at the maximum up to rounding if concave there.
                return theta, ll, it, concave and gain / 2 <= 1e-8 * scale
        theta, ll, g, h = cand, lln, gn, hn
    return theta, ll, max_iter, False


def _lbfgs(problem: Problem, theta: FloatArray) -> FloatArray:
    """Fallback for starts far from the maximum where Newton fails."""
    scale = float(max(problem.n_rows, 1))

    def objective(t: FloatArray) -> tuple[float, FloatArray]:
        ll, g, _ = _in_log_space(problem, t)
        if not np.isfinite(ll):
            return 1e10, np.zeros_like(t)
        return -ll / scale, -g / scale

    with np.errstate(all="ignore"):
        res = minimize(objective, theta, jac=True, method="L-BFGS-B",
                       options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9})
    return np.asarray(res.x, dtype=np.float64)


#: Given the full problem and where the final stage's Newton (and L-BFGS) ended, returns
#: (theta, LL, iterations) at the supremum if it lies at a boundary of the parameter space
#: that the model has a defined limit at (see ``_problems.bgnbd_homogeneous_dropout``), or
#: None if that end point is not at such a boundary.
Boundary = Callable[[Problem, FloatArray], "tuple[FloatArray, float, int] | None"]


def fit_newton(
    problem: Problem, start: Sequence[float], *, names: tuple[str, ...],
    boundary: Boundary | None = None,
) -> tuple[dict[str, float], float, int]:
    """Maximum-likelihood parameters, LL and total Newton iterations.

    Fits subsamples of 1/16^k of the rows first (down to about ``SMALLEST_STAGE`` rows) and
    warm-starts each larger stage from the smaller one's estimate. On the full data,
    ``boundary`` (if given) decides whether the fit ran off towards a boundary at which the
    likelihood has its supremum, and replaces the end point by a fixed point there: along such
    a ridge the LL is flat to rounding, so where Newton stops (and whether -H still looks
    positive definite there) is rounding noise, different with each SciPy/NumPy build.
    """
    stages: list[Problem] = [problem]
    step = SUBSAMPLE_STEP
    while problem.n_rows // step >= SMALLEST_STAGE:
        stages.append(problem.subsample(step))
        step *= SUBSAMPLE_STEP
    theta = np.log(np.asarray(start, dtype=np.float64))
    total = 0
    ll = -np.inf
    for k, stage in enumerate(reversed(stages)):
        final = k == len(stages) - 1
        tol, relative = (FINAL_TOLERANCE, True) if final else (STAGE_TOLERANCE, False)
        theta_s, ll, nit, ok = newton(stage, theta, tol=tol, relative=relative)
        total += nit
        if not ok:
            theta_s = _lbfgs(stage, theta_s if np.isfinite(ll) else theta)
            theta_s, ll, nit, ok = newton(stage, theta_s, tol=tol, relative=relative)
            total += nit
        if final and boundary is not None and np.all(np.isfinite(theta_s)):
            limit = boundary(stage, theta_s)
            if limit is not None:
                theta_s, ll, nit = limit
                total += nit
                ok = True
        if not ok and final:
            raise FitNotConverged(
                "The fit did not converge (Newton's method and L-BFGS found no maximum); the "
                "data may not identify the model.", message_from_optimizer="no maximum")
        if ok:  # a subsample that does not identify the model leaves the start as it was
            theta = theta_s
    if not np.isfinite(ll) or np.any(np.abs(theta) > MAX_LOG_PARAM):
        raise FitNotConverged(
            "The fit did not converge (parameters ran off to 0 or infinity); the data may not "
            "identify the model: check the time unit and that there are enough repeat buyers.",
            message_from_optimizer="parameters diverged")
    params = dict(zip(names, (float(v) for v in np.exp(theta)), strict=True))
    return params, float(ll), total
