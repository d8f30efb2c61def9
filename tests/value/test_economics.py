"""Economics (domain.md §6): profit, cost-benefit ratio, retention scenarios; tests T6.1-T6.6."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.f1 import AS_OF, f1_transactions

from custrel.data import TransactionColumns, build_customer_base
from custrel.errors import ParameterError, SchemaError
from custrel.labels import UNDETERMINED, Labels
from custrel.value import (
    COST_BENEFIT_LABELS,
    RetentionScenario,
    compare_retention,
    cost_benefit,
    cost_benefit_totals,
    customer_profit,
    retention_uplift,
    retention_value,
)

WEEKLY = pd.date_range("2024-01-01", periods=10, freq="7D")


def _base(
    spec: dict[str, list[float]],
    *,
    costs: dict[str, list[float]] | None = None,
    attributes: pd.DataFrame | None = None,
    margin_rate: float | None = None,
):
    rows = []
    for cust, amounts in spec.items():
        for i, a in enumerate(amounts):
            c = None if costs is None else costs[cust][i]
            rows.append((cust, WEEKLY[i], a, c))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "cost"])
    if costs is None:
        tx = tx.drop(columns="cost")
    cols = TransactionColumns(cost=None if costs is None else "cost")
    return build_customer_base(
        tx, as_of="2024-12-31", columns=cols, attributes=attributes, margin_rate=margin_rate
    )


def _acq(**values: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"acquisition_cost": list(values.values())},
        index=pd.Index(list(values), name="customer_id"),
    )


# ----------------------------------------------------------------------------- T6.1 - T6.3


def test_t6_1_profitable_customer_ratio_1_1765() -> None:
    base = _base({"a": [100.0] * 10}, attributes=_acq(a=100.0))
    cb = cost_benefit(base, margin_rate=0.3, cost_per_order=5.0)
    row = cb.frame.loc["a"]
    assert row["revenue"] == pytest.approx(1000.0, abs=1e-9)
    assert row["cost"] == pytest.approx(850.0, abs=1e-9)
    assert round(row["ratio"], 4) == 1.1765
    assert row["label"] == "profitable"
    assert pd.isna(row["reason"])


def test_t6_2_unprofitable_customer_ratio_0_8333() -> None:
    base = _base({"b": [30.0] * 10}, attributes=_acq(b=100.0))
    cb = cost_benefit(base, margin_rate=0.3, cost_per_order=5.0)
    row = cb.frame.loc["b"]
    assert row["cost"] == pytest.approx(360.0, abs=1e-9)
    assert round(row["ratio"], 4) == 0.8333
    assert row["label"] == "unprofitable"


def test_t6_3_no_cost_column_no_margin_rate_is_undetermined_cost_missing() -> None:
    base = _base({"a": [100.0] * 10, "b": [30.0] * 3}, attributes=_acq(a=100.0, b=100.0))
    cb = cost_benefit(base, cost_per_order=5.0)
    assert cb.scheme == "cost_benefit"
    assert (cb.frame["label"] == UNDETERMINED).all()
    assert cb.frame["reason"].astype(str).tolist() == ["cost_missing", "cost_missing"]
    assert cb.diagnostics["cost_missing"] == 2
    assert customer_profit(base).isna().all()


def test_cost_benefit_labels_are_ordered_with_undetermined_last() -> None:
    base = _base({"a": [100.0] * 10}, attributes=_acq(a=100.0))
    cb = cost_benefit(base, margin_rate=0.3)
    assert cb.categories == (*COST_BENEFIT_LABELS, UNDETERMINED)
    assert cb.frame["label"].cat.ordered


# ----------------------------------------------------------------------------- cost sources


def test_cost_column_is_used_as_cogs_when_no_margin_rate() -> None:
    base = _base({"a": [100.0, 50.0], "b": [40.0]}, costs={"a": [60.0, 30.0], "b": [50.0]})
    cb = cost_benefit(base, include=())
    assert cb.frame["cost"].tolist() == [90.0, 50.0]
    assert cb.frame["label"].astype(str).tolist() == ["profitable", "unprofitable"]
    profit = customer_profit(base)
    assert profit.name == "profit"
    assert profit.to_dict() == {"a": 60.0, "b": -10.0}


def test_explicit_margin_rate_wins_over_cost_column_and_base_margin_rate() -> None:
    base = _base({"a": [100.0]}, costs={"a": [90.0]}, margin_rate=0.5)
    assert customer_profit(base)["a"] == pytest.approx(10.0)
    assert customer_profit(base, margin_rate=0.25)["a"] == pytest.approx(25.0)
    no_cost = _base({"a": [100.0]}, margin_rate=0.5)
    assert customer_profit(no_cost)["a"] == pytest.approx(50.0)


def test_break_even_band_and_tolerance() -> None:
    base = _base({"a": [100.0]}, costs={"a": [100.0]})
    cb = cost_benefit(base)
    assert cb.frame.loc["a", "label"] == "break_even"
    base2 = _base({"a": [100.0]}, costs={"a": [99.0]})
    assert cost_benefit(base2).frame.loc["a", "label"] == "profitable"
    assert cost_benefit(base2, tol=0.05).frame.loc["a", "label"] == "break_even"


def test_returns_reduce_revenue_and_cost_per_return_counts_negative_rows() -> None:
    base = _base({"a": [100.0, -20.0, 50.0]})
    profit = customer_profit(base, margin_rate=0.5, cost_per_order=1.0, cost_per_return=3.0)
    # revenue 130, COGS 65, 2 occasions x 1, 1 return x 3
    assert profit["a"] == pytest.approx(130.0 - 65.0 - 2.0 - 3.0)


def test_return_only_customer_has_non_positive_cost_and_is_undetermined() -> None:
    base = _base({"a": [100.0], "r": [-50.0]})
    cb = cost_benefit(base, margin_rate=0.3)
    assert cb.frame.loc["r", "label"] == UNDETERMINED
    assert cb.frame.loc["r", "reason"] == "cost_missing"
    assert cb.diagnostics["cost_not_positive"] == 1
    assert cb.frame.loc["a", "label"] == "profitable"


def test_attribute_costs_service_cost_and_missing_customer_rows() -> None:
    att = pd.DataFrame(
        {"acquisition_cost": [10.0, np.nan], "service_cost": [5.0, 1.0]},
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    base = _base({"a": [100.0], "b": [100.0], "c": [100.0]}, attributes=att)
    profit = customer_profit(base, margin_rate=0.5)
    assert profit["a"] == pytest.approx(35.0)
    # a NaN (b) or absent (c) value of an included cost column is an unknown cost
    assert np.isnan(profit["b"])
    assert np.isnan(profit["c"])
    only_service = customer_profit(base, margin_rate=0.5, include=("service_cost",))
    assert only_service["b"] == pytest.approx(49.0)
    assert customer_profit(base, margin_rate=0.5, include=())["c"] == pytest.approx(50.0)
    cb = cost_benefit(base, margin_rate=0.5)
    assert cb.frame["label"].astype(str).tolist() == ["profitable", UNDETERMINED, UNDETERMINED]


def test_window_days_restricts_revenue_and_costs_to_trailing_window() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a"],
            "date": ["2023-01-10", "2024-06-01", "2024-12-31"],
            "amount": [1000.0, 100.0, 100.0],
        }
    )
    base = build_customer_base(tx, as_of="2024-12-31")
    all_time = customer_profit(base, margin_rate=0.5, cost_per_order=1.0)
    recent = customer_profit(base, margin_rate=0.5, cost_per_order=1.0, window_days=365)
    assert all_time["a"] == pytest.approx(600.0 - 3.0)
    assert recent["a"] == pytest.approx(100.0 - 2.0)


def test_f1_profit_every_customer_present_once() -> None:
    base = build_customer_base(f1_transactions(), as_of=AS_OF)
    cb = cost_benefit(base, margin_rate=0.4, cost_per_order=2.0)
    assert list(cb.frame.index) == list(base.features.index)
    assert int(cb.counts().sum()) == len(base.features)
    # C08 only returned goods: negative COGS, undetermined rather than a spurious ratio
    assert cb.frame.loc["C08", "label"] == UNDETERMINED
    # C01: 36 x 50 revenue, 36 orders
    assert cb.frame.loc["C01", "cost"] == pytest.approx(1800 * 0.6 + 72.0)
    assert cb.frame.loc["C01", "label"] == "profitable"


def test_worked_table_ratio_is_1_036_not_the_printed_1_18() -> None:
    """The CRM source's table: revenue 6,987,106 vs cost 6,741,373 (published.md)."""
    base = _base({"x": [6_987_106.0]}, costs={"x": [6_741_373.0]})
    cb = cost_benefit(base, include=())
    totals = cost_benefit_totals(cb)
    assert round(totals["ratio"], 3) == 1.036
    assert totals["ratio"] == pytest.approx(6_987_106 / 6_741_373, rel=1e-12)
    assert abs(totals["ratio"] - 1.18) > 0.1


