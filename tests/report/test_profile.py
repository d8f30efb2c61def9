"""The CRM profile on fixture F1 (domain.md §11) and its stable layout."""

import numpy as np
import pandas as pd
import pytest
from tests.f1 import AS_OF, f1_attitudes, f1_transactions

from custrel.data import build_customer_base
from custrel.errors import ParameterError
from custrel.labels import Labels
from custrel.report.profile import (
    PROFILE_COLUMNS,
    CRMConfig,
    assemble_profile,
    crm_labels,
    crm_profile,
)

# expected labels of domain.md §11 ("Expected results"), hiatus rule, F1-attitudes, no drivers
EXPECTED = pd.DataFrame(
    {
        "state": ["current", "current", "current", "current", "lost", "lost", "current",
                  "undetermined", "current", "current"],
        "stage": ["stability", "exploration", "formation", "decline", "terminated", "terminated",
                  "stability", "undetermined", "stability", "formation"],
        "dick_basu": ["true", "undetermined", "spurious", "latent", "latent", "undetermined",
                      "true", "undetermined", "true", "none"],
        "sindell": ["premium", "undetermined", "inertia", "latent", "latent", "undetermined",
                    "premium", "undetermined", "premium", "none"],
        "tier": ["gold", "silver", "silver", "silver", "undetermined", "undetermined", "silver",
                 "undetermined", "diamond", "silver"],
    },
    index=pd.Index(["C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C10", "C11"],
                   name="customer_id"),
)  # fmt: skip

CONFIG = CRMConfig(min_population=1)


@pytest.fixture(scope="module")
def base():
    return build_customer_base(f1_transactions(), as_of=AS_OF, attributes=f1_attitudes())


@pytest.fixture(scope="module")
def profile(base):
    return crm_profile(base, config=CONFIG)


def test_profile_has_one_row_per_customer_and_the_documented_columns(profile, base):
    assert list(profile.index) == list(base.features.index)  # C09 (after as_of) absent
    assert "C09" not in profile.index
    assert list(profile.columns[: len(PROFILE_COLUMNS)]) == list(PROFILE_COLUMNS)
    for scheme in ("state", "stage", "tier", "rfm_segment", "dick_basu", "sindell"):
        assert f"{scheme}_reason" in profile.columns


def test_profile_labels_match_domain_fixture_f1(profile):
    got = profile.loc[EXPECTED.index, EXPECTED.columns].astype(str)
    pd.testing.assert_frame_equal(got, EXPECTED)


def test_profile_reasons_and_actions_on_f1(profile):
    assert profile.loc["C08", "state_reason"] == "no_valid_purchase"
    assert profile.loc["C05", "tier_reason"] == "not_active_in_window"
    assert profile.loc["C06", "dick_basu_reason"] == "attitude_missing"
    assert profile.loc["C06", "sindell_candidates"] == "latent|none"
    assert profile.loc["C02", "dick_basu_reason"] == "repeat_patronage_undetermined"
    assert profile.loc["C01", "action"] == "maintain"
    assert profile.loc["C10", "tier_objective"] == "retain"
    assert profile.loc["C04", "customer_type"] == "at_risk"
    assert profile.loc["C01", "rfm_code"].isdigit()


def test_profile_summary_columns_are_btyd_weeks(profile):
    c02 = profile.loc["C02"]
    assert c02["frequency"] == 0
    assert c02["T"] == pytest.approx(30 / 7)
    assert profile.loc["C01", "recency"] == pytest.approx(
        (pd.Timestamp("2024-12-15") - pd.Timestamp("2022-01-15")).days / 7
    )
    assert np.isnan(profile.loc["C08", "frequency"])
    assert profile.loc["C08", "n_occasions"] == 0


def test_scores_without_a_model_are_missing_not_zero(profile):
    assert profile[["p_alive", "expected_purchases", "clv"]].isna().all().all()


