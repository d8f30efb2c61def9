"""BG/NBD and MBG/NBD: published fits, closed forms, lifetimes oracle, mpmath extremes, properties."""

from __future__ import annotations

import math
import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from tests.reference import btydplus_mbgnbd as mbg_ref
from tests.reference import fhl2005_bgnbd as bg_ref

from custrel.errors import (
    ConvergenceError,
    DataValidationError,
    ParameterError,
    SchemaError,
)
from custrel.models import BetaGeo, FitConfig, ModifiedBetaGeo
from custrel.models.simulate import simulate_beta_geo, simulate_modified_beta_geo

MODELS = [BetaGeo, ModifiedBetaGeo]
PARAM_SETS = [
    (0.243, 4.414, 0.793, 2.426),  # CDNOW, a < 1
    (2.0, 50.0, 3.0, 0.5),  # a > 1, b < 1
    (0.05, 0.5, 0.2, 20.0),  # tiny r and a
]


def _lifetimes(model_cls: type) -> object:
    from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter

    return BetaGeoFitter() if model_cls is BetaGeo else ModifiedBetaGeoFitter()


def _arr(m: object) -> np.ndarray:
    return np.array([getattr(m, n) for n in ("r", "alpha", "a", "b")])


def _frame(x: object, tx: object, t_obs: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": np.asarray(x, dtype=float),
            "recency": np.asarray(tx, dtype=float),
            "T": np.asarray(t_obs, dtype=float),
        }
    )


# ----------------------------------------------------------------------------- published
def test_bgnbd_mle_matches_fader_hardie_lee_2005(cdnow_summary: pd.DataFrame) -> None:
    res = BetaGeo.fit(cdnow_summary, period="W")
    for name, value in bg_ref.PARAMS.items():
        assert getattr(res.model, name) == pytest.approx(value, abs=bg_ref.PARAM_ATOL)
    assert res.loglik == pytest.approx(bg_ref.LOGLIK, abs=bg_ref.LOGLIK_ATOL)
    assert res.n_customers == 2357
    assert res.converged
    assert res.model.period is not None
    assert res.model.period.name == "W"
    assert res.period == res.model.period


def test_mbgnbd_mle_matches_btydplus(cdnow_summary: pd.DataFrame) -> None:
    res = ModifiedBetaGeo.fit(cdnow_summary, period="W")
    for name, value in mbg_ref.PARAMS.items():
        assert getattr(res.model, name) == pytest.approx(value, abs=mbg_ref.PARAM_ATOL)
    assert res.loglik == pytest.approx(mbg_ref.LOGLIK, abs=mbg_ref.LOGLIK_ATOL)


def test_bgnbd_closed_forms_match_hardie_spreadsheet() -> None:
    m = BetaGeo(**bg_ref.PARAMS)
    s = _frame([bg_ref.CUSTOMER["frequency"]], [bg_ref.CUSTOMER["recency"]], [bg_ref.CUSTOMER["T"]])
    e = m.expected_purchases(s, t=bg_ref.HORIZON).iloc[0]
    p = m.probability_alive(s).iloc[0]
    assert e == pytest.approx(bg_ref.EXPECTED_PURCHASES, abs=bg_ref.CLOSED_FORM_ATOL)
    assert p == pytest.approx(bg_ref.P_ALIVE, abs=bg_ref.CLOSED_FORM_ATOL)


@pytest.mark.parametrize(("xt", "expected"), bg_ref.NOTE027_CASES)
def test_bgnbd_loglik_matches_hardie_note_027(xt: tuple[int, float], expected: float) -> None:
    m = BetaGeo(**bg_ref.NOTE027_PARAMS)
    s = _frame([xt[0]], [xt[1]], [bg_ref.NOTE027_T])
    assert m.loglik(s) == pytest.approx(expected, abs=1e-4)


def test_bgnbd_one_time_buyers_are_alive_mbgnbd_not() -> None:
    s = _frame([0, 0, 0], [0, 0, 0], [1.0, 50.0, 5000.0])
    assert BetaGeo(**bg_ref.PARAMS).probability_alive(s).tolist() == [1.0, 1.0, 1.0]
    p = ModifiedBetaGeo(**mbg_ref.PARAMS).probability_alive(s).to_numpy()
    assert np.all(np.diff(p) < 0)
    assert p[0] < 1.0


