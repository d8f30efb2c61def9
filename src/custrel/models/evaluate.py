"""Numeric holdout evaluation of purchase models.

lifetimes offers plots only; these functions return numbers and tables:

- :func:`holdout_errors`: per-customer MAE / RMSE / bias of the conditional
  expectation of holdout purchases, given a
  :func:`custrel.calibration_holdout` summary;
- :func:`calibration_frequency_table`: actual vs expected mean holdout
  purchases by calibration frequency 0, 1, ..., 6, 7+ (FHL 2005, Figure 4);
- :func:`frequency_histogram_fit`: observed vs expected number of customers by
  calibration repeat purchases with a chi-square statistic (FHL 2005, Figure 1);
- :func:`cohort_tracking` and :func:`tracking_error`: actual vs expected
  cumulative repeat purchases of the whole cohort per period (FHL 2005, Figure 2)
  and summary errors of that curve.

All functions accept any model with the shared prediction vocabulary
(``expected_purchases``, ``purchase_count_pmf``, ``expected_purchases_new_customer``).
A ``weight`` column in the summary counts identical customers.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
       the easy way. Marketing Science 24(2), 275-284 (Figures 1, 2 and 4).

Examples
--------
>>> import custrel
>>> from custrel.datasets import load_cdnow
>>> from custrel.models import BetaGeo
>>> s = custrel.calibration_holdout(load_cdnow(), calibration_end="1997-09-30",
...                                 observation_end="1998-06-30", period="W")
>>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
>>> err = holdout_errors(m, s)
>>> round(err.actual_total), round(err.expected_total, 1)
(1882, 1653.9)
>>> calibration_frequency_table(m, s).round(2)
           n_customers  actual  expected  difference
frequency
0                 1411    0.24      0.23       -0.01
1                  439    0.70      0.52       -0.17
2                  214    1.39      1.04       -0.35
3                  100    1.56      1.52       -0.04
4                   62    2.53      2.16       -0.37
5                   38    2.95      2.65       -0.29
6                   29    3.86      3.50       -0.36
7+                  64    6.36      6.16       -0.20
>>> fit = frequency_histogram_fit(m, s)
>>> round(fit.chi_square, 2), fit.dof
(4.82, 3)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from custrel.data import TransactionColumns, read_transactions
from custrel.data._time import Period, TimeUnit
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.models._mle import weights_of

__all__ = [
    "HistogramFit",
    "HoldoutErrors",
    "TrackingError",
    "calibration_frequency_table",
    "cohort_tracking",
    "expected_tracking_curve",
    "frequency_histogram_fit",
    "holdout_errors",
    "tracking_error",
]

_DEFAULT_COLUMNS = TransactionColumns()


class _Conditional(Protocol):
    def expected_purchases(self, summary: pd.DataFrame, /, *, t: Any) -> pd.Series: ...


class _Unconditional(Protocol):
    def purchase_count_pmf(self, n: Any, t: Any) -> pd.Series: ...


class _Cohort(Protocol):
    @property
    def period(self) -> TimeUnit | None: ...

    def expected_purchases_new_customer(self, t: Any) -> Any: ...


def _holdout_columns(summary: pd.DataFrame, what: str) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in ("frequency_holdout", "duration_holdout") if c not in summary.columns]
    if missing:
        msg = (
            f"{what}: the summary lacks {missing}; build it with custrel.calibration_holdout(...)."
        )
        raise SchemaError(msg)
    actual = np.asarray(summary["frequency_holdout"], dtype=np.float64)
    dur = np.asarray(summary["duration_holdout"], dtype=np.float64)
    bad = ~np.isfinite(actual) | (actual < 0) | ~np.isfinite(dur) | (dur < 0)
    if bad.any():
        msg = (
            f"{what}: frequency_holdout and duration_holdout must be finite and >= 0; "
            f"{int(bad.sum())} of {bad.size} customers violate it "
            f"(e.g. customer {summary.index[np.flatnonzero(bad)[:5]].tolist()})."
        )
        raise DataValidationError(msg)
    return actual, dur


@attrs.frozen(kw_only=True)
class HoldoutErrors:
    """Per-customer errors of conditional expectations over a holdout window.

    Attributes
    ----------
    mae, rmse : float
        Mean absolute and root-mean-square error per customer (weighted).
    bias : float
        Mean of expected minus actual per customer.
    actual_total, expected_total : float
        Total holdout purchases, actual and expected.
    n_customers : float
        Number of customers (sum of weights).
    correlation : float
        Pearson correlation of actual and expected per customer (weighted).
    """

    mae: float
    rmse: float
    bias: float
    actual_total: float
    expected_total: float
    n_customers: float
    correlation: float


def holdout_errors(model: _Conditional, summary: pd.DataFrame, /) -> HoldoutErrors:
    """Compare each customer's expected holdout purchases with the actual ones.

    Parameters
    ----------
    model : purchase model
        Any model with ``expected_purchases(summary, t=...)``.
    summary : DataFrame
        Calibration summary with ``frequency_holdout`` and ``duration_holdout``
        (:func:`custrel.calibration_holdout`), in the model's time unit.

    Returns
    -------
    HoldoutErrors
    """
    actual, dur = _holdout_columns(summary, "holdout_errors")
    w = weights_of(summary, "holdout_errors")
    expected = np.asarray(model.expected_purchases(summary, t=dur), dtype=np.float64)
    n = float(w.sum())
    err = expected - actual
    ma = float(np.dot(w, actual) / n)
    me = float(np.dot(w, expected) / n)
    cov = float(np.dot(w, (actual - ma) * (expected - me)) / n)
    va = float(np.dot(w, (actual - ma) ** 2) / n)
    ve = float(np.dot(w, (expected - me) ** 2) / n)
    corr = cov / np.sqrt(va * ve) if va > 0 and ve > 0 else 0.0
    return HoldoutErrors(
        mae=float(np.dot(w, np.abs(err)) / n),
        rmse=float(np.sqrt(np.dot(w, err**2) / n)),
        bias=float(np.dot(w, err) / n),
        actual_total=float(np.dot(w, actual)),
        expected_total=float(np.dot(w, expected)),
        n_customers=n,
        correlation=float(corr),
    )


def _bins(freq: np.ndarray, max_frequency: int) -> pd.Categorical[str]:
    if not (isinstance(max_frequency, int) and max_frequency >= 1):
        msg = f"max_frequency must be an int >= 1; got {max_frequency!r}."
        raise ParameterError(msg)
    labels = [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]
    codes = np.minimum(freq.astype(np.int64), max_frequency)
    cats: pd.Categorical[str] = pd.Categorical.from_codes(
        codes, categories=pd.Index(labels), ordered=True
    )
    return cats


def calibration_frequency_table(
    model: _Conditional, summary: pd.DataFrame, /, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual vs expected holdout purchases by calibration frequency (0..6, 7+).

    Parameters
    ----------
    model : purchase model
        Any model with ``expected_purchases(summary, t=...)``.
    summary : DataFrame
        Calibration/holdout summary (:func:`custrel.calibration_holdout`).
    max_frequency : int
        Frequencies at or above it are pooled into the last row (default 7).

    Returns
    -------
    DataFrame
        Index ``frequency`` (ordered labels ``"0"`` ... ``"7+"``); columns
        ``n_customers``, ``actual``, ``expected`` (means per customer) and
        ``difference`` (expected minus actual).
    """
    actual, dur = _holdout_columns(summary, "calibration_frequency_table")
    w = weights_of(summary, "calibration_frequency_table")
    expected = np.asarray(model.expected_purchases(summary, t=dur), dtype=np.float64)
    cats = _bins(np.asarray(summary["frequency"], dtype=np.float64), max_frequency)
    frame = pd.DataFrame(
        {"bin": cats, "w": w, "wa": w * actual, "we": w * expected}, index=summary.index
    )
    g = frame.groupby("bin", observed=False)[["w", "wa", "we"]].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "n_customers": g["w"].to_numpy(),
                "actual": (g["wa"] / g["w"]).to_numpy(),
                "expected": (g["we"] / g["w"]).to_numpy(),
            },
            index=pd.CategoricalIndex(g.index, name="frequency"),
        )
    out["difference"] = out["expected"] - out["actual"]
    if np.all(out["n_customers"] == np.floor(out["n_customers"])):
        out["n_customers"] = out["n_customers"].astype(np.int64)
    return out


