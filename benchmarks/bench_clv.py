"""Benchmark: 12-month CLV, custrel versus lifetimes, in the same run on the same customers.

Simulates a seeded BG/NBD + gamma-gamma customer base with the published CDNOW
parameters (FHL 2005; weeks), customers acquired over 78 weeks with T a whole number of
days (as any summary of a daily transaction log), then times

- lifetimes ``GammaGammaFitter.customer_lifetime_value(bgf, ..., time=12,
  discount_rate=0.01, freq="W")``: 24 BG/NBD prediction calls over every customer;
- custrel ``clv(BetaGeo, GammaGamma, summary, horizon=12, ...)`` under the *same
  convention*, stated explicitly: lifetimes' "month" for weekly data is 4.345 weeks
  (``factor = 4.345`` in ``lifetimes.utils._customer_lifetime_value``), steps of that
  month, 1% per such month, end-of-step discounting;
- custrel with its own calendar month (30.4375 days) and 10% a year, and the
  continuous (DERT-style) method, for information.

It checks that custrel and lifetimes agree (max relative difference), prints the time
ratio and the extra peak memory of each (tracemalloc, in separate untimed runs).

Usage: python benchmarks/bench_clv.py [--sizes 10000 1000000] [--seed 7] [--repeat 3] [--no-memory]
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

from custrel.data import TimeUnit
from custrel.models import BetaGeo
from custrel.models.gamma_gamma import GammaGamma, simulate_gamma_gamma
from custrel.models.simulate import simulate_beta_geo
from custrel.value import clv

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}
LIFETIMES_MONTH_W = TimeUnit(name="lifetimes_month", days=4.345 * 7)


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t_days = rng.integers(1, 78 * 7 + 1, n)
    bg = BetaGeo(**BG, period="W")
    s = simulate_beta_geo(bg, n, T=t_days / 7.0, seed=seed).summary
    m = simulate_gamma_gamma(GammaGamma(**GG), s["frequency"], seed=seed + 1).summary
    return s.assign(monetary_value=m["monetary_value"])


def timed(fn: Callable[[], pd.Series], repeat: int) -> tuple[float, pd.Series]:
    best, out = np.inf, None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return best, out


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e6])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--repeat", type=int, default=3, help="best of N for custrel (lifetimes runs once)"
    )
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()

    from lifetimes import BetaGeoFitter, GammaGammaFitter

    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(BG)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # as fit() sets it
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series({"p": GG["p"], "q": GG["q"], "v": GG["gamma"]})
    bg = BetaGeo(**BG, period="W")
    gg = GammaGamma(**GG)

    for size in args.sizes:
        n = int(size)
        s = simulate(n, args.seed)
        n_pat = len(s.groupby(["frequency", "T"]).size())
        print(f"\n== {n:,} customers (BG/NBD + gamma-gamma, CDNOW parameters, weeks) ==")
        print(f"distinct (frequency, T) pairs: {n_pat:,}")

        def run_lifetimes(s: pd.DataFrame = s) -> pd.Series:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ggf.customer_lifetime_value(
                    bgf,
                    s["frequency"],
                    s["recency"],
                    s["T"],
                    s["monetary_value"],
                    time=12,
                    discount_rate=0.01,
                    freq="W",
                )

        def run_custrel(s: pd.DataFrame = s) -> pd.Series:
            return clv(
                bg,
                gg,
                s,
                horizon=12,
                horizon_period=LIFETIMES_MONTH_W,
                discount_rate=0.01,
                discount_period=LIFETIMES_MONTH_W,
            )

        def run_custrel_month(s: pd.DataFrame = s) -> pd.Series:
            return clv(
                bg, gg, s, horizon=12, horizon_period="M", discount_rate=0.10, discount_period="Y"
            )

        def run_custrel_cont(s: pd.DataFrame = s) -> pd.Series:
            return clv(
                bg,
                gg,
                s,
                horizon=1,
                horizon_period="Y",
                discount_rate=0.10,
                discount_period="Y",
                method="continuous",
            )

        t_c, ours = timed(run_custrel, args.repeat)
        t_l, theirs = timed(run_lifetimes, 1)
        rel = np.abs(ours.to_numpy() - theirs.to_numpy()) / np.maximum(
            np.abs(theirs.to_numpy()), 1e-12
        )
        print(f"lifetimes customer_lifetime_value   {t_l:8.3f} s")
        print(
            f"custrel clv (lifetimes convention)  {t_c:8.3f} s   ratio lifetimes/custrel = {t_l / t_c:6.1f}x"
        )
        print(
            f"agreement: max rel diff {rel.max():.2e}; totals {ours.sum():,.2f} vs {theirs.sum():,.2f}"
        )
        t_m, _ = timed(run_custrel_month, args.repeat)
        t_k, _ = timed(run_custrel_cont, args.repeat)
        print(f"custrel clv (calendar months, 10%/Y) {t_m:7.3f} s")
        print(f"custrel clv (continuous, 1 Y, 32 nodes) {t_k:5.3f} s")
        if not args.no_memory:
            m_l = peak_mb(run_lifetimes)
            m_c = peak_mb(run_custrel)
            print(
                f"peak extra memory (tracemalloc): lifetimes {m_l:8.1f} MB, custrel {m_c:8.1f} MB"
            )


if __name__ == "__main__":
    main()
