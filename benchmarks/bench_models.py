"""Benchmark: BG/NBD and MBG/NBD fits and predictions, custrel vs lifetimes, in the same run.

Usage::

    python benchmarks/bench_models.py [--sizes 1000000] [--tasks fit,predict] [--no-patterns]

Data: ``n`` customers simulated from a BG/NBD (r=0.25, alpha=30 days, a=0.8, b=2.5)
with first purchases spread over a year and observation lengths of 180-545 days;
recency is recorded to the day (as transaction logs are), then expressed in weeks.
Both libraries receive identical ``frequency, recency, T`` arrays.

Each measurement runs in a fresh subprocess: the wall time of the task and its
peak resident-memory increase (``VmHWM`` after resetting the high-water mark
through ``/proc/self/clear_refs``; falls back to ``tracemalloc`` elsewhere) are
reported (predictions: best of five runs for both libraries, wall and CPU time,
with every run listed; fits: one run each). custrel fits include standard errors; lifetimes fits are timed on the
raw per-customer arrays (how lifetimes is normally called) and, for reference,
on the same weighted patterns custrel uses. The log-likelihoods of both fits are
evaluated in the data's unit with each library's own likelihood code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240601
REPEATS = 5  # predictions: best of 5 runs for both libraries (fits: one run each)
TRUTH = {"r": 0.25, "alpha": 30.0, "a": 0.8, "b": 2.5}  # alpha in days


def make_data(n: int) -> pd.DataFrame:
    from custrel.models import BetaGeo
    from custrel.models.simulate import simulate_beta_geo

    rng = np.random.default_rng(SEED)
    t_days = rng.integers(180, 546, n).astype(float)
    sim = simulate_beta_geo(BetaGeo(**TRUTH), n, T=t_days, seed=SEED + 1).summary
    return pd.DataFrame(
        {
            "frequency": sim["frequency"].to_numpy(),
            "recency": np.ceil(sim["recency"].to_numpy()) / 7.0,
            "T": sim["T"].to_numpy() / 7.0,
        }
    )


# ----------------------------------------------------------------------------- memory
def _hwm_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _rss_kb() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Peak memory increase of a block: RSS high-water mark on Linux, tracemalloc elsewhere."""

    def __enter__(self) -> PeakMemory:
        self.mode = "rss"
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self.base = _rss_kb()
        except OSError:
            self.base = None
        if self.base is None:
            self.mode = "tracemalloc"
            tracemalloc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.mode == "rss":
            hwm = _hwm_kb() or 0
            self.peak_mb = max(hwm - (self.base or 0), 0) / 1024
        else:
            self.peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()


# ----------------------------------------------------------------------------- workers
def _lt_fitter(model: str) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes import BetaGeoFitter, ModifiedBetaGeoFitter
    return BetaGeoFitter() if model == "BetaGeo" else ModifiedBetaGeoFitter()