# ----------------------------------------------------------------------------- lifetimes
@pytest.mark.oracle
@pytest.mark.parametrize("model_cls", MODELS)
def test_fit_matches_lifetimes_on_cdnow(model_cls: type, cdnow_summary: pd.DataFrame) -> None:
    res = model_cls.fit(cdnow_summary, period="W")
    f = _lifetimes(model_cls)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    np.testing.assert_allclose(res.params.to_numpy(), f.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(
        res.standard_errors.to_numpy(), f.standard_errors_.to_numpy(), rtol=1e-3
    )


@pytest.mark.oracle
@pytest.mark.parametrize("model_cls", MODELS)
def test_penalized_fit_matches_lifetimes_penalizer_coef(
    model_cls: type, cdnow_summary: pd.DataFrame
) -> None:
    res = model_cls.fit(cdnow_summary, config=FitConfig(penalizer_coef=0.05))
    f = _lifetimes(model_cls)
    f.penalizer_coef = 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    np.testing.assert_allclose(res.params.to_numpy(), f.params_.to_numpy(), rtol=1e-4)


@pytest.mark.oracle
@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("params", PARAM_SETS)
def test_loglik_and_predictions_match_lifetimes(
    model_cls: type, params: tuple[float, ...], cdnow_summary: pd.DataFrame
) -> None:
    m = model_cls(r=params[0], alpha=params[1], a=params[2], b=params[3])
    sim = (
        simulate_beta_geo(m, 2000, T=np.linspace(5, 80, 2000), seed=11)
        if model_cls is BetaGeo
        else simulate_modified_beta_geo(m, 2000, T=np.linspace(5, 80, 2000), seed=11)
    ).summary
    f = _lifetimes(model_cls)
    f.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
    for s in (cdnow_summary, sim):
        x, tx, t_obs = s["frequency"], s["recency"], s["T"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nll = f._negative_log_likelihood(
                np.log(np.array(params)),
                x.to_numpy(),
                tx.to_numpy(),
                t_obs.to_numpy(),
                np.ones(len(s)),
                0.0,
            )
            theirs = {
                "p": np.asarray(f.conditional_probability_alive(x, tx, t_obs)),
                "e": np.asarray(
                    f.conditional_expected_number_of_purchases_up_to_time(10.0, x, tx, t_obs)
                ),
                "new": np.asarray(f.expected_number_of_purchases_up_to_time(np.array([1.0, 52.0]))),
                "pmf": np.array(
                    [f.probability_of_n_purchases_up_to_time(20.0, n) for n in range(6)]
                ),
            }
        assert m.loglik(s) == pytest.approx(-nll * len(s), rel=1e-9)
        ok = np.isfinite(theirs["e"])
        np.testing.assert_allclose(m.probability_alive(s).to_numpy(), theirs["p"], rtol=1e-6)
        np.testing.assert_allclose(
            m.expected_purchases(s, t=10.0).to_numpy()[ok], theirs["e"][ok], rtol=1e-6
        )
        np.testing.assert_allclose(
            m.expected_purchases_new_customer(np.array([1.0, 52.0])), theirs["new"], rtol=1e-6
        )
        np.testing.assert_allclose(
            m.purchase_count_pmf(np.arange(6), 20.0).to_numpy(), theirs["pmf"], rtol=1e-6
        )


# ----------------------------------------------------------------------------- extremes
def _mp_reference(m: object, x: int, tx: float, t_obs: float, t: float) -> tuple[float, ...]:
    mm = m._m
    r, al, a, b = (mp.mpf(v) for v in (m.r, m.alpha, m.a, m.b))
    x_, tx_, t_, h = mp.mpf(x), mp.mpf(tx), mp.mpf(t_obs), mp.mpf(t)
    has2 = x > 0 or mm == 1
    lead = mp.beta(a, b + x_ + mm) / mp.beta(a, b) * mp.gamma(r + x_) * al**r / mp.gamma(r)
    second = a / (b + x_ + mm - 1) * (al + tx_) ** (-(r + x_)) if has2 else 0
    ll = mp.log(lead * ((al + t_) ** (-(r + x_)) + second))
    odds = a / (b + x_ + mm - 1) * ((al + t_) / (al + tx_)) ** (r + x_) if has2 else 0
    pa = 1 / (1 + odds)
    c = a + b + x_ + mm - 1
    z = h / (al + t_ + h)
    # Euler's transformation of FHL (2005) eq. (10), evaluated in 50-digit arithmetic
    e = c / (a - 1) * (1 - (1 - z) ** (a - 1) * mp.hyp2f1(c - r - x_, a - 1, c, z)) * pa
    return float(ll), float(pa), float(e)


@pytest.mark.oracle
@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize("params", PARAM_SETS[:2])
def test_extreme_grid_is_finite_and_matches_mpmath(
    model_cls: type, params: tuple[float, ...]
) -> None:
    m = model_cls(r=params[0], alpha=params[1], a=params[2], b=params[3])
    rows = []
    for t_obs in (1.0, 100.0, 10_000.0):
        for x in (0, 1, 10, 100, 1000, 10_000):
            for frac in (0.0,) if x == 0 else (1e-3, 0.5, 1.0):
                for t in (1.0, 52.0, 10_000.0):
                    rows.append((x, frac * t_obs, t_obs, t))
    s = pd.DataFrame(rows, columns=["frequency", "recency", "T", "t"])
    ll = m.loglik_contributions(s).to_numpy()
    pa = m.probability_alive(s).to_numpy()
    e = m.expected_purchases(s, t=s["t"]).to_numpy()
    dert = m.discounted_expected_transactions(s, discount_rate=0.01).to_numpy()
    for arr in (ll, pa, e, dert):
        assert np.all(np.isfinite(arr))
    with mp.workdps(50):
        ref = np.array([_mp_reference(m, *row) for row in rows])
    np.testing.assert_allclose(ll, ref[:, 0], rtol=1e-12)
    np.testing.assert_allclose(pa, ref[:, 1], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(e, ref[:, 2], rtol=1e-8)


def _dert_brute(m: object, x: float, tx: float, t_obs: float, delta: float) -> float:
    """P(alive) * E[λ / (λ p + δ)] under the posterior, by nested adaptive quadrature."""
    mm = m._m
    p_alive = m.probability_alive(_frame([x], [tx], [t_obs])).iloc[0]
    shape, rate = m.r + x, m.alpha + t_obs
    pa, pb = m.a, m.b + x + mm
    log_norm_l = shape * math.log(rate) - math.lgamma(shape)
    log_norm_p = -(math.lgamma(pa) + math.lgamma(pb) - math.lgamma(pa + pb))
    hi = stats.gamma(shape, scale=1.0 / rate).ppf(1 - 1e-15)

    def gamma_pdf(lam: float) -> float:
        return math.exp(log_norm_l + (shape - 1) * math.log(lam) - rate * lam) if lam > 0 else 0.0

    def inner(p: float) -> float:
        f = lambda lam: gamma_pdf(lam) * lam / (lam * p + delta)  # noqa: E731
        return integrate.quad(f, 0, hi, limit=200, epsabs=0, epsrel=1e-11)[0]

    def outer(p: float) -> float:
        if p <= 0 or p >= 1:
            return 0.0
        dens = math.exp(log_norm_p + (pa - 1) * math.log(p) + (pb - 1) * math.log1p(-p))
        return dens * inner(p)

    mean = pa / (pa + pb)
    val = integrate.quad(outer, 0, 1, limit=200, points=[mean], epsabs=0, epsrel=1e-10)[0]
    return float(p_alive * val)


@pytest.mark.oracle
@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize(
    ("x", "tx", "t_obs", "delta"),
    [
        (0, 0.0, 38.0, 0.01),
        (2, 30.43, 38.86, 0.005),
        (12, 50.0, 52.0, 0.002),
        (5, 3.0, 300.0, 0.05),
    ],
)
def test_dert_matches_brute_force_quadrature(
    model_cls: type, x: float, tx: float, t_obs: float, delta: float
) -> None:
    m = model_cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    mine = m.discounted_expected_transactions(_frame([x], [tx], [t_obs]), discount_rate=delta)
    assert mine.name == "dert"
    assert mine.iloc[0] == pytest.approx(_dert_brute(m, x, tx, t_obs, delta), rel=1e-6)


@pytest.mark.parametrize("model_cls", MODELS)
def test_dert_is_limit_of_expected_purchases_without_discounting(model_cls: type) -> None:
    # with a tiny discount rate and a > 1, DERT approaches E[X(T, inf)] (finite when a > 1)
    m = model_cls(r=2.0, alpha=50.0, a=3.0, b=0.5)
    s = _frame([3], [20.0], [40.0])
    dert = m.discounted_expected_transactions(s, discount_rate=1e-9).iloc[0]
    limit = m.expected_purchases(s, t=1e13).iloc[0]
    assert dert == pytest.approx(limit, rel=1e-3)


# ----------------------------------------------------------------------------- properties
@st.composite
def summaries(draw: st.DrawFn, max_rows: int = 12) -> pd.DataFrame:
    n = draw(st.integers(1, max_rows))
    t_obs = draw(st.lists(st.floats(0.5, 2000.0), min_size=n, max_size=n))
    x = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    frac = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    tx = [f * t if xi > 0 else 0.0 for f, t, xi in zip(frac, t_obs, x, strict=True)]
    return _frame(x, tx, t_obs)


params_st = st.tuples(
    st.floats(0.01, 20.0), st.floats(0.05, 500.0), st.floats(0.05, 10.0), st.floats(0.05, 20.0)
)


@settings(max_examples=40, deadline=None)
@given(s=summaries(), params=params_st, model_idx=st.integers(0, 1))
def test_probability_alive_is_a_probability(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3])
    p = m.probability_alive(s).to_numpy()
    assert np.all((p >= 0) & (p <= 1))
    if model_idx == 0:
        assert np.all(p[s["frequency"].to_numpy() == 0] == 1.0)


@settings(max_examples=40, deadline=None)
@given(s=summaries(), params=params_st, model_idx=st.integers(0, 1), t=st.floats(0.01, 500.0))
def test_expected_purchases_non_decreasing_in_t(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int, t: float
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3])
    e1 = m.expected_purchases(s, t=t).to_numpy()
    e2 = m.expected_purchases(s, t=2 * t).to_numpy()
    assert np.all(np.isfinite(e1))
    assert np.all(e1 >= -1e-12)
    assert np.all(e2 >= e1 * (1 - 1e-9) - 1e-12)


@settings(max_examples=40, deadline=None)
@given(s=summaries(), params=params_st, model_idx=st.integers(0, 1))
def test_loglik_is_additive_over_customers(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3])
    total = m.loglik(s)
    single = sum(m.loglik(s.iloc[[i]]) for i in range(len(s)))
    assert total == pytest.approx(single, rel=1e-12, abs=1e-9)
    assert total == pytest.approx(m.loglik_contributions(s).sum(), rel=1e-12, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(s=summaries(), params=params_st, model_idx=st.integers(0, 1), reps=st.integers(1, 4))
def test_weighted_patterns_give_the_expanded_loglik(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int, reps: int
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3])
    expanded = pd.concat([s] * reps, ignore_index=True)
    weighted = s.assign(weight=float(reps))
    assert m.loglik(weighted) == pytest.approx(m.loglik(expanded), rel=1e-12, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    s=summaries(),
    params=params_st,
    model_idx=st.integers(0, 1),
    unit=st.sampled_from(["D", "M", "Y", 3.5]),
)
def test_rescaling_the_time_unit_leaves_predictions_unchanged(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int, unit: str | float
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3], period="W")
    m2 = m.in_period(unit)
    assert m2.period is not None
    c = 7.0 / m2.period.days
    s2 = s.assign(recency=s["recency"] * c, T=s["T"] * c)
    np.testing.assert_allclose(
        m2.probability_alive(s2).to_numpy(), m.probability_alive(s).to_numpy(), rtol=1e-9
    )
    np.testing.assert_allclose(
        m2.expected_purchases(s2, t=10.0 * c).to_numpy(),
        m.expected_purchases(s, t=10.0).to_numpy(),
        rtol=1e-7,
        atol=1e-12,
    )
    # the log-likelihood shifts by the Jacobian of the x purchase-time densities
    shift = -np.log(c) * s["frequency"].sum()
    assert m2.loglik(s2) == pytest.approx(m.loglik(s) + shift, rel=1e-9, abs=1e-7)


