"""Benchmark: summaries and fits of 1e7- and 3e7-row logs in memory and with dask.

For each size, a seeded log is generated chunk by chunk (``simulate_transactions``
on a block of customers per chunk, ids offset per chunk) and written as Parquet
files of about one million rows each; the whole log is never held in one pandas
frame on the dask paths. Each mode then runs in its own fresh Python process,
while this process samples the resident memory of that process *and its
children* (the LocalCluster workers) every 0.1 s to report the peak:

``memory``   pandas reads every file into one frame, ``custrel.summarize`` and
             ``BetaGeo.fit`` on the summary (the in-memory path);
``threads``  ``custrel.scale.dask`` with dask's local threaded scheduler (2 threads);
``cluster``  the same on ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``.

The dask steps are timed separately: the validation pass (one read of the
log), the shuffle by customer plus the per-partition summary kernel (persisted),
the distributed pattern counts, and the fit on the patterns. lifetimes'
``BetaGeoFitter`` is fitted on the same pattern table (with weights) in the
first mode's process (it has no distributed path), and every mode's summary
checksum, pattern count and log-likelihood must agree.

Usage: python benchmarks/bench_dask.py [--sizes 1e7 3e7] [--modes memory threads cluster]
       [--workdir /tmp/custrel_bench_dask] [--rows-per-file 1000000] [--seed 20261123]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil

PERIOD = "W"
DAYS = 3 * 365
ROWS_PER_CUSTOMER = 5.42  # simulate_transactions defaults, measured


# --------------------------------------------------------------------------- data
def generate(n_rows: int, workdir: Path, rows_per_file: int, seed: int) -> Path:
    """Write a log of about ``n_rows`` rows as Parquet files, one chunk of customers each."""
    from custrel.datasets import simulate_transactions

    out = workdir / f"log_{n_rows:.0e}".replace("+", "")
    done = out / "_done.json"
    if done.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    per_chunk = max(1, round(rows_per_file / ROWS_PER_CUSTOMER))
    rows = offset = chunk = 0
    t0 = time.perf_counter()
    while rows < n_rows:
        sim = simulate_transactions(per_chunk, seed=seed + chunk, days=DAYS)
        tx = sim.transactions.loc[:, ["customer_id", "date", "amount"]]
        tx["customer_id"] = tx["customer_id"].to_numpy() + offset
        tx.to_parquet(out / f"part-{chunk:05d}.parquet", index=False)
        rows += len(tx)
        offset += per_chunk
        chunk += 1
    done.write_text(json.dumps({"rows": rows, "customers": offset, "files": chunk}))
    print(
        f"  generated {rows:,} rows, {offset:,} customers in {chunk} files "
        f"({time.perf_counter() - t0:.1f} s)",
        flush=True,
    )
    return out


# --------------------------------------------------------------------------- one mode (child)
def _checksum(summary: pd.DataFrame) -> dict[str, float]:
    return {
        "customers": len(summary),
        "sum_frequency": int(summary["frequency"].sum()),
        "sum_T": float(summary["T"].sum()),
        "sum_recency": float(summary["recency"].sum()),
    }


def _lifetimes_fit(patterns: pd.DataFrame) -> tuple[float, list[float], float]:
    from lifetimes import BetaGeoFitter

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = BetaGeoFitter().fit(
            patterns["frequency"], patterns["recency"], patterns["T"], weights=patterns["weight"]
        )
    secs = time.perf_counter() - t0
    params = [float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")]
    return secs, params, float(-bgf._negative_log_likelihood_ * patterns["weight"].sum())


def run_memory(path: Path, *, oracle: bool) -> dict[str, Any]:
    import custrel
    from custrel.models import BetaGeo
    from custrel.scale.dask import pattern_counts

    t0 = time.perf_counter()
    tx = pd.read_parquet(path)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary = custrel.summarize(tx, period=PERIOD)
    t_sum = time.perf_counter() - t0
    del tx
    t0 = time.perf_counter()
    res = BetaGeo.fit(summary, period=PERIOD)
    t_fit = time.perf_counter() - t0
    patterns = pattern_counts(summary)
    return {
        "steps": {"read": t_read, "summarize": t_sum, "fit": t_fit},
        "check": _checksum(summary),
        "n_patterns": res.n_patterns,
        "loglik": res.loglik,
        "params": res.params.tolist(),
        "lifetimes": _lifetimes_fit(patterns) if oracle else None,
    }


def run_dask(path: Path, *, cluster: bool, oracle: bool) -> dict[str, Any]:
    import dask
    import dask.dataframe as dd

    import custrel.scale.dask as cdask
    from custrel.data import TransactionColumns
    from custrel.models import BetaGeo

    client = local = None
    if cluster:
        from distributed import Client, LocalCluster

        local = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            memory_limit="10GiB",
        )
        client = Client(local)
    try:
        ctx = dask.config.set(scheduler="threads", num_workers=2) if not cluster else None
        if ctx is not None:
            ctx.__enter__()
        ddf = dd.read_parquet(str(path))
        t0 = time.perf_counter()
        scan = cdask._scan(ddf, TransactionColumns())
        t_scan = time.perf_counter() - t0
        t0 = time.perf_counter()
        rep = cdask.summarize_report(ddf, period=PERIOD, observation_end=scan.dmax, validate=False)
        t_sum = time.perf_counter() - t0
        t0 = time.perf_counter()
        patterns = cdask.pattern_counts(rep.summary)
        t_pat = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = BetaGeo.fit(patterns, period=PERIOD)
        t_fit = time.perf_counter() - t0
        t0 = time.perf_counter()
        agg = rep.summary[["frequency", "T", "recency"]].sum().compute()
        n_cust = int(rep.summary.shape[0].compute())
        t_check = time.perf_counter() - t0
        if ctx is not None:
            ctx.__exit__(None, None, None)
    finally:
        if client is not None:
            client.close()
        if local is not None:
            local.close()
    return {
        "steps": {
            "validate": t_scan,
            "shuffle+summary": t_sum,
            "patterns": t_pat,
            "fit": t_fit,
            "(checksum)": t_check,
        },
        "check": {
            "customers": n_cust,
            "sum_frequency": int(agg["frequency"]),
            "sum_T": float(agg["T"]),
            "sum_recency": float(agg["recency"]),
        },
        "n_patterns": res.n_patterns,
        "loglik": res.loglik,
        "params": res.params.tolist(),
        "lifetimes": _lifetimes_fit(patterns) if oracle else None,
        "partitions": int(ddf.npartitions),
    }


# --------------------------------------------------------------------------- parent
def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def measure(mode: str, path: Path, *, oracle: bool) -> dict[str, Any]:
    """Run one mode in a fresh process; return its JSON result plus wall time and peak RSS."""
    cmd = [sys.executable, __file__, "--child", mode, "--path", str(path)]
    if oracle:
        cmd.append("--oracle")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    base = _tree_rss(ps)
    peak = [base]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _tree_rss(ps))
            time.sleep(0.1)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    stop.set()
    th.join()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{err[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["wall"] = wall
    result["peak_rss_gib"] = peak[0] / 2**30
    return result


def report(size_label: str, results: dict[str, dict[str, Any]]) -> None:
    print(f"\n== {size_label} ==")
    ref = results.get("memory") or next(iter(results.values()))
    for mode, r in results.items():
        steps = ", ".join(f"{k} {v:.1f}s" for k, v in r["steps"].items())
        print(
            f"{mode:8s} wall {r['wall']:7.1f} s | peak RSS {r['peak_rss_gib']:5.2f} GiB | {steps}"
        )
        print(
            f"         customers {r['check']['customers']:,}, patterns {r['n_patterns']:,}, "
            f"loglik {r['loglik']:.6f}, params {np.round(r['params'], 4).tolist()}"
        )
        if r["lifetimes"] is not None:
            lt_secs, lt_params, _ = r["lifetimes"]
            lt_ok = np.allclose(lt_params, r["params"], rtol=1e-3)
            print(
                f"         lifetimes BetaGeoFitter on the same patterns: {lt_secs:.2f} s, "
                f"params {np.round(lt_params, 4).tolist()}, agrees (rtol 1e-3): {lt_ok}"
            )
        same = r["check"]["customers"] == ref["check"]["customers"] and (
            r["check"]["sum_frequency"] == ref["check"]["sum_frequency"]
        )
        same &= bool(
            np.isclose(r["check"]["sum_T"], ref["check"]["sum_T"], rtol=1e-12)
            and np.isclose(r["check"]["sum_recency"], ref["check"]["sum_recency"], rtol=1e-12)
        )
        ll_ok = abs(r["loglik"] - ref["loglik"]) <= 1e-9 * abs(ref["loglik"])
        print(
            f"         agrees with {'memory' if 'memory' in results else 'first mode'}: "
            f"summary {same}, loglik {ll_ok}"
        )
    for r in results.values():
        r["custrel"] = sum(v for k, v in r["steps"].items() if not k.startswith("("))
    print(
        "custrel time (sum of the steps, without lifetimes and checksums): "
        + ", ".join(f"{m} {r['custrel']:.1f} s" for m, r in results.items())
    )
    if "memory" in results:
        for mode in ("threads", "cluster"):
            if mode in results:
                ratio = results["memory"]["custrel"] / results[mode]["custrel"]
                print(f"speed-up of {mode} over memory (custrel time): {ratio:.2f}x")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[1e7, 3e7])
    ap.add_argument("--modes", nargs="+", default=["memory", "threads", "cluster"])
    ap.add_argument("--workdir", default="/tmp/custrel_bench_dask")
    ap.add_argument("--rows-per-file", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--path", help=argparse.SUPPRESS)
    ap.add_argument("--oracle", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        path = Path(args.path)
        if args.child == "memory":
            res = run_memory(path, oracle=args.oracle)
        else:
            res = run_dask(path, cluster=args.child == "cluster", oracle=args.oracle)
        print(json.dumps(res))
        return 0
    workdir = Path(args.workdir)
    print(
        f"cpus {os.cpu_count()}, load average {os.getloadavg()}, RAM {psutil.virtual_memory().total / 2**30:.1f} GiB"
    )
    custrel_time: dict[str, dict[int, float]] = {}
    for size in args.sizes:
        n = int(size)
        path = generate(n, workdir, args.rows_per_file, args.seed)
        meta = json.loads((path / "_done.json").read_text())
        results = {}
        for mode in args.modes:
            print(f"  running {mode} on {meta['rows']:,} rows ...", flush=True)
            results[mode] = measure(mode, path, oracle=mode == args.modes[0])
        report(
            f"{meta['rows']:,} rows, {meta['customers']:,} customers, {meta['files']} files",
            results,
        )
        per_row = {m: r["custrel"] / meta["rows"] * 1e9 for m, r in results.items()}
        print("custrel ns per row: " + ", ".join(f"{m} {v:.0f}" for m, v in per_row.items()))
        for mode, r in results.items():
            custrel_time.setdefault(mode, {})[meta["rows"]] = r["custrel"]
    for mode, by_rows in custrel_time.items():
        if len(by_rows) >= 2:
            (r1, w1), (r2, w2) = sorted(by_rows.items())[:1][0], sorted(by_rows.items())[-1]
            print(
                f"scaling {mode}: {r1:,} -> {r2:,} rows ({r2 / r1:.1f}x): "
                f"custrel time {w2 / w1:.2f}x"
            )
    print(f"load average at the end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
