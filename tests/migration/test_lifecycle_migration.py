"""Migration of lifecycle stages on F1: domain.md §9 T9.1 (uses custrel.lifecycle.LifecycleRules)."""

from __future__ import annotations

import pandas as pd

from custrel.data import build_customer_base
from custrel.lifecycle import LifecycleRules
from custrel.migration import ABSENT, evaluate_over_time, migration_matrix, transitions
from tests.f1 import AS_OF, AS_OF_MID, f1_transactions

# domain.md §9 T9.1: rows = stage at 2024-06-30, columns = stage at 2024-12-31
T9_1 = {
    (ABSENT, "exploration"): 1,  # C02
    (ABSENT, "formation"): 1,  # C03
    ("formation", "stability"): 1,  # C10
    ("stability", "stability"): 2,  # C01, C07
    ("decline", "decline"): 1,  # C04
    ("terminated", "formation"): 1,  # C11
    ("terminated", "terminated"): 2,  # C05, C06
    ("undetermined", "undetermined"): 1,  # C08
}


def test_t9_1_lifecycle_migration_matrix_f1_domain_spec() -> None:
    base = build_customer_base(f1_transactions(), as_of=AS_OF)
    hist = evaluate_over_time(base, [AS_OF_MID, AS_OF], LifecycleRules().classify)
    t0, t1 = hist.evaluations
    m = migration_matrix(t0, t1)
    stages = ["exploration", "formation", "stability", "decline", "terminated", "undetermined"]
    for row in [ABSENT, *stages]:
        for col in stages:
            assert m.loc[row, col] == T9_1.get((row, col), 0), (row, col)
    assert m[ABSENT].sum() == 0  # nobody disappears when the same history is recut later
    assert m.drop(index=ABSENT).to_numpy().sum() == len(t0) == 8
    assert m.drop(columns=ABSENT).to_numpy().sum() == len(t1) == 10
    share = migration_matrix(t0, t1, normalize="index")
    assert share.loc["terminated", "formation"] == 1 / 3
    moved = transitions(t0, t1).frame
    assert moved.loc["C11", "from"] == "terminated"
    assert moved.loc["C11", "to"] == "formation"
    assert moved.loc["C11", "label"] == "changed"
    assert pd.Series(moved["label"]).value_counts()["unchanged"] == 6