@attrs.frozen(kw_only=True, eq=False)
class HistogramFit:
    """Observed vs expected frequency histogram with a chi-square test.

    Attributes
    ----------
    table : DataFrame
        Index ``frequency`` (``"0"`` ... ``"7+"``), columns ``observed`` and
        ``expected`` (numbers of customers).
    chi_square : float
        Pearson statistic ``sum((O - E)^2 / E)``.
    dof : int
        Degrees of freedom: bins - 1 - estimated parameters.
    p_value : float
        Upper tail probability of the chi-square distribution.
    """

    table: pd.DataFrame
    chi_square: float
    dof: int
    p_value: float


def frequency_histogram_fit(
    model: _Unconditional, summary: pd.DataFrame, /, *, max_frequency: int = 7, n_params: int = 4
) -> HistogramFit:
    """Fit of the calibration-period frequency histogram (FHL 2005, Figure 1).

    The expected number of customers with ``k`` repeat purchases is
    ``sum_i P(X(T_i) = k)``, using each customer's own ``T`` (``n_periods``
    for BG/BB); the model's ``purchase_count_pmf`` is evaluated once per
    distinct ``T`` (custrel's BG/NBD and MBG/NBD evaluate all distinct ``T`` in one
    vectorised call).

    Parameters
    ----------
    model : purchase model
        Any model with ``purchase_count_pmf(n, t)``.
    summary : DataFrame
        ``frequency`` and ``T`` (or ``n_periods``), optional ``weight``.
    max_frequency : int
        Last, pooled bin (default 7, i.e. ``"7+"``).
    n_params : int
        Estimated parameters subtracted from the degrees of freedom.

    Returns
    -------
    HistogramFit
    """
    tcol = "n_periods" if "n_periods" in summary.columns else "T"
    for c in ("frequency", tcol):
        if c not in summary.columns:
            msg = f"frequency_histogram_fit: the summary lacks column {c!r}."
            raise SchemaError(msg)
    w = weights_of(summary, "frequency_histogram_fit")
    freq = np.asarray(summary["frequency"], dtype=np.float64)
    cats = _bins(freq, max_frequency)
    observed = np.bincount(cats.codes, weights=w, minlength=max_frequency + 1)
    t_vals = np.asarray(summary[tcol], dtype=np.float64)
    uniq, inv = np.unique(t_vals, return_inverse=True)
    w_t = np.bincount(inv, weights=w, minlength=uniq.size)
    ks = np.arange(max_frequency)
    expected = np.zeros(max_frequency + 1)
    grid = getattr(model, "_pmf_grid", None)
    if grid is not None and tcol == "T":
        # custrel's continuous-time models evaluate the whole (T, n) grid at once
        pmf_all = np.asarray(grid(ks.astype(np.float64), uniq), dtype=np.float64)
    else:  # one call per distinct T (not per customer)
        pmf_all = np.stack(
            [
                np.asarray(
                    model.purchase_count_pmf(ks, int(t_u) if tcol == "n_periods" else float(t_u)),
                    dtype=np.float64,
                )
                for t_u in uniq
            ]
        )
    expected[:max_frequency] = w_t @ pmf_all
    expected[max_frequency] = float(np.sum(w_t * np.maximum(0.0, 1.0 - pmf_all.sum(axis=1))))
    labels = list(cats.categories)
    table = pd.DataFrame(
        {"observed": observed, "expected": expected},
        index=pd.CategoricalIndex(labels, categories=labels, ordered=True, name="frequency"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = float(np.sum(np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)))
    dof = max(max_frequency + 1 - 1 - int(n_params), 1)
    return HistogramFit(
        table=table, chi_square=chi, dof=dof, p_value=float(stats.chi2.sf(chi, dof))
    )


def expected_tracking_curve(
    model: _Cohort, first_purchase: ArrayLike, times: ArrayLike, /
) -> pd.Series:
    """Expected cumulative repeat purchases of a cohort at calendar ``times``.

    ``sum_i E[X(t - s_i)]`` over customers whose first purchase is at ``s_i``
    (``t - s_i < 0`` counts 0), from the model's
    ``expected_purchases_new_customer``; evaluated once per distinct ``s_i``.

    Parameters
    ----------
    model : purchase model
        Any model with ``expected_purchases_new_customer(t)``.
    first_purchase : array-like
        First-purchase time of each customer, in model time units from a common origin.
    times : array-like
        Calendar times (same origin and unit).

    Returns
    -------
    Series
        Named ``"expected_cumulative_purchases"``, indexed by ``times``.

    Examples
    --------
    >>> from custrel.models import BetaGeo
    >>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> expected_tracking_curve(m, [0.0, 0.0, 10.0], [5.0, 20.0]).round(3).tolist()
    [0.479, 1.922]
    """
    s = np.asarray(first_purchase, dtype=np.float64).ravel()
    t = np.asarray(times, dtype=np.float64).ravel()
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(t))):
        msg = "expected_tracking_curve: first_purchase and times must be finite."
        raise ParameterError(msg)
    s_uniq, s_count = np.unique(s, return_counts=True)
    age = np.maximum(t[None, :] - s_uniq[:, None], 0.0)
    e_new = np.asarray(model.expected_purchases_new_customer(age), dtype=np.float64)
    values = (s_count[:, None] * e_new).sum(axis=0)
    return pd.Series(values, index=pd.Index(t, name="t"), name="expected_cumulative_purchases")


