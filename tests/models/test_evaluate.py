"""Holdout evaluation: errors, calibration-frequency table, histogram fit, cohort tracking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tests.reference import fhl2005_bgnbd as ref

from custrel.datasets import load_cdnow
from custrel.errors import ParameterError, SchemaError
from custrel.models import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo
from custrel.models.evaluate import (
    calibration_frequency_table,
    cohort_tracking,
    frequency_histogram_fit,
    holdout_errors,
    tracking_error,
)
from custrel.models.simulate import simulate_beta_geo

CDNOW = BetaGeo(**ref.PARAMS, period="W")


def test_holdout_errors_on_cdnow(cdnow_summary: pd.DataFrame) -> None:
    err = holdout_errors(CDNOW, cdnow_summary)
    expected = CDNOW.expected_purchases(cdnow_summary, t=39.0).to_numpy()
    actual = cdnow_summary["frequency_holdout"].to_numpy()
    assert err.actual_total == 1882
    assert err.expected_total == pytest.approx(expected.sum())
    assert err.mae == pytest.approx(np.mean(np.abs(expected - actual)))
    assert err.rmse == pytest.approx(np.sqrt(np.mean((expected - actual) ** 2)))
    assert err.bias == pytest.approx(np.mean(expected - actual))
    assert err.correlation == pytest.approx(np.corrcoef(expected, actual)[0, 1])


def test_holdout_errors_respect_weights(cdnow_summary: pd.DataFrame) -> None:
    sub = cdnow_summary.iloc[:300]
    doubled = pd.concat([sub, sub])
    a = holdout_errors(CDNOW, sub.assign(weight=2.0))
    b = holdout_errors(CDNOW, doubled)
    assert a.mae == pytest.approx(b.mae)
    assert a.expected_total == pytest.approx(b.expected_total)
    assert a.n_customers == b.n_customers == 600


def test_calibration_frequency_table_on_cdnow(cdnow_summary: pd.DataFrame) -> None:
    tab = calibration_frequency_table(CDNOW, cdnow_summary)
    assert tab.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert tab["n_customers"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert tab["n_customers"].sum() == 2357
    # pooled means reproduce the totals
    assert (tab["actual"] * tab["n_customers"]).sum() == pytest.approx(1882)
    total = CDNOW.expected_purchases(cdnow_summary, t=39.0).sum()
    assert (tab["expected"] * tab["n_customers"]).sum() == pytest.approx(total)
    assert tab.loc["0", "actual"] == pytest.approx(
        cdnow_summary.loc[cdnow_summary["frequency"] == 0, "frequency_holdout"].mean()
    )


def test_histogram_fit_on_cdnow_and_simulated_data(cdnow_summary: pd.DataFrame) -> None:
    fit = frequency_histogram_fit(CDNOW, cdnow_summary)
    assert fit.table["observed"].sum() == 2357
    assert fit.table["expected"].sum() == pytest.approx(2357)
    o, e = fit.table["observed"].to_numpy(), fit.table["expected"].to_numpy()
    assert fit.chi_square == pytest.approx(np.sum((o - e) ** 2 / e))
    assert fit.dof == 3
    assert fit.p_value == pytest.approx(stats.chi2.sf(fit.chi_square, 3))
    assert fit.p_value > 0.05  # BG/NBD fits the CDNOW histogram (FHL 2005, Figure 1)
    # a wrong model is rejected on a large simulated sample
    sim = simulate_beta_geo(CDNOW, 20_000, T=np.linspace(27, 39, 20_000), seed=5).summary
    wrong = BetaGeo(r=1.0, alpha=4.414, a=0.793, b=2.426)
    assert frequency_histogram_fit(wrong, sim).p_value < 1e-6
    assert frequency_histogram_fit(CDNOW, sim).p_value > 1e-3


def test_histogram_fit_for_bgbb(donations: pd.DataFrame) -> None:
    m = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    fit = frequency_histogram_fit(m, donations, max_frequency=6)
    assert fit.table["observed"].sum() == 11104
    assert fit.table["expected"].sum() == pytest.approx(11104)
    assert fit.table.index.tolist()[-1] == "6+"


def test_cohort_tracking_on_cdnow(cdnow_summary: pd.DataFrame) -> None:
    tr = cohort_tracking(
        CDNOW, load_cdnow(), period="W", observation_end="1998-06-30", customers=cdnow_summary.index
    )
    assert tr.index.name == "period"
    assert len(tr) == 77
    assert np.all(np.diff(tr["actual"]) >= 0)
    assert np.all(np.diff(tr["expected"]) >= 0)
    # by the end of calibration (38.86 weeks) the cohort made 2,457 repeat purchases
    assert tr.loc[38, "actual"] <= 2457 <= tr.loc[39, "actual"]
    err = tracking_error(tr)
    assert err.n_periods == 77
    assert 0 < err.mape < 10
    assert err.final_pct_error == pytest.approx(
        (tr["expected"].iloc[-1] / tr["actual"].iloc[-1] - 1) * 100
    )
    with pytest.raises(ParameterError, match="in_period"):
        cohort_tracking(CDNOW, load_cdnow(), period="D")


def test_tracking_error_arithmetic() -> None:
    t = pd.DataFrame({"actual": [10.0, 20.0, 40.0], "expected": [12.0, 18.0, 40.0]})
    err = tracking_error(t)
    assert err.mape == pytest.approx((0.2 + 0.1 + 0.0) / 3 * 100)
    assert err.mae == pytest.approx(4 / 3)
    assert err.max_abs_error == 2.0
    assert err.incremental_mae == pytest.approx((2 + 4 + 2) / 3)
    assert tracking_error(t, start=1).n_periods == 2
    with pytest.raises(SchemaError, match="actual"):
        tracking_error(pd.DataFrame({"expected": [1.0]}))


def test_evaluation_needs_holdout_columns(cdnow_summary: pd.DataFrame) -> None:
    with pytest.raises(SchemaError, match="calibration_holdout"):
        holdout_errors(CDNOW, cdnow_summary[["frequency", "recency", "T"]])
    with pytest.raises(ParameterError, match="max_frequency"):
        calibration_frequency_table(CDNOW, cdnow_summary, max_frequency=0)


def test_mbgnbd_evaluates_like_bgnbd(cdnow_summary: pd.DataFrame) -> None:
    mbg = ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614, period="W")
    a = holdout_errors(CDNOW, cdnow_summary)
    b = holdout_errors(mbg, cdnow_summary)
    assert abs(a.mae - b.mae) < 0.05


def test_expected_tracking_curve_sums_new_customer_expectations() -> None:
    from custrel.models.evaluate import expected_tracking_curve

    first = np.array([0.0, 0.0, 3.0, 10.0])
    times = np.array([2.0, 5.0, 12.0])
    curve = expected_tracking_curve(CDNOW, first, times)
    manual = [
        sum(float(CDNOW.expected_purchases_new_customer(max(t - s, 0.0))) for s in first)
        for t in times
    ]
    np.testing.assert_allclose(curve.to_numpy(), manual, rtol=1e-12)
    assert curve.name == "expected_cumulative_purchases"
    with pytest.raises(ParameterError, match="finite"):
        expected_tracking_curve(CDNOW, [np.nan], [1.0])
