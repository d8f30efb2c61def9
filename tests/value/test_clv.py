"""CLV with explicit units: closed forms, unit equivariance, discount 0, lifetimes oracle, errors."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import TimeUnit
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.value import CLVSpec, clv, clv_frame
from custrel.value._testing import ExponentialPoisson

WEEK = TimeUnit.parse("W")
DAYS = {"D": 1.0, "W": 7.0, "M": 30.4375, "Q": 91.3125, "Y": 365.25}


def _summary(n: int = 5, seed: int = 0, unit: str = "W") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 8, n)
    t_obs = rng.uniform(1.0, 52.0, n)
    rec = np.where(x > 0, t_obs * rng.uniform(0, 1, n), 0.0)
    s = pd.DataFrame(
        {"frequency": x, "recency": rec, "T": t_obs},
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )
    f = 7.0 / DAYS[unit]
    return s.assign(recency=s["recency"] * f, T=s["T"] * f)


def _lam(m: ExponentialPoisson, s: pd.DataFrame) -> np.ndarray:
    return m.rate * (1 + s["frequency"].to_numpy()) / (1 + m.rate * s["T"].to_numpy())


# ------------------------------------------------------------------ closed forms


def test_discrete_method_matches_closed_form_geometric_sum() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    out = clv(m, 1.0, s, horizon=26, horizon_period="W", discount_rate=0.002, discount_period="W")
    lam, mu, k = _lam(m, s), m.death, np.arange(1, 27)
    per_step = lam[:, None] / mu * (np.exp(-mu * (k - 1)) - np.exp(-mu * k))
    expected = (per_step * 1.002 ** -k[None, :]).sum(axis=1)
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-12)
    assert out.name == "clv"
    assert out.index.equals(s.index)


def test_continuous_finite_horizon_matches_closed_form_dert() -> None:
    """∫_0^H e^{-δt} λ e^{-μt} dt = λ (1 - e^{-(μ+δ)H}) / (μ+δ)."""
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    out = clv(
        m,
        1.0,
        s,
        horizon=2,
        horizon_period="Y",
        discount_rate=0.12,
        discount_period="Y",
        method="continuous",
    )
    delta = math.log(1.12) * 7 / 365.25
    h = 2 * 365.25 / 7
    lam = _lam(m, s)
    expected = lam / (m.death + delta) * (1 - np.exp(-(m.death + delta) * h))
    np.testing.assert_allclose(out.to_numpy(), expected, rtol=1e-10)


def test_continuous_infinite_horizon_uses_model_dert() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    out = clv(
        m,
        2.0,
        s,
        horizon=math.inf,
        discount_rate=0.10,
        discount_period="Y",
        method="continuous",
    )
    delta = math.log(1.10) * 7 / 365.25
    np.testing.assert_allclose(out.to_numpy(), 2.0 * _lam(m, s) / (m.death + delta), rtol=1e-12)


def test_long_finite_continuous_horizon_approaches_infinite_horizon() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    kw = {"discount_rate": 0.10, "discount_period": "Y", "method": "continuous"}
    inf = clv(m, 1.0, s, horizon=math.inf, **kw)  # type: ignore[arg-type]
    long = clv(m, 1.0, s, horizon=30, horizon_period="Y", quadrature_nodes=80, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(long.to_numpy(), inf.to_numpy(), rtol=1e-6)


def test_fine_discrete_steps_converge_to_continuous_discounting() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    kw = {"horizon": 1, "horizon_period": "Y", "discount_rate": 0.5, "discount_period": "Y"}
    cont = clv(m, 1.0, s, method="continuous", **kw)  # type: ignore[arg-type]
    daily = clv(
        m, 1.0, s, step="D", horizon=365, horizon_period="D", discount_rate=0.5, discount_period="Y"
    )
    yearly = clv(m, 1.0, s, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(daily.to_numpy(), cont.to_numpy(), rtol=2e-3)
    # one yearly step discounts every purchase by a full year: clearly lower
    assert (yearly < 0.9 * cont).all()


@pytest.mark.parametrize("method", ["discrete", "continuous"])
def test_discount_rate_zero_reduces_to_spend_times_expected_purchases(method: str) -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    spend = pd.Series(np.linspace(10, 50, len(s)), index=s.index)
    out = clv(m, spend, s, horizon=3, horizon_period="M", discount_rate=0.0, method=method)  # type: ignore[arg-type]
    expected = spend * m.expected_purchases(s, t=3 * 30.4375 / 7)
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_margin_and_cost_per_order_turn_value_into_profit() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    kw = {"horizon": 12, "horizon_period": "M", "discount_rate": 0.1, "discount_period": "Y"}
    fr = clv_frame(m, 40.0, s, margin_rate=0.25, cost_per_order=4.0, **kw)  # type: ignore[arg-type]
    assert list(fr.columns) == [
        "expected_purchases",
        "discounted_purchases",
        "spend",
        "value_per_purchase",
        "clv",
    ]
    np.testing.assert_allclose(fr["value_per_purchase"], 6.0)
    revenue = clv(m, 40.0, s, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(fr["clv"].to_numpy(), revenue.to_numpy() * 6.0 / 40.0, rtol=1e-12)
    assert (fr["discounted_purchases"] < fr["expected_purchases"]).all()


def test_infinite_horizon_frame_has_no_undiscounted_purchases_column() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    fr = clv_frame(
        m,
        1.0,
        _summary(),
        horizon=math.inf,
        discount_rate=0.1,
        discount_period="Y",
        method="continuous",
    )
    assert "expected_purchases" not in fr.columns


# ------------------------------------------------------------------ units


@settings(max_examples=30, deadline=None)
@given(
    model_unit=st.sampled_from(["D", "W", "M", "Y"]),
    horizon_unit=st.sampled_from(["D", "W", "M", "Q", "Y"]),
    rate_unit=st.sampled_from(["D", "W", "M", "Y"]),
    method=st.sampled_from(["discrete", "continuous"]),
    years=st.integers(1, 3),
    annual=st.floats(0.0, 0.5),
)
def test_clv_in_days_weeks_months_years_agree_after_unit_conversion(
    model_unit: str, horizon_unit: str, rate_unit: str, method: str, years: int, annual: float
) -> None:
    """One customer base, model and horizon expressed in any units: the same CLV."""
    ref_model = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    ref_summary = _summary(n=4)
    ref = clv(
        ref_model,
        30.0,
        ref_summary,
        horizon=years,
        horizon_period="Y",
        discount_rate=annual,
        discount_period="Y",
        method=method,  # type: ignore[arg-type]
        step="Q",
    )
    model = ref_model.in_period(model_unit)
    summary = _summary(n=4, unit=model_unit)
    rate = (1 + annual) ** (DAYS[rate_unit] / 365.25) - 1  # the same rate per other unit
    horizon = years * 365.25 / DAYS[horizon_unit]
    out = clv(
        model,
        30.0,
        summary,
        horizon=horizon,
        horizon_period=horizon_unit,
        discount_rate=rate,
        discount_period=rate_unit,
        method=method,  # type: ignore[arg-type]
        step="Q",
    )
    np.testing.assert_allclose(out.to_numpy(), ref.to_numpy(), rtol=1e-9)


def test_model_without_unit_accepts_model_units_only() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03)
    s = _summary()
    with pytest.raises(
        ParameterError,
        match=r"horizon_period is stated in 'M' but the purchase model has no time unit",
    ):
        clv(m, 1.0, s, horizon=12, horizon_period="M", discount_rate=0.0)
    with pytest.raises(ParameterError, match="discount_period is stated in 'Y'"):
        clv(m, 1.0, s, horizon=12, horizon_period="model", discount_rate=0.1, discount_period="Y")
    out = clv(
        m, 1.0, s, horizon=12, horizon_period="model", discount_rate=0.01, discount_period="model"
    )
    with_unit = clv(
        attrs.evolve(m, period=TimeUnit.parse("W")),
        1.0,
        s,
        horizon=12,
        horizon_period="W",
        discount_rate=0.01,
        discount_period="W",
    )
    np.testing.assert_allclose(out.to_numpy(), with_unit.to_numpy(), rtol=1e-14)


def test_custom_period_in_days_is_accepted() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    a = clv(m, 1.0, s, horizon=4, horizon_period=14, discount_rate=0.0)
    b = clv(m, 1.0, s, horizon=8, horizon_period="W", discount_rate=0.0, step=14)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-14)


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"horizon": 12, "discount_rate": 0.1, "discount_period": "Y"},
            "horizon_period is required",
        ),
        (
            {"horizon": 12, "horizon_period": "M", "discount_rate": 0.1},
            "discount_period is required",
        ),
        (
            {"horizon": math.inf, "discount_rate": 0.0, "method": "continuous"},
            "needs a discount_rate > 0",
        ),
        (
            {"horizon": 0, "horizon_period": "M", "discount_rate": 0.0},
            "horizon must be a float > 0",
        ),
        (
            {"horizon": 1, "horizon_period": "M", "discount_rate": -0.1, "discount_period": "Y"},
            "discount_rate must be a finite float >= 0",
        ),
        (
            {"horizon": 1, "horizon_period": "fortnight", "discount_rate": 0.0},
            "period must be one of",
        ),
        (
            {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0, "method": "simpson"},
            "method must be 'discrete' or 'continuous'",
        ),
        (
            {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0, "margin_rate": 1.5},
            r"margin_rate must be a finite float in \[0, 1\]",
        ),
        (
            {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0, "cost_per_order": -1},
            "cost_per_order must be a finite float >= 0",
        ),
        (
            {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0, "quadrature_nodes": 1},
            "quadrature_nodes must be an integer",
        ),
    ],
)
def test_clv_spec_rejects_invalid_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        CLVSpec(**kwargs)  # type: ignore[arg-type]


def test_horizon_must_be_whole_number_of_steps() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    with pytest.raises(ParameterError, match=r"is 11\.9\d* steps of 'M'"):
        clv(m, 1.0, _summary(), horizon=52, horizon_period="W", step="M", discount_rate=0.0)


def test_missing_or_non_finite_spend_reports_every_customer() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    spend = pd.Series([10.0, np.nan, 12.0], index=["c0", "c1", "c2"])
    with pytest.raises(
        DataValidationError, match=r"column 'spend'.*3 of 5 customers.*'c1', 'c3', 'c4'"
    ):
        clv(m, spend, s, horizon=1, horizon_period="M", discount_rate=0.0)


def test_spend_series_is_aligned_by_customer_id_not_position() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    spend = pd.Series(np.arange(1.0, 6.0), index=s.index)
    a = clv(m, spend, s, horizon=1, horizon_period="M", discount_rate=0.0)
    b = clv(m, spend.iloc[::-1], s, horizon=1, horizon_period="M", discount_rate=0.0)
    pd.testing.assert_series_equal(a, b)


def test_non_finite_model_predictions_raise_with_examples() -> None:
    @attrs.frozen
    class Broken:
        period: TimeUnit | None = WEEK

        def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
            return pd.Series(np.where(summary["frequency"] > 3, np.nan, t), index=summary.index)

    s = _summary()
    with pytest.raises(
        DataValidationError, match=r"Broken.expected_purchases.*must be a finite number"
    ):
        clv(Broken(), 1.0, s, horizon=1, horizon_period="M", discount_rate=0.0)


def test_bad_inputs_raise_documented_errors() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    kw = {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0}
    with pytest.raises(SchemaError, match="summary must be a DataFrame"):
        clv(m, 1.0, s.to_numpy(), **kw)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="duplicate"):
        clv(m, 1.0, pd.concat([s, s]), **kw)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="spend must be a spend model"):
        clv(m, "lots", s, **kw)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="must have expected_purchases"):
        clv(object(), 1.0, s, **kw)  # type: ignore[arg-type]

    @attrs.frozen
    class NoDert:
        period: TimeUnit | None = WEEK

        def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
            return pd.Series(t, index=summary.index)

    with pytest.raises(ParameterError, match="has no discounted_expected_transactions"):
        clv(
            NoDert(),
            1.0,
            s,
            horizon=math.inf,
            discount_rate=0.1,
            discount_period="Y",
            method="continuous",
        )


def test_infinite_horizon_of_a_continuous_time_model_needs_the_continuous_method() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    with pytest.raises(ParameterError, match="needs method='continuous'"):
        clv(m, 1.0, _summary(), horizon=math.inf, discount_rate=0.1, discount_period="Y")


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), method=st.sampled_from(["discrete", "continuous"]))
def test_clv_does_not_depend_on_row_order(seed: int, method: str) -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary(n=12, seed=seed)
    spend = pd.Series(np.linspace(5, 60, 12), index=s.index)
    kw = {"horizon": 6, "horizon_period": "M", "discount_rate": 0.1, "discount_period": "Y"}
    a = clv(m, spend, s, method=method, **kw)  # type: ignore[arg-type]
    perm = np.random.default_rng(seed).permutation(12)
    b = clv(m, spend, s.iloc[perm], method=method, **kw)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(a, b.reindex(a.index), rtol=1e-14)


def test_spend_series_with_duplicate_ids_is_a_schema_error() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    s = _summary()
    spend = pd.Series(1.0, index=["c0", "c0", "c1", "c2", "c3", "c4"])
    with pytest.raises(SchemaError, match="duplicates"):
        clv(m, spend, s, horizon=1, horizon_period="M", discount_rate=0.0)


def test_fit_results_instead_of_models_get_a_hint() -> None:
    @attrs.frozen
    class FakeFit:
        model: object

    m = ExponentialPoisson(rate=0.8, death=0.03, period="W")
    kw = {"horizon": 1, "horizon_period": "M", "discount_rate": 0.0}
    with pytest.raises(ParameterError, match=r"a fit result: pass its \.model"):
        clv(FakeFit(m), 1.0, _summary(), **kw)  # type: ignore[arg-type]
    with pytest.raises(
        ParameterError, match=r"spend is a fit result \(FakeFit\); pass its \.model"
    ):
        clv(m, FakeFit(m), _summary(), **kw)  # type: ignore[arg-type]
