"""The profile computes customer states and repeat patronage once (issue p3)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from tests.f1 import AS_OF, f1_attitudes, f1_transactions

from custrel.data import build_customer_base
from custrel.datasets import simulate_transactions
from custrel.errors import DataWarning
from custrel.lifecycle import StateRules
from custrel.loyalty import DickBasu, LoyaltyDimensions, RepeatPatronageRules, SindellRules
from custrel.report.profile import CRMConfig, crm_labels, crm_profile


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF, attributes=f1_attitudes())


def _recomputed(base, config, p_alive=None, trust=False):
    """The loyalty labels of the profile, each classifier re-running its own rules."""
    states_rules = StateRules(
        method="auto",
        p_alive_lost=config.p_alive_lost,
        hiatus_days=config.hiatus_days,
        trust_p_alive_for_single_purchase=trust,
        period=config.period,
    )
    repeat = RepeatPatronageRules(min_population=config.min_population, states=states_rules)
    db = DickBasu(repeat=repeat)
    dims = LoyaltyDimensions(repeat=repeat).classify(base, p_alive=p_alive)
    return {
        "dick_basu": db.classify(base, p_alive=p_alive),
        "sindell": SindellRules(dick_basu=db).classify(base, p_alive=p_alive),
        "behavioural": dims.behavioural,
        "emotional": dims.emotional,
        "conscious": dims.conscious,
    }


def _assert_same(got, ref):
    for name, lab in ref.items():
        assert got[name].scheme == lab.scheme
        assert dict(got[name].diagnostics) == dict(lab.diagnostics)
        pd.testing.assert_frame_equal(got[name].frame, lab.frame)


def _rp_warnings(records):
    return [
        w
        for w in records
        if issubclass(w.category, DataWarning) and "RepeatPatronageRules" in str(w.message)
    ]


def test_profile_warns_about_the_repeat_patronage_median_split_once(f1_base):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        crm_profile(f1_base)  # default min_population=30 > F1's 10 customers
    rp = _rp_warnings(rec)
    assert len(rp) == 1
    assert "median split over" in str(rp[0].message)


def test_profile_runs_repeat_patronage_once_and_loyalty_reruns_no_states(f1_base, monkeypatch):
    calls = {"state": 0, "repeat": 0}
    state_classify = StateRules.classify
    repeat_classify = RepeatPatronageRules.classify

    def count_state(self, *a, **k):
        calls["state"] += 1
        return state_classify(self, *a, **k)

    def count_repeat(self, *a, **k):
        calls["repeat"] += 1
        return repeat_classify(self, *a, **k)

    monkeypatch.setattr(StateRules, "classify", count_state)
    monkeypatch.setattr(RepeatPatronageRules, "classify", count_repeat)
    crm_labels(f1_base, config=CRMConfig(min_population=1))
    assert calls["repeat"] == 1
    # once in crm_labels, reused by LifecycleRules and the loyalty classifiers
    # (before the reuse: five runs)
    assert calls["state"] == 1


def test_profile_loyalty_labels_equal_the_recomputing_path_on_f1(f1_base):
    config = CRMConfig(min_population=1)
    _assert_same(crm_labels(f1_base, config=config), _recomputed(f1_base, config))


def test_profile_loyalty_labels_equal_the_recomputing_path_on_simulated_base_with_p_alive():
    tx = simulate_transactions(400, seed=7).transactions
    rng = np.random.default_rng(7)
    ids = pd.Index(tx["customer_id"].unique(), name="customer_id")
    survey = pd.DataFrame({"attitude": rng.integers(1, 8, len(ids)).astype(float)}, index=ids)
    base = build_customer_base(tx, as_of=tx["date"].max(), attributes=survey)
    p_alive = pd.Series(rng.random(len(base.features)), index=base.features.index)
    config = CRMConfig()
    got = crm_labels(base, p_alive=p_alive, config=config)
    ref = _recomputed(base, config, p_alive=p_alive)
    _assert_same(got, ref)
    assert set(got["dick_basu"].label.astype(str)) >= {"true", "latent", "spurious", "none"}
    profile = crm_profile(base, p_alive=p_alive, config=config)
    pd.testing.assert_series_equal(
        profile["dick_basu"].astype(str), ref["dick_basu"].label.astype(str).rename("dick_basu")
    )