def test_p_alive_decides_states_and_clv_feeds_the_silver_action(base):
    # T2.2 of domain.md: C04 (0.32) and C05 (0.03) lost by P(alive), C06 lost by the hiatus fallback
    p = pd.Series({"C01": .96, "C02": 1.0, "C03": .79, "C04": .32, "C05": .03, "C06": 1.0,
                   "C07": .85, "C10": .90, "C11": np.nan}, name="p_alive")  # fmt: skip
    # T5.5: potential decides upgrade (C07) vs abandon among silver customers
    clv = pd.Series({"C10": 900, "C07": 700, "C03": 650, "C01": 500, "C02": 100, "C04": 50,
                     "C11": np.nan}, name="clv", dtype=float)  # fmt: skip
    prof = crm_profile(base, p_alive=p, clv=clv, config=CONFIG)
    assert prof.loc["C04", "state"] == "lost"
    assert prof.loc["C04", "state_basis"] == "p_alive"
    assert prof.loc["C06", "state_basis"] == "hiatus_fallback"
    assert prof.loc["C01", "p_alive"] == 0.96
    assert prof.loc["C07", "silver_action"] == "upgrade"
    assert prof.loc["C03", "silver_action"] == "abandon"
    assert prof.loc["C11", "silver_action"] == "upgrade_or_abandon"
    assert prof.loc["C10", "clv"] == 900


def test_assemble_profile_adds_customers_only_a_scheme_knows(base):
    extra = Labels.build(
        scheme="state", as_of=AS_OF, config=None,
        index=pd.Index(["C01", "P99"], name="customer_id"),
        labels=["current", "potential"], categories=("potential", "current"),
    )  # fmt: skip
    prof = assemble_profile(base, labels={"state": extra})
    assert prof.index[-1] == "P99"
    assert prof.loc["P99", "state"] == "potential"
    assert pd.isna(prof.loc["P99", "frequency"])
    assert len(prof) == len(base.features) + 1


def test_crm_labels_returns_every_scheme(base):
    labels = crm_labels(base, config=CONFIG)
    assert set(labels) == {"state", "stage", "tier", "rfm_segment", "dick_basu", "sindell",
                           "behavioural", "emotional", "conscious"}  # fmt: skip
    for lab in labels.values():
        assert lab.counts().sum() == len(lab)


def test_small_population_warns_with_default_config(base):
    from custrel.errors import DataWarning

    with pytest.warns(DataWarning, match="min_population"):
        crm_labels(base)


def test_config_validation():
    with pytest.raises(ParameterError, match=r"CRMConfig\.horizon must be a finite float > 0"):
        CRMConfig(horizon=-1.0)
    with pytest.raises(ParameterError, match=r"CRMConfig\.discount_rate"):
        CRMConfig(discount_rate=1.5)
    with pytest.raises(ParameterError, match="period"):
        CRMConfig(period="fortnight")
    with pytest.raises(ParameterError, match="cutoffs"):
        CRMConfig(tier_cutoffs=(0.5, 0.2))
    with pytest.raises(ParameterError, match="bins"):
        CRMConfig(rfm_bins=1)
    with pytest.raises(ParameterError, match=r"CRMConfig\.min_population must be an int >= 1"):
        CRMConfig(min_population=0)
    assert CRMConfig(
        period="D", horizon=12, horizon_period="M"
    ).horizon_in_periods == pytest.approx(365.25)


def test_previous_tiers_decide_win_back_for_lost_customers(base):
    # C05 and C06 are lost and have no tier at 2024-12-31; their earlier tier decides
    prev = Labels.build(
        scheme="value_tier", as_of=pd.Timestamp("2023-12-31"), config=None,
        index=pd.Index(["C05", "C06"], name="customer_id"), labels=["silver", "gold"],
        categories=("diamond", "gold", "silver"),
    )  # fmt: skip
    labels = crm_labels(base, previous_tiers=prev, config=CONFIG)
    action = labels["state"].frame["action"]
    assert action["C06"] == "win_back"
    assert action["C05"] == "release"
    assert action["C01"] == "maintain"
    without = crm_labels(base, config=CONFIG)["state"].frame["action"]
    assert without["C06"] == "review"
