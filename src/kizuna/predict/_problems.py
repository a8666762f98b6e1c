"""BG/NBD and Gamma-Gamma log-likelihoods as sums over customers, with analytic gradient and
Hessian, for the Newton fit in ``_newton``.

Everything that depends on a customer's purchase count x only (the gamma and beta
functions) is evaluated once per distinct x and weighted by how many customers have that x;
per customer only a few logarithms and reciprocals remain, evaluated block-wise on two
threads by ``chunk_sums``.

BG/NBD (Fader, Hardie & Lee 2005, eq. 6), with m = r + x:

* x = 0: ll = r log(alpha) - r log(alpha + T), which depends on T alone (and when T is the
  same for everyone, on nothing per customer at all);
* x > 0: ll = C1(x) + C3(x) - m log(alpha + t_x) + softplus(e), where
  e = log((b + x - 1) / a) - m log((alpha + T) / (alpha + t_x)) is the log-odds that the
  customer is still alive, C1(x) = lnG(r + x) - lnG(r) + r log(alpha) and
  C3(x) = lnB(a + 1, b + x - 1) - lnB(a, b).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import betaln, digamma, gammaln, polygamma

from kizuna.predict._newton import FINAL_TOLERANCE, Problem, chunk_sums, newton, workspace
from kizuna.predict.contracts import FloatArray

RowSums = Callable[..., FloatArray]

_E_MAX = 700.0  # exp(e) must stay finite; e <= log((b + x - 1) / a) is far below this


def _distinct(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Distinct values of x and how often each occurs: a bincount (no sort) for the usual
    whole-number purchase counts, ``np.unique`` otherwise."""
    if len(x) == 0:
        return np.zeros(0), np.zeros(0)
    xi = x.astype(np.int64)
    if int(xi.max()) > 10_000_000 or not np.array_equal(xi, x):
        uniq, freq = np.unique(x, return_counts=True)
        return uniq.astype(np.float64), freq.astype(np.float64)
    counts = np.bincount(xi)
    values = np.flatnonzero(counts)
    return values.astype(np.float64), counts[values].astype(np.float64)


def _trigamma(v: FloatArray | float) -> FloatArray:
    return np.asarray(polygamma(1, v), dtype=np.float64)


def _bg_repeat_rows(r: float, alpha: float, a: float, b: float) -> RowSums:
    log_a = float(np.log(a))

    def rows(x: FloatArray, t_x: FloatArray, t: FloatArray) -> FloatArray:
        u, pu, v, pv, s, sa, m, db, e, w2, sp, w3, q, ms, tmp, tmp2 = workspace(16, len(x))
        np.add(t, alpha, out=pu)
        np.log(pu, out=u)
        np.reciprocal(pu, out=pu)
        np.add(t_x, alpha, out=pv)
        np.log(pv, out=v)
        np.reciprocal(pv, out=pv)
        np.subtract(u, v, out=s)  # log((alpha + T) / (alpha + t_x)) >= 0
        np.subtract(pu, pv, out=sa)  # its derivative in alpha
        np.add(x, r, out=m)
        np.add(x, b - 1.0, out=db)
        np.log(db, out=e)
        np.reciprocal(db, out=db)  # d e / d b
        np.multiply(m, s, out=tmp)
        np.subtract(e, tmp, out=e)
        np.subtract(e, log_a, out=e)  # e: the log-odds of being alive
        np.minimum(e, _E_MAX, out=e)
        np.exp(e, out=w2)
        np.log1p(w2, out=sp)  # softplus(e)
        np.add(w2, 1.0, out=w3)
        np.reciprocal(w3, out=w3)  # P(dead | ...), the weight of the second term
        np.multiply(w2, w3, out=w2)  # P(alive | ...)
        np.multiply(w2, w3, out=q)  # d w2 / d e
        np.multiply(m, sa, out=ms)
        out = [v.sum(), x @ v, sp.sum(), w2 @ s, m @ pv, w2 @ ms, w2.sum(), w2 @ db]
        np.multiply(q, s, out=tmp)  # q s
        out += [tmp @ s, pv.sum(), w2 @ sa, tmp @ ms]
        q_s = [tmp.sum(), tmp @ db]
        np.multiply(pv, pv, out=tmp)
        np.multiply(pu, pu, out=tmp2)
        np.subtract(tmp, tmp2, out=tmp2)
        np.multiply(w2, m, out=sp)
        out += [m @ tmp, ms @ (np.multiply(q, ms, out=w3)), sp @ tmp2]
        q_ms = [w3.sum(), w3 @ db]
        np.multiply(db, db, out=tmp)
        out += [q.sum(), q @ db, w2 @ tmp, q @ tmp, q_s[0], q_ms[0], q_s[1], q_ms[1]]
        return np.array(out)

    return rows