def test_whole_base_ratio_sums_determined_customers_and_counts_the_rest() -> None:
    base = _base(
        {"a": [100.0] * 10, "b": [30.0] * 10, "r": [-5.0]}, attributes=_acq(a=100.0, b=100.0, r=0.0)
    )
    cb = cost_benefit(base, margin_rate=0.3, cost_per_order=5.0)
    totals = cost_benefit_totals(cb)
    assert totals["revenue"] == pytest.approx(1300.0)
    assert totals["cost"] == pytest.approx(1210.0)
    assert totals["ratio"] == pytest.approx(1300.0 / 1210.0)
    assert totals["customers"] == 2
    assert totals["undetermined"] == 1


def test_cost_benefit_totals_rejects_other_schemes() -> None:
    lab = Labels.build(
        scheme="tier",
        as_of=None,
        config=None,
        index=pd.Index(["a"], name="customer_id"),
        labels=["gold"],
        categories=("gold",),
    )
    with pytest.raises(ParameterError, match="cost_benefit"):
        cost_benefit_totals(lab)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"margin_rate": 1.5}, r"margin_rate must be a float in \[0, 1\]; got 1.5"),
        ({"cost_per_order": -1.0}, r"cost_per_order must be a finite float >= 0; got -1.0"),
        ({"cost_per_return": math.nan}, "cost_per_return must be a finite float"),
        ({"window_days": 0}, "window_days must be a finite float > 0"),
        ({"include": "service_cost"}, "include must be a tuple of attribute column names"),
    ],
)
def test_cost_benefit_rejects_invalid_settings(kwargs: dict[str, object], match: str) -> None:
    base = _base({"a": [100.0]})
    with pytest.raises(ParameterError, match=match):
        cost_benefit(base, **kwargs)  # type: ignore[arg-type]


