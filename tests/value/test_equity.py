"""Customer equity (current + future cohorts) and CLV uncertainty (delta method, bootstrap)."""

from __future__ import annotations

import math
import warnings

import attrs
import numpy as np
import pandas as pd
import pytest

from custrel.data import summarize_report
from custrel.datasets import load_cdnow
from custrel.errors import ParameterError
from custrel.models import BetaGeo
from custrel.value import FutureCohorts, clv, clv_uncertainty, customer_equity
from custrel.value._testing import ExponentialPoisson

S = pd.DataFrame(
    {"frequency": [0, 4, 9], "recency": [0.0, 10.0, 11.0], "T": [12.0, 12.0, 30.0]},
    index=pd.Index(["a", "b", "c"], name="customer_id"),
)


def _cov(names: tuple[str, ...], diag: list[float]) -> pd.DataFrame:
    return pd.DataFrame(np.diag(diag), index=list(names), columns=list(names))


@attrs.frozen
class Fit:
    model: object
    param_names: tuple[str, ...]
    covariance: pd.DataFrame | None


@attrs.frozen(kw_only=True)
class MeanSpend:
    """Spend model: every customer spends ``mean`` x (1 + frequency / 10)."""

    mean: float

    def expected_spend(self, summary: pd.DataFrame, /) -> pd.Series:
        return pd.Series(self.mean * (1 + summary["frequency"] / 10), index=summary.index)

    @property
    def mean_spend(self) -> float:
        return self.mean


# ------------------------------------------------------------------ equity


def test_equity_without_cohorts_is_the_sum_of_clv() -> None:
    m = ExponentialPoisson(rate=1.0, death=0.05, period="M")
    kw = {"horizon": 2, "horizon_period": "Y", "discount_rate": 0.1, "discount_period": "Y"}
    eq = customer_equity(m, 40.0, S, **kw)  # type: ignore[arg-type]
    values = clv(m, 40.0, S, **kw)  # type: ignore[arg-type]
    pd.testing.assert_series_equal(eq.clv, values)
    assert eq.current == pytest.approx(values.sum())
    assert eq.future == 0.0
    assert eq.total == eq.current
    assert eq.cohorts is None
    assert eq.value_new_customer is None


def test_future_cohorts_closed_form_discrete_monthly() -> None:
    """New customer: λ = 1 / month, exponential lifetime, 12 monthly steps at 10% a year."""
    m = ExponentialPoisson(rate=1.0, death=0.05, period="M")
    cohorts = FutureCohorts(size=10, every="Y", count=2, acquisition_cost=20.0)
    eq = customer_equity(
        m,
        50.0,
        S,
        horizon=12,
        horizon_period="M",
        discount_rate=0.1,
        discount_period="Y",
        margin_rate=0.3,
        cohorts=cohorts,
    )
    det = sum(
        math.exp(-0.05 * (k - 1)) * (1 - math.exp(-0.05)) / 0.05 * 1.1 ** (-k / 12)
        for k in range(1, 13)
    )
    value = det * 15.0 + 15.0 - 20.0
    assert eq.value_new_customer == pytest.approx(value, rel=1e-12)
    assert eq.future == pytest.approx(10 * value * (1 / 1.1 + 1 / 1.1**2), rel=1e-12)
    assert eq.total == pytest.approx(eq.current + eq.future)
    assert eq.cohorts is not None
    assert eq.cohorts["arrival"].tolist() == pytest.approx([12.0, 24.0])
    assert eq.cohorts["discount"].tolist() == pytest.approx([1 / 1.1, 1 / 1.21])
    no_first = customer_equity(
        m,
        50.0,
        S,
        horizon=12,
        horizon_period="M",
        discount_rate=0.1,
        discount_period="Y",
        margin_rate=0.3,
        cohorts=attrs.evolve(cohorts, first_purchase=False),
    )
    assert no_first.value_new_customer == pytest.approx(value - 15.0)


