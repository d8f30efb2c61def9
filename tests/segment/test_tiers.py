"""Value tiers, customer pyramid, value score and value matrix: domain.md §5 T5.1-T5.8 and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import build_customer_base
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.labels import UNDETERMINED
from custrel.segment import (
    CustomerPyramid,
    TierStrategy,
    ValueStrategy,
    ValueTiers,
    value_matrix,
    value_score,
)
from tests.f1 import AS_OF, f1_transactions


def _v(values: list[float], prefix: str = "V") -> pd.Series:
    idx = pd.Index([f"{prefix}{i:02d}" for i in range(1, len(values) + 1)], name="customer_id")
    return pd.Series(values, index=idx, dtype="float64")


def _members(lab, name: str) -> set[str]:
    return set(lab.frame.index[lab.frame["label"] == name])


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def test_t5_1_top_share_tiers_domain_spec() -> None:
    lab = ValueTiers().assign(_v(list(range(1, 21))))
    assert _members(lab, "diamond") == {"V20"}
    assert _members(lab, "gold") == {"V19", "V18", "V17"}
    assert len(_members(lab, "silver")) == 16
    assert lab.counts()[UNDETERMINED] == 0


def test_t5_2_ties_at_top_promoted_together_domain_spec() -> None:
    v = _v(list(range(1, 21)))
    v["V19"] = 20.0
    lab = ValueTiers().assign(v)
    assert _members(lab, "diamond") == {"V20", "V19"}
    assert _members(lab, "gold") == {"V18", "V17"}
    assert lab.frame.loc["V16", "label"] == "silver"


def test_t5_3_nan_value_is_undetermined_domain_spec() -> None:
    v = _v(list(range(1, 21)))
    v["V05"] = np.nan
    lab = ValueTiers().assign(v)
    assert lab.frame.loc["V05", "label"] == UNDETERMINED
    assert lab.frame.loc["V05", "reason"] == "value_missing"
    assert lab.counts().to_dict() == {"diamond": 1, "gold": 3, "silver": 15, "undetermined": 1}


def test_t5_4_f1_revenue_window_tiers_domain_spec(f1_base) -> None:
    lab = ValueTiers().segment(f1_base)
    fr = lab.frame
    assert _members(lab, "diamond") == {"C10"}
    assert _members(lab, "gold") == {"C01"}
    assert fr.loc["C01", "share_above"] == pytest.approx(1 / 7)
    assert _members(lab, "silver") == {"C07", "C04", "C03", "C11", "C02"}
    und = lab.undetermined()
    assert set(und.index) == {"C05", "C06", "C08"}
    assert set(und["reason"]) == {"not_active_in_window"}
    assert "C09" not in fr.index
    assert lab.as_of == AS_OF


def test_t5_5_silver_action_from_potential_domain_spec(f1_base) -> None:
    pot = pd.Series(
        {
            "C10": 900.0,
            "C07": 700.0,
            "C03": 650.0,
            "C01": 500.0,
            "C02": 100.0,
            "C04": 50.0,
            "C11": np.nan,
        }
    )
    fr = ValueTiers().segment(f1_base, potential=pot).frame
    assert fr.loc["C07", "silver_action"] == "upgrade"
    assert fr.loc["C07", "potential_tier"] == "gold"
    for c in ("C03", "C04", "C02"):
        assert fr.loc[c, "silver_action"] == "abandon"
    assert fr.loc["C11", "silver_action"] == "upgrade_or_abandon"
    assert fr.loc["C11", "silver_action_reason"] == "potential_missing"
    # non-silver customers get no silver action
    assert pd.isna(fr.loc["C10", "silver_action"])
    assert pd.isna(fr.loc["C05", "silver_action"])


def test_t5_6_customer_pyramid_domain_spec() -> None:
    profit = _v(list(range(1, 20)), prefix="P")
    profit = pd.concat([profit, pd.Series({"X4": 0.0, "X1": -5.0, "X2": -0.01, "X3": np.nan})])
    lab = CustomerPyramid().assign(profit)
    fr = lab.frame
    assert _members(lab, "lead") == {"X1", "X2"}
    assert fr.loc["X3", "label"] == UNDETERMINED
    assert fr.loc["X3", "reason"] == "cost_missing"
    assert _members(lab, "platinum") == {"P19"}
    assert _members(lab, "gold") == {"P18", "P17", "P16"}
    assert fr.loc["P16", "share_above"] == pytest.approx(0.15)
    assert fr.loc["P15", "share_above"] == pytest.approx(0.20)
    assert _members(lab, "iron") == {f"P{i:02d}" for i in range(1, 16)} | {"X4"}
    assert fr.loc["X4", "label"] == "iron"  # profit exactly 0 is iron, not lead
    assert fr.loc["X1", "objective"] == "make_profitable_or_disengage"


def test_t5_7_absolute_thresholds_domain_spec(f1_base) -> None:
    lab = ValueTiers(thresholds=(1000.0, 300.0)).segment(f1_base)
    assert _members(lab, "diamond") == set()
    assert lab.counts()["diamond"] == 0
    assert _members(lab, "gold") == {"C10", "C01", "C07"}
    assert _members(lab, "silver") == {"C04", "C03", "C11", "C02"}


def test_t5_8_objective_column_domain_spec(f1_base) -> None:
    fr = ValueTiers().segment(f1_base).frame
    assert fr.loc["C10", "objective"] == "retain"
    assert fr.loc["C01", "objective"] == "develop"
    assert fr.loc["C02", "objective"] == "upgrade_or_abandon"
    assert "loyalty building" in fr.loc["C10", "actions"]
    assert pd.isna(fr.loc["C05", "objective"])


def test_abc_preset_sizes() -> None:
    lab = ValueTiers.abc().assign(_v(list(range(1, 21))))
    assert lab.counts().to_dict() == {"A": 4, "B": 6, "C": 10, "undetermined": 0}
    assert lab.frame.loc["V20", "objective"] == "retain"


def test_value_share_basis() -> None:
    # totals 100: 50 | 30 | 10 | 10; shares above: 0, .5, .8, .8
    v = _v([50.0, 30.0, 10.0, 10.0])
    lab = ValueTiers(cutoffs=(0.5, 0.8), basis="value_share").assign(v)
    assert lab.label.astype(str).tolist() == ["diamond", "gold", "silver", "silver"]
    with pytest.raises(DataValidationError, match="positive total"):
        ValueTiers(basis="value_share").assign(_v([-1.0, 0.0]))


def test_custom_strategy_table_and_protocol() -> None:
    mine = {"diamond": TierStrategy(objective="keep", actions=("call",))}
    fr = ValueTiers(strategies=mine).assign(_v([1.0, 2.0, 30.0])).frame
    assert fr["objective"].isna().tolist() == [True, True, False]
    assert fr.loc["V03", "objective"] == "keep"
    assert isinstance(ValueTiers(), ValueStrategy)
    assert isinstance(CustomerPyramid(), ValueStrategy)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cutoffs": (0.2, 0.1)}, "strictly increasing"),
        ({"cutoffs": (0.0, 0.1)}, "strictly increasing"),
        ({"cutoffs": (0.1,)}, "len\\(labels\\) - 1 cutoffs"),
        ({"labels": ("a", "a", "b")}, "distinct"),
        ({"thresholds": (1.0, 5.0)}, "strictly decreasing"),
        ({"basis": "revenue"}, "basis"),
        ({"window_days": -3.0}, "window_days must be a finite float > 0"),
    ],
)
def test_value_tiers_parameter_errors(kwargs, match) -> None:
    with pytest.raises(ParameterError, match=match):
        ValueTiers(**kwargs)


def test_value_tiers_data_errors_report_counts_and_examples() -> None:
    v = _v([1.0, np.inf, 3.0])
    with pytest.raises(
        DataValidationError, match=r"1 of 3 values are infinite \(e.g. customer_id 'V02'\)"
    ):
        ValueTiers().assign(v)
    dup = pd.Series([1.0, 2.0], index=pd.Index(["a", "a"], name="customer_id"))
    with pytest.raises(DataValidationError, match="duplicated"):
        ValueTiers().assign(dup)
    with pytest.raises(DataValidationError, match="no entry for 1 of 3"):
        ValueTiers().assign(_v([1.0, 2.0, 3.0]), active=pd.Series({"V01": True, "V02": True}))
    with pytest.raises(ParameterError, match="pandas Series"):
        ValueTiers().assign([1.0, 2.0])  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="nope"):
        ValueTiers(metric="nope").segment(build_customer_base(f1_transactions(), as_of=AS_OF))


def test_value_tiers_window_days_recomputes_activity(f1_base) -> None:
    lab = ValueTiers(window_days=30.0).segment(f1_base)
    # window = (2024-12-01, 2024-12-31]: C10 (12-05), C03 (12-10), C01 (12-15); C02's 12-01 is out
    assert set(lab.determined().index) == {"C01", "C03", "C10"}
    assert lab.frame.loc["C02", "reason"] == "not_active_in_window"
    assert lab.frame.loc["C10", "value"] == 70.0


def test_pyramid_parameter_error() -> None:
    with pytest.raises(ParameterError, match="len\\(cutoffs\\) \\+ 2 labels"):
        CustomerPyramid(labels=("a", "b", "c"))


def test_value_score_composite_of_midrank_percentiles(f1_base) -> None:
    clv = pd.Series({"C10": 10.0, "C01": 30.0, "C02": 20.0})
    s = value_score(f1_base, metrics=("revenue_window", "clv"), extra={"clv": clv}, weights=(1, 3))
    n = len(f1_base.features)
    # C01: revenue 600 is rank 9 of 10 (C08 -50 lowest); clv 30 is rank 3 of 3
    assert s["C01"] == pytest.approx((1 * 9 / n + 3 * 1.0) / 4)
    # C05 has no clv: score is its revenue percentile alone (tied 0.0 with C06: ranks 2,3 -> 2.5)
    assert s["C05"] == pytest.approx(2.5 / n)
    default = value_score(f1_base)  # margin and assets unavailable -> revenue only
    assert default["C10"] == pytest.approx(1.0)
    with pytest.raises(SchemaError, match="margin_window"):
        value_score(f1_base, metrics=("margin_window",))
    with pytest.raises(ParameterError, match="weights"):
        value_score(f1_base, metrics=("revenue_window",), weights=(0.0,))


def test_value_matrix_quadrants_and_missing() -> None:
    idx = pd.Index(list("abcdef"), name="customer_id")
    cur = pd.Series([10.0, 9.0, 1.0, 2.0, np.nan, 5.0], index=idx)
    pot = pd.Series([5.0, 1.0, 8.0, 0.5, 3.0, np.nan], index=idx)
    with pytest.warns(DataWarning, match="min_population"):
        lab = value_matrix(cur, pot)
    assert lab.label.astype(str).tolist() == [
        "key_retain",
        "maintain",
        "develop",
        "reduce",
        UNDETERMINED,
        UNDETERMINED,
    ]
    assert lab.frame["reason"].astype(str).tolist()[4:] == ["value_missing", "potential_missing"]
    assert lab.frame["current_high"].tolist()[:4] == [True, True, False, False]
    assert pd.isna(lab.frame["current_high"].iloc[4])


values_st = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_subnormal=False),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(values_st, st.sampled_from(["log", "scale", "cube"]))
def test_tiers_invariant_under_strictly_increasing_transform(vals, kind) -> None:
    v = _v(vals)
    x = v.to_numpy()
    w = {"log": np.log(x - x.min() + 1.0), "scale": x * 3.5 + 7.0, "cube": np.cbrt(x)}[kind]
    w = pd.Series(w, index=v.index)
    # floating point may merge near-ties; the property is about order-preserving maps
    same_order = np.sign(np.subtract.outer(w.to_numpy(), w.to_numpy())) == np.sign(
        np.subtract.outer(x, x)
    )
    if not same_order.all():
        return
    a = ValueTiers().assign(v).label
    b = ValueTiers().assign(w).label
    assert (a == b).all()


@settings(max_examples=60, deadline=None)
@given(values_st)
def test_tiers_monotone_ties_unsplit_and_one_label_each(vals) -> None:
    v = _v(vals)
    lab = ValueTiers(cutoffs=(0.1, 0.3, 0.6), labels=("t1", "t2", "t3", "t4")).assign(v)
    codes = lab.frame["label"].cat.codes.to_numpy()
    x = v.to_numpy()
    assert len(lab) == len(v)
    assert lab.counts().sum() == len(v)
    assert (lab.frame["label"] != UNDETERMINED).all()
    order = np.argsort(x, kind="stable")
    # higher value never means a worse (larger-code) tier
    assert (np.diff(codes[order]) <= 0).all()
    # equal values share a tier
    for val in np.unique(x):
        assert len(set(codes[x == val])) == 1


@settings(max_examples=40, deadline=None)
@given(values_st)
def test_pyramid_every_customer_one_label_and_lead_iff_negative(vals) -> None:
    v = _v(vals)
    lab = CustomerPyramid().assign(v)
    assert lab.counts().sum() == len(v)
    assert ((lab.frame["label"] == "lead").to_numpy() == (v.to_numpy() < 0)).all()


@settings(max_examples=30, deadline=None)
@given(values_st, st.randoms(use_true_random=False))
def test_tiers_row_order_invariant(vals, rnd) -> None:
    v = _v(vals)
    perm = list(v.index)
    rnd.shuffle(perm)
    a = ValueTiers().assign(v).label
    b = ValueTiers().assign(v.loc[perm]).label.reindex(a.index)
    assert (a == b).all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1e6, allow_nan=False), min_size=1, max_size=40))
def test_value_share_tiers_monotone_and_ties_unsplit(vals) -> None:
    v = _v(vals)
    if not v.sum() > 0:
        return
    lab = ValueTiers(cutoffs=(0.5, 0.8), basis="value_share").assign(v)
    codes = lab.frame["label"].cat.codes.to_numpy()
    x = v.to_numpy()
    assert lab.counts().sum() == len(v)
    assert (
        codes[np.argsort(x, kind="stable")][1:] <= codes[np.argsort(x, kind="stable")][:-1]
    ).all()
    for val in np.unique(x):
        assert len(set(codes[x == val])) == 1
