"""Gamma-gamma spend model: published CDNOW fit, lifetimes oracle, validation, properties."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reference import gamma_gamma_cdnow as ref

import custrel
from custrel.datasets import load_cdnow
from custrel.errors import (
    ConvergenceWarning,
    DataValidationError,
    DataWarning,
    ParameterError,
    SchemaError,
)
from custrel.models.gamma_gamma import GammaGamma, simulate_gamma_gamma

FHL = GammaGamma(**ref.PARAMS)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return custrel.calibration_holdout(
        load_cdnow(), calibration_end="1997-09-30", observation_end="1998-06-30", period="W"
    )


def test_gamma_gamma_mle_matches_fader_hardie_lee_2005(cdnow: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # CDNOW's correlation (0.11) must not warn
        res = GammaGamma.fit(cdnow)
    assert res.converged
    assert res.n_customers == ref.N_REPEAT
    for name, value in ref.PARAMS.items():
        assert getattr(res.model, name) == pytest.approx(value, abs=ref.PARAMS_ATOL)
    assert res.loglik == pytest.approx(ref.LOGLIK, abs=ref.LOGLIK_ATOL)
    assert res.model.loglik(cdnow) == pytest.approx(res.loglik, abs=1e-9)
    assert bool(np.all(np.isfinite(res.standard_errors.to_numpy())))


def test_loglik_convention_includes_the_jacobian(cdnow: pd.DataFrame) -> None:
    """Without the x^(px) term the log-likelihood is lower by sum(p x log x)."""
    rep = cdnow[cdnow["frequency"] > 0]
    x = rep["frequency"].to_numpy(float)
    contrib = FHL.loglik_contributions(cdnow)
    assert float(contrib[cdnow["frequency"] == 0].abs().sum()) == 0.0
    jac = float(np.sum(FHL.p * x * np.log(x)))
    assert jac > 0
    assert FHL.loglik(cdnow) == pytest.approx(float(contrib.sum()), rel=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("params", [(6.25, 3.74, 15.44), (1.0, 2.5, 40.0), (20.0, 1.5, 3.0)])
def test_loglik_matches_lifetimes(cdnow: pd.DataFrame, params: tuple[float, float, float]) -> None:
    from lifetimes import GammaGammaFitter

    rep = cdnow[cdnow["frequency"] > 0]
    x, m = rep["frequency"].to_numpy(float), rep["monetary_value"].to_numpy(float)
    n = len(rep)
    theirs = -n * GammaGammaFitter._negative_log_likelihood(np.log(params), x, m, np.ones(n), 0.0)
    ours = GammaGamma(p=params[0], q=params[1], gamma=params[2]).loglik(cdnow)
    assert ours == pytest.approx(float(theirs), rel=1e-10)


@pytest.mark.oracle
def test_expected_spend_matches_lifetimes(cdnow: pd.DataFrame) -> None:
    from lifetimes import GammaGammaFitter

    gg = GammaGammaFitter()
    gg.params_ = pd.Series({"p": 6.25, "q": 3.74, "v": 15.44})
    theirs = gg.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"])
    ours = FHL.expected_spend(cdnow)
    assert ours.name == "expected_spend"
    assert ours.index.equals(cdnow.index)
    np.testing.assert_allclose(ours.to_numpy(), np.asarray(theirs, dtype=float), rtol=1e-10)


def test_frequency_zero_gets_the_population_mean() -> None:
    s = pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 123.0]})
    np.testing.assert_allclose(FHL.expected_spend(s).to_numpy(), 6.25 * 15.44 / 2.74)
    assert FHL.mean_spend == pytest.approx(6.25 * 15.44 / 2.74)


@given(
    st.integers(1, 200),
    st.floats(0.01, 1e4),
    st.floats(0.1, 20.0),
    st.floats(1.01, 20.0),
    st.floats(0.1, 100.0),
)
@settings(max_examples=60, deadline=None)
def test_property_expected_spend_shrinks_towards_the_population_mean(
    x: int, m: float, p: float, q: float, gamma: float
) -> None:
    gg = GammaGamma(p=p, q=q, gamma=gamma)
    e = float(gg.expected_spend(pd.DataFrame({"frequency": [x], "monetary_value": [m]})).iloc[0])
    lo, hi = sorted((m, gg.mean_spend))
    assert lo * (1 - 1e-12) <= e <= hi * (1 + 1e-12)


def test_non_positive_monetary_value_of_repeat_customers_is_an_error_with_a_remedy() -> None:
    s = pd.DataFrame(
        {"frequency": [0, 2, 3, 1], "monetary_value": [0.0, -5.0, 0.0, np.nan]},
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as info:
        GammaGamma.fit(s)
    msg = str(info.value)
    assert "2 of 4 customers" in msg  # b and c; a (frequency 0) is fine
    assert "'b'" in msg
    assert "Net returns" in msg
    assert "drop these customers explicitly" in msg
    assert len(info.value.problems) == 2  # the NaN of d is reported too


def test_schema_errors() -> None:
    with pytest.raises(SchemaError, match="monetary_value"):
        GammaGamma.fit(pd.DataFrame({"frequency": [1, 2]}))
    with pytest.raises(ParameterError, match="at least one repeat customer"):
        GammaGamma.fit(pd.DataFrame({"frequency": [0, 0], "monetary_value": [0.0, 0.0]}))


def test_correlated_frequency_and_spend_warn() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(1, 30, 400)
    m = 5.0 * x * rng.gamma(20.0, 1 / 20.0, 400)  # spend grows with frequency
    s = pd.DataFrame({"frequency": x, "monetary_value": m})
    # this mis-specified fit may also end with an L-BFGS-B "ABNORMAL" line search at a
    # tiny gradient (an engine ConvergenceWarning); only the data warning is tested here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GammaGamma.fit(s, config=custrel.models.FitConfig(covariance=False))
    data_warnings = [w for w in caught if issubclass(w.category, DataWarning)]
    assert len(data_warnings) == 1
    assert "correlated" in str(data_warnings[0].message)
    assert all(issubclass(w.category, DataWarning | ConvergenceWarning) for w in caught)


def test_mean_spend_and_expected_spend_need_q_above_one() -> None:
    gg = GammaGamma(p=2.0, q=0.8, gamma=10.0)
    with pytest.raises(ParameterError, match="infinite"):
        _ = gg.mean_spend
    with pytest.raises(ParameterError, match="infinite for 1"):
        gg.expected_spend(pd.DataFrame({"frequency": [0, 3], "monetary_value": [0.0, 10.0]}))
    # repeat customers alone are fine: p x + q > 1
    e = gg.expected_spend(pd.DataFrame({"frequency": [3], "monetary_value": [10.0]}))
    assert float(e.iloc[0]) == pytest.approx(2.0 * (10.0 + 30.0) / (6.0 + 0.8 - 1.0))


def test_weights_equal_repeated_rows() -> None:
    s = pd.DataFrame({"frequency": [1, 4, 2], "monetary_value": [10.0, 25.0, 40.0]})
    k = np.array([3, 1, 2])
    expanded = s.loc[s.index.repeat(k)].reset_index(drop=True)
    assert FHL.loglik(expanded) == pytest.approx(FHL.loglik(s.assign(weight=k)), rel=1e-12)


@pytest.mark.slow
def test_parameter_recovery_on_simulated_data() -> None:
    true = GammaGamma(p=6.0, q=4.0, gamma=15.0)
    x = np.random.default_rng(2).integers(1, 15, 20_000)
    sim = simulate_gamma_gamma(true, x, seed=9)
    res = GammaGamma.fit(sim.summary)
    for name in ("p", "q", "gamma"):
        assert abs(res.params[name] - getattr(true, name)) < 4 * res.standard_errors[name]
    # the conditional expectation tracks each customer's true mean spend
    e = true.expected_spend(sim.summary).to_numpy()
    truth = sim.truth["mean_spend"].to_numpy()
    assert float(np.mean(e - truth)) == pytest.approx(0.0, abs=0.5)


def test_json_round_trip_of_model_and_fit_result(cdnow: pd.DataFrame) -> None:
    from custrel.models import from_json, to_json

    assert from_json(to_json(FHL)) == FHL
    res = GammaGamma.fit(cdnow)
    back = from_json(to_json(res))
    assert back.model == res.model
    assert back.loglik == res.loglik
    pd.testing.assert_series_equal(back.standard_errors, res.standard_errors)