def test_cost_benefit_needs_a_customer_base() -> None:
    with pytest.raises(SchemaError, match="CustomerBase"):
        cost_benefit(pd.DataFrame({"amount": [1.0]}))  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(
    amounts=st.lists(st.floats(1.0, 1000.0), min_size=1, max_size=6),
    margin=st.floats(0.0, 0.9),
    per_order=st.floats(0.0, 20.0),
)
def test_profit_equals_revenue_minus_cost_and_label_matches_ratio(
    amounts: list[float], margin: float, per_order: float
) -> None:
    base = _base({"a": amounts})
    cb = cost_benefit(base, margin_rate=margin, cost_per_order=per_order)
    profit = customer_profit(base, margin_rate=margin, cost_per_order=per_order)
    row = cb.frame.loc["a"]
    assert profit["a"] == pytest.approx(row["revenue"] - row["cost"], abs=1e-9)
    assert row["revenue"] == pytest.approx(sum(amounts))
    if row["ratio"] > 1 + 1e-9:
        assert row["label"] == "profitable"
    elif row["ratio"] < 1 - 1e-9:
        assert row["label"] == "unprofitable"
    else:
        assert row["label"] == "break_even"


# ----------------------------------------------------------------------------- T6.4 - T6.6


def test_t6_4_retention_strategy_versus_base_three_years_ten_percent() -> None:
    base = RetentionScenario(margin=100.0, retention=0.6)
    strategy = RetentionScenario(margin=100.0, retention=0.8, cost=10.0)
    vb = retention_value(base, horizon=3, discount_rate=0.10, timing="end")
    vs = retention_value(strategy, horizon=3, discount_rate=0.10, timing="end")
    assert vb["pv"].round(4).tolist() == [90.9091, 49.5868, 27.0473]
    assert vs["pv"].round(4).tolist() == [81.8182, 59.5041, 43.2757]
    cmp = compare_retention(base, strategy, horizon=3, discount_rate=0.10, timing="end")
    assert round(cmp.base_value, 4) == 167.5432
    assert round(cmp.strategy_value, 4) == 184.5980
    assert round(cmp.uplift, 4) == 17.0548
    assert round(100 * cmp.relative_uplift, 2) == 10.18
    assert cmp.periods["uplift_pv"].sum() == pytest.approx(cmp.uplift)


