"""Pareto/NBD: published CDNOW fit, lifetimes oracle, mpmath extremes, properties, recovery."""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from tests.reference import pareto_nbd_cdnow as ref

import custrel
from custrel.datasets import load_cdnow
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.models import _pareto
from custrel.models.pareto_nbd import ParetoNBD, simulate_pareto_nbd

CDNOW_MODEL = ParetoNBD(**ref.PARAMS, period="W")
# both branches of the hypergeometric term, and s == 1 exactly (removable singularity)
PARAM_SETS = [
    (0.553, 10.578, 0.606, 11.669),  # alpha < beta (CDNOW)
    (0.5, 20.0, 0.8, 3.0),  # alpha > beta
    (2.0, 5.0, 1.0, 5.0),  # alpha == beta, s == 1
]


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return custrel.calibration_holdout(
        load_cdnow(), calibration_end="1997-09-30", observation_end="1998-06-30", period="W"
    )


def _arrays(s: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(s[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))  # type: ignore[return-value]


def _frame(x: list[float], tx: list[float], t_obs: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"frequency": x, "recency": tx, "T": t_obs},
        index=pd.RangeIndex(len(x), name="customer_id"),
    )


# --------------------------------------------------------------------------- published fit
def test_pareto_nbd_mle_matches_fader_hardie_note_008(cdnow: pd.DataFrame) -> None:
    res = ParetoNBD.fit(cdnow, period="W")
    assert res.converged
    assert res.loglik == pytest.approx(ref.LOGLIK, abs=ref.LOGLIK_ATOL)
    for name, value in ref.PARAMS.items():
        assert getattr(res.model, name) == pytest.approx(value, rel=ref.RTOL[name])
    assert res.n_customers == 2357
    assert res.period is not None
    assert res.period.name == "W"
    se = res.standard_errors
    assert bool(np.all(np.isfinite(se.to_numpy())))
    assert se["r"] == pytest.approx(0.0476, abs=2e-3)  # Hessian-based, FHL report similar
    # loglik of the fitted model equals the reported value
    assert res.model.loglik(cdnow) == pytest.approx(res.loglik, abs=1e-9)


# --------------------------------------------------------------------------- lifetimes oracle
@pytest.mark.oracle
@pytest.mark.parametrize("params", PARAM_SETS)
def test_loglik_matches_lifetimes_per_customer_on_cdnow(
    cdnow: pd.DataFrame, params: tuple[float, float, float, float]
) -> None:
    from lifetimes import ParetoNBDFitter

    x, tx, t_obs = _arrays(cdnow)
    ours = ParetoNBD(r=params[0], alpha=params[1], s=params[2], beta=params[3])
    got = ours.loglik_contributions(cdnow).to_numpy()
    theirs = ParetoNBDFitter._conditional_log_likelihood(np.array(params), x, tx, t_obs)
    np.testing.assert_allclose(got, theirs, rtol=1e-6)


@pytest.mark.oracle
def test_predictions_match_lifetimes_on_cdnow(cdnow: pd.DataFrame) -> None:
    from lifetimes import ParetoNBDFitter

    x, tx, t_obs = _arrays(cdnow)
    lf = ParetoNBDFitter()
    lf.params_ = pd.Series(ref.PARAMS)
    p_alive = CDNOW_MODEL.probability_alive(cdnow).to_numpy()
    np.testing.assert_allclose(p_alive, lf.conditional_probability_alive(x, tx, t_obs), rtol=1e-6)
    e = CDNOW_MODEL.expected_purchases(cdnow, t=39.0).to_numpy()
    e_lf = lf.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, t_obs)
    np.testing.assert_allclose(e, e_lf, rtol=1e-6)
    t = np.array([1.0, 39.0, 78.0, 500.0])
    np.testing.assert_allclose(
        CDNOW_MODEL.expected_purchases_new_customer(t),
        lf.expected_number_of_purchases_up_to_time(t),
        rtol=1e-10,
    )