def cohort_tracking(
    model: _Cohort,
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    period: Period,
    observation_end: object = None,
    customers: ArrayLike | None = None,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: Literal["occasion", "not_occasion"] = "occasion",
) -> pd.DataFrame:
    """Actual vs expected cumulative repeat purchases of a cohort, per period.

    The origin is the first transaction date in the log; period ``k`` ends
    ``k`` periods later. A purchase occasion is a (customer, day) with net
    amount >= 0 (``zero_net="not_occasion"``: > 0), as in :func:`custrel.summarize`;
    repeat occasions are all occasions but each customer's first. The
    expected curve is ``sum_i E[X(t_k - s_i)]`` with ``s_i`` the customer's
    first occasion (model ``expected_purchases_new_customer``).

    Parameters
    ----------
    model : purchase model
        A continuous-time model whose unit matches ``period``.
    transactions : DataFrame or path
        The transaction log (validated with :func:`custrel.read_transactions`).
    period : str or float
        Time unit of the model and of the tracking periods.
    observation_end : date-like, optional
        Last day tracked (default: the last transaction).
    customers : array-like, optional
        Restrict to these customer ids (e.g. the calibration cohort).
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Whether a day netting to exactly zero is an occasion.

    Returns
    -------
    DataFrame
        Index ``period`` (1..K); columns ``actual``, ``expected`` (cumulative)
        and ``actual_incremental``, ``expected_incremental``.
    """
    unit = TimeUnit.parse(period)
    if model.period is not None and abs(model.period.days - unit.days) > 1e-12:
        msg = (
            f"cohort_tracking: the model is in period {model.period.name!r} but period={unit.name!r}; "
            "use model.in_period(...) first."
        )
        raise ParameterError(msg)
    tx = read_transactions(transactions, columns=columns)
    if customers is not None:
        tx = tx[tx["customer_id"].isin(pd.Index(np.asarray(customers)))]
    if tx.empty:
        msg = "cohort_tracking: no transactions to track."
        raise DataValidationError(msg)
    end = tx["date"].max() if observation_end is None else pd.Timestamp(observation_end)  # type: ignore[arg-type]
    tx = tx[tx["date"] <= end]
    daily = tx.groupby(["customer_id", "date"], sort=True)["amount"].sum()
    net = daily.to_numpy()
    occ = daily[(net >= 0) if zero_net == "occasion" else (net > 0)].reset_index()
    origin = tx["date"].min()
    day = ((occ["date"] - origin) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64)
    rank = occ.groupby("customer_id", sort=False).cumcount().to_numpy()
    first_day = day[rank == 0]
    repeat_day = day[rank > 0]
    n_periods = int(np.floor(((end - origin) / pd.Timedelta(days=1)) / unit.days))
    if n_periods < 1:
        msg = "cohort_tracking: the log spans less than one period."
        raise DataValidationError(msg)
    k = np.arange(1, n_periods + 1, dtype=np.float64)
    edges_days = k * unit.days
    actual = np.searchsorted(np.sort(repeat_day), edges_days, side="right").astype(np.float64)
    expected = expected_tracking_curve(model, first_day / unit.days, k).to_numpy()
    out = pd.DataFrame(
        {"actual": actual, "expected": expected},
        index=pd.RangeIndex(1, n_periods + 1, name="period"),
    )
    out["actual_incremental"] = out["actual"].diff().fillna(out["actual"])
    out["expected_incremental"] = out["expected"].diff().fillna(out["expected"])
    return out


