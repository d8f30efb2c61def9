"""LifecycleRules: domain.md §3 test cases T3.1-T3.7 on fixture F1, T9.1 expectations, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import TransactionColumns, build_customer_base
from custrel.errors import ParameterError
from custrel.labels import Labels
from custrel.lifecycle import STAGE_STRATEGIES, LifecycleRules, StateRules
from tests.f1 import AS_OF, AS_OF_MID, f1_transactions
from tests.lifecycle.test_states import P_ALIVE_T22
from tests.strategies import transaction_logs

HIATUS = StateRules(method="hiatus")

T3_1 = {
    "C01": "stability",
    "C02": "exploration",
    "C03": "formation",
    "C04": "decline",
    "C05": "terminated",
    "C06": "terminated",
    "C07": "stability",
    "C08": "undetermined",
    "C10": "stability",
    "C11": "formation",
}


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def _by(labels: Labels, col: str = "label") -> dict[str, str]:
    return {str(k): str(v) for k, v in labels.frame[col].astype(object).items()}


def test_t3_1_stages_domain_f1(f1_base) -> None:
    lab = LifecycleRules(states=HIATUS).classify(f1_base)
    assert _by(lab) == T3_1
    fr = lab.frame
    assert fr.loc["C01", "window_days"] == 90.0
    assert fr.loc["C01", "trend_ratio"] == pytest.approx(1.00, abs=0.005)
    assert fr.loc["C03", "window_days"] == 90.0  # T = 143 < 2w = 180
    assert fr.loc["C04", "trend_ratio"] == 0.0
    assert fr.loc["C07", "window_days"] == pytest.approx(243.25)
    assert fr.loc["C07", "trend_ratio"] == pytest.approx(0.964, abs=5e-4)
    assert fr.loc["C10", "trend_ratio"] == pytest.approx(1.008, abs=5e-4)
    assert fr.loc["C11", "window_days"] == pytest.approx(663.333, abs=5e-4)
    assert fr.loc["C08", "reason"] == "no_valid_purchase"
    assert list(lab.categories) == [
        "exploration",
        "formation",
        "stability",
        "decline",
        "terminated",
        "undetermined",
    ]
    assert lab.frame["label"].cat.ordered
    assert lab.diagnostics["rows_after_as_of"] == 1


def test_t3_1_default_rules_equal_hiatus_on_f1(f1_base) -> None:
    assert _by(LifecycleRules().classify(f1_base)) == T3_1


def test_t3_2_stages_at_mid_2024_domain_f1(f1_base) -> None:
    lab = LifecycleRules(states=HIATUS).classify(f1_base.at(AS_OF_MID))
    assert _by(lab) == {
        "C01": "stability",
        "C04": "decline",
        "C05": "terminated",
        "C06": "terminated",
        "C07": "stability",
        "C08": "undetermined",
        "C10": "formation",
        "C11": "terminated",
    }
    assert lab.frame.loc["C07", "window_days"] == pytest.approx(243.14, abs=5e-3)
    assert lab.frame.loc["C07", "trend_ratio"] == pytest.approx(0.873, abs=5e-4)
    assert lab.frame.loc["C11", "state"] == "lost"


def test_t3_3_fixed_window_flags_infrequent_buyer_as_decline(f1_base) -> None:
    lab = LifecycleRules(states=HIATUS, ipt_windows=0).classify(f1_base)
    assert lab.frame.loc["C07", "label"] == "decline"
    assert lab.frame.loc["C07", "trend_ratio"] == 0.0
    assert lab.frame.loc["C07", "window_days"] == 90.0


def test_t3_4_p_alive_terminates_c04_domain_f1(f1_base) -> None:
    lab = LifecycleRules(states=StateRules(method="auto")).classify(f1_base, p_alive=P_ALIVE_T22)
    assert _by(lab) == T3_1 | {"C04": "terminated"}


def test_t3_5_customer_type_and_views_domain_f1(f1_base) -> None:
    fr = LifecycleRules().classify(f1_base).frame
    assert _by_col(fr, "customer_type", ["C01", "C02", "C03", "C04", "C05"]) == [
        "loyal",
        "potential",
        "new",
        "at_risk",
        "lost",
    ]
    assert _by_col(fr, "chen_stage", ["C02", "C03", "C01", "C04", "C05"]) == [
        "考察期",
        "形成期",
        "稳定期",
        "退化期",
        "退化期",
    ]
    assert _by_col(fr, "dwyer_phase", ["C02", "C03", "C01", "C04", "C05"]) == [
        "exploration",
        "expansion",
        "commitment",
        "dissolution_onset",
        "dissolution",
    ]
    assert fr.loc["C01", "strategy"] == STAGE_STRATEGIES["stability"]
    assert pd.isna(fr.loc["C08", "customer_type"])


def _by_col(fr: pd.DataFrame, col: str, ids: list[str]) -> list[str]:
    return [str(fr.loc[c, col]) for c in ids]


def _c14(return_day: int) -> pd.DataFrame:
    months = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    buy = pd.DataFrame({"customer_id": "C14", "date": months, "amount": 100.0})
    ret = pd.DataFrame(
        {"customer_id": "C14", "date": months + pd.Timedelta(days=return_day - 1), "amount": -100.0}
    )
    return pd.concat([buy, ret], ignore_index=True)


def test_t3_7_non_positive_spend_and_negative_ratio_domain_c14() -> None:
    base = build_customer_base(_c14(2), as_of=AS_OF)
    assert base.features.loc["C14", "n_occasions"] == 24
    assert base.features.loc["C14", "net_amount"] == 0
    assert base.features.loc["C14", "days_since_last"] == 30
    lab = LifecycleRules().classify(base)
    assert lab.frame.loc["C14", "label"] == "undetermined"
    assert lab.frame.loc["C14", "reason"] == "non_positive_spend"
    assert lab.frame.loc["C14", "window_days"] == 90.0
    variant = LifecycleRules().classify(build_customer_base(_c14(3), as_of=AS_OF))
    fr = variant.frame
    assert fr.loc["C14", "label"] == "decline"
    assert fr.loc["C14", "recent_rate"] * 90 == pytest.approx(-100.0)
    assert fr.loc["C14", "prior_rate"] * (730 - 90) == pytest.approx(100.0)
    assert fr.loc["C14", "trend_ratio"] == pytest.approx(-(100 / 90) / (100 / 640))


def test_t9_1_stage_migration_expectations_domain_f1(f1_base) -> None:
    before = _by(LifecycleRules().classify(f1_base.at(AS_OF_MID)))
    after = _by(LifecycleRules().classify(f1_base))
    moves = {c: (before.get(c, "(absent)"), after[c]) for c in after}
    assert moves == {
        "C01": ("stability", "stability"),
        "C02": ("(absent)", "exploration"),
        "C03": ("(absent)", "formation"),
        "C04": ("decline", "decline"),
        "C05": ("terminated", "terminated"),
        "C06": ("terminated", "terminated"),
        "C07": ("stability", "stability"),
        "C08": ("undetermined", "undetermined"),
        "C10": ("formation", "stability"),
        "C11": ("terminated", "formation"),
    }


def test_alias_emergence_relabels_stages(f1_base) -> None:
    lab = LifecycleRules(alias="emergence").classify(f1_base)
    assert lab.categories[:5] == ("emergence", "development", "maturity", "decline", "terminated")
    got = _by(lab)
    assert (got["C02"], got["C03"], got["C01"], got["C04"]) == (
        "emergence",
        "development",
        "maturity",
        "decline",
    )
    assert lab.frame.loc["C01", "chen_stage"] == "稳定期"


def test_strategies_are_overridable_data(f1_base) -> None:
    custom = dict(STAGE_STRATEGIES) | {"decline": "call them"}
    rules = LifecycleRules(strategies=custom)
    assert rules.classify(f1_base).frame.loc["C04", "strategy"] == "call them"
    assert rules != LifecycleRules()
    assert isinstance(hash(rules), int)
    with pytest.raises(ParameterError, match="must map every stage"):
        LifecycleRules(strategies={"decline": "x"})


def test_prospects_get_no_stage_and_contract_only_is_undetermined() -> None:
    pros = pd.DataFrame({"is_target": [True]}, index=pd.Index(["P1"], name="customer_id"))
    con = pd.DataFrame({"customer_id": ["K1"], "start": ["2023-01-01"], "end": [None]})
    base = build_customer_base(f1_transactions(), as_of=AS_OF, prospects=pros, contracts=con)
    lab = LifecycleRules().classify(base)
    assert "P1" not in lab.frame.index
    assert lab.diagnostics["prospects_without_stage"] == 1
    assert lab.frame.loc["K1", "label"] == "undetermined"
    assert lab.frame.loc["K1", "reason"] == "no_valid_purchase"
    assert lab.frame.loc["K1", "state"] == "current"


def test_propagates_state_reason_strict_p_alive(f1_base) -> None:
    rules = LifecycleRules(states=StateRules(method="p_alive"))
    lab = rules.classify(f1_base, p_alive=P_ALIVE_T22)
    assert lab.frame.loc["C11", "label"] == "undetermined"
    assert lab.frame.loc["C11", "reason"] == "p_alive_missing"


def test_level_metric_occasions_and_margin() -> None:
    tx = f1_transactions()
    tx["cost"] = tx["amount"] * 0.6
    base = build_customer_base(tx, as_of=AS_OF, columns=TransactionColumns(cost="cost"))
    amount = _by(LifecycleRules().classify(base))
    margin = LifecycleRules(level_metric="margin").classify(base)
    assert _by(margin) == amount == T3_1
    assert margin.frame.loc["C07", "trend_ratio"] == pytest.approx(0.964, abs=5e-4)
    occ = LifecycleRules(level_metric="occasions").classify(base)
    # equal amounts per occasion: the occasion rate has the same trend
    assert occ.frame.loc["C07", "trend_ratio"] == pytest.approx(0.964, abs=5e-4)
    assert _by(occ) == T3_1
    no_cost = LifecycleRules(level_metric="margin").classify(
        build_customer_base(f1_transactions(), as_of=AS_OF)
    )
    got = _by(no_cost)
    assert got["C01"] == got["C04"] == "undetermined"
    assert no_cost.frame.loc["C01", "reason"] == "cost_missing"
    assert got["C02"] == "exploration"  # decided before the trend rule


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"decline_ratio": 1.0}, r"LifecycleRules.decline_ratio must be a float in \(0, 1\)"),
        ({"window_days": 0.0}, r"LifecycleRules.window_days must be a finite float > 0; got 0.0"),
        ({"ipt_windows": -1.0}, r"ipt_windows must be a finite float >= 0"),
        ({"exploration_max_occasions": 0}, r"exploration_max_occasions must be an int >= 1"),
        (
            {"exploration_max_occasions": 4, "stability_min_occasions": 4},
            "must be < stability_min_occasions",
        ),
        ({"level_metric": "profit"}, "level_metric must be one of"),
        ({"alias": "dwyer"}, "alias must be one of"),
        ({"states": "hiatus"}, "states must be a StateRules"),
    ],
)
def test_lifecycle_rules_validators(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        LifecycleRules(**kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties

AS_OF_P = pd.Timestamp("2023-09-30")


def _base(log: pd.DataFrame, as_of: pd.Timestamp = AS_OF_P):
    return build_customer_base(log, as_of=max(as_of, log["date"].min()))


@settings(max_examples=30, deadline=None)
@given(log=transaction_logs(), seed=st.integers(0, 2**31 - 1))
def test_one_stage_per_customer_and_row_order_invariance(log: pd.DataFrame, seed: int) -> None:
    base = _base(log)
    lab = LifecycleRules().classify(base)
    assert lab.frame.index.equals(base.customers)
    assert lab.counts().sum() == len(base.customers)
    assert lab.frame["label"].notna().all()
    shuffled = log.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    pd.testing.assert_frame_equal(lab.frame, LifecycleRules().classify(_base(shuffled)).frame)


@settings(max_examples=30, deadline=None)
@given(log=transaction_logs(), c=st.sampled_from([0.5, 2.0, 8.0, 1024.0]))
def test_stages_are_scale_invariant(log: pd.DataFrame, c: float) -> None:
    scaled = log.assign(amount=log["amount"] * c)
    a = LifecycleRules().classify(_base(log)).frame
    b = LifecycleRules().classify(_base(scaled)).frame
    pd.testing.assert_series_equal(a["label"], b["label"])
    pd.testing.assert_series_equal(a["trend_ratio"], b["trend_ratio"])


@settings(max_examples=30, deadline=None)
@given(log=transaction_logs(), ipt=st.sampled_from([None, 2.0]))
def test_single_occasion_not_lost_is_exploration(log: pd.DataFrame, ipt: float | None) -> None:
    base = _base(log)
    lab = LifecycleRules(states=StateRules(method="hiatus", ipt_multiple=ipt)).classify(base)
    single = base.features["n_occasions"] == 1
    not_lost = lab.frame["state"] != "lost"
    assert (lab.frame.loc[single & not_lost, "label"] == "exploration").all()
    assert (lab.frame.loc[lab.frame["state"] == "lost", "label"] == "terminated").all()
    # and the converse: exploration customers have at most one occasion
    expl = lab.frame["label"] == "exploration"
    assert (base.features.loc[expl, "n_occasions"] == 1).all()


def test_vectorised_on_simulated_base_matches_reference_loop() -> None:
    """Cross-check the vectorised trend ratio against a plain per-customer computation."""
    from custrel.datasets import simulate_transactions

    sim = simulate_transactions(300, seed=7)
    base = build_customer_base(sim.transactions, as_of=sim.observation_end)
    lab = LifecycleRules().classify(base)
    tx = base.transactions
    rng = np.random.default_rng(0)
    for cid in rng.choice(base.customers.to_numpy(), 25, replace=False):
        f = base.features.loc[cid]
        if f["n_occasions"] < 2:
            continue
        w = max(90.0, 2.0 * f["mean_ipt_days"])
        rows = tx[(tx["customer_id"] == cid) & (tx["date"] <= base.as_of)]
        age = (base.as_of - rows["date"]).dt.days
        recent = rows.loc[age < w, "amount"].sum()
        prior = rows.loc[(age >= w) & (rows["date"] >= f["first_purchase"]), "amount"].sum()
        fr = lab.frame.loc[cid]
        assert fr["window_days"] == pytest.approx(w)
        assert fr["recent_rate"] == pytest.approx(recent / w)
        if f["T_days"] > w:
            assert fr["prior_rate"] == pytest.approx(prior / (f["T_days"] - w))


def test_precomputed_states_are_reused_with_identical_stages() -> None:
    from custrel.data import build_customer_base
    from custrel.errors import DataValidationError, ParameterError
    from custrel.lifecycle import LifecycleRules, StateRules
    from tests.f1 import AS_OF, f1_transactions

    base = build_customer_base(f1_transactions(), as_of=AS_OF)
    rules = LifecycleRules(states=StateRules(method="hiatus"))
    states = rules.states.classify(base)
    fresh = rules.classify(base)
    reused = rules.classify(base, states=states)
    pd.testing.assert_frame_equal(fresh.frame, reused.frame)
    with pytest.raises(ParameterError, match="either states= or p_alive="):
        rules.classify(base, states=states, p_alive=pd.Series(dtype=float))
    with pytest.raises(DataValidationError, match="same base"):
        rules.classify(base.at("2024-06-30"), states=states)
    with pytest.raises(ParameterError, match="scheme 'state'"):
        rules.classify(base, states=fresh)