@pytest.mark.oracle
def test_purchase_count_pmf_matches_lifetimes_unconditional_case() -> None:
    """lifetimes' conditional pmf with (x, t_x, T) = (0, 0, 0) is the unconditional pmf."""
    from lifetimes import ParetoNBDFitter

    lf = ParetoNBDFitter()
    lf.params_ = pd.Series(ref.PARAMS)
    ns = [0, 1, 2, 5, 10]
    ours = CDNOW_MODEL.purchase_count_pmf(ns, t=39.0).to_numpy()
    theirs = np.array(
        [
            float(lf.conditional_probability_of_n_purchases_up_to_time(n, 39.0, 0.0, 0.0, 0.0))
            for n in ns
        ]
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_purchase_count_pmf_sums_to_one_with_the_right_mean() -> None:
    pmf = CDNOW_MODEL.purchase_count_pmf(np.arange(0, 300), t=52.0)
    assert pmf.name == "pmf"
    assert float(pmf.sum()) == pytest.approx(1.0, abs=1e-9)
    mean = float((pmf.index.to_numpy() * pmf.to_numpy()).sum())
    assert mean == pytest.approx(float(CDNOW_MODEL.expected_purchases_new_customer(52.0)), rel=1e-7)


# --------------------------------------------------------------------------- mpmath extremes
def _mp_reference(
    params: tuple[float, float, float, float], x: float, tx: float, t_obs: float, t: float
) -> tuple[float, float, float]:
    """(log L, P(alive), E[Y(t)]) from the closed form (note 009 eqs. 18-22) at 50 digits.

    The hypergeometric functions are summed term by term (their Gauss series), an
    evaluation independent of scipy's ``hyp2f1`` and of custrel's Euler-transformed form.
    """
    with mp.workdps(50):
        r, alpha, s, beta = (mp.mpf(v) for v in params)
        x_, tx_, t_ = mp.mpf(x), mp.mpf(tx), mp.mpf(t_obs)
        a = r + s + x_

        def gauss_series(b: mp.mpf, z: mp.mpf) -> mp.mpf:
            """2F1(a, b; a + 1; z) = sum_k a / (a + k) (b)_k / k! z^k, summed directly."""
            total, term, k = mp.mpf(0), mp.mpf(1), 0
            peak = float(b * z / (1 - z)) if z > 0 else 0.0
            while True:
                c = a / (a + k) * term
                total += c
                if k > peak and abs(c) < mp.mpf(10) ** -45 * abs(total):
                    return total
                term *= (b + k) / (k + 1) * z
                k += 1

        def big_f(y: mp.mpf) -> mp.mpf:
            if alpha >= beta:
                return gauss_series(s + 1, (alpha - beta) / (alpha + y)) / (alpha + y) ** a
            return gauss_series(r + x_, (beta - alpha) / (beta + y)) / (beta + y) ** a

        first = (alpha + t_) ** (-(r + x_)) * (beta + t_) ** (-s)
        second = s / a * (big_f(tx_) - big_f(t_))
        log_pre = mp.loggamma(r + x_) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
        ll = log_pre + mp.log(first + second)
        p_alive = first / (first + second)
        ratio = (beta + t_) / (beta + t_ + mp.mpf(t))
        tail = mp.log(1 / ratio) if s == 1 else (1 - ratio ** (s - 1)) / (s - 1)
        e = p_alive * (r + x_) * (beta + t_) / (alpha + t_) * tail
        return float(ll), float(p_alive), float(e)


def _extreme_grid() -> list[tuple[float, float, float]]:
    rows = []
    for t_obs in (1.0, 100.0, 10_000.0):
        rows.append((0.0, 0.0, t_obs))
        for x in (1.0, 100.0, 10_000.0):
            for tx in (0.0, 0.5 * t_obs, t_obs * (1 - 1e-9), t_obs):
                rows.append((x, tx, t_obs))
    return rows


@pytest.mark.oracle
@pytest.mark.parametrize("params", PARAM_SETS)
def test_extreme_grid_is_finite_and_matches_mpmath(
    params: tuple[float, float, float, float],
) -> None:
    rows = _extreme_grid()
    s = _frame([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    m = ParetoNBD(r=params[0], alpha=params[1], s=params[2], beta=params[3])
    ll = m.loglik_contributions(s).to_numpy()
    pa = m.probability_alive(s).to_numpy()
    e = m.expected_purchases(s, t=10.0).to_numpy()
    assert np.all(np.isfinite(ll))
    assert np.all(np.isfinite(pa))
    assert np.all(np.isfinite(e))
    refs = np.array([_mp_reference(params, *row, 10.0) for row in rows])
    np.testing.assert_allclose(ll, refs[:, 0], rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(pa, refs[:, 1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(e, refs[:, 2], rtol=1e-8, atol=1e-12)


@pytest.mark.oracle
def test_recency_equal_to_t_is_finite_where_lifetimes_returns_nan() -> None:
    """lifetimes: logsumexp of two equal terms with opposite signs -> NaN for x >= ~100."""
    from lifetimes import ParetoNBDFitter

    params = tuple(ref.PARAMS.values())
    x, tx, t_obs = np.array([200.0]), np.array([50.0]), np.array([50.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = ParetoNBDFitter._conditional_log_likelihood(np.array(params), x, tx, t_obs)
    assert np.isnan(theirs).all()
    ours = CDNOW_MODEL.loglik_contributions(_frame([200.0], [50.0], [50.0])).iloc[0]
    assert ours == pytest.approx(_mp_reference(params, 200.0, 50.0, 50.0, 1.0)[0], rel=1e-12)


def test_gradient_matches_central_differences_in_both_branches(cdnow: pd.DataFrame) -> None:
    x, tx, t_obs = _arrays(cdnow)
    data = {"frequency": x, "recency": tx, "T": t_obs}
    w = np.ones_like(x)
    for params in PARAM_SETS:
        p = np.array(params)
        _, grad = _pareto.loglik_grad(p, data, w)
        for k in range(4):
            h = 1e-6 * p[k]
            up, dn = p.copy(), p.copy()
            up[k] += h
            dn[k] -= h
            num = (_pareto.loglik_rows(up, data).sum() - _pareto.loglik_rows(dn, data).sum()) / (
                2 * h
            )
            assert grad[k] == pytest.approx(num, rel=1e-5, abs=1e-4)


# --------------------------------------------------------------------------- DERT
def test_dert_matches_numeric_integration() -> None:
    """DERT = ∫ e^{-δt} dE[Y(t)]; dE/dt = P(alive) (r+x)/(α+T) ((β+T)/(β+T+t))^s."""
    r, alpha, s, beta = ref.PARAMS.values()
    summ = _frame([0.0, 2.0, 30.0, 500.0], [0.0, 30.43, 20.0, 100.0], [38.86, 38.86, 60.0, 100.0])
    delta = np.log(1.15) / 52.0
    dert = CDNOW_MODEL.discounted_expected_transactions(summ, discount_rate=delta)
    assert dert.name == "dert"
    p_alive = CDNOW_MODEL.probability_alive(summ).to_numpy()
    for i, (x, t_obs) in enumerate(zip(summ["frequency"], summ["T"], strict=True)):
        rate = p_alive[i] * (r + x) / (alpha + t_obs)

        def f(t: float, rate: float = rate, t_obs: float = t_obs) -> float:
            return rate * np.exp(-delta * t) * ((beta + t_obs) / (beta + t_obs + t)) ** s

        val, _ = integrate.quad(f, 0, np.inf, epsabs=0, epsrel=1e-12, limit=500)
        assert dert.iloc[i] == pytest.approx(val, rel=1e-6)


def test_dert_rejects_non_positive_rate() -> None:
    with pytest.raises(ParameterError, match="discount_rate"):
        CDNOW_MODEL.discounted_expected_transactions(_frame([1.0], [1.0], [2.0]), discount_rate=0.0)


# --------------------------------------------------------------------------- properties
@st.composite
def summaries(draw: st.DrawFn, max_rows: int = 8) -> pd.DataFrame:
    n = draw(st.integers(1, max_rows))
    x = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))
    t_obs = draw(st.lists(st.floats(0.1, 200.0), min_size=n, max_size=n))
    u = draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    tx = [0.0 if xi == 0 else ui * ti for xi, ui, ti in zip(x, u, t_obs, strict=True)]
    return _frame([float(v) for v in x], tx, t_obs)


params_st = st.tuples(
    st.floats(0.05, 5.0), st.floats(0.5, 50.0), st.floats(0.05, 5.0), st.floats(0.5, 50.0)
)


@given(summaries(), params_st)
@settings(max_examples=40, deadline=None)
def test_property_probability_alive_in_unit_interval(s: pd.DataFrame, p: tuple) -> None:
    m = ParetoNBD(r=p[0], alpha=p[1], s=p[2], beta=p[3])
    pa = m.probability_alive(s).to_numpy()
    assert np.all((pa >= 0) & (pa <= 1))


@given(summaries(), params_st, st.floats(0.0, 100.0), st.floats(0.0, 100.0))
@settings(max_examples=40, deadline=None)
def test_property_expected_purchases_non_decreasing_in_t(
    s: pd.DataFrame, p: tuple, t1: float, dt: float
) -> None:
    m = ParetoNBD(r=p[0], alpha=p[1], s=p[2], beta=p[3])
    e1 = m.expected_purchases(s, t=t1).to_numpy()
    e2 = m.expected_purchases(s, t=t1 + dt).to_numpy()
    assert np.all(e2 >= e1 * (1 - 1e-12))
    assert np.all(np.isfinite(e2))


@given(summaries(), summaries(), params_st)
@settings(max_examples=30, deadline=None)
def test_property_loglik_additive_over_customers(
    a: pd.DataFrame, b: pd.DataFrame, p: tuple
) -> None:
    m = ParetoNBD(r=p[0], alpha=p[1], s=p[2], beta=p[3])
    both = pd.concat([a, b], ignore_index=True)
    assert m.loglik(both) == pytest.approx(m.loglik(a) + m.loglik(b), rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(
        m.loglik_contributions(both).to_numpy(),
        np.concatenate(
            [m.loglik_contributions(a).to_numpy(), m.loglik_contributions(b).to_numpy()]
        ),
        rtol=1e-12,
    )


@given(summaries(), st.lists(st.integers(1, 4), min_size=8, max_size=8), params_st)
@settings(max_examples=30, deadline=None)
def test_property_collapsing_into_weighted_patterns_is_exact(
    s: pd.DataFrame, reps: list[int], p: tuple
) -> None:
    m = ParetoNBD(r=p[0], alpha=p[1], s=p[2], beta=p[3])
    k = np.array(reps[: len(s)])
    expanded = s.loc[s.index.repeat(k)].reset_index(drop=True)
    weighted = s.assign(weight=k.astype(float))
    assert m.loglik(expanded) == pytest.approx(m.loglik(weighted), rel=1e-12, abs=1e-9)
    # gradient on patterns with weights equals gradient on the expanded rows
    cols = ("frequency", "recency", "T")
    d_exp = {c: expanded[c].to_numpy(float) for c in cols}
    d_pat = {c: s[c].to_numpy(float) for c in cols}
    pa = np.array(p)
    t1, g1 = _pareto.loglik_grad(pa, d_exp, np.ones(len(expanded)))
    t2, g2 = _pareto.loglik_grad(pa, d_pat, k.astype(float))
    assert t1 == pytest.approx(t2, rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(g1, g2, rtol=1e-9, atol=1e-9)


@given(summaries(), params_st, st.floats(0.0, 50.0))
@settings(max_examples=30, deadline=None)
def test_property_time_unit_rescaling_leaves_predictions_unchanged(
    s: pd.DataFrame, p: tuple, t: float
) -> None:
    weeks = ParetoNBD(r=p[0], alpha=p[1], s=p[2], beta=p[3], period="W")
    days = weeks.in_period("D")
    s_days = s.assign(recency=s["recency"] * 7.0, T=s["T"] * 7.0)
    np.testing.assert_allclose(
        days.probability_alive(s_days).to_numpy(),
        weeks.probability_alive(s).to_numpy(),
        rtol=1e-9,
        atol=1e-14,
    )
    np.testing.assert_allclose(
        days.expected_purchases(s_days, t=7.0 * t).to_numpy(),
        weeks.expected_purchases(s, t=t).to_numpy(),
        rtol=1e-9,
        atol=1e-14,
    )
    # the density of purchase times picks up the Jacobian 7^-x
    shift = float(s["frequency"].sum()) * np.log(7.0)
    assert days.loglik(s_days) == pytest.approx(weeks.loglik(s) - shift, rel=1e-10, abs=1e-8)


def test_expected_purchases_is_continuous_at_s_equal_one() -> None:
    s = _frame([0.0, 3.0], [0.0, 10.0], [20.0, 20.0])
    at_one = ParetoNBD(r=0.5, alpha=5.0, s=1.0, beta=8.0).expected_purchases(s, t=30.0).to_numpy()
    near = (
        ParetoNBD(r=0.5, alpha=5.0, s=1.0 + 1e-7, beta=8.0).expected_purchases(s, t=30.0).to_numpy()
    )
    np.testing.assert_allclose(at_one, near, rtol=1e-6)


def test_probability_alive_new_customer_is_the_pareto_survival() -> None:
    t = np.array([0.0, 10.0, 52.0])
    np.testing.assert_allclose(
        CDNOW_MODEL.probability_alive_new_customer(t), (11.669 / (11.669 + t)) ** 0.606, rtol=1e-12
    )


# --------------------------------------------------------------------------- simulation
def test_simulation_probability_alive_is_calibrated() -> None:
    """Mean P(alive) of simulated customers matches the share truly alive (n = 20,000)."""
    sim = simulate_pareto_nbd(CDNOW_MODEL, 20_000, T=39.0, seed=7, holdout=39.0)
    pa = CDNOW_MODEL.probability_alive(sim.summary)
    assert float(pa.mean()) == pytest.approx(float(sim.truth["alive"].mean()), abs=0.01)
    e = CDNOW_MODEL.expected_purchases(sim.summary, t=39.0)
    assert float(e.sum()) == pytest.approx(float(sim.summary["frequency_holdout"].sum()), rel=0.05)


def test_simulation_is_reproducible_and_respects_resolution() -> None:
    a = simulate_pareto_nbd(CDNOW_MODEL, 500, T=52.0, seed=3, resolution=1 / 7)
    b = simulate_pareto_nbd(CDNOW_MODEL, 500, T=52.0, seed=3, resolution=1 / 7)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    days = a.summary["recency"].to_numpy() * 7
    np.testing.assert_allclose(days, np.round(days), atol=1e-9)
    assert bool((a.summary["recency"] <= a.summary["T"]).all())


@pytest.mark.slow
def test_parameter_recovery_on_simulated_data() -> None:
    true = ParetoNBD(r=0.8, alpha=8.0, s=0.5, beta=12.0)
    t_obs = 26.0 + np.random.default_rng(0).integers(0, 52 * 7, 60_000) / 7.0
    sim = simulate_pareto_nbd(true, 60_000, T=t_obs, seed=11, resolution=1 / 7)
    res = ParetoNBD.fit(sim.summary, period="W")  # > 50,000 rows: exercises the warm start
    assert res.converged
    est = res.params
    se = res.standard_errors
    for name in ("r", "alpha", "s", "beta"):
        assert abs(est[name] - getattr(true, name)) < 4 * se[name]


# --------------------------------------------------------------------------- errors and units
def test_invalid_summary_reports_every_problem() -> None:
    bad = _frame([1.0, 0.0, -1.0], [5.0, 2.0, 0.0], [4.0, 3.0, 3.0])
    with pytest.raises(DataValidationError) as info:
        CDNOW_MODEL.probability_alive(bad)
    assert len(info.value.problems) == 3
    with pytest.raises(SchemaError, match="lacks column"):
        CDNOW_MODEL.probability_alive(pd.DataFrame({"frequency": [1]}))


def test_invalid_parameters_and_horizons_raise() -> None:
    with pytest.raises(
        ParameterError, match=r"ParetoNBD.beta must be a finite float > 0; got -1.0"
    ):
        ParetoNBD(r=1.0, alpha=1.0, s=1.0, beta=-1.0)
    s = _frame([1.0], [1.0], [2.0])
    with pytest.raises(ParameterError, match="t must be finite"):
        CDNOW_MODEL.expected_purchases(s, t=-1.0)
    with pytest.raises(ParameterError, match="n must be non-negative integers"):
        CDNOW_MODEL.purchase_count_pmf([1.5], t=3.0)
    with pytest.raises(ParameterError, match="period=None"):
        ParetoNBD(r=1.0, alpha=1.0, s=1.0, beta=1.0).in_period("D")


def test_in_period_rescales_both_scales() -> None:
    days = CDNOW_MODEL.in_period("D")
    assert days.alpha == pytest.approx(10.578 * 7)
    assert days.beta == pytest.approx(11.669 * 7)
    assert (days.r, days.s) == (CDNOW_MODEL.r, CDNOW_MODEL.s)
    assert days.period is not None
    assert days.period.name == "D"


# --------------------------------------------------------------------------- persistence
def test_json_round_trip_of_model_and_fit_result(cdnow: pd.DataFrame) -> None:
    from custrel.models import from_json, to_json

    assert from_json(to_json(CDNOW_MODEL)) == CDNOW_MODEL
    res = ParetoNBD.fit(cdnow, period="W")
    back = from_json(to_json(res))
    assert back.model == res.model
    assert back.loglik == res.loglik
    assert back.covariance is not None
    assert res.covariance is not None
    np.testing.assert_array_equal(back.covariance.to_numpy(), res.covariance.to_numpy())
    pd.testing.assert_series_equal(
        back.model.probability_alive(cdnow), res.model.probability_alive(cdnow)
    )


# --------------------------------------------------------------------------- evaluation helpers
def test_works_with_the_holdout_evaluation_helpers(cdnow: pd.DataFrame) -> None:
    """custrel.models.evaluate accepts ParetoNBD; the totals equal the model's own sums."""
    from custrel.models import evaluate

    err = evaluate.holdout_errors(CDNOW_MODEL, cdnow)
    expected_total = float(CDNOW_MODEL.expected_purchases(cdnow, t=39.0).sum())
    assert err.expected_total == pytest.approx(expected_total, rel=1e-12)
    assert err.actual_total == 1882.0
    assert expected_total == pytest.approx(1665.69, abs=0.01)
    hist = evaluate.frequency_histogram_fit(CDNOW_MODEL, cdnow)
    assert float(hist.table["expected"].sum()) == pytest.approx(2357.0, rel=1e-9)
    assert float(hist.table["observed"].sum()) == 2357.0
    track = evaluate.cohort_tracking(
        CDNOW_MODEL, load_cdnow(), period="W", observation_end="1998-06-30", customers=cdnow.index
    )
    # week 39 (calibration end): the expected curve is the sum of E[X(age)] over the cohort
    ages = (
        pd.Timestamp("1997-01-01") + pd.Timedelta(weeks=39) - cdnow["first_purchase"]
    ).dt.days / 7
    e39 = float(CDNOW_MODEL.expected_purchases_new_customer(np.maximum(ages.to_numpy(), 0.0)).sum())
    assert float(track.loc[39, "expected"]) == pytest.approx(e39, rel=1e-9)


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("b", "c", "z"),
    [
        (3000.3, 3002.5, 0.3),
        (1.7, 2500.4, 0.45),
        (12.2, 14.0, 0.05),
        (0.6, 2.2, 0.0),
        (1.6, 1.8, 0.49),
        (2.3, 4.1, 0.74),
        (0.3, 40.2, 0.7),
    ],
)
@pytest.mark.parametrize("min_group", [1, 10**9], ids=["horner-per-frequency", "vectorised-rows"])
def test_hypergeometric_series_and_derivatives_match_mpmath(
    monkeypatch: pytest.MonkeyPatch, b: float, c: float, z: float, min_group: int
) -> None:
    """log 2F1(1, b; c; z) and its b, c, z derivatives: both series paths vs 40-digit mpmath."""
    monkeypatch.setattr(_pareto, "_SERIES_MIN_GROUP", min_group)
    got = _pareto._log_hyp_parts(np.array([b]), np.array([c]), np.array([z]), np.array([1.0]))
    with mp.workdps(40):

        def log_f(bb: mp.mpf, cc: mp.mpf, zz: mp.mpf) -> mp.mpf:
            return mp.log(mp.hyp2f1(1, bb, cc, zz))

        ref = [
            log_f(b, c, z),
            mp.diff(lambda t: log_f(t, c, z), b),
            mp.diff(lambda t: log_f(b, t, z), c),
            mp.diff(lambda t: log_f(b, c, t), z),
        ]
    for g, r in zip(got, ref, strict=True):
        assert float(g[0]) == pytest.approx(float(r), rel=1e-12, abs=1e-15)


def test_fit_on_weighted_patterns_equals_fit_on_customers(cdnow: pd.DataFrame) -> None:
    cols = ["frequency", "recency", "T"]
    patterns = cdnow.groupby(cols, as_index=False).size().rename(columns={"size": "weight"})
    assert len(patterns) < len(cdnow)
    a = ParetoNBD.fit(cdnow[cols], period="W")
    b = ParetoNBD.fit(patterns, period="W")
    assert b.n_customers == a.n_customers == 2357
    assert b.loglik == pytest.approx(a.loglik, abs=1e-6)
    for name in ("r", "alpha", "s", "beta"):
        assert getattr(b.model, name) == pytest.approx(getattr(a.model, name), rel=1e-5)


@pytest.mark.oracle
def test_mle_is_at_least_as_good_as_lifetimes_fit_on_cdnow(cdnow: pd.DataFrame) -> None:
    """lifetimes' Nelder-Mead from a generic start (it stops at LL -9596.34 with lifetimes
    0.11.3 / scipy 1.17) never beats custrel's MLE (-9594.976)."""
    from lifetimes import ParetoNBDFitter

    ours = ParetoNBD.fit(cdnow, period="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lf = ParetoNBDFitter().fit(
            cdnow["frequency"], cdnow["recency"], cdnow["T"], initial_params=[0.5, 10.0, 0.5, 10.0]
        )
    theirs = ParetoNBD(**{k: float(v) for k, v in lf.params_.items()})
    assert ours.loglik >= theirs.loglik(cdnow) - 1e-9


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("b", "c", "z"), [(2.3, 4.1, 0.85), (150.5, 151.2, 0.88), (1.2, 203.7, 0.9), (31.0, 33.5, 0.8)]
)
def test_hypergeometric_series_near_z_one_matches_mpmath(
    monkeypatch: pytest.MonkeyPatch, b: float, c: float, z: float
) -> None:
    """Large frequency groups use the series up to z = 0.9 (slow terms, but all positive)."""
    monkeypatch.setattr(_pareto, "_SERIES_MIN_GROUP", 1)
    got = _pareto._log_hyp_parts(np.full(3, b), np.full(3, c), np.full(3, z), np.ones(3))
    with mp.workdps(40):

        def log_f(bb: mp.mpf, cc: mp.mpf, zz: mp.mpf) -> mp.mpf:
            return mp.log(mp.hyp2f1(1, bb, cc, zz))

        ref = [
            log_f(b, c, z),
            mp.diff(lambda t: log_f(t, c, z), b),
            mp.diff(lambda t: log_f(b, t, z), c),
            mp.diff(lambda t: log_f(b, c, t), z),
        ]
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g, float(r), rtol=1e-12, atol=1e-15)


def test_series_paths_agree_on_many_frequencies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-frequency Horner and the vectorised term recursion give the same four arrays."""
    rng = np.random.default_rng(7)
    x = np.sort(rng.integers(0, 40, 5000)).astype(float)
    for b_of_x in (lambda xx: 0.7 + xx, lambda xx: np.full_like(xx, 1.6)):
        b, c = b_of_x(x), 0.7 + 0.6 + x + 1.0
        z = rng.uniform(0.0, 0.75, x.size)
        z[::17] = 0.0
        monkeypatch.setattr(_pareto, "_SERIES_MIN_GROUP", 1)
        horner = _pareto._log_hyp_parts(b, c, z, x)
        monkeypatch.setattr(_pareto, "_SERIES_MIN_GROUP", 10**9)
        rows = _pareto._log_hyp_parts(b, c, z, x)
        for h, r in zip(horner, rows, strict=True):
            np.testing.assert_allclose(r, h, rtol=1e-13, atol=1e-15)


def test_warm_start_polish_stops_at_the_gradient_floor() -> None:
    """Engine polish (used by large Pareto/NBD fits): when the objective cannot resolve the
    decrease a line search asks for (1e6 customers), BFGS stops at the first evaluated point
    meeting gtol instead of failing dozens of line-search evaluations."""
    from scipy import optimize

    from custrel.models._mle import FitConfig, _polish

    a = np.diag([0.5, 2.0, 8.0, 30.0])
    calls = []

    def exact(theta: np.ndarray) -> tuple[float, np.ndarray]:
        return float(0.5 * theta @ a @ theta), a @ theta

    def floored(theta: np.ndarray) -> tuple[float, np.ndarray]:
        calls.append(theta.copy())
        f, g = exact(theta)
        return round(f, 12), g  # the value's precision floor, far above the decrease left

    theta0 = np.array([2e-8, -1e-8, 3e-9, 1e-9])
    warm = optimize.OptimizeResult(x=theta0, jac=a @ theta0)
    attempts: list[dict[str, object]] = []
    res = _polish(floored, exact, warm, FitConfig(), attempts)
    assert res is not None
    assert float(np.max(np.abs(res.jac))) <= 1e-8
    assert len(calls) <= 3
    assert "gradient below gtol" in str(attempts[-1]["message"])


@pytest.mark.slow
def test_pilot_start_does_not_change_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above 40,000 rows a BFGS pilot on 2,000 rows seeds the fit; the optimum is the same."""
    from custrel.models import pareto_nbd

    t_obs = 26.0 + 52.0 * np.random.default_rng(3).random(45_000)
    sim = simulate_pareto_nbd(CDNOW_MODEL, 45_000, T=t_obs, seed=4)  # continuous times
    with_pilot = ParetoNBD.fit(sim.summary, period="W")
    monkeypatch.setattr(pareto_nbd, "_PILOT_MIN_ROWS", 10**9)
    without = ParetoNBD.fit(sim.summary, period="W")
    assert with_pilot.converged
    assert without.converged
    assert with_pilot.loglik == pytest.approx(without.loglik, abs=1e-5)
    np.testing.assert_allclose(with_pilot.params, without.params, rtol=1e-5)


def test_pilot_start_is_near_the_sample_optimum_or_absent() -> None:
    from custrel.models._mle import FitConfig
    from custrel.models.pareto_nbd import _pilot_start

    sim = simulate_pareto_nbd(CDNOW_MODEL, 5_000, T=39.0, seed=5)
    x, tx, t_obs = _arrays(sim.summary)
    start = [{"r": 1.0, "alpha": 39.0, "s": 1.0, "beta": 39.0}]
    (pilot,) = _pilot_start(x, tx, t_obs, np.ones_like(x), FitConfig(), start)
    sample = sim.summary.iloc[np.random.default_rng(0).choice(x.size, 2_000, replace=False)]
    reference = ParetoNBD.fit(sample, config=FitConfig(covariance=False))
    for name in ("r", "alpha", "s", "beta"):
        assert pilot[name] == pytest.approx(getattr(reference.model, name), rel=1e-3)
    assert _pilot_start(x, tx, t_obs, np.zeros_like(x), FitConfig(), start) == []


def test_fit_without_any_repeat_buyer_is_refused() -> None:
    """Like BG/NBD: with no repeat purchase the Pareto/NBD parameters are not identified."""
    from custrel.errors import DataValidationError

    one_timers = pd.DataFrame(
        {"frequency": [0, 0, 0], "recency": [0.0, 0.0, 0.0], "T": [10.0, 20.0, 30.0]},
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    with pytest.raises(DataValidationError, match=r"ParetoNBD.fit: no customer .* repeat purchase"):
        ParetoNBD.fit(one_timers)
