"""Shared fixtures for the dask adapter: a simulated log split into shuffled partitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.datasets import simulate_transactions

N_CUSTOMERS = 3000


@pytest.fixture(scope="session")
def sim_log() -> pd.DataFrame:
    """A simulated log (BG/NBD purchases with returns), rows in random order.

    Two extra customers make the exclusions non-trivial: 900001 has returns
    only (no purchase occasion), 900002 buys only after the observation end
    used in the tests, and 900003 first buys after the calibration end.
    """
    sim = simulate_transactions(N_CUSTOMERS, seed=20261123, days=730, acquisition_days=365)
    tx = sim.transactions.loc[:, ["customer_id", "date", "amount", "channel"]]
    extra = pd.DataFrame(
        {
            "customer_id": [900001, 900001, 900002, 900003, 900003],
            "date": pd.to_datetime(
                ["2022-03-01", "2022-05-01", "2023-12-30", "2023-09-01", "2023-10-01"]
            ),
            "amount": [-5.0, -7.5, 20.0, 15.0, 25.0],
            "channel": pd.Categorical(
                ["store", "store", "app", "app", "app"], categories=tx["channel"].cat.categories
            ),
        }
    )
    tx = pd.concat([tx, extra], ignore_index=True)
    order = np.random.default_rng(7).permutation(len(tx))
    return tx.iloc[order].reset_index(drop=True)