def _bg_zero_rows(alpha: float) -> RowSums:
    def rows(t: FloatArray) -> FloatArray:
        big, pu = workspace(2, len(t))
        np.add(t, alpha, out=big)
        np.reciprocal(big, out=pu)
        np.log(big, out=big)
        return np.array([big.sum(), pu.sum(), pu @ pu])

    return rows


class BGNBDProblem:
    """The BG/NBD log-likelihood of (x, t_x, T) for ``_newton.fit_newton``."""

    def __init__(self, x: FloatArray, t_x: FloatArray, t: FloatArray) -> None:
        repeat = x > 0
        pos, zero = np.flatnonzero(repeat), np.flatnonzero(~repeat)
        self._set(x.take(pos), t_x.take(pos), t.take(pos), t.take(zero))

    def _set(self, x1: FloatArray, tx1: FloatArray, t1: FloatArray, t0: FloatArray) -> None:
        self.x1, self.tx1, self.t1 = x1, tx1, t1
        self.xv, self.nv = _distinct(x1)
        self.n0 = float(len(t0))
        self.n_rows = len(x1) + len(t0)
        # Customers without repeat purchases depend on T only: one value when T is constant.
        self.t0_const = len(t0) > 0 and float(t0.min()) == float(t0.max())
        self.t0 = t0[:1].copy() if self.t0_const else t0

    def subsample(self, step: int) -> BGNBDProblem:
        sub = BGNBDProblem.__new__(BGNBDProblem)
        t0 = np.full(len(range(0, int(self.n0), step)), self.t0[0]) if self.t0_const else \
            self.t0[::step].copy()
        sub._set(self.x1[::step].copy(), self.tx1[::step].copy(), self.t1[::step].copy(), t0)
        return sub

    def _zero_sums(self, alpha: float) -> FloatArray:
        if self.n0 == 0:
            return np.zeros(3)
        if self.t0_const:
            big = float(self.t0[0]) + alpha
            return self.n0 * np.array([np.log(big), 1.0 / big, 1.0 / big**2])
        return chunk_sums(_bg_zero_rows(alpha), [self.t0])

    def evaluate(self, params: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        r, alpha, a, b = (float(v) for v in params)
        xv, nv = self.xv, self.nv
        n = float(len(self.x1)) + self.n0
        (s_v, s_xv, s_sp, s_w2s, s_mpv, s_w2ms, s_w2, s_w2db, s_qss, s_pv, s_w2sa, s_qsms,
         s_mpv2, s_qmsms, s_w2mdp, s_q, s_qdb, s_w2db2, s_qdb2, s_qs, s_qms, s_qsdb,
         s_qmsdb) = chunk_sums(_bg_repeat_rows(r, alpha, a, b), [self.x1, self.tx1, self.t1]) \
            if len(self.x1) else np.zeros(23)
        s_u0, s_pu0, s_pu02 = self._zero_sums(alpha)
        # Per distinct x: C1 (without r log alpha) and C3, and their derivatives.
        c1 = gammaln(r + xv) - gammaln(r)
        c1_r = digamma(r + xv) - digamma(r)
        c1_rr = _trigamma(r + xv) - _trigamma(r)
        c3 = betaln(a + 1, b + xv - 1) - betaln(a, b)
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + xv)
        tri_ab, tri_abx = _trigamma(a + b), _trigamma(a + b + xv)
        c3_a = 1 / a - psi_abx + psi_ab
        c3_b = digamma(b + xv - 1) - psi_abx - digamma(b) + psi_ab
        c3_aa = -1 / a**2 - tri_abx + tri_ab
        c3_ab = tri_ab - tri_abx
        c3_bb = _trigamma(b + xv - 1) - tri_abx - _trigamma(b) + tri_ab
        log_alpha = np.log(alpha)
        ll = n * r * log_alpha + nv @ (c1 + c3) - r * s_v - s_xv + s_sp - r * s_u0
        g = np.array([
            n * log_alpha + nv @ c1_r - s_v - s_w2s - s_u0,
            n * r / alpha - s_mpv - s_w2ms - r * s_pu0,
            nv @ c3_a - s_w2 / a,
            nv @ c3_b + s_w2db,
        ])
        h_ra, h_rb, h_aa_, h_ab_ = s_qs / a, -s_qsdb, s_qms / a, -s_qmsdb
        h = np.array([
            [nv @ c1_rr + s_qss, n / alpha - s_pv - s_w2sa + s_qsms - s_pu0, h_ra, h_rb],
            [0.0, -n * r / alpha**2 + s_mpv2 + s_qmsms - s_w2mdp + r * s_pu02, h_aa_, h_ab_],
            [0.0, 0.0, nv @ c3_aa + (s_w2 + s_q) / a**2, nv @ c3_ab - s_qdb / a],
            [0.0, 0.0, 0.0, nv @ c3_bb + s_qdb2 - s_w2db2],
        ])
        h = np.triu(h) + np.triu(h, 1).T
        return float(ll), g, h