def test_row_order_does_not_change_the_fit(cdnow_summary: pd.DataFrame) -> None:
    a = BetaGeo.fit(cdnow_summary)
    b = BetaGeo.fit(cdnow_summary.sample(frac=1.0, random_state=3))
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-7)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-8)


def test_weighted_fit_equals_expanded_fit(cdnow_summary: pd.DataFrame) -> None:
    base = cdnow_summary[["frequency", "recency", "T"]]
    weighted = base.assign(weight=3.0)
    expanded = pd.concat([base] * 3, ignore_index=True)
    a = BetaGeo.fit(weighted)
    b = BetaGeo.fit(expanded)
    assert a.n_customers == b.n_customers == 3 * len(base)
    assert a.n_patterns == b.n_patterns
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-8)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)


def test_fit_in_days_equals_fit_in_weeks_rescaled(cdnow_summary: pd.DataFrame) -> None:
    weeks = BetaGeo.fit(cdnow_summary, period="W")
    days = BetaGeo.fit(
        cdnow_summary.assign(recency=cdnow_summary["recency"] * 7, T=cdnow_summary["T"] * 7),
        period="D",
    )
    conv = weeks.model.in_period("D")
    np.testing.assert_allclose(days.params.to_numpy(), _arr(conv), rtol=1e-5)
    shift = -np.log(7.0) * cdnow_summary["frequency"].sum()
    assert days.loglik == pytest.approx(weeks.loglik + shift, abs=1e-6)


