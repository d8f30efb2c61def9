"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import strategies as st


@st.composite
def transaction_logs(
    draw: st.DrawFn,
    *,
    max_customers: int = 12,
    max_rows: int = 60,
    allow_returns: bool = True,
) -> pd.DataFrame:
    """Small valid transaction logs: int customer ids, dates within ~2 years, amounts incl. returns."""
    n_rows = draw(st.integers(min_value=1, max_value=max_rows))
    n_cust = draw(st.integers(min_value=1, max_value=max_customers))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    cust = rng.integers(0, n_cust, n_rows)
    day = rng.integers(0, 730, n_rows)
    amount = np.round(rng.gamma(2.0, 20.0, n_rows), 2)
    if allow_returns:
        ret = rng.random(n_rows) < 0.1
        amount = np.where(ret, -amount, amount)
    return pd.DataFrame(
        {
            "customer_id": cust,
            "date": pd.Timestamp("2022-01-01") + pd.to_timedelta(day, unit="D"),
            "amount": amount,
        }
    )
