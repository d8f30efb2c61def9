"""Bundled datasets and the CRM log simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.datasets import load_cdnow, load_donations, simulate_transactions
from custrel.errors import ParameterError


def test_cdnow_sample_and_master_shapes() -> None:
    s = load_cdnow()
    assert (len(s), s["customer_id"].nunique()) == (6919, 2357)
    assert s["date"].min() == pd.Timestamp("1997-01-01")
    assert s["date"].max() == pd.Timestamp("1998-06-30")
    m = load_cdnow(sample=False)
    assert (len(m), m["customer_id"].nunique()) == (69659, 23570)


def test_donations_patterns_of_fader_hardie_shang_2010() -> None:
    d = load_donations()
    assert int(d["weight"].sum()) == 11104
    assert (d["n_periods"] == 6).all()
    assert (d["recency"] >= d["frequency"]).all()
    assert int(d.loc[(d["frequency"] == 0), "weight"].iloc[0]) == 3464
    assert int(d.loc[(d["frequency"] == 6), "weight"].iloc[0]) == 1203


def test_simulator_is_seeded_and_reports_ground_truth() -> None:
    a = simulate_transactions(500, seed=11)
    b = simulate_transactions(500, seed=11)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    c = simulate_transactions(500, seed=12)
    assert not a.transactions["amount"].equals(c.transactions["amount"])
    truth = a.truth
    assert len(truth) == 500
    assert set(a.transactions["customer_id"]) == set(truth.index)
    tx = a.transactions
    purchases = tx[tx["amount"] > 0].groupby("customer_id").size()
    # every customer's first purchase plus the simulated repeat purchases
    np.testing.assert_array_equal(purchases.reindex(truth.index).to_numpy(), truth["n_repeat"] + 1)
    assert (tx["date"] <= a.observation_end).all()
    assert (tx.groupby("customer_id")["date"].min() == truth["first_purchase"]).all()
    assert {"channel", "category", "discount", "incentive", "cost"} <= set(tx.columns)
    assert (tx["amount"] < 0).any()  # returns are simulated


def test_simulator_population_means_match_parameters() -> None:
    sim = simulate_transactions(20000, seed=3, r=0.5, alpha=50.0, a=1.0, b=3.0)
    t = sim.truth
    assert t["lam"].mean() == pytest.approx(0.5 / 50.0, rel=0.05)
    assert t["p"].mean() == pytest.approx(1.0 / 4.0, rel=0.05)


def test_simulator_rejects_bad_parameters() -> None:
    with pytest.raises(ParameterError, match="alpha must be > 0"):
        simulate_transactions(10, seed=1, alpha=0.0)
    with pytest.raises(ParameterError, match="acquisition_days"):
        simulate_transactions(10, seed=1, days=10, acquisition_days=20)


def test_loading_cdnow_leaves_the_warning_filters_alone() -> None:
    """lifetimes changes warning filters at import; custrel must not let that leak."""
    import subprocess
    import sys

    code = (
        "import warnings; from custrel.datasets import load_cdnow; "
        "before = list(warnings.filters); load_cdnow(); "
        "assert list(warnings.filters) == before, 'filters changed'"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
