"""RFM scores and rule sets: domain.md §8 T8.1, T8.4; completeness of the shipped rule sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import build_customer_base
from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED
from custrel.segment import (
    RFM_RULE_SETS,
    RFM_SEGMENT_MAP,
    RFMRuleSet,
    RFMScores,
    SegmentationStrategy,
    all_rfm_codes,
    midrank_levels,
)
from tests.f1 import AS_OF, f1_transactions
from tests.strategies import transaction_logs


def test_t8_1_midrank_level_rule_domain_spec() -> None:
    assert midrank_levels(np.array([1.0, 2, 3, 4, 5, 6]), 3).tolist() == [1, 1, 2, 2, 3, 3]
    assert midrank_levels(np.array([5.0, 5, 5, 1]), 3).tolist() == [3, 3, 3, 1]
    assert midrank_levels(pd.Series([np.nan, 1.0]), 5).tolist() == [0, 5]
    with pytest.raises(ParameterError, match="integer >= 1"):
        midrank_levels(np.array([1.0]), 0)


@pytest.mark.parametrize("name", sorted(RFM_RULE_SETS))
def test_every_shipped_rule_set_maps_each_code_to_exactly_one_segment(name) -> None:
    rs = RFM_RULE_SETS[name]
    codes = all_rfm_codes(rs.bins)
    assert len(codes) == rs.bins**3
    assert sorted(rs.mapping) == sorted(codes)  # every code present, each exactly once (dict keys)
    assert set(rs.mapping.values()) <= set(rs.segments)
    assert UNDETERMINED not in rs.segments
    assert rs.source


def test_pymc_marketing_rule_set_has_18_explicit_other_codes() -> None:
    rs = RFM_RULE_SETS["pymc_marketing"]
    assert rs.bins == 4
    assert len(rs.default_codes) == 18
    assert {rs.mapping[c] for c in rs.default_codes} == {"Other"}
    assert rs.mapping["444"] == "Premium Customer"
    assert rs.mapping["111"] == "Inactive Customer"


def test_r_rfm_rule_set_first_match_and_ten_gaps() -> None:
    rs = RFM_RULE_SETS["rfm_r"]
    assert rs.mapping["555"] == "Champions"
    # 444 matches Potential Loyalist (rule 2) and Loyal Customers (rule 3): first wins
    assert rs.mapping["444"] == "Potential Loyalist"
    assert rs.mapping["111"] == "Lost"
    assert rs.default_codes == (
        "215",
        "241",
        "251",
        "252",
        "341",
        "351",
        "441",
        "451",
        "541",
        "551",
    )
    assert {rs.mapping[c] for c in rs.default_codes} == {"Others"}


def test_custrel_rule_set_is_a_partition_of_the_rf_grid() -> None:
    rs = RFM_RULE_SETS["custrel"]
    assert rs.default_codes == ()
    assert RFM_SEGMENT_MAP["555"] == "champions"
    assert RFM_SEGMENT_MAP["511"] == "new_customers"
    assert RFM_SEGMENT_MAP["115"] == "lost"
    # M never changes the segment
    for r in range(1, 6):
        for f in range(1, 6):
            assert len({RFM_SEGMENT_MAP[f"{r}{f}{m}"] for m in range(1, 6)}) == 1


def test_user_rule_set_with_overlap_or_gap_lists_the_codes() -> None:
    with pytest.raises(
        ParameterError,
        match=r"2 code\(s\) map to more than one segment: 221 \(a, b\); 222 \(a, b\)",
    ):
        RFMRuleSet.from_ranges(
            "x", 2, [("a", (2, 2), (2, 2), (1, 2)), ("b", (1, 2), (1, 2), (1, 2))]
        )
    with pytest.raises(ParameterError, match=r"4 code\(s\) map to no segment: 111, 112, 121, 122"):
        RFMRuleSet.from_ranges("x", 2, [("a", (2, 2), (1, 2), (1, 2))])
    ok = RFMRuleSet.from_ranges("x", 2, [("a", (2, 2), (1, 2), (1, 2))], default="rest")
    assert ok.default_codes == ("111", "112", "121", "122")
    first = RFMRuleSet.from_ranges(
        "x", 2, [("a", (2, 2), (2, 2), (1, 2)), ("b", (1, 2), (1, 2), (1, 2))], overlap="first"
    )
    assert first.mapping["222"] == "a"
    assert first.mapping["212"] == "b"
    with pytest.raises(ParameterError, match="invalid code"):
        RFMRuleSet.from_codes("x", 2, {"a": ["333"]})
    with pytest.raises(ParameterError, match="inclusive ranges"):
        RFMRuleSet.from_ranges("x", 2, [("a", (0, 2), (1, 2), (1, 2))])


def test_rfm_scores_rule_set_bins_must_match() -> None:
    with pytest.raises(ParameterError, match="defined for 4 bins"):
        RFMScores(bins=5, rules="pymc_marketing")
    with pytest.raises(ParameterError, match="one of"):
        RFMScores(rules="nonsense")
    with pytest.raises(ParameterError, match="integer >= 2"):
        RFMScores(bins=1)
    assert RFMScores(bins=4, rules="pymc_marketing").rules is RFM_RULE_SETS["pymc_marketing"]


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def test_rfm_on_f1_scores_and_codes(f1_base) -> None:
    lab = RFMScores().segment(f1_base)
    fr = lab.frame
    assert isinstance(RFMScores(), SegmentationStrategy)
    assert fr.loc["C08", "label"] == UNDETERMINED
    assert fr.loc["C08", "reason"] == "no_valid_purchase"
    assert pd.isna(fr.loc["C08", "r_score"])
    # 9 buyers; days_since_last: C01 16, C03 21, C10 26, C02 30, C11 41, C07 91, C04 174, C06 579, C05 667
    r = fr["r_score"].drop("C08").astype(int).to_dict()
    # ranks 1..9 from the oldest; level = ceil(5 * rank / 9)
    assert r == {
        "C01": 5,
        "C03": 5,
        "C10": 4,
        "C02": 4,
        "C11": 3,
        "C07": 3,
        "C04": 2,
        "C06": 2,
        "C05": 1,
    }
    assert (
        fr.loc["C10", "rfm_code"]
        == f"{r['C10']}{fr.loc['C10', 'f_score']}{fr.loc['C10', 'm_score']}"
    )
    assert fr.loc["C10", "m_score"] == 5  # highest revenue_window 840
    # C05 and C06 have no occasion in the window: tied at the bottom of F and M
    assert fr.loc["C05", "f_score"] == fr.loc["C06", "f_score"] == 1
    assert fr.loc["C05", "label"] == "lost"
    assert lab.counts().sum() == len(f1_base.features)


def test_rfm_frequency_basis_all_and_mean_monetary(f1_base) -> None:
    fr = RFMScores(frequency_basis="all", monetary="mean", rules=None).segment(f1_base).frame
    assert fr.loc["C01", "frequency_value"] == 36
    assert fr.loc["C06", "monetary_value"] == 200.0
    assert fr.loc["C06", "m_score"] == 5  # largest mean spend per occasion
    assert fr.loc["C06", "label"] == fr.loc["C06", "rfm_code"]


@settings(max_examples=40, deadline=None)
@given(transaction_logs(max_customers=15, max_rows=80), st.integers(2, 6))
def test_t8_4_more_recent_never_lower_r_and_one_label_each(tx, bins) -> None:
    base = build_customer_base(tx, as_of=tx["date"].max())
    lab = RFMScores(bins=bins, rules=None).segment(base)
    fr = lab.frame
    assert lab.counts().sum() == len(base.features)
    buyers = fr[fr["label"] != UNDETERMINED]
    d = buyers["days_since_last"].to_numpy()
    r = buyers["r_score"].astype(int).to_numpy()
    # a customer with smaller days_since_last never gets a lower R; equal days share an R
    assert (r[:, None] >= r[None, :])[d[:, None] < d[None, :]].all()
    assert (r[:, None] == r[None, :])[d[:, None] == d[None, :]].all()
    assert ((r >= 1) & (r <= bins)).all()


def test_t8_4_days_since_last_0_vs_10_domain_spec() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "date": ["2024-12-31", "2024-12-21", "2024-01-01"],
            "amount": [10.0, 10.0, 10.0],
        }
    )
    fr = RFMScores().segment(build_customer_base(tx, as_of="2024-12-31")).frame
    assert fr.loc["a", "r_score"] >= fr.loc["b", "r_score"]
    assert fr.loc["a", "r_score"] == 5


@settings(max_examples=25, deadline=None)
@given(transaction_logs(max_customers=12, max_rows=60), st.randoms(use_true_random=False))
def test_rfm_row_order_invariant(tx, rnd) -> None:
    as_of = tx["date"].max()
    a = RFMScores().segment(build_customer_base(tx, as_of=as_of)).frame
    rows = list(range(len(tx)))
    rnd.shuffle(rows)
    b = RFMScores().segment(build_customer_base(tx.iloc[rows], as_of=as_of)).frame.loc[a.index]
    assert (a["label"] == b["label"]).all()
    assert a["rfm_code"].astype(str).equals(b["rfm_code"].astype(str))
