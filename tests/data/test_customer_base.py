"""CustomerBase / build_customer_base: F1 features of domain.md §11, properties, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import TransactionColumns, build_customer_base, summarize
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from tests.f1 import AS_OF, AS_OF_MID, f1_attitudes, f1_transactions
from tests.strategies import transaction_logs

NAN = np.nan
# domain.md §11 "F1 features at 2024-12-31":
# n_occ, T_days, days_since_last, mean_ipt_days, revenue_window (365 d)
F1_FEATURES = {
    "C01": (36, 1081, 16, 30.43, 600.0),
    "C02": (1, 30, 30, NAN, 80.0),
    "C03": (4, 143, 21, 40.67, 160.0),
    "C04": (26, 1086, 174, 36.48, 200.0),
    "C05": (3, 726, 667, 29.50, 0.0),
    "C06": (1, 579, 579, NAN, 0.0),
    "C07": (9, 1064, 91, 121.63, 300.0),
    "C08": (0, NAN, NAN, NAN, -50.0),
    "C10": (16, 483, 26, 30.47, 840.0),
    "C11": (4, 1036, 41, 331.67, 90.0),
}


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def test_f1_features_match_domain_table(f1_base) -> None:
    f = f1_base.features
    assert list(f.index) == list(F1_FEATURES)
    cols = ["n_occasions", "T_days", "days_since_last", "mean_ipt_days", "revenue_window"]
    got = f[cols].to_numpy(dtype=float)
    want = np.array(list(F1_FEATURES.values()), dtype=float)
    np.testing.assert_allclose(got, want, atol=0.005)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert f1_base.diagnostics["rows_after_as_of"] == 1
    assert "C09" not in f.index


def test_f1_other_features_by_hand(f1_base) -> None:
    f = f1_base.features
    assert f.loc["C01", "first_purchase"] == pd.Timestamp("2022-01-15")
    assert f.loc["C01", "last_purchase"] == pd.Timestamp("2024-12-15")
    assert f.loc["C01", "frequency"] == 35
    assert f.loc["C01", "recency_days"] == 1065
    assert f.loc["C04", "net_amount"] == 2600.0
    assert f.loc["C08", "net_amount"] == -50.0
    assert f.loc["C03", "occasions_window"] == 4
    assert f.loc["C04", "aov_window"] == 100.0
    assert np.isnan(f.loc["C05", "aov_window"])
    # C03 gaps 41, 46, 35 days: population std / mean
    gaps = np.array([41.0, 46.0, 35.0])
    assert f.loc["C03", "ipt_cv"] == pytest.approx(gaps.std() / gaps.mean())
    assert np.isnan(f.loc["C02", "ipt_cv"])
    assert np.isnan(f.loc["C06", "mean_ipt_days"])
    c11 = np.array([31.0, 30.0, 934.0])
    assert f.loc["C11", "ipt_cv"] == pytest.approx(c11.std() / c11.mean())
    # optional columns absent -> NaN / None
    assert f["discount_share"].isna().all()
    assert f["margin_window"].isna().all()
    assert f["top_channel"].isna().all()
    assert pd.isna(f.loc["C08", "first_purchase"])


def test_f1_features_at_mid_2024(f1_base) -> None:
    mid = f1_base.at(AS_OF_MID).features
    assert "C02" not in mid.index
    assert "C03" not in mid.index
    assert mid.loc["C11", "days_since_last"] == 791
    assert mid.loc["C10", "T_days"] == 299
    assert mid.loc["C07", "mean_ipt_days"] == pytest.approx(121.571, abs=5e-4)


def test_features_consistent_with_summarize_and_btyd_summary(f1_base) -> None:
    with pytest.warns(DataWarning, match="no_purchase_occasion"):
        s = summarize(f1_transactions(), period="D", observation_end=AS_OF)
    b = f1_base.btyd_summary(period="D")
    f = f1_base.features.loc[b.index]
    pd.testing.assert_series_equal(b["frequency"], s["frequency"].loc[b.index])
    np.testing.assert_allclose(b["recency"], f["recency_days"])
    np.testing.assert_allclose(b["T"], f["T_days"])
    np.testing.assert_array_equal(b["frequency"], f["frequency"])
    weeks = f1_base.btyd_summary(period="W")
    np.testing.assert_allclose(weeks["T"] * 7, f["T_days"])
    assert "C08" not in b.index  # no purchase occasion


def test_zero_net_rule_is_configurable() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "date": ["2024-01-01", "2024-02-01", "2024-02-01", "2024-03-01"],
            "amount": [10.0, 5.0, -5.0, 0.0],
        }
    )
    default = build_customer_base(tx, as_of="2024-06-30").features
    strict = build_customer_base(tx, as_of="2024-06-30", zero_net="not_occasion").features
    assert default.loc["a", "n_occasions"] == 2
    assert default.loc["b", "n_occasions"] == 1
    assert strict.loc["a", "n_occasions"] == 1
    assert strict.loc["b", "n_occasions"] == 0
    assert default.loc["a", "net_amount"] == strict.loc["a", "net_amount"] == 10.0


def test_window_sum_boundaries(f1_base) -> None:
    # "the last L days" = as_of - L < d <= as_of
    c07 = f1_base.window_sum(91.0).loc["C07"]  # 2024-10-01 is 91 days before: excluded
    assert c07 == 0.0
    assert f1_base.window_sum(92.0).loc["C07"] == 100.0
    per_customer = pd.Series({"C07": 92.0, "C01": 17.0})
    got = f1_base.window_sum(per_customer)
    assert got.loc["C07"] == 100.0
    assert got.loc["C01"] == 50.0
    assert got.loc["C02"] == 0.0
    assert f1_base.window_sum(np.inf, 92.0, what="occasions").loc["C07"] == 8
    assert np.isnan(f1_base.window_sum(30.0, what="margin").loc["C01"])


def test_optional_columns_feed_shares_and_margin() -> None:
    tx = pd.DataFrame(
        {
            "cid": ["a", "a", "a", "b"],
            "day": ["2024-01-01", "2024-01-01", "2024-02-01", "2024-03-01"],
            "amt": [10.0, 20.0, 30.0, 40.0],
            "disc": [True, False, False, False],
            "chan": ["web", "web", "shop", "shop"],
            "cat": ["x", "y", "x", "x"],
            "cogs": [6.0, 12.0, 18.0, 24.0],
        }
    )
    cols = TransactionColumns(
        customer_id="cid",
        date="day",
        amount="amt",
        discount="disc",
        channel="chan",
        category="cat",
        cost="cogs",
    )
    f = build_customer_base(tx, as_of="2024-06-30", columns=cols).features
    assert f.loc["a", "discount_share"] == 0.5  # one of two occasions has a discounted line
    assert f.loc["a", "top_channel"] == "web"
    assert f.loc["a", "top_channel_share"] == pytest.approx(2 / 3)
    assert f.loc["a", "n_categories"] == 2
    assert f.loc["a", "margin_window"] == pytest.approx(24.0)
    assert np.isnan(f.loc["a", "incentive_share"])


def test_margin_rate_without_cost_column(f1_base) -> None:
    base = build_customer_base(f1_transactions(), as_of=AS_OF, margin_rate=0.25)
    assert base.features.loc["C01", "margin_window"] == 150.0
    assert base.at(AS_OF_MID).margin_rate == 0.25


def test_attributes_are_validated_and_kept(f1_base) -> None:
    base = build_customer_base(f1_transactions(), as_of=AS_OF, attributes=f1_attitudes())
    assert base.attributes is not None
    assert base.attributes.loc["C07", "share_of_wallet"] == 0.9
    assert base.at(AS_OF_MID).attributes is base.attributes


def test_attributes_out_of_range_raise_every_problem() -> None:
    att = f1_attitudes()
    att.loc["C01", "share_of_wallet"] = 1.5
    att.loc["C02", "recommend"] = 11
    att["n_alternatives"] = 1.0
    att.loc["C03", "n_alternatives"] = 2.5
    att["attitude"] = att["attitude"].astype(object)
    att.loc["C04", "attitude"] = "high"
    with pytest.raises(DataValidationError, match=r"4 problem\(s\)") as exc:
        build_customer_base(f1_transactions(), as_of=AS_OF, attributes=att)
    msg = str(exc.value)
    assert "column 'share_of_wallet': values must lie in [0, 1]; 1 of 8 customers" in msg
    assert "column 'recommend': values must lie in [0, 10]" in msg
    assert "whole numbers" in msg
    assert "'C03'" in msg
    assert "column 'attitude': values must be numeric" in msg


def test_contract_errors_are_reported_together() -> None:
    con = pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K3", None],
            "start": ["2024-05-01", "not a date", "2024-01-01", "2024-01-01"],
            "end": ["2024-04-01", None, "2024-02-01", None],
        }
    )
    with pytest.raises(DataValidationError, match="must not end before it starts") as exc:
        build_customer_base(f1_transactions(), as_of=AS_OF, contracts=con)
    assert "3 problem(s)" in str(exc.value)
    assert "start dates must be valid" in str(exc.value)
    with pytest.raises(SchemaError, match="contracts are missing column"):
        build_customer_base(f1_transactions(), as_of=AS_OF, contracts=con.drop(columns="end"))


def test_bad_prospects_and_parameters() -> None:
    pros = pd.DataFrame(
        {"is_target": [True, "maybe"]}, index=pd.Index(["P1", "P1"], name="customer_id")
    )
    with pytest.raises(DataValidationError, match="prospects must be unique") as exc:
        build_customer_base(f1_transactions(), as_of=AS_OF, prospects=pros)
    assert "values must be boolean" in str(exc.value)
    with pytest.raises(ParameterError, match="window_days must be a positive"):
        build_customer_base(f1_transactions(), as_of=AS_OF, window_days=0)
    with pytest.raises(ParameterError, match="zero_net"):
        build_customer_base(f1_transactions(), as_of=AS_OF, zero_net="maybe")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="before the first transaction"):
        build_customer_base(f1_transactions(), as_of="2020-01-01")
    with pytest.raises(DataValidationError, match="before the first transaction"):
        build_customer_base(f1_transactions(), as_of=AS_OF).at("2020-01-01")


# ---------------------------------------------------------------- properties


def _assert_same_base(a, b) -> None:
    pd.testing.assert_frame_equal(a.features, b.features)
    assert dict(a.diagnostics) == dict(b.diagnostics)
    assert a.as_of == b.as_of
    for what in ("amount", "occasions"):
        pd.testing.assert_series_equal(a.window_sum(45.0, what=what), b.window_sum(45.0, what=what))


@settings(max_examples=40, deadline=None)
@given(
    log=transaction_logs(),
    first=st.integers(0, 800),
    second=st.integers(0, 800),
    window=st.sampled_from([30.0, 365.0]),
)
def test_at_equals_building_afresh(
    log: pd.DataFrame, first: int, second: int, window: float
) -> None:
    start = log["date"].min()
    d1 = start + pd.Timedelta(days=first)
    d2 = start + pd.Timedelta(days=second)
    base = build_customer_base(log, as_of=d1, window_days=window)
    _assert_same_base(base.at(d2), build_customer_base(log, as_of=d2, window_days=window))
    _assert_same_base(base.at(d2).at(d1), base)


@settings(max_examples=40, deadline=None)
@given(log=transaction_logs(), seed=st.integers(0, 2**31 - 1), offset=st.integers(0, 800))
def test_row_order_invariance(log: pd.DataFrame, seed: int, offset: int) -> None:
    as_of = log["date"].min() + pd.Timedelta(days=offset)
    shuffled = log.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    _assert_same_base(
        build_customer_base(log, as_of=as_of), build_customer_base(shuffled, as_of=as_of)
    )


@settings(max_examples=40, deadline=None)
@given(log=transaction_logs(), offset=st.integers(0, 800))
def test_feature_invariants(log: pd.DataFrame, offset: int) -> None:
    as_of = log["date"].min() + pd.Timedelta(days=offset)
    base = build_customer_base(log, as_of=as_of)
    f = base.features
    buyers = f[f["n_occasions"] > 0]
    assert (buyers["frequency"] == buyers["n_occasions"] - 1).all()
    assert (buyers["recency_days"] <= buyers["T_days"]).all()
    assert (buyers["days_since_last"] == buyers["T_days"] - buyers["recency_days"]).all()
    assert (buyers["occasions_window"] <= buyers["n_occasions"]).all()
    assert len(f) + base.diagnostics["customers_after_as_of"] == log["customer_id"].nunique()
    assert base.diagnostics["rows_after_as_of"] == int((log["date"] > as_of).sum())
    np.testing.assert_allclose(
        f["net_amount"].sum(), log.loc[log["date"] <= as_of, "amount"].sum(), atol=1e-6
    )


def test_window_as_long_as_the_tenure_covers_every_occasion() -> None:
    """domain.md §1.2: when L >= T_days the window covers all occasions (L = T_days included)."""
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "date": ["2024-01-01", "2024-06-01", "2023-12-31", "2024-06-01"],
            "amount": [10.0, 20.0, 5.0, 7.0],
        }
    )
    base = build_customer_base(tx, as_of="2024-12-31", window_days=365)
    f = base.features
    assert f.loc["a", "T_days"] == 365  # 2024 is a leap year
    assert f.loc["a", "revenue_window"] == 30.0
    assert f.loc["a", "occasions_window"] == 2
    assert f.loc["b", "T_days"] == 366  # tenure longer than the window: first purchase left out
    assert f.loc["b", "revenue_window"] == 7.0
    assert f.loc["b", "occasions_window"] == 1