#: BG/NBD end points with a + b above this are on the ridge towards homogeneous drop-out.
DROPOUT_RIDGE = 1e5
#: ... and are reported at a + b = this: the LL there is below its supremum (a, b -> inf) by
#: about (LL slope in log(a + b)) / (a + b), ~1e-8 of |LL|, and predictions differ by as little.
DROPOUT_SCALE = 1e6


class FixedDropoutScale:
    """BG/NBD over (r, alpha, p) with a = p S and b = (1 - p) S for a fixed S = a + b: the
    likelihood on the ridge towards homogeneous drop-out (the Beta distribution of the drop-out
    probability shrinking to a point mass at p)."""

    def __init__(self, problem: BGNBDProblem, scale: float) -> None:
        self.problem, self.scale, self.n_rows = problem, scale, problem.n_rows

    def evaluate(self, params: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        r, alpha, p = (float(v) for v in params)
        s = self.scale
        ll, g, h = self.problem.evaluate(np.array([r, alpha, p * s, (1.0 - p) * s]))
        # d(a, b)/dp = (S, -S): the chain rule with a linear map.
        j = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, s], [0.0, 0.0, -s]])
        return ll, j.T @ g, j.T @ h @ j

    def subsample(self, step: int) -> Problem:
        return FixedDropoutScale(self.problem.subsample(step), self.scale)


