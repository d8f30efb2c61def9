"""The shared MLE engine: pattern compression, FitConfig, FitResult, special functions."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from custrel.errors import ConvergenceWarning, ParameterError
from custrel.models import BetaGeo, FitConfig, FitResult
from custrel.models._mle import ModelSpec, compress, fit_mle
from custrel.models._special import hyp2f1, log1mexp, logdiffexp, softmax_weights


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([0.0, -0.0, 1.5, 2.25]), st.integers(0, 2)),
        min_size=1,
        max_size=40,
    ),
    weights=st.lists(st.floats(0.0, 5.0), min_size=40, max_size=40),
)
def test_compress_is_exact(rows: list[tuple[int, float, int]], weights: list[float]) -> None:
    arr = np.array(rows, dtype=float)
    w = np.array(weights[: len(rows)])
    pats = compress({"a": arr[:, 0], "b": arr[:, 1], "c": arr[:, 2]}, w)
    # every row is rebuilt from its pattern, patterns are distinct, weights add up
    rebuilt = np.column_stack([pats.columns[c][pats.inverse] for c in "abc"])
    np.testing.assert_array_equal(rebuilt, arr + 0.0)
    uniq = {tuple(r) for r in np.column_stack([pats.columns[c] for c in "abc"]).tolist()}
    assert len(uniq) == pats.n_patterns
    assert pats.weights.sum() == pytest.approx(w.sum())
    np.testing.assert_allclose(pats.weights, np.bincount(pats.inverse, weights=w))


def test_compress_handles_radix_overflow() -> None:
    rng = np.random.default_rng(0)
    cols = {f"c{i}": rng.integers(0, 5000, 20_000).astype(float) for i in range(6)}
    cols["c0"][:10] = 1.0
    for name in cols:
        cols[name][10:20] = cols[name][:10]  # ten exact duplicates
    pats = compress(cols, None)
    assert pats.n_patterns == 20_000 - 10
    rebuilt = np.column_stack([pats.columns[c][pats.inverse] for c in cols])
    np.testing.assert_array_equal(rebuilt, np.column_stack(list(cols.values())))


def test_fit_config_validation() -> None:
    with pytest.raises(ParameterError, match="penalizer_coef must be a finite float >= 0"):
        FitConfig(penalizer_coef=-1.0)
    with pytest.raises(ParameterError, match=r"initial\['r'\] must be a finite float > 0"):
        FitConfig(initial={"r": -1.0})
    cfg = FitConfig(initial={"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 1.0})
    assert cfg.initial_dict() == {"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 1.0}
    assert hash(cfg) == hash(FitConfig(initial={"r": 1.0, "alpha": 2.0, "a": 1.0, "b": 1.0}))


def test_initial_point_must_name_every_parameter(cdnow_summary: pd.DataFrame) -> None:
    with pytest.raises(ParameterError, match=r"lacks \['a', 'b'\]"):
        BetaGeo.fit(cdnow_summary, config=FitConfig(initial={"r": 1.0, "alpha": 1.0}))


def test_initial_point_is_used(cdnow_summary: pd.DataFrame) -> None:
    start = {"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4}
    res = BetaGeo.fit(cdnow_summary, config=FitConfig(initial=start))
    assert res.loglik == pytest.approx(-9582.4292, abs=1e-3)
    assert res.config.initial_dict() == start


def test_fit_result_statistics(cdnow_summary: pd.DataFrame) -> None:
    res = BetaGeo.fit(cdnow_summary, period="W")
    k, n = 4, 2357
    assert res.aic == pytest.approx(2 * k - 2 * res.loglik)
    assert res.bic == pytest.approx(k * math.log(n) - 2 * res.loglik)
    tab = res.summary(alpha=0.1)
    assert tab.columns.tolist() == ["estimate", "std_err", "lower", "upper"]
    assert tab.index.tolist() == ["r", "alpha", "a", "b"]
    z = stats.norm.ppf(0.95)
    np.testing.assert_allclose(
        tab["upper"], tab["estimate"] * np.exp(z * tab["std_err"] / tab["estimate"])
    )
    assert np.all(tab["lower"] > 0)
    assert res.covariance is not None
    np.testing.assert_allclose(res.covariance.to_numpy(), res.covariance.to_numpy().T)
    assert np.all(np.linalg.eigvalsh(res.covariance.to_numpy()) > 0)
    assert repr(res).startswith("FitResult(BetaGeo(r=0.2426, alpha=4.414, a=0.7929, b=2.426)")
    assert "loglik=-9582.4292" in repr(res)
    html = res._repr_html_()
    assert "<table" in html
    assert "BetaGeo" in html
    with pytest.raises(ParameterError, match="alpha must be in"):
        res.summary(alpha=1.5)


def test_without_covariance_standard_errors_are_nan_explicitly(
    cdnow_summary: pd.DataFrame,
) -> None:
    res = BetaGeo.fit(cdnow_summary, config=FitConfig(covariance=False))
    assert res.covariance is None
    assert res.standard_errors.isna().all()


def test_numeric_gradient_fallback_and_hessian_warning() -> None:
    # a toy model y ~ Exponential(rate) with the rate at its MLE, fitted without an analytic gradient
    y = np.array([0.5, 1.5, 2.0, 4.0])
    spec = ModelSpec(
        name="Expo",
        param_names=("rate",),
        data_columns=("y",),
        loglik_rows=lambda p, d: np.log(p[0]) - p[0] * d["y"],
    )
    res: FitResult[dict[str, float]] = fit_mle(
        spec,
        {"y": y},
        np.ones(4),
        config=FitConfig(),
        starts=[{"rate": 1.0}],
        build=dict,
        period=None,
    )
    assert res.model["rate"] == pytest.approx(1 / y.mean(), rel=1e-6)
    assert res.standard_errors.iloc[0] == pytest.approx((1 / y.mean()) / 2, rel=1e-4)
    flat = ModelSpec(
        name="Flat",
        param_names=("u", "v"),
        data_columns=("y",),
        loglik_rows=lambda p, d: -((p[0] * p[1] - 1.0) ** 2) + 0 * d["y"],
    )
    with pytest.warns(ConvergenceWarning, match="not positive definite"):
        res2 = fit_mle(
            flat,
            {"y": y},
            np.ones(4),
            config=FitConfig(),
            starts=[{"u": 2.0, "v": 2.0}],
            build=dict,
            period=None,
        )
    assert res2.covariance is None


def test_special_functions_are_accurate() -> None:
    x = np.array([-1e-20, -1e-5, -0.5, -1.0, -50.0])
    with mp.workdps(40):
        ref = [float(mp.log(1 - mp.exp(mp.mpf(v)))) for v in x]
    np.testing.assert_allclose(log1mexp(x), ref, rtol=1e-14)
    assert logdiffexp(np.array(1.0), np.array(0.0)) == pytest.approx(math.log(math.e - 1))
    lse, (w1, w2) = softmax_weights(np.array([0.0, -np.inf]), np.array([0.0, 1.0]))
    np.testing.assert_allclose(lse, [math.log(2.0), 1.0])
    np.testing.assert_allclose(w1 + w2, 1.0)
    assert w1[1] == 0.0
    # large c near z = 1, where scipy's hyp2f1 overflows
    cases = [(0.5, 2.0, 150.5, 0.999), (-0.3, 0.8, 5000.0, 0.9999), (1.2, -0.4, 2.5, 0.3)]
    for a, b, c, z in cases:
        with mp.workdps(30):
            expected = float(mp.hyp2f1(a, b, c, z))
        assert float(hyp2f1(a, b, c, z)) == pytest.approx(expected, rel=1e-12)


def test_warm_start_from_a_pattern_subsample_reaches_the_same_maximum() -> None:
    from custrel.models.simulate import simulate_beta_geo

    truth = BetaGeo(r=0.3, alpha=5.0, a=0.8, b=2.5)
    s = simulate_beta_geo(truth, 6000, T=np.linspace(10, 60, 6000), seed=9).summary
    warm = BetaGeo.fit(s, config=FitConfig(warm_start_patterns=500))
    cold = BetaGeo.fit(s, config=FitConfig(warm_start_patterns=0))
    assert warm.n_patterns > 1000
    assert warm.converged
    np.testing.assert_allclose(warm.params.to_numpy(), cold.params.to_numpy(), rtol=1e-6)
    assert warm.loglik == pytest.approx(cold.loglik, abs=1e-7)
    assert warm.loglik == pytest.approx(warm.model.loglik(s), rel=1e-12)
    np.testing.assert_allclose(
        warm.standard_errors.to_numpy(), cold.standard_errors.to_numpy(), rtol=1e-4
    )
