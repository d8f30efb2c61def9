"""Benchmark: custrel.summarize vs lifetimes.utils.summary_data_from_transaction_data.

Generates seeded transaction logs (1e5, 1e6, 1e7 rows by default), times both
implementations in the same run on the same data, checks that the two summaries
agree to 1e-9, and prints the speed ratio and the extra peak memory per input row
(traced with tracemalloc in a separate, untimed run).

Usage: python benchmarks/bench_summarize.py [--sizes 1e5 1e6 1e7] [--no-lifetimes-above 1e7]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import custrel


def make_log(n_rows: int, seed: int) -> pd.DataFrame:
    """A seeded log: ~10 rows per customer over three years, positive amounts."""
    rng = np.random.default_rng(seed)
    n_cust = max(n_rows // 10, 1)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, n_cust + 1, n_rows),
            "date": (np.datetime64("2021-01-01") + rng.integers(0, 3 * 365, n_rows)).astype(
                "datetime64[ns]"
            ),
            "amount": np.round(rng.gamma(2.0, 25.0, n_rows), 2),
        }
    )


def run_custrel(tx: pd.DataFrame) -> pd.DataFrame:
    return custrel.summarize(tx, period="D", observation_end="2023-12-31")


def run_lifetimes(tx: pd.DataFrame) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(
            tx,
            "customer_id",
            "date",
            monetary_value_col="amount",
            observation_period_end="2023-12-31",
            freq="D",
        )


def timed(
    fn: Callable[[pd.DataFrame], pd.DataFrame], tx: pd.DataFrame, repeat: int = 1
) -> tuple[float, pd.DataFrame]:
    """Best wall time of ``repeat`` runs, and the output."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(tx)
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_extra_bytes(fn: Callable[[pd.DataFrame], pd.DataFrame], tx: pd.DataFrame) -> int:
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    out = fn(tx)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    return peak - base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-lifetimes-above", type=float, default=float("inf"))
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs, for both libraries")
    args = parser.parse_args()
    print(
        f"{'rows':>10} {'customers':>10} {'custrel s':>10} {'lifetimes s':>12} {'ratio':>7} "
        f"{'custrel B/row':>14} {'lifetimes B/row':>16} {'max |diff|':>11}"
    )
    for size in args.sizes:
        n = int(size)
        tx = make_log(n, args.seed)
        run_custrel(tx.head(1000))  # warm-up imports
        t_c, ours = timed(run_custrel, tx, args.repeat)
        mem_c = float("nan") if args.no_memory else peak_extra_bytes(run_custrel, tx) / n
        t_l = mem_l = diff = float("nan")
        if size <= args.no_lifetimes_above:
            t_l, theirs = timed(run_lifetimes, tx, args.repeat)
            theirs = theirs.loc[ours.index]
            diff = max(
                float(np.max(np.abs(ours[c].to_numpy(float) - theirs[c].to_numpy(float))))
                for c in ("frequency", "recency", "T", "monetary_value")
            )
            assert len(theirs) == len(ours)
            assert diff < 1e-9, f"summaries differ by {diff}"
            if not args.no_memory and size <= 1e6:
                mem_l = peak_extra_bytes(run_lifetimes, tx) / n
        ratio = t_l / t_c
        print(
            f"{n:>10,} {len(ours):>10,} {t_c:>10.3f} {t_l:>12.3f} {ratio:>7.1f} "
            f"{mem_c:>14.1f} {mem_l:>16.1f} {diff:>11.2e}",
            flush=True,
        )


if __name__ == "__main__":
    main()