def bgnbd_homogeneous_dropout(
    problem: Problem, theta: FloatArray,
) -> tuple[FloatArray, float, int] | None:
    """``_newton.fit_newton``'s boundary for BG/NBD: when the fit ended with a + b above
    ``DROPOUT_RIDGE`` (the data show no heterogeneity in the drop-out probability, so the
    likelihood increases towards a, b -> infinity at a fixed a / (a + b), common with few
    customers), the maximum over (r, alpha, p) at a + b = ``DROPOUT_SCALE``. None otherwise,
    or if the likelihood does not still increase with a + b there (then it is no such ridge)."""
    assert isinstance(problem, BGNBDProblem)
    r, alpha, a, b = np.exp(theta)
    if not a + b > DROPOUT_RIDGE:
        return None
    fixed = FixedDropoutScale(problem, DROPOUT_SCALE)
    start = np.log(np.array([r, alpha, a / (a + b)]))
    # The beta functions of a, b ~ 1e6 leave ~1e-13 |LL| of rounding in the gain, so the
    # usual step test cannot be met: stop on the gain alone, at 1e-12 |LL| (r, alpha and p
    # then to ~1e-5 relative).
    with np.errstate(all="ignore"):
        tol = FINAL_TOLERANCE * max(abs(fixed.evaluate(np.exp(start))[0]), 1.0)
    t3, ll, nit, ok = newton(fixed, start, tol=tol, relative=False)
    if not ok:
        return None
    r, alpha, p = np.exp(t3)
    params = np.array([r, alpha, p * DROPOUT_SCALE, (1.0 - p) * DROPOUT_SCALE])
    with np.errstate(all="ignore"):
        _, g, _ = problem.evaluate(params)
    if g[2] * params[2] + g[3] * params[3] < 0:  # d LL / d log(a + b) at fixed p
        return None
    return np.log(params), ll, nit


def _gg_rows(g: float) -> RowSums:
    def rows(x: FloatArray, y: FloatArray) -> FloatArray:
        lg, rec, rec2 = workspace(3, len(x))
        np.add(y, g, out=rec)
        np.log(rec, out=lg)
        np.reciprocal(rec, out=rec)
        np.multiply(rec, rec, out=rec2)
        return np.array([x @ lg, lg.sum(), x @ rec, rec.sum(), x @ rec2, rec2.sum()])

    return rows


class GammaGammaProblem:
    """The Gamma-Gamma log-likelihood of mean spends z over x > 0 purchases: per customer,
    lnG(px + q) - lnG(px) - lnG(q) + px log x + (px - 1) log z + q log g - (px + q) log(g + xz).
    """

    def __init__(self, x: FloatArray, z: FloatArray) -> None:
        self._set(x, x * z, np.log(z))

    def _set(self, x: FloatArray, y: FloatArray, log_z: FloatArray) -> None:
        self.x, self.y, self.log_z = x, y, log_z
        self.xv, self.nv = _distinct(x)
        self.n_rows = len(x)
        self.s_xlz, self.s_lz = float(x @ log_z), float(log_z.sum())

    def subsample(self, step: int) -> GammaGammaProblem:
        sub = GammaGammaProblem.__new__(GammaGammaProblem)
        sub._set(self.x[::step].copy(), self.y[::step].copy(), self.log_z[::step].copy())
        return sub

    def evaluate(self, params: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        p, q, g = (float(v) for v in params)
        xv, nv, n = self.xv, self.nv, float(self.n_rows)
        s_xl, s_l, s_xr, s_r, s_xr2, s_r2 = chunk_sums(_gg_rows(g), [self.x, self.y])
        pxv = p * xv
        log_xv = np.log(xv)
        psi, tri = digamma(pxv + q), _trigamma(pxv + q)
        ll = (nv @ (gammaln(pxv + q) - gammaln(pxv) + pxv * log_xv) - n * gammaln(q)
              + p * self.s_xlz - self.s_lz + n * q * np.log(g) - p * s_xl - q * s_l)
        grad = np.array([
            nv @ (xv * (psi - digamma(pxv) + log_xv)) + self.s_xlz - s_xl,
            nv @ psi - n * digamma(q) + n * np.log(g) - s_l,
            n * q / g - p * s_xr - q * s_r,
        ])
        h_pq, h_pg, h_qg = nv @ (xv * tri), -s_xr, n / g - s_r
        h = np.array([
            [nv @ (xv**2 * (tri - _trigamma(pxv))), h_pq, h_pg],
            [h_pq, nv @ tri - n * _trigamma(q), h_qg],
            [h_pg, h_qg, -n * q / g**2 + p * s_xr2 + q * s_r2],
        ])
        return float(ll), grad, h
