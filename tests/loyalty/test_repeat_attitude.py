"""RepeatPatronageRules and AttitudeRules: domain.md §7.2 on F1 (+ F1-attitudes) and unit cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.data import build_customer_base
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.lifecycle import StateRules
from custrel.loyalty import AttitudeRules, RepeatPatronageRules
from tests.f1 import AS_OF_MID

RP1 = RepeatPatronageRules(min_population=1)


def _col(labels, col: str = "label") -> dict[str, object]:
    return {
        str(k): (None if pd.isna(v) else v) for k, v in labels.frame[col].astype(object).items()
    }


# --- repeat patronage: domain.md §7.2 / §11 -------------------------------------------------


def test_repeat_patronage_f1_matches_domain_7_2_table(f1_base):
    with pytest.warns(DataWarning, match="median split over 5 eligible"):
        rp = RepeatPatronageRules().classify(f1_base)
    assert _col(rp) == {
        "C01": "high",
        "C02": "undetermined",
        "C03": "high",
        "C04": "low",
        "C05": "low",
        "C06": "low",
        "C07": "high",
        "C08": "undetermined",
        "C10": "high",
        "C11": "low",
    }
    assert _col(rp, "reason")["C02"] == "short_history"
    assert _col(rp, "reason")["C08"] == "no_valid_purchase"
    assert _col(rp, "basis") == {
        "C01": "rate",
        "C02": None,
        "C03": "rate",
        "C04": "rate",
        "C05": "lost",
        "C06": "lost",
        "C07": "share_of_wallet",
        "C08": None,
        "C10": "rate",
        "C11": "rate",
    }
    rate = rp.frame["rate"]
    np.testing.assert_allclose(
        rate[["C01", "C03", "C04", "C10", "C11"]].to_numpy(),
        [1.0007, 0.8514, 0.1668, 1.0007, 0.0834],
        atol=5e-5,
    )
    # median over C01 C03 C04 C10 C11 (C07 uses share of wallet): 0.8514, inclusive
    assert rp.frame.loc["C03", "threshold"] == pytest.approx(0.8514, abs=5e-5)
    assert rp.frame.loc["C03", "rate"] == rp.frame.loc["C03", "threshold"]
    assert rp.frame.loc["C07", "threshold"] == 0.5
    assert rp.diagnostics["assessed_by_rate"] == 5
    assert rp.diagnostics["assessed_by_share_of_wallet"] == 1


def test_repeat_patronage_labels_same_with_min_population_1(f1_base):
    with pytest.warns(DataWarning):
        warned = RepeatPatronageRules().classify(f1_base)
    quiet = RP1.classify(f1_base)  # filterwarnings=error: no warning here
    pd.testing.assert_series_equal(warned.label, quiet.label)


def test_repeat_patronage_without_share_of_wallet_t7_2b(f1_base_no_survey):
    rp = RP1.classify(f1_base_no_survey)
    assert rp.frame.loc["C01", "threshold"] == pytest.approx(0.5508, abs=5e-5)
    lab = _col(rp)
    assert [c for c in lab if lab[c] == "high"] == ["C01", "C03", "C10"]
    assert [c for c in ("C04", "C07", "C11") if lab[c] == "low"] == ["C04", "C07", "C11"]


def test_repeat_patronage_at_mid_2024_t7_2b(f1_base_no_survey):
    rp = RP1.classify(f1_base_no_survey.at(AS_OF_MID))
    assert rp.frame.loc["C01", "threshold"] == pytest.approx(0.7922, abs=5e-5)
    assert rp.frame.loc["C04", "rate"] == pytest.approx(0.5837, abs=5e-5)
    assert _col(rp)["C04"] == "low"


def test_repeat_patronage_explicit_rate_high_does_not_warn(f1_base):
    rp = RepeatPatronageRules(rate_high=0.9).classify(f1_base)
    lab = _col(rp)
    assert lab["C03"] == "low"  # 0.8514 < 0.9
    assert lab["C01"] == "high"
    assert rp.frame.loc["C01", "threshold"] == 0.9


def test_repeat_patronage_single_purchase_is_never_high():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "b"],
            "date": ["2024-06-01", "2024-06-01", "2024-07-01"],
            "amount": 10.0,
        }
    )
    base = build_customer_base(tx, as_of="2024-12-31")
    rp = RepeatPatronageRules(rate_high=0.0).classify(base)
    assert _col(rp) == {"a": "low", "b": "high"}


def test_repeat_patronage_p_alive_lost_gives_low(f1_base):
    p = pd.Series({"C01": 0.1, "C03": 0.9})
    rp = RepeatPatronageRules(rate_high=0.5).classify(f1_base, p_alive=p)
    assert _col(rp)["C01"] == "low"
    assert _col(rp, "basis")["C01"] == "lost"
    assert _col(rp)["C03"] == "high"


def test_repeat_patronage_state_undetermined_propagates(f1_base):
    strict = StateRules(method="p_alive", single_purchase="undetermined")
    rp = RepeatPatronageRules(rate_high=0.5, states=strict).classify(
        f1_base, p_alive=pd.Series({"C01": 0.9})
    )
    assert _col(rp)["C03"] == "undetermined"
    assert _col(rp, "reason")["C03"] == "state_undetermined"
    assert _col(rp)["C01"] == "high"


def test_repeat_patronage_population_includes_prospects_as_no_valid_purchase():
    tx = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [10.0]})
    pros = pd.DataFrame({"is_target": [True]}, index=pd.Index(["p"], name="customer_id"))
    base = build_customer_base(tx, as_of="2024-12-31", prospects=pros)
    rp = RepeatPatronageRules(rate_high=1.0).classify(base)
    assert list(rp.frame.index) == ["a", "p"]
    assert _col(rp, "reason")["p"] == "no_valid_purchase"


def test_repeat_patronage_share_of_wallet_out_of_range_raises():
    tx = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [10.0]})
    attrs_df = pd.DataFrame({"sow": [1.5]}, index=pd.Index(["a"], name="customer_id"))
    base = build_customer_base(tx, as_of="2024-12-31", attributes=attrs_df)
    with pytest.raises(DataValidationError, match=r"column 'sow': values must lie in \[0, 1\]"):
        RepeatPatronageRules(sow_column="sow").classify(base)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sow_high": 0.0}, "RepeatPatronageRules.sow_high must be a finite float > 0"),
        ({"rate_window_days": -1.0}, "rate_window_days must be a finite float > 0"),
        ({"rate_high": float("nan")}, "rate_high must be a finite float >= 0"),
        ({"min_history_days": 0}, "min_history_days"),
        ({"min_population": 0}, "min_population must be an int >= 1"),
        ({"min_occasions_high": True}, "min_occasions_high must be an int"),
        ({"states": "hiatus"}, "states must be an instance of StateRules"),
    ],
)
def test_repeat_patronage_config_validation(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        RepeatPatronageRules(**kwargs)


# --- attitude: domain.md §7.2 unit table ---------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"attitude": 6.0}, "high"),
        ({"attitude": 6.0, "differentiation": 3.0}, "low"),
        ({"attitude": 4.0}, "low"),
        ({"attitude": np.nan, "recommend": 9.0}, "high"),
        ({"attitude": np.nan, "recommend": 7.0}, "low"),
        ({"attitude": np.nan, "recommend": np.nan}, "undetermined"),
    ],
)
def test_attitude_unit_cases_domain_7_2(row, expected):
    survey = pd.DataFrame([row], index=pd.Index(["x"], name="customer_id"))
    ra = AttitudeRules().classify(survey)
    assert ra.frame.loc["x", "label"] == expected
    if expected == "undetermined":
        assert ra.frame.loc["x", "reason"] == "attitude_missing"
        assert ra.frame.loc["x", "candidates"] == "high|low"


def test_attitude_outside_scale_raises_with_every_problem():
    survey = pd.DataFrame(
        {"attitude": [8.0, 0.0, 5.0], "recommend": [11.0, 5.0, 5.0]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as err:
        AttitudeRules().classify(survey)
    msg = str(err.value)
    assert "2 problem(s)" in msg
    assert "column 'attitude': values must lie in [1, 7]; 2 of 3 customers" in msg
    assert "'a', 'b'" in msg
    assert "column 'recommend': values must lie in [0, 10]; 1 of 3" in msg


def test_attitude_outside_custom_scale_raises_on_base():
    tx = pd.DataFrame({"customer_id": ["a"], "date": ["2024-01-01"], "amount": [10.0]})
    survey = pd.DataFrame({"attitude": [6.0]}, index=pd.Index(["a"], name="customer_id"))
    base = build_customer_base(tx, as_of="2024-12-31", attributes=survey)
    assert AttitudeRules().classify(base).frame.loc["a", "label"] == "high"
    with pytest.raises(DataValidationError, match=r"values must lie in \[1, 5\]"):
        AttitudeRules(scale=(1, 5), high_at=4).classify(base)


def test_attitude_non_numeric_custom_column_raises():
    survey = pd.DataFrame({"att": ["6", "high"]}, index=pd.Index(["a", "b"], name="customer_id"))
    with pytest.raises(DataValidationError, match="column 'att': values must be numeric; 1 of 2"):
        AttitudeRules(column="att").classify(survey)


def test_attitude_f1_relative_attitude(f1_base):
    ra = AttitudeRules().classify(f1_base)
    assert _col(ra) == {
        "C01": "high",
        "C02": "high",
        "C03": "low",
        "C04": "high",
        "C05": "high",
        "C06": "undetermined",
        "C07": "high",
        "C08": "undetermined",
        "C10": "high",
        "C11": "low",
    }
    assert _col(ra, "basis")["C10"] == "recommend"


def test_attitude_without_attributes_is_undetermined_everywhere(f1_base_no_survey):
    ra = AttitudeRules().classify(f1_base_no_survey)
    assert set(ra.frame["label"]) == {"undetermined"}
    assert set(ra.frame["reason"].astype(str)) == {"attitude_missing"}


def test_attitude_duplicate_survey_ids_raise():
    survey = pd.DataFrame({"attitude": [6.0, 5.0]}, index=pd.Index(["a", "a"], name="customer_id"))
    with pytest.raises(SchemaError, match="unique per customer_id"):
        AttitudeRules().classify(survey)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scale": (7, 1)}, "AttitudeRules.scale must be a \\(low, high\\) pair"),
        ({"scale": (1, 7, 9)}, "AttitudeRules.scale"),
        ({"high_at": 9.0}, "AttitudeRules.high_at must be inside scale"),
        ({"differentiation_high_at": 0.0}, "differentiation_high_at must be inside scale"),
        ({"recommend_high_at": 11.0}, "recommend_high_at must be a finite float >= 0 and <= 10"),
        ({"column": ""}, "AttitudeRules.column must be a non-empty column name"),
    ],
)
def test_attitude_config_validation(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        AttitudeRules(**kwargs)


def test_attitude_differentiation_missing_for_one_customer_uses_attitude_alone():
    survey = pd.DataFrame(
        {"attitude": [6.0, 6.0], "differentiation": [np.nan, 6.0]},
        index=pd.Index(["a", "b"], name="customer_id"),
    )
    ra = AttitudeRules().classify(survey)
    assert _col(ra) == {"a": "high", "b": "high"}
    assert _col(ra, "basis") == {"a": "attitude", "b": "attitude+differentiation"}


def test_repeat_patronage_window_equal_to_tenure_covers_the_first_purchase():
    """domain.md §1.2: when L >= T_days the window covers all occasions over exposure T_days."""
    tx = pd.DataFrame(
        {"customer_id": ["a", "a"], "date": ["2024-01-01", "2024-06-01"], "amount": 5.0}
    )
    base = build_customer_base(tx, as_of="2024-12-31")  # T_days = 365 = rate_window_days
    rp = RepeatPatronageRules(rate_high=0.1).classify(base).frame
    assert rp.loc["a", "occasions_window"] == 2
    assert rp.loc["a", "rate"] == pytest.approx(2 / (365 / 30.4375))
    assert rp.loc["a", "label"] == "high"
