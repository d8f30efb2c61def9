"""Benchmark: Pareto/NBD maximum-likelihood fit, custrel vs lifetimes, same data, same run.

Data: seeded Pareto/NBD customers with CDNOW-like parameters (r=0.553, alpha=10.578,
s=0.606, beta=11.669, weeks), first purchases spread over one year and observed for
26-78 weeks. By default purchase times are day-stamped (``resolution=1/7`` week), as
in any dated transaction log; ``--continuous`` adds a run with continuous times, the
worst case for pattern compression (almost every customer is a distinct pattern).

For each size the script times ``ParetoNBD.fit`` (including the Hessian standard
errors), and ``lifetimes.ParetoNBDFitter.fit`` where requested, reports both
log-likelihoods (each model's estimate scored with custrel's exact likelihood, and
lifetimes' own value), the speed ratio, and custrel's peak traced memory
(tracemalloc, separate untimed run).

Usage::

    python benchmarks/bench_pareto.py [--sizes 1e5 1e6] [--lifetimes-sizes 1e5]
                                      [--skip-lifetimes] [--continuous] [--no-memory]

lifetimes needs about half a minute at 1e5 customers (26-27 s here) and did not
finish in 300 s at 1e6, so by default it runs at 1e5 only.

custrel's small-data times depend on machine load more than lifetimes' do: scipy's
L-BFGS-B calls BLAS/LAPACK every iteration, and with a multithreaded OpenBLAS each
call wakes the BLAS worker threads (milliseconds on a busy 2-core machine). The
script prints the load average and ``OPENBLAS_NUM_THREADS`` so that runs can be
compared; ``OPENBLAS_NUM_THREADS=1`` removes that overhead.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from custrel.models import ParetoNBD
from custrel.models.pareto_nbd import simulate_pareto_nbd

TRUE = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669, period="W")


def make_summary(n: int, seed: int, *, continuous: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if continuous:
        t_obs = 26.0 + 52.0 * rng.random(n)
        sim = simulate_pareto_nbd(TRUE, n, T=t_obs, seed=seed + 1)
    else:
        t_obs = 26.0 + rng.integers(0, 52 * 7, n) / 7.0
        sim = simulate_pareto_nbd(TRUE, n, T=t_obs, seed=seed + 1, resolution=1 / 7)
    return sim.summary


def fit_custrel(summary: pd.DataFrame) -> tuple[float, object]:
    gc.collect()
    t0 = time.perf_counter()
    res = ParetoNBD.fit(summary, period="W")
    return time.perf_counter() - t0, res


def peak_memory_custrel(summary: pd.DataFrame) -> float:
    gc.collect()
    tracemalloc.start()
    ParetoNBD.fit(summary, period="W")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def fit_lifetimes(summary: pd.DataFrame, seed: int) -> tuple[float, dict[str, float], float]:
    from lifetimes import ParetoNBDFitter

    x, tx, t_obs = (summary[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    np.random.seed(seed)  # lifetimes draws its start point from numpy's global RNG  # noqa: NPY002
    gc.collect()
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lf = ParetoNBDFitter().fit(x, tx, t_obs)
        seconds = time.perf_counter() - t0
        params = {k: float(v) for k, v in lf.params_.items()}
        own_ll = float(
            np.sum(
                ParetoNBDFitter._conditional_log_likelihood(
                    np.array([params[k] for k in ("r", "alpha", "s", "beta")]), x, tx, t_obs
                )
            )
        )
    return seconds, params, own_ll


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6])
    ap.add_argument("--lifetimes-sizes", nargs="*", type=float, default=[1e5])
    ap.add_argument("--skip-lifetimes", action="store_true")
    ap.add_argument("--continuous", action="store_true", help="also run continuous purchase times")
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()

    print(
        f"load average {os.getloadavg()[0]:.2f}, cpus {os.cpu_count()}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}",
        flush=True,
    )
    variants = [False, True] if args.continuous else [False]
    rows = []
    for continuous in variants:
        for size in args.sizes:
            n = int(size)
            summary = make_summary(n, args.seed, continuous=continuous)
            secs, res = fit_custrel(summary)
            model = res.model  # type: ignore[attr-defined]
            row: dict[str, object] = {
                "times": "continuous" if continuous else "day-stamped",
                "customers": n,
                "patterns": res.n_patterns,  # type: ignore[attr-defined]
                "custrel_s": round(secs, 2),
                "custrel_ll": round(res.loglik, 4),  # type: ignore[attr-defined]
                "custrel_params": tuple(round(v, 4) for v in res.params.tolist()),  # type: ignore[attr-defined]
                "converged": res.converged,  # type: ignore[attr-defined]
            }
            if not args.no_memory:
                row["custrel_peak_MiB"] = round(peak_memory_custrel(summary), 1)
            if not args.skip_lifetimes and any(int(s) == n for s in args.lifetimes_sizes):
                lsecs, lparams, l_own = fit_lifetimes(summary, args.seed)
                l_model = ParetoNBD(**lparams, period="W")
                row["lifetimes_s"] = round(lsecs, 2)
                row["lifetimes_ll_own"] = round(l_own, 4)
                row["lifetimes_ll_exact"] = round(l_model.loglik(summary), 4)
                row["ll_gain"] = round(res.loglik - l_model.loglik(summary), 4)  # type: ignore[attr-defined]
                row["speedup"] = round(lsecs / secs, 1)
                row["max_param_rel_diff"] = float(
                    max(abs(getattr(model, k) / lparams[k] - 1) for k in lparams)
                )
            rows.append(row)
            print(pd.Series(row).to_string(), flush=True)
            print(flush=True)
    print(pd.DataFrame(rows).to_string(index=False))
    print(f"load average at the end {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