def _lt_loglik(model: str, params: np.ndarray, s: pd.DataFrame) -> float:
    f = _lt_fitter(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nll = f._negative_log_likelihood(
            np.log(params),
            s["frequency"].to_numpy(),
            s["recency"].to_numpy(),
            s["T"].to_numpy(),
            np.ones(len(s)),
            0.0,
        )
    return float(-nll * len(s))


def worker(task: str, lib: str, model: str, n: int, out: Path) -> None:
    import custrel.models as cm
    from custrel.models._mle import compress

    s = make_data(n)
    cls = getattr(cm, model)
    result: dict[str, object] = {}
    if task == "fit" and lib == "custrel":
        with PeakMemory() as mem:
            t0 = time.perf_counter()
            res = cls.fit(s, period="W")
            secs = time.perf_counter() - t0
        result = {
            "params": res.params.tolist(),
            "se": res.standard_errors.tolist(),
            "loglik": res.loglik,
            "n_patterns": res.n_patterns,
        }
    elif task == "fit":
        f = _lt_fitter(model)
        if lib == "lifetimes-patterns":
            p = compress({c: s[c].to_numpy(float) for c in ("frequency", "recency", "T")}, None)
            args = (p.columns["frequency"], p.columns["recency"], p.columns["T"])
            kw = {"weights": p.weights}
        else:
            args = (s["frequency"], s["recency"], s["T"])
            kw = {}
        with PeakMemory() as mem, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            f.fit(*args, **kw)
            secs = time.perf_counter() - t0
        params = f.params_.to_numpy()
        result = {
            "params": params.tolist(),
            "se": f.standard_errors_.tolist(),
            "loglik": _lt_loglik(model, params, s),
        }
    else:  # predict
        m = cls(r=0.25, alpha=TRUTH["alpha"] / 7.0, a=0.8, b=2.5, period="W")
        if lib == "custrel":

            def predict() -> tuple[np.ndarray, np.ndarray]:
                return (
                    m.expected_purchases(s, t=52.0).to_numpy(),
                    m.probability_alive(s).to_numpy(),
                )
        else:
            f = _lt_fitter(model)
            f.params_ = pd.Series([m.r, m.alpha, m.a, m.b], index=["r", "alpha", "a", "b"])
            x, tx, tt = s["frequency"], s["recency"], s["T"]

            def predict() -> tuple[np.ndarray, np.ndarray]:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    return (
                        np.asarray(
                            f.conditional_expected_number_of_purchases_up_to_time(52.0, x, tx, tt)
                        ),
                        np.asarray(f.conditional_probability_alive(x, tx, tt)),
                    )

        with PeakMemory() as mem:
            e, p = predict()
        # best of REPEATS runs: the machine is shared, the minimum is the least disturbed;
        # CPU time of the process is recorded too (both libraries are single-threaded here)
        times, cpu = [], []
        for _ in range(REPEATS):
            t0, c0 = time.perf_counter(), time.process_time()
            predict()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        secs = min(times)
        result["cpu_seconds"] = min(cpu)
        result["all_seconds"] = times
        np.savez(out.with_suffix(".npz"), e=e, p=p)
    result.update({"seconds": secs, "peak_mb": mem.peak_mb, "memory_mode": mem.mode})
    out.write_text(json.dumps(result))


def run_worker(task: str, lib: str, model: str, n: int, tmp: Path) -> dict[str, object]:
    out = tmp / f"{task}-{lib}-{model}-{n}.json"
    cmd = [sys.executable, __file__, "--worker", task, lib, model, str(n), str(out)]
    subprocess.run(cmd, check=True)
    res: dict[str, object] = json.loads(out.read_text())
    if task == "predict":
        res["arrays"] = dict(np.load(out.with_suffix(".npz")))
    return res


# ----------------------------------------------------------------------------- report
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000", help="comma-separated numbers of customers")
    ap.add_argument("--tasks", default="fit,predict")
    ap.add_argument("--models", default="BetaGeo,ModifiedBetaGeo")
    ap.add_argument("--no-patterns", action="store_true", help="skip lifetimes on patterns")
    ap.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        task, lib, model, n, out = args.worker
        worker(task, lib, model, int(n), Path(out))
        return
    sizes = [int(float(v)) for v in args.sizes.split(",")]
    tasks = args.tasks.split(",")
    models = args.models.split(",")
    print(f"custrel vs lifetimes, seed {SEED}, truth {TRUTH} (alpha in days), data in weeks")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            for model in models:
                if "fit" in tasks:
                    c = run_worker("fit", "custrel", model, n, tmp)
                    libs = ["lifetimes"] + ([] if args.no_patterns else ["lifetimes-patterns"])
                    print(
                        f"\n[{model} fit, n={n:,}] custrel: {c['seconds']:.2f} s incl. standard "
                        f"errors, peak +{c['peak_mb']:.0f} MB ({c['memory_mode']}), "
                        f"{c['n_patterns']:,} patterns, LL {c['loglik']:.4f}"
                    )
                    print(f"    custrel params {np.round(c['params'], 5).tolist()}")
                    for lib in libs:
                        lt = run_worker("fit", lib, model, n, tmp)
                        rel = np.max(np.abs(np.array(c["params"]) / np.array(lt["params"]) - 1))
                        print(
                            f"    {lib}: {lt['seconds']:.2f} s, peak +{lt['peak_mb']:.0f} MB, "
                            f"LL {lt['loglik']:.4f} (custrel - lifetimes = "
                            f"{c['loglik'] - lt['loglik']:+.4f}); params max rel diff {rel:.1e}; "
                            f"speed-up x{lt['seconds'] / c['seconds']:.1f}"
                        )
                if "predict" in tasks:
                    c = run_worker("predict", "custrel", model, n, tmp)
                    lt = run_worker("predict", "lifetimes", model, n, tmp)
                    ca, la = c["arrays"], lt["arrays"]
                    print(
                        f"\n[{model} predict E[X(52)] + P(alive), n={n:,}] best of {REPEATS}: "
                        f"custrel {c['seconds']:.3f} s (peak +{c['peak_mb']:.0f} MB), lifetimes "
                        f"{lt['seconds']:.3f} s (peak +{lt['peak_mb']:.0f} MB): "
                        f"speed-up x{lt['seconds'] / c['seconds']:.1f}; CPU time custrel "
                        f"{c['cpu_seconds']:.3f} s, lifetimes {lt['cpu_seconds']:.3f} s: "
                        f"x{lt['cpu_seconds'] / c['cpu_seconds']:.1f}"
                    )
                    print(
                        "    all runs (s): custrel "
                        + " ".join(f"{v:.3f}" for v in c["all_seconds"])
                        + "; lifetimes "
                        + " ".join(f"{v:.3f}" for v in lt["all_seconds"])
                    )
                    for key, label in (("e", "E[X(52)]"), ("p", "P(alive)")):
                        fin = np.isfinite(la[key])
                        rel = np.abs(ca[key][fin] / la[key][fin] - 1)
                        print(
                            f"    {label}: custrel non-finite {int((~np.isfinite(ca[key])).sum())}, "
                            f"lifetimes non-finite {int((~fin).sum())}; max rel diff where "
                            f"lifetimes is finite {rel.max():.1e}"
                        )


if __name__ == "__main__":
    main()