def test_new_customer_uses_unconditional_bgnbd_expectation_fhl_2005_eq_9() -> None:
    bg = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
    eq = customer_equity(
        bg,
        1.0,
        S,
        horizon=52,
        horizon_period="W",
        discount_rate=0.0,
        cohorts=FutureCohorts(size=1, every="W", count=1, first_purchase=False),
    )
    assert eq.value_new_customer == pytest.approx(
        float(bg.expected_purchases_new_customer(52.0)), rel=1e-10
    )


def test_new_customer_spend_from_cohorts_number_or_mean_spend() -> None:
    m = ExponentialPoisson(rate=1.0, death=0.05, period="M")
    kw = {"horizon": 6, "horizon_period": "M", "discount_rate": 0.0}
    one = FutureCohorts(size=1, every="M", count=1, first_purchase=False)
    base = customer_equity(m, 10.0, S, cohorts=one, **kw)  # type: ignore[arg-type]
    by_model = customer_equity(m, MeanSpend(mean=10.0), S, cohorts=one, **kw)  # type: ignore[arg-type]
    assert by_model.value_new_customer == pytest.approx(base.value_new_customer)
    explicit = customer_equity(
        m,
        MeanSpend(mean=99.0),
        S,
        cohorts=attrs.evolve(one, spend=10.0),
        **kw,  # type: ignore[arg-type]
    )
    assert explicit.value_new_customer == pytest.approx(base.value_new_customer)
    spend = pd.Series([10.0, 20.0, 30.0], index=S.index)
    with pytest.raises(ParameterError, match=r"FutureCohorts.spend is needed"):
        customer_equity(m, spend, S, cohorts=one, **kw)  # type: ignore[arg-type]


def test_future_cohorts_validation() -> None:
    with pytest.raises(ParameterError, match=r"FutureCohorts\.size must be a finite float > 0"):
        FutureCohorts(size=0, every="M", count=1)
    with pytest.raises(ParameterError, match=r"FutureCohorts\.count must be an integer >= 1"):
        FutureCohorts(size=1, every="M", count=0)
    with pytest.raises(ParameterError, match="period must be one of"):
        FutureCohorts(size=1, every="fortnight", count=1)
    with pytest.raises(ParameterError, match="acquisition_cost must be a finite float >= 0"):
        FutureCohorts(size=1, every="M", count=1, acquisition_cost=-1)
    m = ExponentialPoisson(rate=1.0, death=0.05)
    with pytest.raises(ParameterError, match=r"FutureCohorts\.every is stated in 'M'"):
        customer_equity(
            m,
            1.0,
            S,
            horizon=3,
            horizon_period="model",
            discount_rate=0.0,
            cohorts=FutureCohorts(size=1, every="M", count=1),
        )


# ------------------------------------------------------------------ uncertainty


def _analytic(rate: float, death: float, h: float, spend: float) -> tuple[np.ndarray, np.ndarray]:
    x, t_obs = S["frequency"].to_numpy(float), S["T"].to_numpy(float)
    lam = rate * (1 + x) / (1 + rate * t_obs)
    dlam = (1 + x) / (1 + rate * t_obs) ** 2
    f = -math.expm1(-death * h) / death
    df = (h * math.exp(-death * h) * death + math.expm1(-death * h)) / death**2
    return spend * lam * f, np.column_stack([spend * dlam * f, spend * lam * df])


