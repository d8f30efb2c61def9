"""lifecycle_pattern: domain.md §3 T3.6 (Chen's lifecycle patterns) and edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from custrel.data import build_customer_base
from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, LabelHistory, Labels
from custrel.lifecycle import STAGES, LifecycleRules, lifecycle_pattern
from tests.f1 import f1_transactions


def _history(seqs: dict[str, list[str | None]]) -> LabelHistory:
    """Stage histories per customer; None = absent at that date."""
    k = max(len(s) for s in seqs.values())
    evs = []
    for j in range(k):
        ids = [c for c, s in seqs.items() if j < len(s) and s[j] is not None]
        labels = [seqs[c][j] for c in ids]
        evs.append(
            Labels.build(
                scheme="stage",
                as_of=pd.Timestamp("2020-01-01") + pd.DateOffset(months=6 * j),
                config=None,
                index=pd.Index(ids, name="customer_id"),
                labels=labels,
                categories=STAGES,
            )
        )
    return LabelHistory.from_labels(evs)


def test_t3_6_chen_patterns_domain() -> None:
    hist = _history(
        {
            "I": ["exploration", "terminated"],
            "II": ["exploration", "formation", "formation", "terminated"],
            "III": ["exploration", "formation", "stability", "decline", "terminated"],
            "IV": ["exploration", "formation", *["stability"] * 5, "decline"],
            "ongoing": ["exploration", "formation", "formation"],
        }
    )
    lab = lifecycle_pattern(hist)
    got = {str(k): str(v) for k, v in lab.frame["label"].astype(object).items()}
    assert got == {
        "I": "I_early_abort",
        "II": "II_mid_abort",
        "III": "III_early_exit",
        "IV": "IV_long_term",
        "ongoing": UNDETERMINED,
    }
    assert lab.frame.loc["ongoing", "reason"] == "ongoing"
    assert lab.frame.loc["IV", "n_stability"] == 5
    assert lab.frame.loc["III", "last_stage"] == "terminated"
    assert lab.frame.loc["II", "n_evaluations"] == 4
    assert lab.as_of == hist.dates[-1]


def test_patterns_threshold_and_edge_cases() -> None:
    hist = _history(
        {
            "III_decline_only": ["formation", "stability", "decline"],
            "IV_then_won": ["stability", "stability", "terminated", "formation"],
            "late_start": [None, None, "terminated"],
            "won_back": ["exploration", "terminated", "formation"],
            "gaps": ["exploration", UNDETERMINED, None, "terminated"],
            "decline_no_stab": ["formation", "decline", "terminated"],
        }
    )
    got = {
        str(k): str(v)
        for k, v in lifecycle_pattern(hist, min_stable_evaluations=2)
        .frame["label"]
        .astype(object)
        .items()
    }
    assert got == {
        "III_decline_only": "III_early_exit",
        "IV_then_won": "IV_long_term",
        "late_start": UNDETERMINED,
        "won_back": UNDETERMINED,
        "gaps": "I_early_abort",
        "decline_no_stab": "II_mid_abort",
    }
    strict = lifecycle_pattern(hist, min_stable_evaluations=3).frame["label"]
    assert strict.loc["IV_then_won"] == "III_early_exit"


def test_patterns_from_re_evaluated_f1() -> None:
    base = build_customer_base(f1_transactions(), as_of="2024-12-31")
    dates = pd.date_range("2022-06-30", "2024-12-31", freq="6ME")
    hist = LabelHistory.from_labels(LifecycleRules().classify(base.at(d)) for d in dates)
    lab = lifecycle_pattern(hist, min_stable_evaluations=3)
    assert lab.frame.loc["C01", "label"] == "IV_long_term"
    assert lab.frame.loc["C06", "label"] == "I_early_abort"  # one purchase, then terminated
    assert lab.frame.loc["C02", "label"] == UNDETERMINED


def test_patterns_reject_other_schemes_and_bad_threshold() -> None:
    idx = pd.Index(["a"], name="customer_id")
    tiers = Labels.build(
        scheme="stage",
        as_of=pd.Timestamp("2024-01-01"),
        config=None,
        index=idx,
        labels=["gold"],
        categories=("gold",),
    )
    with pytest.raises(ParameterError, match="must be lifecycle stages"):
        lifecycle_pattern(LabelHistory.from_labels([tiers]))
    with pytest.raises(ParameterError, match="min_stable_evaluations must be an int >= 1"):
        lifecycle_pattern(_history({"a": ["exploration"]}), min_stable_evaluations=0)
    with pytest.raises(ParameterError, match="history must be a LabelHistory"):
        lifecycle_pattern(tiers)  # type: ignore[arg-type]
