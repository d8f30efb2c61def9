"""Precomputed states / repeat patronage reused by the loyalty classifiers (issue p3).

Every test compares the reusing path with the recomputing one: the labels,
reasons, candidates, evidence and diagnostics must be identical.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.data import CustomerBase, build_customer_base
from custrel.datasets import simulate_transactions
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import Labels
from custrel.lifecycle import StateRules, prioritise_actions
from custrel.loyalty import (
    DickBasu,
    LoyaltyDimensions,
    RepeatPatronageRules,
    SindellRules,
)
from tests.f1 import AS_OF, AS_OF_MID, f1_attitudes, f1_transactions

RP = RepeatPatronageRules(min_population=1)
DB = DickBasu(repeat=RP)


def _same(a: Labels, b: Labels) -> None:
    assert a.scheme == b.scheme
    assert a.as_of == b.as_of
    assert a.config == b.config
    assert dict(a.diagnostics) == dict(b.diagnostics)
    pd.testing.assert_frame_equal(a.frame, b.frame)


def _same_dimensions(base: CustomerBase, rules: LoyaltyDimensions, **kw: object) -> None:
    ref = rules.classify(base, p_alive=kw.pop("p_alive", None))
    got = rules.classify(base, **kw)  # type: ignore[arg-type]
    for dim in ("behavioural", "emotional", "conscious"):
        _same(getattr(ref, dim), getattr(got, dim))
    pd.testing.assert_frame_equal(ref.frame(), got.frame())


def _simulated_base(seed: int) -> tuple[CustomerBase, pd.Series]:
    tx = simulate_transactions(300, seed=seed).transactions
    rng = np.random.default_rng(seed)
    ids = pd.Index(tx["customer_id"].unique(), name="customer_id")
    k = len(ids)
    survey = pd.DataFrame(
        {
            "attitude": rng.integers(1, 8, k).astype(float),
            "satisfaction": rng.integers(1, 8, k).astype(float),
            "repurchase_intent": rng.integers(1, 8, k).astype(float),
            "share_of_wallet": np.where(rng.random(k) < 0.2, rng.random(k), np.nan),
            "distance_km": rng.exponential(3.0, k),
        },
        index=ids,
    )
    survey.loc[rng.random(k) < 0.3, "attitude"] = np.nan  # some without survey data
    prospects = pd.DataFrame(
        {"is_target": [True, False, True]},
        index=pd.Index(["P1", "P2", "P3"], name="customer_id"),
    )
    as_of = pd.Timestamp(tx["date"].max()) - pd.Timedelta(days=60)
    base = build_customer_base(tx, as_of=as_of, attributes=survey, prospects=prospects)
    p_alive = pd.Series(rng.random(len(base.features)), index=base.features.index)
    return base, p_alive


@pytest.fixture(scope="module", params=[11, 2024])
def sim(request: pytest.FixtureRequest) -> tuple[CustomerBase, pd.Series]:
    return _simulated_base(request.param)


# --- identical results: fixture F1 (domain.md §11) ---------------------------------


def test_repeat_patronage_with_states_equals_recomputed_on_f1(f1_base):
    states = StateRules().classify(f1_base)
    _same(RP.classify(f1_base), RP.classify(f1_base, states=states))
    # C08 (no occasion) and C05 (lost) are decided through the reused states
    got = RP.classify(f1_base, states=states).frame
    assert got.loc["C05", ["label", "basis"]].astype(str).tolist() == ["low", "lost"]
    assert got.loc["C08", "reason"] == "no_valid_purchase"


def test_prioritised_states_are_accepted_and_give_the_same_labels_on_f1(f1_base):
    states = StateRules().classify(f1_base)
    tiers = Labels.build(
        scheme="tier",
        as_of=AS_OF,
        config=None,
        index=states.frame.index,
        labels=["silver"] * len(states),
        categories=("gold", "silver"),
    )
    refined = prioritise_actions(states, tiers)
    _same(RP.classify(f1_base), RP.classify(f1_base, states=refined))


def test_dick_basu_sindell_dimensions_reuse_equals_recompute_on_f1(f1_base):
    states = StateRules().classify(f1_base)
    rp = RP.classify(f1_base, states=states)
    ref_db = DB.classify(f1_base)
    _same(ref_db, DB.classify(f1_base, repeat=rp))
    _same(ref_db, DB.classify(f1_base, states=states))
    assert ref_db.label.astype(str).tolist() == [
        "true", "undetermined", "spurious", "latent", "latent",
        "undetermined", "true", "undetermined", "true", "none",
    ]  # fmt: skip
    sindell = SindellRules(dick_basu=DB)
    ref_s = sindell.classify(f1_base)
    _same(ref_s, sindell.classify(f1_base, repeat=rp))
    _same(ref_s, sindell.classify(f1_base, states=states))
    assert ref_s.frame.loc["C01", "label"] == "premium"
    dims = LoyaltyDimensions(repeat=RP)
    _same_dimensions(f1_base, dims, repeat=rp)
    _same_dimensions(f1_base, dims, states=states)


def test_behavioural_labels_can_be_reused_as_repeat_patronage(f1_base):
    beh = LoyaltyDimensions(repeat=RP).classify(f1_base).behavioural
    assert beh.scheme == "behavioural"
    db = DB.classify(f1_base, repeat=beh)
    assert db.label.tolist() == DB.classify(f1_base).label.tolist()


def test_states_with_extra_customers_are_aligned_to_the_base(f1_base):
    states = StateRules().classify(f1_base)
    frame = pd.concat([states.frame, states.frame.iloc[[0]].rename(index={"C01": "ZZZ"})])
    frame = frame.iloc[::-1]  # other order too
    wider = Labels(scheme="state", as_of=states.as_of, frame=frame, config=states.config)
    _same(RP.classify(f1_base), RP.classify(f1_base, states=wider))


# --- identical results: simulated bases with P(alive), prospects, surveys ----------


def test_reuse_equals_recompute_on_simulated_base_with_p_alive(sim):
    base, p_alive = sim
    states = StateRules().classify(base, p_alive=p_alive)
    assert set(states.label.astype(str)) >= {"current", "lost", "target", "potential"}
    rules = RepeatPatronageRules()
    ref = rules.classify(base, p_alive=p_alive)
    rp = rules.classify(base, states=states)
    _same(ref, rp)
    assert {"high", "low"} <= set(rp.label.astype(str))
    db = DickBasu(repeat=rules)
    _same(db.classify(base, p_alive=p_alive), db.classify(base, repeat=rp))
    _same(db.classify(base, p_alive=p_alive), db.classify(base, states=states))
    sindell = SindellRules(dick_basu=db)
    _same(sindell.classify(base, p_alive=p_alive), sindell.classify(base, repeat=rp))
    _same_dimensions(base, LoyaltyDimensions(repeat=rules), p_alive=p_alive, repeat=rp)
    _same_dimensions(base, LoyaltyDimensions(repeat=rules), p_alive=p_alive, states=states)


def test_reused_repeat_patronage_does_not_rerun_the_rules(f1_base, monkeypatch):
    rp = RP.classify(f1_base)
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
    DB.classify(f1_base, repeat=rp)
    SindellRules(dick_basu=DB).classify(f1_base, repeat=rp)
    LoyaltyDimensions(repeat=RP).classify(f1_base, repeat=rp)
    assert calls == {"state": 0, "repeat": 0}
    states = StateRules().classify(f1_base)
    RP.classify(f1_base, states=states)
    assert calls == {"state": 1, "repeat": 1}  # only the explicit calls


# --- validation -------------------------------------------------------------------


def test_states_of_another_scheme_are_a_parameter_error(f1_base):
    rp = RP.classify(f1_base)
    with pytest.raises(
        ParameterError,
        match=r"states must be Labels of scheme 'state'; got scheme 'repeat_patronage'",
    ):
        RP.classify(f1_base, states=rp)
    with pytest.raises(ParameterError, match="states must be a Labels"):
        RP.classify(f1_base, states=rp.frame)  # type: ignore[arg-type]
    states = StateRules().classify(f1_base)
    with pytest.raises(
        ParameterError, match="repeat must be Labels of scheme 'repeat_patronage' or 'behavioural'"
    ):
        DB.classify(f1_base, repeat=states)


def test_labels_with_foreign_categories_are_a_parameter_error(f1_base):
    states = StateRules().classify(f1_base)
    fake = Labels.build(
        scheme="state",
        as_of=AS_OF,
        config=None,
        index=states.frame.index,
        labels=["gold"] * len(states),
        categories=("gold",),
    )
    with pytest.raises(ParameterError, match=r"unknown \['gold'\]"):
        RP.classify(f1_base, states=fake)


def test_labels_at_another_as_of_are_a_data_validation_error(f1_base):
    mid = build_customer_base(f1_transactions(), as_of=AS_OF_MID, attributes=f1_attitudes())
    old_states = StateRules().classify(mid)
    with pytest.raises(DataValidationError, match=r"as_of=2024-06-30.*as_of=2024-12-31"):
        RP.classify(f1_base, states=old_states)
    old_rp = RP.classify(mid)
    with pytest.raises(DataValidationError, match="as_of=2024-06-30"):
        SindellRules(dick_basu=DB).classify(f1_base, repeat=old_rp)


def test_labels_missing_customers_report_count_and_examples(f1_base):
    states = StateRules().classify(f1_base)
    part = attrs_evolve_frame(states, states.frame.drop(index=["C02", "C05"]))
    with pytest.raises(DataValidationError, match=r"2 of 10 customers .*C02.*C05") as err:
        RP.classify(f1_base, states=part)
    assert "must cover every customer of the base" in str(err.value)
    rp = RP.classify(f1_base)
    part_rp = attrs_evolve_frame(rp, rp.frame.drop(index=["C11"]))
    with pytest.raises(DataValidationError, match=r"1 of 10 customers .*C11"):
        LoyaltyDimensions(repeat=RP).classify(f1_base, repeat=part_rp)


def test_duplicated_customers_are_a_data_validation_error(f1_base):
    states = StateRules().classify(f1_base)
    dup = attrs_evolve_frame(states, pd.concat([states.frame, states.frame.iloc[[3]]]))
    with pytest.raises(DataValidationError, match=r"customer ids must be unique; 1 of 11 .*C04"):
        RP.classify(f1_base, states=dup)


def test_inputs_that_would_be_ignored_are_refused(f1_base):
    states = StateRules().classify(f1_base)
    rp = RP.classify(f1_base)
    p = pd.Series(0.9, index=f1_base.features.index)
    with pytest.raises(ParameterError, match="p_alive or precomputed states, not both"):
        RP.classify(f1_base, p_alive=p, states=states)
    with pytest.raises(ParameterError, match=r"DickBasu\.classify .* got repeat and states"):
        DB.classify(f1_base, repeat=rp, states=states)
    with pytest.raises(ParameterError, match=r"SindellRules\.classify .* got repeat and p_alive"):
        SindellRules(dick_basu=DB).classify(f1_base, repeat=rp, p_alive=p)
    with pytest.raises(ParameterError, match=r"LoyaltyDimensions\.classify .* p_alive and states"):
        LoyaltyDimensions(repeat=RP).classify(f1_base, repeat=rp, p_alive=p, states=states)


def attrs_evolve_frame(labels: Labels, frame: pd.DataFrame) -> Labels:
    import attrs

    return attrs.evolve(labels, frame=frame)


def test_given_states_decide_the_lost_rule(f1_base):
    states = StateRules().classify(f1_base)
    frame = states.frame.copy()
    purchaser = frame["label"].isin(["current", "lost"])
    frame.loc[purchaser, "label"] = "lost"
    all_lost = attrs_evolve_frame(states, frame)
    got = RP.classify(f1_base, states=all_lost).frame
    assert (got.loc[purchaser, "label"] == "low").all()
    assert (got.loc[purchaser, "basis"] == "lost").all()
    assert int(purchaser.sum()) == 9  # every F1 purchaser but C08 (no occasion)
