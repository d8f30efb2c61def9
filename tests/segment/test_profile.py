"""Behaviour profile (domain.md §8 T8.2, T8.3), k-means clustering and segment profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from custrel.data import TransactionColumns, build_customer_base
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.labels import UNDETERMINED, Labels
from custrel.segment import (
    PROFILE_DIMENSIONS,
    BehaviourProfile,
    CustomerPyramid,
    KMeansSegmentation,
    SegmentationStrategy,
    ValueTiers,
    midrank_levels,
    segment_profiles,
)
from tests.f1 import AS_OF, f1_transactions
from tests.strategies import transaction_logs


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def test_t8_2_behaviour_needs_three_occasions_domain_spec(f1_base) -> None:
    fr = BehaviourProfile().segment(f1_base).frame
    assert pd.isna(fr.loc["C02", "behaviour"])
    assert fr.loc["C02", "behaviour_reason"] == "insufficient_occasions"
    assert "B?" in fr.loc["C02", "label"]
    # levelled: the six active customers with >= 3 occasions, by regularity = -ipt_cv
    elig = ["C01", "C03", "C04", "C07", "C10", "C11"]
    assert fr["behaviour"].notna().sum() == 6
    expected = midrank_levels(-f1_base.features.loc[elig, "ipt_cv"].to_numpy(), 3)
    assert fr.loc[elig, "behaviour"].astype(int).tolist() == expected.tolist()
    # C11 (gaps 31, 30, 934 days) is the least regular
    assert fr.loc["C11", "behaviour"] == 1


def test_t8_3_missing_category_column_domain_spec(f1_base) -> None:
    fr = BehaviourProfile().segment(f1_base).frame
    assert fr["top_category"].isna().all()
    assert (fr["top_category_reason"] == "column_missing").all()
    assert (fr["promo_share_reason"] == "column_missing").all()


def test_profile_with_category_and_margin_columns() -> None:
    tx = f1_transactions()
    tx["category"] = np.where(tx["customer_id"] == "C01", "food", "toys")
    tx["cost"] = tx["amount"] * 0.6
    cols = TransactionColumns(category="category", cost="cost")
    base = build_customer_base(tx, as_of=AS_OF, columns=cols)
    fr = BehaviourProfile().segment(base).frame
    assert fr.loc["C01", "top_category"] == "food"
    assert fr.loc["C01", "top_category_share"] == 1.0
    assert pd.isna(fr.loc["C01", "top_category_reason"])
    assert (fr["contribution_basis"] == "margin_window").all()
    assert fr.loc["C10", "contribution_value"] == pytest.approx(840 * 0.4)


def test_profile_inactive_customers_undetermined_on_every_dimension(f1_base) -> None:
    lab = BehaviourProfile().segment(f1_base)
    fr = lab.frame
    for c, reason in (
        ("C05", "not_active_in_window"),
        ("C06", "not_active_in_window"),
        ("C08", "no_valid_purchase"),
    ):
        assert fr.loc[c, "label"] == UNDETERMINED
        assert fr.loc[c, "reason"] == reason
        for dim in PROFILE_DIMENSIONS:
            assert pd.isna(fr.loc[c, dim])
            assert fr.loc[c, f"{dim}_reason"] == reason
    assert isinstance(BehaviourProfile(), SegmentationStrategy)
    # C10 has the top revenue_window and occasions
    assert fr.loc["C10", "contribution"] == 3


def test_profile_activity_from_p_alive(f1_base) -> None:
    p = pd.Series({"C01": 0.9, "C02": 0.5, "C03": 0.7, "C04": 0.2, "C07": 0.6, "C10": 0.95})
    fr = BehaviourProfile(activity="p_alive").segment(f1_base, p_alive=p).frame
    assert fr.loc["C10", "activity"] == 3
    assert fr.loc["C04", "activity"] == 1
    assert fr.loc["C11", "activity_reason"] == "p_alive_missing"
    with pytest.raises(ParameterError, match="needs a p_alive"):
        BehaviourProfile(activity="p_alive").segment(f1_base)
    with pytest.raises(ParameterError, match="levels must be an integer in"):
        BehaviourProfile(levels=12)


@settings(max_examples=25, deadline=None)
@given(transaction_logs(max_customers=12, max_rows=60))
def test_profile_one_label_each_and_ties_share_levels(tx) -> None:
    base = build_customer_base(tx, as_of=tx["date"].max())
    lab = BehaviourProfile().segment(base)
    fr = lab.frame
    assert len(lab) == len(base.features)
    assert lab.counts().sum() == len(base.features)
    act = fr.dropna(subset=["activity"])
    for _, grp in act.groupby("activity_value"):
        assert grp["activity"].nunique() == 1


def _blobs(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
    pts = np.concatenate([c + rng.normal(0, 0.5, (50, 2)) for c in centers])
    idx = pd.Index([f"c{i}" for i in range(len(pts))], name="customer_id")
    return pd.DataFrame(pts, columns=["x", "y"], index=idx)


def test_kmeans_recovers_separated_clusters_and_chooses_k_by_calinski_harabasz() -> None:
    data = _blobs()
    res = KMeansSegmentation(features=("x", "y"), transform="none", seed=1).fit_frame(data)
    assert res.k == 3
    assert res.selection is not None
    assert res.selection["calinski_harabasz"].idxmax() == 3
    lab = res.labels.label.to_numpy()
    for block in range(3):
        assert len(set(lab[block * 50 : (block + 1) * 50])) == 1
    assert res.profile["customers"].tolist() == [50, 50, 50]
    # numbered by decreasing mean of the last feature (y): (10,10)/(0,10) before (0,0)
    assert res.profile["y"].iloc[-1] == pytest.approx(0.0, abs=0.3)
    assert res.profile["description"].iloc[-1] == "low x, low y"


def test_kmeans_is_seeded_and_row_order_invariant_in_labels() -> None:
    data = _blobs(2)
    km = KMeansSegmentation(features=("x", "y"), transform="none", k=3, seed=5)
    a = km.fit_frame(data).labels.label
    b = km.fit_frame(data).labels.label
    assert a.equals(b)
    c = km.fit_frame(data.iloc[::-1]).labels.label.reindex(a.index)
    assert (a == c).all()


def test_kmeans_undetermined_rows_and_errors(f1_base) -> None:
    res = KMeansSegmentation(k=2, seed=0).fit(f1_base)
    fr = res.labels.frame
    assert fr.loc["C08", "label"] == UNDETERMINED
    assert fr.loc["C08", "reason"] == "no_valid_purchase"
    assert res.labels.counts().sum() == len(f1_base.features)
    assert res.profile["customers"].sum() == 9
    data = _blobs()
    data.iloc[0, 0] = np.nan
    lab = KMeansSegmentation(features=("x", "y"), k=3).fit_frame(data).labels
    assert lab.frame.iloc[0]["reason"] == "value_missing"
    data.iloc[1, 0] = np.inf
    with pytest.raises(DataValidationError, match="infinite"):
        KMeansSegmentation(features=("x", "y"), k=3).fit_frame(data)
    with pytest.raises(SchemaError, match="not CustomerBase features"):
        KMeansSegmentation(features=("nope",)).fit(f1_base)
    with pytest.raises(DataValidationError, match="at least 20"):
        KMeansSegmentation(k=20).fit(f1_base)
    with pytest.raises(ParameterError, match="k_range"):
        KMeansSegmentation(k_range=(1, 3))
    with pytest.raises(ParameterError, match="order_by"):
        KMeansSegmentation(order_by="zzz")


def test_behaviour_profile_cluster(f1_base) -> None:
    res = BehaviourProfile().cluster(f1_base, k=2, seed=0)
    assert res.k == 2
    assert set(res.profile.columns) >= set(PROFILE_DIMENSIONS)
    # C02 has no behaviour level, C05/C06/C08 are inactive: undetermined
    und = set(res.labels.undetermined().index)
    assert und == {"C02", "C05", "C06", "C08"}


def test_segment_profiles_on_f1_tiers(f1_base) -> None:
    tiers = ValueTiers().segment(f1_base)
    clv = pd.Series({"C10": 1000.0, "C01": 800.0, "C07": 300.0, "C02": 100.0})
    p = pd.Series({"C10": 0.9, "C01": 0.8, "C07": 0.5, "C02": 0.6, "C05": 0.1})
    prof = segment_profiles(tiers, base=f1_base, clv=clv, p_alive=p)
    assert prof.loc["diamond", "customers"] == 1
    assert prof.loc["silver", "customers"] == 5
    assert prof.loc["undetermined", "customers"] == 3
    total = 840 + 600 + 300 + 200 + 160 + 90 + 80 - 50
    assert prof.loc["diamond", "revenue_share"] == pytest.approx(840 / total)
    assert prof["revenue_share"].sum() == pytest.approx(1.0)
    assert prof.loc["silver", "mean_clv"] == pytest.approx(200.0)
    assert prof.loc["silver", "clv_customers"] == 2
    assert prof.loc["silver", "customer_equity"] == pytest.approx(400.0)
    assert prof.loc["undetermined", "expected_churn"] == pytest.approx(0.9)
    assert prof.loc["silver", "expected_churn"] == pytest.approx(0.5 + 0.4)
    assert prof.loc["diamond", "strategy"].startswith("retain:")
    assert prof["customers"].sum() == len(f1_base.features)


def test_segment_profiles_any_labels_custom_strategies_and_errors() -> None:
    idx = pd.Index(list("abc"), name="customer_id")
    lab = Labels.build(
        scheme="mine",
        as_of=None,
        config=None,
        index=idx,
        labels=["x", "y", "x"],
        categories=("x", "y"),
    )
    prof = segment_profiles(lab, strategies={"x": "call them"})
    assert prof["customers"].tolist() == [2, 1, 0]
    assert prof.loc["x", "strategy"] == "call them"
    assert pd.isna(prof.loc["y", "strategy"])
    with pytest.raises(DataValidationError, match=r"\[0, 1\]"):
        segment_profiles(lab, p_alive=pd.Series([1.5, 0.2, 0.1], index=idx))
    with pytest.warns(DataWarning, match="revenue_share is NaN"):
        out = segment_profiles(lab, revenue=pd.Series([0.0, 0.0, 0.0], index=idx))
    assert out["revenue_share"].isna().all()
    pyr = CustomerPyramid().assign(pd.Series([1.0, -1.0, 2.0], index=idx))
    assert segment_profiles(pyr).loc["lead", "strategy"].startswith("make_profitable")
    with pytest.raises(ParameterError, match="needs Labels"):
        segment_profiles(pd.Series([1]))  # type: ignore[arg-type]