# ----------------------------------------------------------------------------- unconditional
@pytest.mark.parametrize("model_cls", MODELS)
def test_pmf_sums_to_one_and_mean_matches_expected_purchases(model_cls: type) -> None:
    m = model_cls(r=2.0, alpha=50.0, a=3.0, b=0.5)
    pmf = m.purchase_count_pmf(np.arange(400), 39.0)
    assert pmf.index.name == "n"
    assert pmf.name == "pmf"
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    mean = float(np.dot(pmf.index.to_numpy(), pmf.to_numpy()))
    assert mean == pytest.approx(float(m.expected_purchases_new_customer(39.0)), rel=1e-8)


@pytest.mark.parametrize("model_cls", MODELS)
def test_probability_alive_new_customer_matches_numeric_integral(model_cls: type) -> None:
    m = model_cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    t = 30.0
    beta_p = stats.beta(m.a, m.b)
    # P(alive at t | λ, p) = (1 - p)^m exp(-λ p t); integrate over λ in closed form
    val = integrate.quad(
        lambda p: beta_p.pdf(p) * (1 - p) ** m._m * (m.alpha / (m.alpha + p * t)) ** m.r, 0, 1
    )[0]
    assert float(m.probability_alive_new_customer(t)) == pytest.approx(val, rel=1e-9)
    assert float(m.probability_alive_new_customer(0.0)) == pytest.approx(
        1.0 if model_cls is BetaGeo else m.b / (m.a + m.b)
    )


