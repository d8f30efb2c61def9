"""Benchmark: custrel's customer classifiers on simulated customer bases (1e6 customers by default).

Simulates a seeded BG/NBD transaction log with ``custrel.datasets.simulate_transactions``
(not timed), builds the ``CustomerBase`` (timed), then times every classifier of
``classifiers()`` on it, each in its own run, and traces its extra peak memory with
tracemalloc in a separate, untimed run. No lifetimes counterpart exists for the
classifiers; the BG/NBD P(alive) they consume is computed by custrel and by lifetimes in
the same run on the same summary, timed, and checked to agree to 1e-8.

Add a classifier with one line in ``classifiers()``: a name and a ``CustomerBase -> Labels``
callable.

Usage: python benchmarks/bench_classifiers.py [--sizes 1e6] [--seed 20240601] [--repeat 1]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from custrel.data import CustomerBase, build_customer_base
from custrel.datasets import simulate_transactions
from custrel.labels import Labels
from custrel.lifecycle import LifecycleRules, StateRules
from custrel.loyalty import DickBasu, SindellRules
from custrel.models import BetaGeo

# BG/NBD parameters (per day) used to score P(alive) for the "auto" state rules.
BG = BetaGeo(r=0.75, alpha=60.0, a=0.8, b=2.5, period="D")


def classifiers(p_alive: pd.Series) -> list[tuple[str, Callable[[CustomerBase], Labels]]]:
    """The classifiers to time: (name, base -> Labels). One line per classifier."""
    return [
        ("states (hiatus)", StateRules(method="hiatus").classify),
        ("states (auto, BG/NBD P(alive))", partial(StateRules().classify, p_alive=p_alive)),
        ("states (hiatus, 3 x IPT)", StateRules(method="hiatus", ipt_multiple=3.0).classify),
        ("stages", LifecycleRules().classify),
        ("stages (auto, BG/NBD P(alive))", partial(LifecycleRules().classify, p_alive=p_alive)),
        ("Dick & Basu", DickBasu().classify),
        ("Dick & Basu (BG/NBD P(alive))", partial(DickBasu().classify, p_alive=p_alive)),
        ("Sindell", SindellRules().classify),
        ("Sindell (strict driver data)", SindellRules(require_driver_data=True).classify),
    ]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    best = np.inf
    out = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def peak_mb(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def lifetimes_p_alive(summary: pd.DataFrame) -> np.ndarray:
    from lifetimes import BetaGeoFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitter = BetaGeoFitter()
        fitter.params_ = pd.Series({"r": BG.r, "alpha": BG.alpha, "a": BG.a, "b": BG.b})
        return np.asarray(
            fitter.conditional_probability_alive(
                summary["frequency"].to_numpy(),
                summary["recency"].to_numpy(),
                summary["T"].to_numpy(),
            ),
            dtype=np.float64,
        )


def run(n_customers: int, seed: int, repeat: int) -> None:
    t0 = time.perf_counter()
    sim = simulate_transactions(n_customers, seed=seed)
    tx = sim.transactions
    print(
        f"\n== {n_customers:,} customers, {len(tx):,} rows "
        f"(simulated in {time.perf_counter() - t0:.1f} s, not timed below)"
    )
    base, t_base = timed(lambda: build_customer_base(tx, as_of=sim.observation_end), repeat)
    print(f"{'build_customer_base':<34} {t_base:8.2f} s   ({len(tx) / t_base / 1e6:.1f} M rows/s)")
    summary, t_sum = timed(lambda: base.btyd_summary(period="D"), repeat)
    print(f"{'btyd_summary':<34} {t_sum:8.2f} s")
    p_alive, t_c = timed(lambda: BG.probability_alive(summary), repeat)
    p_lt, t_l = timed(lambda: lifetimes_p_alive(summary), repeat)
    diff = float(np.max(np.abs(p_alive.to_numpy() - p_lt)))
    status = "agree" if diff < 1e-8 else "DISAGREE"
    print(
        f"{'P(alive) custrel / lifetimes':<34} {t_c:8.2f} s / {t_l:.2f} s "
        f"(ratio {t_l / t_c:.1f}x; max |diff| {diff:.1e}: {status})"
    )
    print(f"{'classifier':<34} {'time':>8}   {'cust/s':>10}   {'peak MB':>8}   counts")
    for name, classify in classifiers(p_alive):
        labels, t = timed(lambda classify=classify: classify(base), repeat)
        mem = peak_mb(lambda classify=classify: classify(base))
        counts = ", ".join(f"{k}={v:,}" for k, v in labels.counts().items() if v)
        assert labels.counts().sum() == len(labels)
        print(f"{name:<34} {t:8.2f} s {len(labels) / t / 1e6:8.2f} M/s {mem:8.0f}   {counts}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    for size in args.sizes:
        run(int(size), args.seed, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
