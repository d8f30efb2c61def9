"""DickBasu (domain.md §7.2, §11), LoyaltyDimensions (§7.1) and LoyaltyProfitability (§7.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.loyalty import (
    AttitudeRules,
    DickBasu,
    LoyaltyDimensions,
    LoyaltyProfitability,
    RepeatPatronageRules,
)

U = "undetermined"
RP1 = RepeatPatronageRules(min_population=1)


def _col(frame: pd.DataFrame, col: str) -> dict[str, object]:
    return {str(k): (None if pd.isna(v) else v) for k, v in frame[col].astype(object).items()}


def test_dick_basu_f1_matches_domain_7_2_and_11(f1_base):
    with pytest.warns(DataWarning):
        db = DickBasu().classify(f1_base)
    f = db.frame
    assert _col(f, "label") == {
        "C01": "true",
        "C02": U,
        "C03": "spurious",
        "C04": "latent",
        "C05": "latent",
        "C06": U,
        "C07": "true",
        "C08": U,
        "C10": "true",
        "C11": "none",
    }
    assert _col(f, "reason") == {
        "C01": None,
        "C02": "repeat_patronage_undetermined",
        "C03": None,
        "C04": None,
        "C05": None,
        "C06": "attitude_missing",
        "C07": None,
        "C08": "no_valid_purchase",
        "C10": None,
        "C11": None,
    }
    assert _col(f, "candidates")["C06"] == "latent|none"
    assert _col(f, "candidates")["C02"] == "true|latent"
    assert _col(f, "rp_reason")["C02"] == "short_history"
    assert _col(f, "basis")["C07"] == "share_of_wallet"
    assert _col(f, "ra_basis")["C10"] == "recommend"
    assert f.loc["C03", "rate"] == pytest.approx(0.8514, abs=5e-5)
    assert list(db.categories) == ["true", "latent", "spurious", "none", U]
    assert db.counts().sum() == len(f)


def test_dick_basu_without_survey_is_attitude_missing_with_candidates(f1_base_no_survey):
    f = DickBasu(repeat=RP1).classify(f1_base_no_survey).frame
    assert _col(f, "candidates")["C01"] == "true|spurious"
    assert _col(f, "candidates")["C04"] == "latent|none"
    determined = f["label"] != U
    assert not determined.any()  # P5: never a guess without attitude data


def test_dick_basu_config_validation():
    with pytest.raises(
        ParameterError, match=r"DickBasu.attitude must be an instance of AttitudeRules"
    ):
        DickBasu(attitude="attitude")


def test_loyalty_dimensions_f1_domain_7_1(f1_base):
    res = LoyaltyDimensions(repeat=RP1).classify(f1_base)
    f = res.frame()
    assert f.loc["C01", ["behavioural", "emotional", "conscious"]].tolist() == [
        "high",
        "high",
        "high",
    ]
    assert f.loc["C04", ["behavioural", "emotional", "conscious"]].tolist() == [
        "low",
        "high",
        "low",
    ]
    assert f.loc["C06", ["behavioural", "emotional", "conscious"]].tolist() == ["low", U, U]
    assert f.loc["C06", "emotional_reason"] == "attitude_missing"
    # C10 has recommend 10 and no intent: conscious falls back to recommend, emotional does not
    assert f.loc["C10", "conscious"] == "high"
    assert f.loc["C10", "emotional"] == U
    assert f.loc["C01", "depth"] == 3
    assert f.loc["C04", "depth"] == 1
    assert f.loc["C06", "depth"] == 0
    assert f.loc["C06", "n_determined"] == 1
    assert np.isnan(f.loc["C08", "depth"])  # nothing determined
    assert res.behavioural.scheme == "behavioural"
    assert res.as_of == f1_base.as_of


def test_loyalty_dimensions_strict_depth(f1_base):
    f = LoyaltyDimensions(repeat=RP1, strict=True).classify(f1_base).frame()
    assert f.loc["C01", "depth"] == 3
    assert np.isnan(f.loc["C06", "depth"])


def test_loyalty_dimensions_custom_survey_columns(f1_base):
    dims = LoyaltyDimensions(
        repeat=RP1,
        emotional=AttitudeRules(
            column="attitude", differentiation_column=None, recommend_column=None
        ),
    )
    f = dims.classify(f1_base).frame()
    assert f.loc["C03", "emotional"] == "low"  # attitude 3
    assert f.loc["C05", "emotional"] == "high"  # attitude 5


def test_loyalty_profitability_domain_7_4():
    ids = pd.Index(list("abcd"), name="customer_id")
    with pytest.warns(DataWarning, match="median split over 4"):
        lp = LoyaltyProfitability().classify(
            pd.Series([1.0, 2, 3, 4], index=ids), pd.Series([4.0, 1, 3, 2], index=ids)
        )
    assert _col(lp.frame, "label") == {
        "a": "butterfly",
        "b": "stranger",
        "c": "true_friend",
        "d": "barnacle",
    }
    assert lp.frame["longevity_threshold"].iloc[0] == 2.5
    assert lp.frame["profit_threshold"].iloc[0] == 2.5


def test_loyalty_profitability_missing_values_and_union_index():
    lon = pd.Series([1.0, np.nan, 3.0], index=["a", "b", "c"])
    pro = pd.Series([2.0, 5.0, 1.0, 7.0], index=["a", "b", "c", "z"])
    lp = LoyaltyProfitability(longevity_high=2.0, profit_high=2.0).classify(lon, pro)
    assert list(lp.frame.index) == ["a", "b", "c", "z"]
    assert _col(lp.frame, "label") == {"a": "butterfly", "b": U, "c": "barnacle", "z": U}
    assert _col(lp.frame, "reason")["b"] == "value_missing"
    assert lp.diagnostics["value_missing"] == 2


def test_loyalty_profitability_invalid_inputs():
    with pytest.raises(SchemaError, match="longevity must be a pandas Series"):
        LoyaltyProfitability().classify([1.0], pd.Series([1.0]))
    with pytest.raises(DataValidationError, match="values must be finite"):
        LoyaltyProfitability().classify(pd.Series([np.inf]), pd.Series([1.0]))
    with pytest.raises(DataValidationError, match="customer ids must be unique"):
        LoyaltyProfitability().classify(pd.Series([1.0, 2.0], index=["a", "a"]), pd.Series([1.0]))
    with pytest.raises(ParameterError, match=r"LoyaltyProfitability.min_population"):
        LoyaltyProfitability(min_population=0)


def test_fast_label_builder_matches_labels_build_layout(f1_base):
    """The code-based builder gives the same frame layout (dtypes, categories) as Labels.build."""
    from custrel.labels import Labels

    db = DickBasu(repeat=RP1).classify(f1_base)
    ref = Labels.build(
        scheme="dick_basu",
        as_of=db.as_of,
        config=db.config,
        index=db.frame.index,
        labels=db.frame["label"].astype(object).to_numpy(),
        categories=("true", "latent", "spurious", "none"),
        reasons=db.frame["reason"].astype(object).to_numpy(),
        candidates=db.frame["candidates"].astype(object).to_numpy(),
    )
    for col in ("label", "reason", "candidates"):
        pd.testing.assert_series_equal(db.frame[col], ref.frame[col], check_names=False)


def test_dick_basu_accepts_a_bgnbd_model_for_p_alive(f1_base):
    """domain.md §10.5: a model is applied to base.btyd_summary by the embedded StateRules."""
    from custrel.lifecycle import StateRules
    from custrel.models import BetaGeo

    bg = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL (2005), CDNOW, weeks
    rules = DickBasu(repeat=RepeatPatronageRules(rate_high=0.5, states=StateRules(period="W")))
    via_model = rules.classify(f1_base, p_alive=bg).frame
    p = bg.probability_alive(f1_base.btyd_summary(period="W"))
    via_series = rules.classify(f1_base, p_alive=p).frame
    pd.testing.assert_frame_equal(via_model, via_series)
    assert set(via_model["state"].astype(str)) <= {"current", "lost", "undetermined"}


def test_loyalty_population_includes_prospects_and_contract_holders():
    from custrel.data import build_customer_base
    from custrel.loyalty import SindellRules

    tx = pd.DataFrame(
        {"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-06-01"], "amount": 5.0}
    )
    pros = pd.DataFrame({"is_target": [True]}, index=pd.Index(["p"], name="customer_id"))
    cons = pd.DataFrame({"customer_id": ["k"], "start": ["2023-01-01"], "end": [pd.NaT]})
    survey = pd.DataFrame({"attitude": [6.0, 7.0]}, index=pd.Index(["a", "p"], name="customer_id"))
    base = build_customer_base(
        tx, as_of="2024-12-31", prospects=pros, contracts=cons, attributes=survey
    )
    repeat = RepeatPatronageRules(rate_high=0.1)
    db = DickBasu(repeat=repeat).classify(base).frame
    sindell = SindellRules(dick_basu=DickBasu(repeat=repeat)).classify(base).frame
    dims = LoyaltyDimensions(repeat=repeat).classify(base).frame()
    for frame in (db, sindell, dims):
        assert list(frame.index) == ["a", "k", "p"]
    assert _col(db, "label") == {"a": "true", "k": U, "p": U}
    assert _col(db, "reason")["k"] == "no_valid_purchase"
    assert _col(sindell, "reason")["p"] == "no_valid_purchase"
    assert _col(db, "ra")["p"] == "high"  # the prospect's survey is still read