def test_a_equal_one_is_a_removable_singularity() -> None:
    s = _frame([0, 3], [0.0, 20.0], [30.0, 40.0])
    at = BetaGeo(r=0.5, alpha=5.0, a=1.0, b=2.0)
    near = BetaGeo(r=0.5, alpha=5.0, a=1.0 + 1e-5, b=2.0)
    np.testing.assert_allclose(
        at.expected_purchases(s, t=20.0).to_numpy(),
        near.expected_purchases(s, t=20.0).to_numpy(),
        rtol=1e-4,
    )
    assert np.isfinite(at.expected_purchases_new_customer(10.0))


# ----------------------------------------------------------------------------- validation
def test_invalid_parameters_raise_parameter_error() -> None:
    with pytest.raises(
        ParameterError, match=r"BetaGeo\.alpha must be a finite float > 0; got -1\.0"
    ):
        BetaGeo(r=1.0, alpha=-1.0, a=1.0, b=1.0)
    with pytest.raises(ParameterError, match=r"ModifiedBetaGeo\.b must be a finite float > 0"):
        ModifiedBetaGeo(r=1.0, alpha=1.0, a=1.0, b=float("nan"))
    with pytest.raises(ParameterError, match="period"):
        BetaGeo(r=1.0, alpha=1.0, a=1.0, b=1.0, period="fortnight")
    with pytest.raises(ParameterError, match="period=None"):
        BetaGeo(r=1.0, alpha=1.0, a=1.0, b=1.0).in_period("D")


