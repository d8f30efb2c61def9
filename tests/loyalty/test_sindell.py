"""SindellRules: domain.md §7.3 cases S01-S20, F1 integration (plain and strict), drivers, survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.data import TransactionColumns, build_customer_base
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.loyalty import DickBasu, RepeatPatronageRules, SindellRules

U = "undetermined"
DB1 = DickBasu(repeat=RepeatPatronageRules(min_population=1))

# id: (rp, ra, evidence, expected label, reason, candidates, extra config)
S_CASES = {
    "S01": ("high", "high", {"promo_share": 0.1}, "premium", None, None),
    "S02": ("high", "low", {}, "inertia", None, None),
    "S03": ("high", "low", {"n_alternatives": 0}, "monopoly", None, None),
    "S04": ("high", "high", {"n_alternatives": 0}, "monopoly", None, None),
    "S05": ("high", "low", {"discount_share": 0.7}, "price", None, None),
    "S06": ("high", U, {"incentive_share": 0.6}, "incentive", None, None),
    "S07": ("high", "low", {"distance_km": 1.2}, "convenience", None, None),
    "S08": ("high", "high", {"distance_km": 1.2}, "premium", None, None),
    "S09": ("low", "high", {}, "latent", None, None),
    "S10": ("low", "low", {}, "none", None, None),
    "S11": ("high", U, {}, U, "attitude_missing", "premium|inertia"),
    "S12": (
        "high",
        "low",
        {"promo_share": 0.8},
        U,
        "price_vs_incentive_ambiguous",
        "incentive|price",
    ),
    "S13": (U, "high", {}, U, "repeat_patronage_undetermined", None),
    "S14": ("high", "high", {"stated_reason": "convenience"}, "convenience", None, None),
    "S15": ("low", U, {}, U, "attitude_missing", "latent|none"),
    "S16": ("high", "high", {"discount_share": 0.7}, "price", None, None),
    "S17": ("low", "low", {"discount_share": 0.8}, "price", None, None),
    "S18": ("high", U, {"distance_km": 1.0}, U, "attitude_missing", "premium|convenience"),
    "S19": ("low", "high", {"incentive_share": 0.9}, "latent", None, None),
    "S20": (
        "high",
        "low",
        {"n_alternatives": 3, "distance_km": 5.0, "discount_share": 0.2, "incentive_share": 0.1},
        "inertia",
        None,
        None,
    ),
}


def _evidence(cases: dict[str, tuple]) -> pd.DataFrame:
    rows = [{"rp": c[0], "ra": c[1], **c[2]} for c in cases.values()]
    return pd.DataFrame(rows, index=pd.Index(list(cases), name="customer_id"))


def _get(frame: pd.DataFrame, cid: str, col: str) -> object:
    v = frame.loc[cid, col]
    return None if pd.isna(v) else v


@pytest.mark.parametrize("case", list(S_CASES))
def test_sindell_cases_domain_7_3(case):
    rp, ra, _, label, reason, cands = S_CASES[case]
    # each case alone (its driver columns only), and all cases in one frame below
    out = SindellRules().classify_evidence(_evidence({case: S_CASES[case]}))
    f = out.frame
    assert f.loc[case, "label"] == label
    assert _get(f, case, "reason") == reason
    assert _get(f, case, "candidates") == cands
    assert f.loc[case, "rp"] == rp
    assert f.loc[case, "ra"] == ra


def test_sindell_all_cases_in_one_frame_give_the_same_labels():
    out = SindellRules().classify_evidence(_evidence(S_CASES)).frame
    for case, (_, _, _, label, reason, cands) in S_CASES.items():
        assert out.loc[case, "label"] == label, case
        assert _get(out, case, "reason") == reason, case
        assert _get(out, case, "candidates") == cands, case


def test_sindell_s08_premium_keeps_convenience_as_secondary():
    f = SindellRules().classify_evidence(_evidence({"S08": S_CASES["S08"]})).frame
    assert f.loc["S08", "secondary"] == "convenience"
    assert bool(f.loc["S08", "flag_convenience"])


def test_sindell_s12_promo_means_price_or_incentive():
    ev = _evidence({"S12": S_CASES["S12"]})
    assert (
        SindellRules(promo_means="price").classify_evidence(ev).frame.loc["S12", "label"] == "price"
    )
    out = SindellRules(promo_means="incentive").classify_evidence(ev).frame
    assert out.loc["S12", "label"] == "incentive"


def test_sindell_ambiguous_promo_low_rp_candidates_include_residual():
    ev = pd.DataFrame(
        {"rp": ["low", "low", "low"], "ra": ["high", "low", U], "promo_share": [0.9, 0.9, 0.9]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    f = SindellRules().classify_evidence(ev).frame
    assert list(f["reason"].astype(str)) == ["price_vs_incentive_ambiguous"] * 3
    assert list(f["candidates"]) == ["price|latent", "price|none", "price|latent|none"]


def test_sindell_ambiguous_promo_ignored_when_discount_observed():
    ev = pd.DataFrame(
        {"rp": ["high"], "ra": ["low"], "promo_share": [0.9], "discount_share": [0.1]},
        index=pd.Index(["a"], name="customer_id"),
    )
    f = SindellRules().classify_evidence(ev).frame
    assert f.loc["a", "label"] == "inertia"
    assert not bool(f.loc["a", "flag_promo_ambiguous"])


def test_sindell_s14_survey_source_and_conflicts():
    ev = pd.DataFrame(
        {
            "rp": ["high", "high", "high", "low", U],
            "ra": ["high", "low", "high", "high", "high"],
            "stated_reason": ["Convenience ", "premium", "price", "super-value", "latent"],
            "discount_share": [np.nan, np.nan, 0.1, np.nan, np.nan],
        },
        index=pd.Index(["S14", "p", "q", "r", "s"], name="customer_id"),
    )
    f = SindellRules().classify_evidence(ev).frame
    assert list(f["label"]) == ["convenience", "premium", "price", "premium", "latent"]
    assert set(f["source"]) == {"survey"}
    # stated premium with low attitude; stated price with discount share < 0.2
    assert list(f["behaviour_conflict"]) == [False, True, True, False, False]
    off = SindellRules(use_stated_reason=False).classify_evidence(ev).frame
    assert off.loc["S14", "label"] == "premium"
    assert off.loc["S14", "source"] == "behaviour"


def test_sindell_stated_latent_with_high_rp_conflicts():
    ev = pd.DataFrame(
        {"rp": ["high"], "ra": ["high"], "stated_reason": ["latent"]},
        index=pd.Index(["a"], name="customer_id"),
    )
    assert bool(SindellRules().classify_evidence(ev).frame.loc["a", "behaviour_conflict"])


def test_sindell_invalid_evidence_reports_every_problem():
    ev = pd.DataFrame(
        {
            "rp": ["high", "medium"],
            "ra": ["low", "high"],
            "stated_reason": ["loyalty", None],
            "discount_share": [1.5, 0.1],
        },
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as err:
        SindellRules().classify_evidence(ev)
    msg = str(err.value)
    assert "3 problem(s)" in msg
    assert "column 'rp': values must be 'high', 'low' or 'undetermined'; 1 of 2 customers" in msg
    assert "column 'stated_reason': stated reasons must be one of monopoly" in msg
    assert "column 'discount_share': values must lie in [0, 1]" in msg


def test_sindell_evidence_schema_errors():
    with pytest.raises(SchemaError, match=r"missing column\(s\) \['ra'\]"):
        SindellRules().classify_evidence(pd.DataFrame({"rp": ["high"]}))
    dup = pd.DataFrame({"rp": ["high", "low"], "ra": ["low", "low"]}, index=["a", "a"])
    with pytest.raises(SchemaError, match="unique per customer_id"):
        SindellRules().classify_evidence(dup)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"promo_means": "discount"}, "SindellRules.promo_means must be one of 'ambiguous'"),
        ({"price_min_share": 0.0}, "price_min_share must be a finite float > 0 and <= 1"),
        ({"monopoly_max_alternatives": -1}, "monopoly_max_alternatives must be an int >= 0"),
        ({"monopoly_min_market_share": 2.0}, "monopoly_min_market_share"),
        ({"convenience_max_km": -2.0}, "convenience_max_km must be a finite float >= 0"),
        ({"require_driver_data": 1}, "require_driver_data must be a bool"),
        ({"dick_basu": None}, "dick_basu must be an instance of DickBasu"),
    ],
)
def test_sindell_config_validation(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        SindellRules(**kwargs)


def test_sindell_market_share_monopoly():
    ev = pd.DataFrame(
        {"rp": ["high", "high"], "ra": ["low", "low"], "market_share": [0.8, 0.3]},
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    f = SindellRules(monopoly_min_market_share=0.7).classify_evidence(ev).frame
    assert list(f["label"]) == ["monopoly", "inertia"]
    # without the threshold market share is not used and monopoly stays unobserved
    g = SindellRules().classify_evidence(ev).frame
    assert list(g["label"]) == ["inertia", "inertia"]
    assert g.loc["a", "unobserved_drivers"].startswith("monopoly")


# --- F1 integration (domain.md §7.3 and §11) ---------------------------------------------

F1_SINDELL = {
    "C01": "premium",
    "C02": U,
    "C03": "inertia",
    "C04": "latent",
    "C05": "latent",
    "C06": U,
    "C07": "premium",
    "C08": U,
    "C10": "premium",
    "C11": "none",
}


def test_sindell_f1_integration_no_drivers(f1_base):
    f = SindellRules(dick_basu=DB1).classify(f1_base).frame
    assert f["label"].astype(str).to_dict() == F1_SINDELL
    assert _get(f, "C06", "reason") == "attitude_missing"
    assert _get(f, "C06", "candidates") == "latent|none"
    assert _get(f, "C02", "reason") == "repeat_patronage_undetermined"
    assert _get(f, "C08", "reason") == "no_valid_purchase"
    assert set(f["unobserved_drivers"]) == {"monopoly|incentive|price|convenience"}


def test_sindell_f1_strict_driver_data(f1_base):
    f = SindellRules(dick_basu=DB1, require_driver_data=True).classify(f1_base).frame
    expected = {
        "C01": "premium|monopoly|incentive|price",
        "C07": "premium|monopoly|incentive|price",
        "C10": "premium|monopoly|incentive|price",
        "C03": "inertia|monopoly|incentive|price|convenience",
        "C04": "latent|price",
        "C05": "latent|price",
        "C11": "none|price",
    }
    for cid, cands in expected.items():
        assert f.loc[cid, "label"] == U, cid
        assert _get(f, cid, "reason") == "driver_data_missing", cid
        assert _get(f, cid, "candidates") == cands, cid
    assert _get(f, "C06", "reason") == "attitude_missing"
    assert _get(f, "C02", "reason") == "repeat_patronage_undetermined"


def test_sindell_strict_mode_keeps_labels_when_drivers_observed():
    ev = pd.DataFrame(
        {
            "rp": ["high", "high", "low"],
            "ra": ["high", "low", "high"],
            "n_alternatives": [3, 3, np.nan],
            "discount_share": [0.1, 0.1, 0.1],
            "incentive_share": [0.1, 0.1, np.nan],
            "distance_km": [1.0, np.nan, np.nan],
        },
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    f = SindellRules(require_driver_data=True).classify_evidence(ev).frame
    assert f.loc["a", "label"] == "premium"  # all drivers ahead of premium observed
    assert f.loc["b", "label"] == U  # convenience unobserved could overturn inertia
    assert f.loc["b", "candidates"] == "inertia|convenience"
    assert f.loc["c", "label"] == "latent"  # low RP: only price could overturn, observed


def test_sindell_drivers_from_transaction_columns():
    rows = []
    for m in range(1, 13):
        rows.append(("disc", f"2024-{m:02d}-10", 10.0, 1, 0))
        rows.append(("inc", f"2024-{m:02d}-10", 10.0, 0, 1))
        rows.append(("plain", f"2024-{m:02d}-10", 10.0, 0, 0))
    tx = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "disc", "pts"])
    survey = pd.DataFrame(
        {"attitude": [6.0, 6.0, 6.0], "distance_km": [0.5, 9.0, 0.5], "n_alternatives": [4, 4, 4]},
        index=pd.Index(["disc", "inc", "plain"], name="customer_id"),
    )
    base = build_customer_base(
        tx,
        as_of="2024-12-31",
        columns=TransactionColumns(discount="disc", incentive="pts"),
        attributes=survey,
    )
    rules = SindellRules(
        dick_basu=DickBasu(repeat=RepeatPatronageRules(rate_high=0.5)), require_driver_data=True
    )
    f = rules.classify(base).frame
    assert f["label"].astype(str).to_dict() == {
        "disc": "price",
        "inc": "incentive",
        "plain": "premium",
    }
    assert f.loc["plain", "secondary"] == "convenience"
    assert f["unobserved_drivers"].isna().all()


def test_sindell_strict_mode_candidates_and_secondary_of_a_price_customer():
    ev = pd.DataFrame(
        {"rp": ["high"], "ra": ["high"], "discount_share": [0.9], "distance_km": [1.0]},
        index=pd.Index(["a"], name="customer_id"),
    )
    plain = SindellRules().classify_evidence(ev).frame
    assert plain.loc["a", "label"] == "price"
    assert plain.loc["a", "secondary"] == "convenience"
    strict = SindellRules(require_driver_data=True).classify_evidence(ev).frame
    assert strict.loc["a", "label"] == U
    assert strict.loc["a", "reason"] == "driver_data_missing"
    assert strict.loc["a", "candidates"] == "price|monopoly|incentive"
    assert strict.loc["a", "secondary"] == "convenience"  # the price flag is in the candidates
