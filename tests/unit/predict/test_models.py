"""CLV models: published CDNOW estimates, parameter recovery, published predictions, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kizuna.errors import KizunaError
from kizuna.predict import api
from kizuna.predict.bgnbd import BetaGeoFitter, simulate
from kizuna.predict.errors import DegenerateData, ModelNotFitted, SummaryInvalid
from kizuna.predict.gammagamma import GammaGammaFitter
from kizuna.predict.paretonbd import ParetoNBDFitter

CDNOW_BGNBD = {"r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258}


def sig4(value: float) -> float:
    return float(f"{value:.4g}")


@pytest.fixture(scope="module")
def cdnow() -> np.ndarray:
    return np.loadtxt(api.lifetimes_dataset("cdnow_customers_summary.csv"), delimiter=",",
                      skiprows=1)


@pytest.fixture(scope="module")
def cdnow_money() -> np.ndarray:
    return np.loadtxt(api.lifetimes_dataset("cdnow_customers_summary_with_transactions.csv"),
                      delimiter=",", skiprows=1)


@pytest.fixture(scope="module")
def bgf(cdnow: np.ndarray) -> BetaGeoFitter:
    return BetaGeoFitter().fit(cdnow[:, 1], cdnow[:, 2], cdnow[:, 3])


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgf: BetaGeoFitter) -> None:
    assert bgf.params_ is not None and bgf.log_likelihood_ is not None
    # Published to 4 decimals (4-5 significant digits): all of them match.
    assert {k: round(v, 4) for k, v in bgf.params_.items()} == CDNOW_BGNBD
    assert round(bgf.log_likelihood_, 2) == -9582.43
    assert bgf.n_customers_ == 2357


def test_paretonbd_reproduces_published_log_likelihood(cdnow: np.ndarray) -> None:
    m = ParetoNBDFitter().fit(cdnow[:, 1], cdnow[:, 2], cdnow[:, 3])
    assert m.params_ is not None and m.log_likelihood_ is not None
    assert sig4(m.log_likelihood_) == -9595.0
    # Fader-Hardie's note: r 0.5534, alpha 10.5776, s 0.6061, beta 11.6689 (LL -9594.98); the
    # surface is flat in (s, beta): our optimum is higher by 5e-5 and agrees to 3 digits.
    got = {k: float(f"{v:.3g}") for k, v in m.params_.items()}
    assert got == {"r": 0.553, "alpha": 10.6, "s": 0.606, "beta": 11.7}
    assert round(m.log_likelihood_, 2) >= -9594.98


def test_gammagamma_reproduces_rfm_and_clv_paper(cdnow_money: np.ndarray) -> None:
    m = GammaGammaFitter().fit(cdnow_money[:, 1], cdnow_money[:, 4])
    assert m.params_ is not None
    assert {k: float(f"{v:.3g}") for k, v in m.params_.items()} == {
        "p": 6.25, "q": 3.74, "gamma": 15.4}
    assert round(m.params_["gamma"], 2) == 15.45  # paper: 15.44 (rounded from 15.4477)
    assert m.n_customers_ == 946  # repeat buyers only


def test_bgnbd_conditional_expectation_matches_the_paper(bgf: BetaGeoFitter) -> None:
    # FHL 2005, section 5: customer with x=2, t_x=30.43, T=38.86 -> 1.226 purchases in 39 wk.
    got = bgf.conditional_expected_number_of_purchases_up_to_time(39, [2], [30.43], [38.86])
    assert round(float(got[0]), 3) == 1.226
    alive = bgf.conditional_probability_alive([0, 2, 2], [0, 30.43, 5.0], [38.86] * 3)
    assert alive[0] == 1.0 and 0 < alive[2] < alive[1] < 1


def test_bgnbd_unconditional_expectation_is_the_limit_for_a_new_customer(
    bgf: BetaGeoFitter,
) -> None:
    # Aggregate forecast: FHL 2005 fig. 2 cumulative repeat sales; E[X(t)] is increasing.
    e = bgf.expected_number_of_purchases_up_to_time(np.array([0.0, 39.0, 78.0]))
    assert e[0] == 0.0 and 0 < e[1] < e[2]
    fresh = bgf.conditional_expected_number_of_purchases_up_to_time(39.0, [0], [0.0], [1e-9])
    assert math.isclose(float(fresh[0]), float(e[1]), rel_tol=1e-6)


def test_spend_and_clv_match_lifetimes_documentation(cdnow_money: np.ndarray) -> None:
    x, t_x, t, z = cdnow_money[:, 1], cdnow_money[:, 2], cdnow_money[:, 3], cdnow_money[:, 4]
    bg = BetaGeoFitter().fit(x, t_x, t)
    gg = GammaGammaFitter().fit(x, z)
    spend = gg.conditional_expected_average_profit(x, z)
    np.testing.assert_allclose(spend[:3], [24.658619, 18.911489, 35.170981], rtol=1e-5)
    # lifetimes' docs call customer_lifetime_value with its default freq="D" on weekly data.
    clv = api.customer_lifetime_value(bg, x[:3], t_x[:3], t[:3], spend[:3], months=12,
                                      discount_rate=0.01, freq="D")
    np.testing.assert_allclose(clv, [140.096218, 18.943466, 38.180575], rtol=1e-5)
    weekly = api.customer_lifetime_value(bg, x[:3], t_x[:3], t[:3], spend[:3], freq="W")
    assert np.all(weekly < clv) and np.all(weekly > 0)


def test_paretonbd_predictions_are_sane(cdnow: np.ndarray) -> None:
    m = ParetoNBDFitter().fit(cdnow[:, 1], cdnow[:, 2], cdnow[:, 3])
    alive = m.conditional_probability_alive(cdnow[:, 1], cdnow[:, 2], cdnow[:, 3])
    assert np.all((alive > 0) & (alive <= 1))
    ey = m.conditional_expected_number_of_purchases_up_to_time(39, [2], [30.43], [38.86])
    assert 1.0 < float(ey[0]) < 2.0


def test_bgnbd_recovers_parameters_from_simulated_data() -> None:
    x, t_x, t = simulate(50_000, CDNOW_BGNBD, 39.0, seed=7)
    m = BetaGeoFitter().fit(x, t_x, t)
    assert m.params_ is not None
    for name, truth in CDNOW_BGNBD.items():
        assert m.params_[name] == pytest.approx(truth, rel=0.08), name


def test_gammagamma_recovers_parameters_from_simulated_data() -> None:
    rng = np.random.default_rng(3)
    p, q, g = 6.25, 3.74, 15.44
    n = 20_000
    x = rng.integers(1, 8, size=n).astype(float)
    nu = rng.gamma(q, 1 / g, size=n)
    z = rng.gamma(p * x, 1 / nu) / x  # mean of x Gamma(p, nu) spends
    m = GammaGammaFitter().fit(x, z)
    assert m.params_ is not None
    assert m.params_["p"] == pytest.approx(p, rel=0.08)
    assert m.params_["q"] == pytest.approx(q, rel=0.08)
    assert m.params_["gamma"] == pytest.approx(g, rel=0.12)


def test_unfitted_model_raises_model_not_fitted() -> None:
    with pytest.raises(ModelNotFitted, match="fit"):
        BetaGeoFitter().conditional_probability_alive([1], [1.0], [2.0])
    with pytest.raises(ModelNotFitted):
        GammaGammaFitter().conditional_expected_average_profit([1], [2.0])
    assert issubclass(ModelNotFitted, KizunaError)


@pytest.mark.parametrize(
    ("x", "t_x", "t", "error"),
    [
        ([], [], [], SummaryInvalid),
        ([0, 0, 0], [0, 0, 0], [5, 6, 7], DegenerateData),
        ([1, 2], [3.0, 9.0], [5.0, 6.0], SummaryInvalid),  # recency > T
        ([1.5], [1.0], [2.0], SummaryInvalid),
        ([1, float("nan")], [1.0, 1.0], [2.0, 2.0], SummaryInvalid),
    ],
)
def test_bad_summaries_give_clear_errors(x: list[float], t_x: list[float], t: list[float],
                                         error: type[KizunaError]) -> None:
    for model in (BetaGeoFitter(), ParetoNBDFitter()):
        with pytest.raises(error):
            model.fit(x, t_x, t)


def test_gammagamma_rejects_zero_or_negative_spend_and_one_time_buyers() -> None:
    with pytest.raises(SummaryInvalid, match="zero or negative"):
        GammaGammaFitter().fit([1, 2, 0], [10.0, 0.0, 0.0])
    with pytest.raises(DegenerateData):
        GammaGammaFitter().fit([0, 0], [0.0, 0.0])