@pytest.mark.parametrize("method", ["discrete", "continuous"])
def test_delta_method_matches_analytic_gradient(method: str) -> None:
    m = ExponentialPoisson(rate=0.8, death=0.04, period="M")
    cov = np.array([[0.01, 0.0004], [0.0004, 0.0001]])
    fit = Fit(
        m, ("rate", "death"), pd.DataFrame(cov, index=["rate", "death"], columns=["rate", "death"])
    )
    u = clv_uncertainty(
        fit,
        30.0,
        S,
        horizon=12,
        horizon_period="M",
        discount_rate=0.0,
        method=method,  # type: ignore[arg-type]
    )
    value, jac = _analytic(0.8, 0.04, 12.0, 30.0)
    np.testing.assert_allclose(u.frame["clv"].to_numpy(), value, rtol=1e-10)
    se = np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac))
    np.testing.assert_allclose(u.frame["std_err"].to_numpy(), se, rtol=1e-6)
    g = jac.sum(axis=0)
    assert u.total_std_err == pytest.approx(math.sqrt(g @ cov @ g), rel=1e-6)
    z = 1.959963984540054
    np.testing.assert_allclose(u.frame["upper"] - u.frame["clv"], z * se, rtol=1e-6)
    assert u.total == pytest.approx(value.sum())
    assert u.parameters == ("purchase.rate", "purchase.death")
    assert u.method == "delta"
    assert list(u.summary().index) == ["total", "std_err", "lower", "upper"]


def test_spend_fit_uncertainty_is_added_as_an_independent_block() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.04, period="M")
    p_cov = np.diag([0.01, 0.0001])
    pfit = Fit(m, ("rate", "death"), _cov(("rate", "death"), [0.01, 0.0001]))
    sfit = Fit(MeanSpend(mean=30.0), ("mean",), _cov(("mean",), [4.0]))
    u = clv_uncertainty(pfit, sfit, S, horizon=12, horizon_period="M", discount_rate=0.0)
    value, jac_p = _analytic(0.8, 0.04, 12.0, 1.0)
    mult = 1 + S["frequency"].to_numpy(float) / 10
    spend = 30.0 * mult
    jac = np.column_stack([jac_p * spend[:, None], value * mult])
    cov = np.zeros((3, 3))
    cov[:2, :2] = p_cov
    cov[2, 2] = 4.0
    se = np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac))
    np.testing.assert_allclose(u.frame["clv"].to_numpy(), value * spend, rtol=1e-10)
    np.testing.assert_allclose(u.frame["std_err"].to_numpy(), se, rtol=1e-6)
    assert u.parameters == ("purchase.rate", "purchase.death", "spend.mean")


