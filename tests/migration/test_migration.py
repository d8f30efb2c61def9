"""Migration over time: domain.md §9 T9.2-T9.4 (T9.1 in test_lifecycle_migration.py), properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import build_customer_base
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import UNDETERMINED, LabelHistory, Labels, Reason
from custrel.lifecycle import StateRules
from custrel.migration import (
    ABSENT,
    evaluate_over_time,
    history_frame,
    migration_matrix,
    stabilize,
    transitions,
)
from custrel.segment import RFMScores, ValueTiers
from tests.f1 import AS_OF, AS_OF_MID, f1_transactions


@pytest.fixture(scope="module")
def f1_base():
    return build_customer_base(f1_transactions(), as_of=AS_OF)


def _history(seq: list[str], reasons: list[str | None] | None = None) -> LabelHistory:
    idx = pd.Index(["x"], name="customer_id")
    reasons = reasons or [None] * len(seq)
    return LabelHistory.from_labels(
        [
            Labels.build(
                scheme="tier",
                as_of=pd.Timestamp("2024-01-01") + pd.DateOffset(months=i),
                config=None,
                index=idx,
                labels=[lab],
                categories=("gold", "silver"),
                reasons=[r],
            )
            for i, (lab, r) in enumerate(zip(seq, reasons, strict=True))
        ]
    )


def _adopted(h: LabelHistory) -> list[str]:
    return [str(e.frame.loc["x", "label"]) for e in h.evaluations]


def test_t9_2_state_transitions_f1_domain_spec(f1_base) -> None:
    hist = evaluate_over_time(f1_base, [AS_OF_MID, AS_OF], StateRules().classify)
    assert hist.dates == (AS_OF_MID, AS_OF)
    t0, t1 = hist.evaluations
    tr = transitions(t0, t1).frame
    assert tr.loc["C11", "label"] == "won_back"
    assert tr.loc["C02", "label"] == "new"
    assert tr.loc["C03", "label"] == "new"
    assert tr.loc["C02", "from"] == ABSENT
    for c in ("C01", "C04", "C07", "C10", "C05", "C06", "C08"):
        assert tr.loc[c, "label"] == "unchanged", c
    assert t1.frame.loc["C08", "label"] == UNDETERMINED
    m = migration_matrix(t0, t1)
    assert m.loc["lost", "current"] == 1
    assert m.loc[ABSENT, "current"] == 2
    assert m.loc["current", "current"] == 4
    assert m.loc["lost", "lost"] == 2
    assert m.loc[UNDETERMINED, UNDETERMINED] == 1
    assert m.drop(index=ABSENT).to_numpy().sum() == len(t0)
    assert m.drop(columns=ABSENT).to_numpy().sum() == len(t1)
    long = history_frame(hist)
    assert list(long.columns) == ["as_of", "customer_id", "label", "reason"]
    assert len(long) == len(t0) + len(t1)
    c08 = long[long["customer_id"] == "C08"]
    assert c08["label"].tolist() == [UNDETERMINED, UNDETERMINED]
    assert c08["reason"].tolist() == ["no_valid_purchase"] * 2
    assert long[long["customer_id"] == "C11"]["label"].tolist() == ["lost", "current"]


def test_t9_3_stabilize_hysteresis_domain_spec() -> None:
    h = stabilize(
        _history(["gold", "silver", "gold", "gold", "silver", "silver"]), min_consecutive=2
    )
    assert _adopted(h) == ["gold", "gold", "gold", "gold", "gold", "silver"]
    reasons = [e.frame.loc["x", "reason"] for e in h.evaluations]
    assert reasons[1] == Reason.CARRIED_FORWARD
    assert reasons[4] == Reason.CARRIED_FORWARD
    assert pd.isna(reasons[5])
    assert [str(e.frame.loc["x", "observed"]) for e in h.evaluations][1] == "silver"


def test_t9_4_undetermined_never_adopted_over_determined_domain_spec() -> None:
    h = stabilize(
        _history(
            ["gold", UNDETERMINED, UNDETERMINED],
            [None, "not_active_in_window", "not_active_in_window"],
        )
    )
    assert _adopted(h) == ["gold", "gold", "gold"]
    assert [e.frame.loc["x", "reason"] for e in h.evaluations][1:] == ["carried_forward"] * 2
    assert h.evaluations[2].diagnostics["carried_forward"] == 1


def test_stabilize_undetermined_first_passes_through_and_k1_is_identity() -> None:
    h = stabilize(_history([UNDETERMINED, "silver", "gold"], ["value_missing", None, None]))
    assert _adopted(h) == [UNDETERMINED, "silver", "silver"]
    assert h.evaluations[0].frame.loc["x", "reason"] == "value_missing"
    seq = ["gold", "silver", UNDETERMINED, "gold"]
    assert _adopted(stabilize(_history(seq), min_consecutive=1)) == [
        "gold",
        "silver",
        "silver",
        "gold",
    ]
    assert _adopted(stabilize(_history(seq * 2), min_consecutive=3))[:4] == ["gold"] * 4
    with pytest.raises(ParameterError, match="integer >= 1"):
        stabilize(_history(seq), min_consecutive=0)


def test_migration_matrix_row_normalised_and_errors() -> None:
    idx = pd.Index(list("abcd"), name="customer_id")
    t0 = pd.Series(["gold", "gold", "silver", "silver"], index=idx)
    t1 = pd.Series(["gold", "silver", "silver", "silver"], index=idx)
    m = migration_matrix(t0, t1, normalize="index")
    assert m.loc["gold"].tolist() == [0.0, 0.5, 0.5]
    assert m.loc[ABSENT].tolist() == [0.0, 0.0, 0.0]  # no customers: all zeros, never NaN
    with pytest.raises(ParameterError, match="normalize"):
        migration_matrix(t0, t1, normalize="columns")  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="missing label"):
        migration_matrix(t0.where(t0 != "silver"), t1)
    with pytest.raises(ParameterError, match="Labels or a Series"):
        migration_matrix([1, 2], t1)  # type: ignore[arg-type]


def test_evaluate_over_time_works_for_any_strategy(f1_base) -> None:
    hist = evaluate_over_time(f1_base, [AS_OF, AS_OF_MID], RFMScores().segment)
    assert hist.dates == (AS_OF_MID, AS_OF)
    assert len(hist.evaluations[0]) == 8  # C02, C03 (and C09) have no rows by mid-2024
    tiers = evaluate_over_time(f1_base, [AS_OF_MID, AS_OF], ValueTiers().segment)
    m = migration_matrix(*tiers.evaluations)
    t0 = tiers.evaluations[0].frame
    assert m.loc["diamond"].sum() == (t0["label"] == "diamond").sum()
    assert m.drop(index=ABSENT).to_numpy().sum() == len(t0)
    # C10 is diamond at year end; its move is counted in its mid-year row
    assert m.loc[str(t0.loc["C10", "label"]), "diamond"] >= 1
    with pytest.raises(DataValidationError, match="distinct"):
        evaluate_over_time(f1_base, [AS_OF, AS_OF], ValueTiers().segment)
    with pytest.raises(ParameterError, match="at least one"):
        evaluate_over_time(f1_base, [], ValueTiers().segment)
    with pytest.raises(ParameterError, match="must return"):
        evaluate_over_time(f1_base, [AS_OF], lambda b: b.features)  # type: ignore[arg-type,return-value]


labels_st = st.lists(st.sampled_from(["a", "b", "c", UNDETERMINED]), min_size=0, max_size=30)


@settings(max_examples=80, deadline=None)
@given(labels_st, labels_st, st.integers(0, 30))
def test_migration_matrix_totals_equal_customer_counts_at_both_dates(l0, l1, shift) -> None:
    i0 = pd.Index([f"c{i}" for i in range(len(l0))], name="customer_id")
    i1 = pd.Index([f"c{i + shift}" for i in range(len(l1))], name="customer_id")
    t0 = pd.Series(l0, index=i0, dtype=object)
    t1 = pd.Series(l1, index=i1, dtype=object)
    m = migration_matrix(t0, t1)
    assert m.loc[ABSENT, ABSENT] == 0
    assert m.drop(index=ABSENT).to_numpy().sum() == len(l0)
    assert m.drop(columns=ABSENT).to_numpy().sum() == len(l1)
    assert m.to_numpy().sum() == len(i0.union(i1))
    tr = transitions(t0, t1)
    assert tr.counts().sum() == len(i0.union(i1))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["gold", "silver", UNDETERMINED]), min_size=1, max_size=12),
    st.integers(1, 4),
)
def test_stabilize_properties(seq, k) -> None:
    h = stabilize(
        _history(seq, [None if s != UNDETERMINED else "value_missing" for s in seq]),
        min_consecutive=k,
    )
    out = _adopted(h)
    assert out[0] == seq[0]
    seen_det = False
    for i, (o, s) in enumerate(zip(out, seq, strict=True)):
        if s != UNDETERMINED:
            seen_det = True
        # never undetermined once a determined label was adopted
        if seen_det:
            assert o != UNDETERMINED
        # a change of adopted label needs k consecutive observations of it
        if i > 0 and o != out[i - 1] and out[i - 1] != UNDETERMINED:
            assert seq[max(0, i - k + 1) : i + 1] == [o] * min(k, i + 1)


def test_transitions_custom_names_for_any_scheme() -> None:
    idx = pd.Index(["a", "b"], name="customer_id")
    t0 = pd.Series(["silver", "gold"], index=idx)
    t1 = pd.Series(["gold", "silver"], index=idx)
    names = {("silver", "gold"): "upgraded", ("gold", "silver"): "downgraded"}
    tr = transitions(t0, t1, names=names)
    assert tr.label.astype(str).tolist() == ["upgraded", "downgraded"]
    assert tr.categories[:2] == ("upgraded", "downgraded")
    assert np.array_equal(tr.frame["to"].astype(str).to_numpy(), t1.to_numpy())


def test_migration_between_two_different_schemes_is_refused() -> None:
    idx = pd.Index(["a", "b"], name="customer_id")
    states = Labels.build(
        scheme="state",
        as_of=pd.Timestamp("2024-01-01"),
        config=None,
        index=idx,
        labels=["current", "lost"],
        categories=("current", "lost"),
    )
    tiers = Labels.build(
        scheme="value_tier",
        as_of=pd.Timestamp("2024-07-01"),
        config=None,
        index=idx,
        labels=["gold", "silver"],
        categories=("gold", "silver"),
    )
    with pytest.raises(ParameterError, match="labels of one scheme; got 'state' and 'value_tier'"):
        migration_matrix(states, tiers)