def test_missing_columns_raise_schema_error() -> None:
    m = BetaGeo(**bg_ref.PARAMS)
    with pytest.raises(SchemaError, match=r"lacks column\(s\) \['T'\]"):
        m.probability_alive(pd.DataFrame({"frequency": [1], "recency": [1.0]}))
    with pytest.raises(SchemaError, match="must be numeric"):
        m.probability_alive(pd.DataFrame({"frequency": ["a"], "recency": [1.0], "T": [2.0]}))


def test_invalid_values_are_all_reported_with_examples() -> None:
    s = pd.DataFrame(
        {
            "frequency": [1.5, -1, 0, 2, 1, np.nan],
            "recency": [1.0, 0.0, 3.0, 5.0, 2.0, 1.0],
            "T": [2.0, 2.0, 4.0, 4.0, 3.0, 2.0],
            "weight": [1, 1, 1, 1, -2, 1],
        },
        index=pd.Index(list("abcdef"), name="customer_id"),
    )
    with pytest.raises(DataValidationError) as info:
        BetaGeo.fit(s)
    msg = str(info.value)
    assert "5 problem(s)" in msg
    assert "'frequency': must be finite" in msg
    assert "customer 'f'" in msg
    assert "'frequency': must be a non-negative integer; 2 of 6" in msg
    assert "'recency': must be <= T; 1 of 6" in msg
    assert "customer 'd'" in msg
    assert "'recency': must be 0 when frequency is 0; 1 of 6" in msg
    assert "'weight': must be finite and >= 0; 1 of 6" in msg
    assert len(info.value.problems) == 5


