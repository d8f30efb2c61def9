"""Benchmark every custrel segmentation strategy on simulated customers.

Usage::

    python benchmarks/bench_segment.py [--sizes 100000 1000000] [--seed 1] [--no-memory]

For each size the transaction log is simulated (custrel.datasets.simulate_transactions)
and the CustomerBase built; both are timed separately from the segmentation. Each
strategy is then timed (wall clock) and, unless --no-memory, run once more under
tracemalloc to report its peak Python/numpy allocation.

lifetimes has no segmentation, so there is no lifetimes timing to compare with;
the RFM scores are instead cross-checked against a plain pandas implementation
of the same mid-rank rule (ceil(k * rank(method="average") / n)) and timed
against it in the same run.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from custrel.data import build_customer_base
from custrel.datasets import simulate_transactions
from custrel.labels import LabelHistory
from custrel.migration import migration_matrix, stabilize
from custrel.segment import (
    BehaviourProfile,
    CustomerPyramid,
    KMeansSegmentation,
    RFMScores,
    ValueTiers,
    segment_profiles,
    value_matrix,
    value_score,
)


def _timed(fn: Callable[[], Any], memory: bool) -> tuple[Any, float, float]:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = float("nan")
    if memory:
        tracemalloc.start()
        fn()
        _, peak_b = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = peak_b / 2**20
    return out, dt, peak


def _pandas_rfm_r(features: pd.DataFrame, k: int) -> np.ndarray:
    """Reference: R score with plain pandas (buyers only)."""
    buyers = features[features["n_occasions"] > 0]
    rank = (-buyers["days_since_last"]).rank(method="average")
    return np.ceil(k * rank.to_numpy() / len(buyers)).astype(int)


def run(n: int, seed: int, memory: bool) -> None:
    t0 = time.perf_counter()
    sim = simulate_transactions(n, seed=seed)
    t_sim = time.perf_counter() - t0
    as_of = sim.transactions["date"].max()
    t0 = time.perf_counter()
    base = build_customer_base(sim.transactions, as_of=as_of)
    t_base = time.perf_counter() - t0
    feats = base.features
    print(
        f"\n== {n:,} customers, {len(sim.transactions):,} rows: simulate {t_sim:.1f} s, "
        f"build_customer_base {t_base:.1f} s"
    )
    profit = feats["net_amount"] * 0.3 - 5.0 * feats["n_occasions"]
    potential = feats["revenue_window"] * 0.5 + feats["n_occasions"]
    rfm = RFMScores()
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("RFMScores().segment", lambda: rfm.segment(base)),
        (
            "RFMScores(bins=4, pymc rules)",
            lambda: RFMScores(bins=4, rules="pymc_marketing").segment(base),
        ),
        ("ValueTiers().segment", lambda: ValueTiers().segment(base)),
        (
            "ValueTiers().assign(+potential)",
            lambda: ValueTiers().assign(feats["revenue_window"], potential=potential),
        ),
        ("ValueTiers(basis=value_share)", lambda: ValueTiers(basis="value_share").segment(base)),
        (
            "ValueTiers.abc().assign(value_score)",
            lambda: ValueTiers.abc().assign(value_score(base)),
        ),
        ("CustomerPyramid().assign", lambda: CustomerPyramid().assign(profit)),
        ("value_matrix", lambda: value_matrix(feats["revenue_window"], potential)),
        ("BehaviourProfile().segment", lambda: BehaviourProfile().segment(base)),
        (
            "KMeansSegmentation(k=5, n_init=2)",
            lambda: KMeansSegmentation(k=5, n_init=2, seed=0).fit(base),
        ),
        (
            "KMeans auto k (2..6, sample 20k)",
            lambda: KMeansSegmentation(k_range=(2, 6), n_init=2, seed=0).fit(base),
        ),
    ]
    print(f"{'strategy':<40} {'time s':>8} {'peak MiB':>9}")
    results: dict[str, Any] = {}
    for name, fn in cases:
        out, dt, peak = _timed(fn, memory)
        results[name] = out
        print(f"{name:<40} {dt:8.2f} {peak:9.0f}")
    tiers = results["ValueTiers().segment"]
    extra: list[tuple[str, Callable[[], Any]]] = [
        ("segment_profiles(tiers, base)", lambda: segment_profiles(tiers, base=base)),
        (
            "migration_matrix(rfm, tiers-like)",
            lambda: migration_matrix(
                results["RFMScores().segment"], results["RFMScores().segment"]
            ),
        ),
        (
            "stabilize (4 evaluations)",
            lambda: stabilize(
                LabelHistory.from_labels(
                    [
                        attrs_evolve_as_of(tiers, pd.Timestamp(as_of) + pd.Timedelta(days=i))
                        for i in range(4)
                    ]
                )
            ),
        ),
    ]
    for name, fn in extra:
        _, dt, peak = _timed(fn, memory)
        print(f"{name:<40} {dt:8.2f} {peak:9.0f}")
    # cross-check and time against plain pandas
    t0 = time.perf_counter()
    ref = _pandas_rfm_r(feats, 5)
    t_ref = time.perf_counter() - t0
    ours = results["RFMScores().segment"].frame["r_score"].dropna().astype(int).to_numpy()
    agree = bool(np.array_equal(ours, ref))
    print(
        f"R score vs plain pandas mid-rank: agree={agree}; pandas R alone {t_ref:.2f} s "
        f"(custrel computes R, F, M, codes and segments)"
    )
    if not agree:
        raise SystemExit("RFM R scores disagree with the pandas reference")


def attrs_evolve_as_of(labels: Any, as_of: pd.Timestamp) -> Any:
    import attrs

    return attrs.evolve(labels, as_of=as_of)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    for n in args.sizes:
        run(n, args.seed, not args.no_memory)


if __name__ == "__main__":
    main()