def test_bootstrap_is_seeded_and_agrees_with_delta_for_small_uncertainty() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.04, period="M")
    fit = Fit(m, ("rate", "death"), _cov(("rate", "death"), [0.0016, 0.000016]))
    kw = {"horizon": 12, "horizon_period": "M", "discount_rate": 0.1, "discount_period": "Y"}
    d = clv_uncertainty(fit, 30.0, S, **kw)  # type: ignore[arg-type]
    b1 = clv_uncertainty(fit, 30.0, S, uncertainty="bootstrap", n_draws=100, seed=7, **kw)  # type: ignore[arg-type]
    b2 = clv_uncertainty(fit, 30.0, S, uncertainty="bootstrap", n_draws=100, seed=7, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(b1.frame, b2.frame)
    assert b1.method == "bootstrap"
    assert b1.n_draws == 100
    np.testing.assert_allclose(b1.frame["std_err"], d.frame["std_err"], rtol=0.25)
    assert b1.total_std_err == pytest.approx(d.total_std_err, rel=0.25)
    assert (b1.frame["lower"] < b1.frame["clv"]).all()
    assert (b1.frame["clv"] < b1.frame["upper"]).all()
    assert b1.total_lower < b1.total < b1.total_upper


@pytest.mark.slow
def test_bgnbd_fit_on_cdnow_gives_clv_plus_minus_standard_error() -> None:
    """FHL (2005) BG/NBD fitted on CDNOW: delta and bootstrap errors of 1-year CLV agree."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # summary leaves out the holdout rows, on purpose
        s = summarize_report(load_cdnow(), period="W", observation_end="1997-09-30").summary
    fit = BetaGeo.fit(s, period="W")
    assert fit.model.r == pytest.approx(0.243, abs=1e-3)
    kw = {
        "horizon": 1,
        "horizon_period": "Y",
        "step": "M",
        "discount_rate": 0.1,
        "discount_period": "Y",
    }
    d = clv_uncertainty(fit, 35.0, s, **kw)  # type: ignore[arg-type]
    b = clv_uncertainty(fit, 35.0, s, uncertainty="bootstrap", n_draws=60, seed=1, **kw)  # type: ignore[arg-type]
    assert np.isfinite(d.frame.to_numpy()).all()
    assert (d.frame["std_err"] > 0).all()
    rel = d.total_std_err / d.total
    assert 0.005 < rel < 0.2
    assert b.total_std_err == pytest.approx(d.total_std_err, rel=0.3)
    # errors of individual customers are correlated: the total's error exceeds root-sum-square
    assert d.total_std_err > math.sqrt((d.frame["std_err"] ** 2).sum())


def test_uncertainty_errors() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.04, period="M")
    kw = {"horizon": 12, "horizon_period": "M", "discount_rate": 0.0}
    with pytest.raises(ParameterError, match="needs the purchase model's fit result"):
        clv_uncertainty(m, 30.0, S, **kw)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="has no covariance"):
        clv_uncertainty(Fit(m, ("rate", "death"), None), 30.0, S, **kw)  # type: ignore[arg-type]
    fit = Fit(m, ("rate", "death"), _cov(("rate", "death"), [0.01, 0.0001]))
    with pytest.raises(ParameterError, match=r"level must be a float in \(0, 1\)"):
        clv_uncertainty(fit, 30.0, S, level=95, **kw)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="n_draws must be an integer >= 10"):
        clv_uncertainty(fit, 30.0, S, uncertainty="bootstrap", n_draws=3, **kw)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="uncertainty must be 'delta' or 'bootstrap'"):
        clv_uncertainty(fit, 30.0, S, uncertainty="jackknife", **kw)  # type: ignore[arg-type]
    bad = Fit(m, ("rate", "death"), _cov(("rate", "death"), [np.nan, 0.0001]))
    with pytest.raises(ParameterError, match="covariance must be a finite 2x2 matrix"):
        clv_uncertainty(bad, 30.0, S, **kw)  # type: ignore[arg-type]


@pytest.mark.slow
def test_cdnow_gamma_gamma_fit_adds_spend_uncertainty() -> None:
    """BG/NBD and gamma-gamma fitted on CDNOW (FHL 2005): spend parameters widen the error."""
    from custrel.models.gamma_gamma import GammaGamma

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = summarize_report(load_cdnow(), period="W", observation_end="1997-09-30").summary
    bg = BetaGeo.fit(s, period="W")
    gg = GammaGamma.fit(s)
    assert gg.model.p == pytest.approx(6.25, abs=0.01)
    kw = {
        "horizon": 1,
        "horizon_period": "Y",
        "step": "M",
        "discount_rate": 0.1,
        "discount_period": "Y",
    }
    fixed = clv_uncertainty(bg, gg.model, s, **kw)  # type: ignore[arg-type]
    both = clv_uncertainty(bg, gg, s, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(both.frame["clv"], fixed.frame["clv"], rtol=1e-12)
    assert (both.frame["std_err"] >= fixed.frame["std_err"] - 1e-12).all()
    assert both.total_std_err > fixed.total_std_err
    assert both.parameters[-3:] == ("spend.p", "spend.q", "spend.gamma")


def test_covariance_without_a_parameter_is_a_parameter_error() -> None:
    m = ExponentialPoisson(rate=0.8, death=0.04, period="M")
    fit = Fit(m, ("rate", "death"), _cov(("rate",), [0.01]))
    with pytest.raises(ParameterError, match=r"no row/column for parameter\(s\) \['death'\]"):
        clv_uncertainty(fit, 30.0, S, horizon=12, horizon_period="M", discount_rate=0.0)