def test_fit_without_repeat_buyers_is_rejected() -> None:
    s = _frame([0] * 5, [0.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(DataValidationError, match="not identified"):
        BetaGeo.fit(s)


def test_optimiser_failure_raises_convergence_error_with_diagnostics(
    cdnow_summary: pd.DataFrame,
) -> None:
    with pytest.raises(ConvergenceError, match="did not converge") as info:
        BetaGeo.fit(cdnow_summary, config=FitConfig(max_iter=2))
    assert info.value.diagnostics["attempts"]
    assert "x" in info.value.diagnostics


def test_predictions_validate_horizon() -> None:
    m = BetaGeo(**bg_ref.PARAMS)
    s = _frame([1], [1.0], [2.0])
    with pytest.raises(ParameterError, match="t must be finite and >= 0"):
        m.expected_purchases(s, t=-1.0)
    with pytest.raises(ParameterError, match="t must be finite and >= 0; got 'soon'"):
        m.expected_purchases(s, t="soon")
    with pytest.raises(ParameterError, match="one value per customer"):
        m.expected_purchases(s, t=[1.0, 2.0])
    with pytest.raises(ParameterError, match="discount_rate"):
        m.discounted_expected_transactions(s, discount_rate=0.0)
    with pytest.raises(ParameterError, match="non-negative integers"):
        m.purchase_count_pmf([1.5], 2.0)


# ----------------------------------------------------------------------------- recovery
@pytest.mark.slow
@pytest.mark.parametrize("model_cls", MODELS)
def test_parameter_recovery_on_simulated_data(model_cls: type) -> None:
    truth = model_cls(r=0.5, alpha=8.0, a=0.9, b=2.5, period="W")
    sim_fn = simulate_beta_geo if model_cls is BetaGeo else simulate_modified_beta_geo
    sim = sim_fn(truth, 30_000, T=np.linspace(20.0, 80.0, 30_000), seed=2024)
    res = model_cls.fit(sim.summary, period="W")
    z = (res.params - pd.Series(_arr(truth), index=res.params.index)) / res.standard_errors
    assert np.all(np.abs(z) < 4), z
    # P(alive) under the true parameters is calibrated against the simulated truth
    p = truth.probability_alive(sim.summary)
    assert p.mean() == pytest.approx(sim.truth["alive"].mean(), abs=0.01)


# ----------------------------------------------------------------------------- fast paths
def _p_alive_reference(m: object, s: pd.DataFrame) -> np.ndarray:
    """FHL (2008) note 021 P(alive), written directly with log1p and expit (no blocking)."""
    from scipy import special

    x, tx, t_obs = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    has2 = (x > 0) | (m._m == 1)
    with np.errstate(divide="ignore"):
        log_k = np.where(has2, np.log(m.a) - np.log(m.b + np.maximum(x + m._m, 1.0) - 1.0), -np.inf)
    lo = log_k + (m.r + x) * np.log1p((t_obs - tx) / (m.alpha + tx))
    return special.expit(-lo)


def _big_frame(n: int, n_t: int | None, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t_obs = rng.integers(1, n_t + 1, n) / 7.0 if n_t else rng.uniform(1.0, 80.0, n)
    x = rng.negative_binomial(0.5, 0.2, n).astype(float)
    tx = np.where(x > 0, t_obs * rng.uniform(0.0, 1.0, n), 0.0)
    x[:50] += 1.0
    tx[:50] = t_obs[:50] * (1 - 1e-9)  # recency just below T: log1p of a tiny argument
    return _frame(x, tx, t_obs)


@pytest.mark.parametrize("model_cls", MODELS)
def test_blocked_probability_alive_matches_fhl_2008_closed_form(model_cls: type) -> None:
    """40,000 rows span several kernel blocks (and a partial last block)."""
    m = model_cls(r=0.243, alpha=4.414, a=0.793, b=2.426)
    s = _big_frame(40_000, 300, seed=5)
    np.testing.assert_allclose(
        m.probability_alive(s).to_numpy(), _p_alive_reference(m, s), rtol=1e-13, atol=1e-300
    )


@pytest.mark.parametrize("model_cls", MODELS)
@pytest.mark.parametrize(
    ("n", "n_t", "period", "case"),
    [
        (40_000, 300, "W", ""),  # T in whole days / 7: integer codes without hashing
        (40_000, 300, None, ""),  # same data, no period: hash codes, presence table
        (40_000, 300, None, "whole"),  # whole weeks: integer codes at scale 1
        (40_000, 300, None, "late"),  # whole weeks except the last row: hash codes
        (6_000, None, None, ""),  # (almost) every T distinct: the sample skips the hash
        (12, 12, None, "heavy"),  # key range far above the row count: keys are hashed
    ],
)
def test_scalar_horizon_cells_agree_with_generic_patterns(
    model_cls: type, n: int, n_t: int | None, period: str | None, case: str
) -> None:
    """The (x, T) cell evaluation of a scalar ``t`` equals the generic (x, T, t) compression."""
    m = model_cls(r=0.243, alpha=4.414, a=0.793, b=2.426, period=period)
    s = _big_frame(n, n_t, seed=11)
    if case in ("whole", "late"):
        s["T"] = np.ceil(s["T"])
    if case == "late":
        s.loc[n - 1, "T"] += 0.5
    if case == "heavy":
        s["frequency"] = np.arange(n) * 90.0
        s["recency"] = np.where(s["frequency"] > 0, s["T"] * 0.5, 0.0)
    scalar = m.expected_purchases(s, t=39.0).to_numpy()
    per_row = m.expected_purchases(s, t=np.full(n, 39.0)).to_numpy()
    np.testing.assert_allclose(scalar, per_row, rtol=1e-14, atol=0)
    assert np.all(np.isfinite(scalar))


def test_huge_frequency_key_range_falls_back_to_generic_patterns() -> None:
    """Keys ``code(T) * (max(x) + 1) + x`` beyond 2**53 would be inexact in float arithmetic."""
    m = ModifiedBetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
    s = _frame([2.0**51, 3.0, 0.0, 1.0, 2.0], [5.0, 4.0, 0.0, 1.0, 2.0], [5.0, 6.0, 7.0, 8.0, 9.0])
    scalar = m.expected_purchases(s, t=10.0).to_numpy()
    per_row = m.expected_purchases(s, t=np.full(5, 10.0)).to_numpy()
    np.testing.assert_allclose(scalar, per_row, rtol=1e-14)
    assert np.all(np.isfinite(scalar))


def test_probability_alive_keeps_subnormal_tail_probabilities() -> None:
    """``1/(1 + exp(lo))`` overflows for ``lo > 709``; the kernel returns ``exp(-lo)`` there."""
    m = ModifiedBetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
    rows = [(130, 0.1, 1000.0), (134, 0.1, 1000.0), (135, 0.1, 1000.0)]
    s = _frame(*zip(*rows, strict=True))
    p = m.probability_alive(s).to_numpy()
    with mp.workdps(50):
        ref = np.array([_mp_reference(m, x, tx, t_obs, 1.0)[1] for x, tx, t_obs in rows])
    assert np.all(ref[1:] < 1e-308)  # subnormal
    assert np.all(ref > 0)
    np.testing.assert_allclose(p, ref, rtol=1e-11, atol=1e-322)


@settings(max_examples=40, deadline=None)
@given(s=summaries(), params=params_st, model_idx=st.integers(0, 1), t=st.floats(0.01, 500.0))
def test_scalar_and_per_customer_horizons_agree(
    s: pd.DataFrame, params: tuple[float, ...], model_idx: int, t: float
) -> None:
    m = MODELS[model_idx](r=params[0], alpha=params[1], a=params[2], b=params[3])
    scalar = m.expected_purchases(s, t=t).to_numpy()
    per_row = m.expected_purchases(s, t=np.full(len(s), t)).to_numpy()
    np.testing.assert_allclose(scalar, per_row, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo])
def test_predictions_stay_finite_when_dropout_heterogeneity_vanishes(cls: type) -> None:
    """Short logs can push a and b to ~1e7 (p nearly identical across customers).

    The Pfaff-transformed series then overflows; custrel switches to Euler's form
    (regression: every expected_purchases value was NaN, and CLV refused the model).
    Checked against the direct Gauss series summed in mpmath.
    """
    import mpmath as mp

    model = cls(r=0.5489, alpha=5.286, a=1.338e7, b=2.821e7)
    summary = pd.DataFrame(
        {"frequency": [0, 3, 12], "recency": [0.0, 8.0, 15.0], "T": [17.0, 16.0, 17.0]},
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    e = model.expected_purchases(summary, t=52.0).to_numpy()
    assert np.isfinite(e).all()
    assert np.isfinite(model.expected_purchases_new_customer(52.0)).all()
    assert np.isfinite(model.probability_alive_new_customer(52.0)).all()
    assert np.isfinite(model.discounted_expected_transactions(summary, discount_rate=0.01)).all()
    # E[X(t) | alive] for x = 3 from the untransformed 2F1 in 40-digit arithmetic
    mp.mp.dps = 40
    m = 1 if cls is ModifiedBetaGeo else 0
    a, b, r, alpha = (mp.mpf(v) for v in ("1.338e7", "2.821e7", "0.5489", "5.286"))
    x, big_t, t = mp.mpf(3), mp.mpf(16), mp.mpf(52)
    z = t / (alpha + big_t + t)
    c = a + b + x + m - 1
    p_, q_ = r + x, b + x + m
    term, total = mp.mpf(1), mp.mpf(1)
    for k in range(5000):
        term *= (p_ + k) * (q_ + k) / ((c + k) * (k + 1)) * z
        total += term
        if abs(term) < mp.mpf("1e-35"):
            break
    h = (1 - z) ** (r + x) * total
    cond = c / (a - 1) * (1 - h)
    p_alive = float(model.probability_alive(summary).to_numpy()[1])
    assert e[1] == pytest.approx(p_alive * float(cond), rel=1e-9)
