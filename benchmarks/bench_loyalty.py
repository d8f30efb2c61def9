"""Benchmark: the loyalty classifiers on a simulated customer base with survey and driver data.

Simulates a seeded BG/NBD transaction log with ``custrel.datasets.simulate_transactions``
(not timed; its ``discount`` and ``incentive`` line flags feed Sindell's price and incentive
drivers), adds a seeded survey for a share of the customers (attitude, satisfaction,
repurchase intent, recommend, distance, number of alternatives, a few stated reasons),
builds the ``CustomerBase`` (timed), then times each loyalty classifier and traces its
extra peak memory with tracemalloc in a separate, untimed run. Every result is checked to
label every customer exactly once. lifetimes has no loyalty classifiers, so there is no
counterpart to compare with; ``bench_classifiers.py`` times them next to the state rules.

Usage: python benchmarks/bench_loyalty.py [--sizes 1e6] [--seed 7] [--survey-share 0.3]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custrel.data import TransactionColumns, build_customer_base
from custrel.datasets import simulate_transactions
from custrel.labels import Labels
from custrel.loyalty import (
    AttitudeRules,
    DickBasu,
    LoyaltyDimensions,
    LoyaltyProfitability,
    RepeatPatronageRules,
    SindellRules,
)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def survey(ids: np.ndarray, share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = ids[rng.random(ids.size) < share]
    n = ids.size

    def score(lo: int, hi: int, p_missing: float) -> np.ndarray:
        vals = rng.integers(lo, hi + 1, n).astype(float)
        vals[rng.random(n) < p_missing] = np.nan
        return vals

    reasons = np.array(["premium", "price", "convenience", "inertia", None], dtype=object)
    return pd.DataFrame(
        {
            "attitude": score(1, 7, 0.1),
            "satisfaction": score(1, 7, 0.2),
            "repurchase_intent": score(1, 7, 0.2),
            "recommend": score(0, 10, 0.5),
            "distance_km": np.round(rng.gamma(2.0, 3.0, n), 1),
            "n_alternatives": rng.integers(0, 5, n).astype(float),
            "stated_reason": reasons[np.minimum(rng.integers(0, 25, n), 4)],
        },
        index=pd.Index(ids, name="customer_id"),
    )


def run(n_customers: int, seed: int, survey_share: float) -> None:
    t0 = time.perf_counter()
    sim = simulate_transactions(n_customers, seed=seed)
    tx = sim.transactions
    attrs_df = survey(tx["customer_id"].unique(), survey_share, seed)
    print(
        f"\n== {n_customers:,} customers, {len(tx):,} rows, survey for {len(attrs_df):,} "
        f"(simulated in {time.perf_counter() - t0:.1f} s, not timed below)"
    )
    columns = TransactionColumns(discount="discount", incentive="incentive")
    base, t_base = timed(
        lambda: build_customer_base(
            tx, as_of=sim.observation_end, columns=columns, attributes=attrs_df
        )
    )
    print(f"{'build_customer_base':<30} {t_base:8.2f} s")
    repeat = RepeatPatronageRules()
    db = DickBasu(repeat=repeat)
    profit = base.features["net_amount"]
    longevity = base.features["recency_days"]  # a stand-in for a model-based duration
    jobs: list[tuple[str, Callable[[], Labels]]] = [
        ("repeat patronage", lambda: repeat.classify(base)),
        ("attitude", lambda: AttitudeRules().classify(base)),
        ("Dick & Basu", lambda: db.classify(base)),
        ("Sindell", lambda: SindellRules(dick_basu=db).classify(base)),
        (
            "Sindell (strict driver data)",
            lambda: SindellRules(dick_basu=db, require_driver_data=True).classify(base),
        ),
        (
            "dimensions (behavioural)",
            lambda: LoyaltyDimensions(repeat=repeat).classify(base).behavioural,
        ),
        ("loyalty x profitability", lambda: LoyaltyProfitability().classify(longevity, profit)),
    ]
    print(f"{'classifier':<30} {'time':>8}   {'cust/s':>10}   {'peak MB':>8}   counts")
    for name, job in jobs:
        labels, t = timed(job)
        mem = peak_mb(job)
        counts = labels.counts()
        assert int(counts.sum()) == len(labels)
        assert labels.frame.index.is_unique
        shown = ", ".join(f"{k}={v:,}" for k, v in counts.items() if v)
        print(f"{name:<30} {t:8.2f} s {len(labels) / t / 1e6:8.2f} M/s {mem:8.0f}   {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--survey-share", type=float, default=0.3)
    args = parser.parse_args(argv)
    for size in args.sizes:
        run(int(size), args.seed, args.survey_share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