@attrs.frozen(kw_only=True)
class TrackingError:
    """Summary errors of a cumulative tracking curve.

    Attributes
    ----------
    mape : float
        Mean absolute percentage error of the cumulative curve (periods with actual > 0).
    mae, rmse : float
        Mean absolute and root-mean-square error of the cumulative curve.
    max_abs_error : float
        Largest absolute gap.
    final_pct_error : float
        Percentage error at the last period (expected / actual - 1, x100).
    incremental_mae : float
        Mean absolute error of the per-period increments.
    n_periods : int
        Periods compared.
    """

    mape: float
    mae: float
    rmse: float
    max_abs_error: float
    final_pct_error: float
    incremental_mae: float
    n_periods: int


def tracking_error(tracking: pd.DataFrame, /, *, start: int | None = None) -> TrackingError:
    """Errors of a :func:`cohort_tracking` table, optionally from period ``start`` on.

    Examples
    --------
    >>> t = pd.DataFrame({"actual": [10.0, 20.0], "expected": [11.0, 19.0]})
    >>> tracking_error(t).mape
    7.5
    """
    for c in ("actual", "expected"):
        if c not in tracking.columns:
            msg = f"tracking_error: the table lacks column {c!r} (use cohort_tracking)."
            raise SchemaError(msg)
    tab = tracking if start is None else tracking.loc[tracking.index >= start]
    if tab.empty:
        msg = "tracking_error: no periods to compare."
        raise ParameterError(msg)
    a = tab["actual"].to_numpy(dtype=np.float64)
    e = tab["expected"].to_numpy(dtype=np.float64)
    pos = a > 0
    err = e - a
    inc_a = np.diff(a, prepend=0.0 if start is None else a[0])
    inc_e = np.diff(e, prepend=0.0 if start is None else e[0])
    return TrackingError(
        mape=float(np.mean(np.abs(err[pos]) / a[pos]) * 100.0) if pos.any() else float("nan"),
        mae=float(np.mean(np.abs(err))),
        rmse=float(np.sqrt(np.mean(err**2))),
        max_abs_error=float(np.max(np.abs(err))),
        final_pct_error=float((e[-1] / a[-1] - 1.0) * 100.0) if a[-1] > 0 else float("nan"),
        incremental_mae=float(np.mean(np.abs(inc_e - inc_a))),
        n_periods=int(a.size),
    )