@pytest.mark.parametrize(("r", "expected"), [(0.60, 14.29), (0.80, 33.33), (0.90, 100.0)])
def test_t6_5_retention_uplift_infinite_horizon_no_discount(r: float, expected: float) -> None:
    assert (
        round(100 * retention_uplift(r, delta=0.05, horizon=None, discount_rate=0.0), 2) == expected
    )


def test_t6_6_three_year_horizon_dominates_the_answer() -> None:
    up = retention_uplift(0.80, delta=0.05, horizon=3, discount_rate=0.0)
    assert up == pytest.approx(2.5725 / 2.44 - 1, rel=1e-12)
    assert round(100 * up, 2) == 5.43
    # the same retention change over an infinite horizon is worth six times more
    assert retention_uplift(0.80, delta=0.05) > 6 * up


def test_retention_value_columns_growth_and_start_timing() -> None:
    s = RetentionScenario(margin=100.0, retention=0.5, cost=20.0, margin_growth=0.1)
    v = retention_value(s, horizon=2, discount_rate=0.1, timing="start")
    assert list(v.columns) == ["survival", "margin", "net", "discount", "pv", "cumulative_pv"]
    assert v.index.name == "t"
    assert v["margin"].tolist() == pytest.approx([100.0, 110.0])
    assert v["net"].tolist() == pytest.approx([80.0, 0.5 * 90.0])
    assert v["pv"].tolist() == pytest.approx([80.0, 45.0 / 1.1])
    assert v["cumulative_pv"].iloc[-1] == pytest.approx(80.0 + 45.0 / 1.1)


@settings(max_examples=50, deadline=None)
@given(r=st.floats(0.05, 0.9), d=st.floats(0.0, 0.3), delta=st.floats(0.01, 0.09))
def test_infinite_uplift_is_the_limit_of_long_finite_horizons(
    r: float, d: float, delta: float
) -> None:
    inf = retention_uplift(r, delta=delta, discount_rate=d)
    long = retention_uplift(r, delta=delta, horizon=2000, discount_rate=d)
    assert long == pytest.approx(inf, rel=1e-6)
    closed = (1 + d - r) / (1 + d - r - delta) - 1
    assert inf == pytest.approx(closed, rel=1e-12)


def test_infinite_retention_value_matches_margin_multiple() -> None:
    """Gupta & Lehmann (2003): V = m / (1 + d - r) for end-of-period flows."""
    s = RetentionScenario(margin=100.0, retention=0.8)
    v = retention_value(s, horizon=3000, discount_rate=0.12)
    assert v["pv"].sum() == pytest.approx(100.0 / (1.12 - 0.8), rel=1e-10)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"margin": 1.0, "retention": 0.0}, r"retention must be a float in \(0, 1\); got 0.0"),
        ({"margin": 1.0, "retention": 1.0}, r"retention must be a float in \(0, 1\)"),
        ({"margin": math.inf, "retention": 0.5}, "RetentionScenario.margin must be a finite float"),
        ({"margin": 1.0, "retention": 0.5, "cost": math.nan}, "RetentionScenario.cost"),
        (
            {"margin": 1.0, "retention": 0.5, "margin_growth": -1.0},
            "margin_growth must be a finite float > -1",
        ),
        ({"margin": 1.0, "retention": True}, "retention must be a float"),
    ],
)
def test_retention_scenario_validators(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        RetentionScenario(**kwargs)


def test_retention_functions_reject_invalid_settings() -> None:
    s = RetentionScenario(margin=1.0, retention=0.5)
    with pytest.raises(ParameterError, match="horizon must be an integer >= 1"):
        retention_value(s, horizon=0)
    with pytest.raises(ParameterError, match="horizon must be an integer >= 1"):
        retention_value(s, horizon=2.5)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="discount_rate must be a finite float > -1"):
        retention_value(s, discount_rate=-1.0)
    with pytest.raises(ParameterError, match="timing must be 'end' or 'start'"):
        retention_value(s, timing="middle")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match=r"retention \+ delta must lie in \(0, 1\)"):
        retention_uplift(0.97, delta=0.05)
    with pytest.raises(ParameterError, match=r"retention must be a float in \(0, 1\)"):
        retention_uplift(1.2)
    with pytest.raises(ParameterError, match="RetentionScenario"):
        retention_value(0.5)  # type: ignore[arg-type]
