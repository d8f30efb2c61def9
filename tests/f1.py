"""Fixture F1 of domain.md §11 (as_of 2024-12-31; also evaluated at 2024-06-30)."""

from __future__ import annotations

import numpy as np
import pandas as pd

AS_OF = pd.Timestamp("2024-12-31")
AS_OF_MID = pd.Timestamp("2024-06-30")


def f1_transactions() -> pd.DataFrame:
    rows: list[tuple[str, pd.Timestamp, float]] = []

    def add(c: str, dates: list[str], amt: float) -> None:
        rows.extend((c, pd.Timestamp(d), amt) for d in dates)

    add("C01", [f"{y}-{m:02d}-15" for y in (2022, 2023, 2024) for m in range(1, 13)], 50.0)
    add("C02", ["2024-12-01"], 80.0)
    add("C03", ["2024-08-10", "2024-09-20", "2024-11-05", "2024-12-10"], 40.0)
    add(
        "C04",
        [f"{y}-{m:02d}-10" for y in (2022, 2023) for m in range(1, 13)]
        + ["2024-03-10", "2024-07-10"],
        100.0,
    )
    add("C05", ["2023-01-05", "2023-02-05", "2023-03-05"], 60.0)
    add("C06", ["2023-06-01"], 200.0)
    add(
        "C07",
        [
            "2022-02-01",
            "2022-06-01",
            "2022-10-01",
            "2023-02-01",
            "2023-06-01",
            "2023-10-01",
            "2024-02-01",
            "2024-06-01",
            "2024-10-01",
        ],
        100.0,
    )
    add("C08", ["2024-05-03"], -50.0)
    add("C09", ["2025-01-10"], 30.0)
    add(
        "C10",
        [f"2023-{m:02d}-05" for m in range(9, 13)] + [f"2024-{m:02d}-05" for m in range(1, 13)],
        70.0,
    )
    add("C11", ["2022-03-01", "2022-04-01", "2022-05-01", "2024-11-20"], 90.0)
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def f1_attitudes() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "attitude": [6, 6, 3, 6, 5, 6, nan, 2],
            "recommend": [nan, nan, nan, nan, nan, nan, 10, nan],
            "satisfaction": [6, nan, nan, 6, nan, nan, nan, nan],
            "repurchase_intent": [6, nan, nan, 3, nan, nan, nan, nan],
            "share_of_wallet": [nan, nan, nan, nan, nan, 0.9, nan, nan],
        },
        index=pd.Index(
            ["C01", "C02", "C03", "C04", "C05", "C07", "C10", "C11"], name="customer_id"
        ),
    )
