"""summarize / calibration_holdout: published CDNOW facts, lifetimes oracle, properties, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import calibration_holdout, summarize, summarize_report
from custrel.datasets import load_cdnow, simulate_transactions
from custrel.errors import DataValidationError, DataWarning, ParameterError
from tests.strategies import transaction_logs


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture(scope="module")
def cdnow_ch(cdnow: pd.DataFrame) -> pd.DataFrame:
    return calibration_holdout(
        cdnow, calibration_end="1997-09-30", observation_end="1998-06-30", period="W"
    )


def test_cdnow_summary_matches_published_data_construction(cdnow_ch: pd.DataFrame) -> None:
    """published.md: 2,357 customers, 1,411 with x = 0, Σx = 2,457, Σx* = 1,882, max x = 29."""
    s = cdnow_ch
    assert len(s) == 2357
    assert int((s["frequency"] == 0).sum()) == 1411
    assert int((s["frequency"] > 0).sum()) == 946
    assert int(s["frequency"].sum()) == 2457
    assert int(s["frequency_holdout"].sum()) == 1882
    assert int(s["frequency"].max()) == 29
    c1 = s.loc[1]
    assert c1["frequency"] == 2
    assert c1["recency"] == 213 / 7
    assert c1["T"] == 272 / 7
    assert c1["monetary_value"] == pytest.approx(22.345, abs=1e-12)
    assert c1["frequency_holdout"] == 1
    assert (s["duration_holdout"] == 39.0).all()


def test_cdnow_merges_same_day_rows_into_one_occasion(cdnow: pd.DataFrame) -> None:
    s = summarize(cdnow, period="D")
    assert int(s["n_occasions"].sum()) == 6696  # 6,919 rows -> 6,696 customer-days
    assert s["total_amount"].sum() == pytest.approx(cdnow["amount"].sum(), rel=1e-12)


def _lifetimes_summary(tx: pd.DataFrame, end: str, multiplier: float) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end=end,
            freq="D",
            freq_multiplier=multiplier,
        )


@pytest.mark.oracle
def test_summarize_equals_lifetimes_on_cdnow(cdnow: pd.DataFrame) -> None:
    with pytest.warns(DataWarning, match="1959 row\\(s\\) excluded: rows_after_observation_end"):
        ours = summarize(cdnow, period="W", observation_end="1997-09-30")
    theirs = _lifetimes_summary(cdnow, "1997-09-30", 7)
    theirs = theirs.loc[ours.index]
    for col in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[col], theirs[col], rtol=1e-9, atol=1e-9, err_msg=col)


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("seed", "period", "multiplier"), [(1, "D", 1), (2, "W", 7), (3, 30.0, 30)]
)
def test_summarize_equals_lifetimes_on_random_logs(
    seed: int, period: object, multiplier: int
) -> None:
    sim = simulate_transactions(800, seed=seed, return_rate=0.0)
    tx = sim.transactions[["customer_id", "date", "amount"]]
    end = str(sim.observation_end.date())
    ours = summarize(tx, period=period, observation_end=end)  # type: ignore[arg-type]
    theirs = _lifetimes_summary(tx, end, multiplier).loc[ours.index]
    assert len(ours) == len(theirs) == 800
    for col in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[col], theirs[col], rtol=1e-9, atol=1e-9, err_msg=col)


def test_returns_net_within_the_day_and_returns_only_days_are_not_occasions() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 4 + ["b"],
            "date": ["2024-01-01", "2024-01-01", "2024-01-10", "2024-01-20", "2024-01-05"],
            "amount": [30.0, -10.0, -5.0, 40.0, -8.0],
        }
    )
    rep = summarize_report(tx, period="D", observation_end="2024-01-31")
    a = rep.summary.loc["a"]
    assert a["n_occasions"] == 2  # 01-01 (net 20) and 01-20; the 01-10 return is not an occasion
    assert a["monetary_value"] == 40.0
    assert a["total_amount"] == 55.0
    assert rep.exclusions.customers == {"no_purchase_occasion": 1}
    assert rep.exclusions.examples["no_purchase_occasion"] == ("b",)
    with pytest.warns(DataWarning, match=r"1 customer\(s\) excluded: no_purchase_occasion"):
        summarize(tx, period="D", observation_end="2024-01-31")


def test_zero_net_days_follow_the_configured_rule() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": ["2024-01-01", "2024-01-05", "2024-01-02"],
            "amount": [10.0, 0.0, 0.0],
        }
    )
    default = summarize(tx, period="D", observation_end="2024-01-10")
    assert default["n_occasions"].to_dict() == {1: 2, 2: 1}
    strict = summarize_report(tx, period="D", observation_end="2024-01-10", zero_net="not_occasion")
    assert strict.summary["n_occasions"].to_dict() == {1: 1}
    assert strict.exclusions.customers == {"no_purchase_occasion": 1}


def test_time_units_are_exact_and_consistent() -> None:
    sim = simulate_transactions(300, seed=5)
    tx = sim.transactions
    d = summarize(tx, period="D")
    for period, days in (("W", 7.0), ("M", 30.4375), ("Q", 91.3125), ("Y", 365.25), (14, 14.0)):
        s = summarize(tx, period=period)  # type: ignore[arg-type]
        np.testing.assert_allclose(s["T"] * days, d["T"], rtol=1e-12)
        np.testing.assert_allclose(s["recency"] * days, d["recency"], rtol=1e-12)
    with pytest.raises(ParameterError, match="period must be"):
        summarize(tx, period="fortnight")  # type: ignore[arg-type]


def test_calibration_holdout_reports_newcomers_and_late_rows() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "date": ["2024-01-01", "2024-02-10", "2024-02-05", "2024-04-01"],
            "amount": [10.0, 20.0, 5.0, 7.0],
        }
    )
    with pytest.warns(DataWarning) as rec:
        ch = calibration_holdout(
            tx, calibration_end="2024-01-31", observation_end="2024-02-29", period="D"
        )
    assert list(ch.index) == [1]
    assert ch.loc[1, "frequency_holdout"] == 1
    msg = str(rec[0].message)
    assert "1 row(s) excluded: rows_after_observation_end" in msg
    assert (
        "1 customer(s) excluded: first_purchase_after_calibration_end (e.g. customer_id 2)" in msg
    )


def test_invalid_dates_raise_clear_errors(cdnow: pd.DataFrame) -> None:
    with pytest.raises(DataValidationError, match="before the first transaction"):
        summarize(cdnow, period="W", observation_end="1990-01-01")
    with pytest.raises(
        DataValidationError, match="calibration_end 2001-01-01 must lie within the data"
    ):
        calibration_holdout(cdnow, calibration_end="2001-01-01", period="W")
    with pytest.raises(
        DataValidationError, match="calibration_end 1990-01-01 must lie within the data"
    ):
        calibration_holdout(cdnow, calibration_end="1990-01-01", period="W")
    with pytest.raises(DataValidationError, match="must be before observation_end"):
        calibration_holdout(
            cdnow, calibration_end="1997-09-30", observation_end="1997-06-30", period="W"
        )
    with pytest.raises(DataValidationError, match="observation_end must be a date"):
        summarize(cdnow, period="W", observation_end="yesterday-ish")


def _quiet_summary(tx: pd.DataFrame, **kw: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return summarize(tx, period="D", **kw)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(tx=transaction_logs(), perm_seed=st.integers(0, 2**16))
def test_summary_properties(tx: pd.DataFrame, perm_seed: int) -> None:
    end = "2024-01-15"
    s = _quiet_summary(tx, observation_end=end)
    # row order does not change the summary
    perm = np.random.default_rng(perm_seed).permutation(len(tx))
    s2 = _quiet_summary(tx.iloc[perm].reset_index(drop=True), observation_end=end)
    pd.testing.assert_frame_equal(s, s2, check_exact=False, rtol=1e-12, atol=1e-9)
    # 0 <= recency <= T; recency = 0 when frequency = 0
    assert ((s["recency"] >= 0) & (s["recency"] <= s["T"])).all()
    assert (s.loc[s["frequency"] == 0, "recency"] == 0).all()
    assert (s.loc[s["frequency"] == 0, "monetary_value"] == 0).all()
    # every customer with a valid purchase occasion appears exactly once
    day_net = tx.groupby(["customer_id", "date"])["amount"].sum()
    buyers = set(day_net[day_net >= 0].index.get_level_values(0))
    assert s.index.is_unique
    assert set(s.index) == buyers
    # amounts are conserved: summary totals + excluded customers' totals = all kept rows
    rep = summarize_report(tx, period="D", observation_end=end)
    assert sum(rep.exclusions.customers.values()) == tx["customer_id"].nunique() - len(s)
    kept = tx.loc[tx["customer_id"].isin(s.index), "amount"].sum()
    assert s["total_amount"].sum() == pytest.approx(kept, abs=1e-6)
    assert (s["n_occasions"] == s["frequency"] + 1).all()


def test_calibration_holdout_report_accounts_for_every_customer() -> None:
    """Returns-only customers are counted even when all their rows lie after the calibration end."""
    from custrel.data import calibration_holdout_report

    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 4, 5],
            "date": [
                "2024-01-01",
                "2024-02-10",
                "2024-01-05",
                "2024-02-05",
                "2024-02-07",
                "2024-03-20",
            ],
            "amount": [10.0, 20.0, -5.0, 7.0, -4.0, 9.0],
        }
    )
    rep = calibration_holdout_report(
        tx, calibration_end="2024-01-31", observation_end="2024-02-29", period="D"
    )
    assert list(rep.summary.index) == [1]
    assert rep.calibration_end == pd.Timestamp("2024-01-31")
    assert dict(rep.exclusions.rows) == {"rows_after_observation_end": 1}
    assert dict(rep.exclusions.customers) == {
        "no_purchase_occasion": 2,  # customer 2 (calibration return) and 4 (holdout return only)
        "first_purchase_after_calibration_end": 1,  # customer 3
    }
    assert rep.exclusions.examples["no_purchase_occasion"] == (2, 4)
    n_rows_customers = tx.loc[pd.to_datetime(tx["date"]) <= "2024-02-29", "customer_id"].nunique()
    assert len(rep.summary) + sum(rep.exclusions.customers.values()) == n_rows_customers
