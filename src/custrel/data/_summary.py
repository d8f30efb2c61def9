"""Per-customer summaries (frequency, recency, T, monetary value) from a transaction log."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data._columns import TransactionColumns
from custrel.data._kernel import (
    customer_days,
    day_number,
    encode,
    group_ends,
    group_starts,
    occasion_mask,
)
from custrel.data._time import Period, TimeUnit
from custrel.data._transactions import read_transactions
from custrel.data._validate import examples
from custrel.errors import DataValidationError, DataWarning

__all__ = [
    "Exclusions",
    "SummaryReport",
    "calibration_holdout",
    "summarize",
    "summarize_report",
]

ZeroNet = Literal["occasion", "not_occasion"]
_DEFAULT_COLUMNS = TransactionColumns()

#: Reasons for which rows or customers are left out of a summary.
ROWS_AFTER_END = "rows_after_observation_end"
NO_OCCASION = "no_purchase_occasion"
FIRST_IN_HOLDOUT = "first_purchase_after_calibration_end"


@attrs.frozen
class Exclusions:
    """What a summary left out, and why: counts of rows and customers per reason.

    Attributes
    ----------
    rows : Mapping[str, int]
        Rows excluded per reason (e.g. ``rows_after_observation_end``).
    customers : Mapping[str, int]
        Customers absent from the summary per reason (e.g. ``no_purchase_occasion``:
        they have rows, but only returns).
    examples : Mapping[str, tuple]
        Up to five example customer ids per reason.
    """

    rows: Mapping[str, int] = attrs.field(factory=dict)
    customers: Mapping[str, int] = attrs.field(factory=dict)
    examples: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)

    def __bool__(self) -> bool:
        return any(self.rows.values()) or any(self.customers.values())

    def describe(self) -> str:
        """One readable sentence per exclusion reason."""
        parts = [f"{n} row(s) excluded: {reason}" for reason, n in self.rows.items() if n]
        for reason, n in self.customers.items():
            if n:
                ex = examples(self.examples.get(reason, ()))
                parts.append(f"{n} customer(s) excluded: {reason} (e.g. customer_id {ex})")
        return "; ".join(parts)


@attrs.frozen(eq=False)
class SummaryReport:
    """A customer summary together with what it excluded."""

    summary: pd.DataFrame
    exclusions: Exclusions
    period: TimeUnit
    observation_end: pd.Timestamp


def _as_timestamp(value: object, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be a date; got {value!r}."
        raise DataValidationError(msg) from exc
    if pd.isna(ts):
        msg = f"{name} must be a date; got {value!r}."
        raise DataValidationError(msg)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _prepare(transactions: pd.DataFrame | str | Path, columns: TransactionColumns) -> pd.DataFrame:
    return read_transactions(transactions, columns=columns)


def _summary_frame(
    tx: pd.DataFrame,
    *,
    unit: TimeUnit,
    end_day: int,
    zero_net: ZeroNet,
) -> tuple[pd.DataFrame, Exclusions, np.ndarray, pd.Index]:
    """Summary of rows with day <= end_day; returns the frame, exclusions, kept codes, uniques."""
    enc = encode(tx)
    keep_rows = enc.days <= end_day
    n_after = int(keep_rows.size - keep_rows.sum())
    codes, days, amounts = enc.codes, enc.days, enc.amounts
    if n_after:
        codes, days, amounts = codes[keep_rows], days[keep_rows], amounts[keep_rows]
    n_all = len(enc.customers)
    total = np.bincount(codes, weights=amounts, minlength=n_all)
    has_rows = np.bincount(codes, minlength=n_all) > 0
    cd = customer_days(codes, days, amounts)
    occ = occasion_mask(cd.net, zero_net)
    oc, od, onet = cd.cust[occ], cd.day[occ], cd.net[occ]
    starts = group_starts(oc)
    ends = group_ends(starts, oc.size)
    cust = oc[starts]
    n_occ = ends - starts + 1
    first = od[starts]
    last = od[ends]
    rep = onet.copy()
    rep[starts] = 0.0
    rep_sum = np.add.reduceat(rep, starts) if starts.size else np.empty(0)
    freq = n_occ - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(freq > 0, rep_sum / np.maximum(freq, 1), 0.0)
    epoch = np.datetime64("1970-01-01", "D")
    summary = pd.DataFrame(
        {
            "frequency": freq.astype(np.int64),
            "recency": (last - first) / unit.days,
            "T": (end_day - first) / unit.days,
            "monetary_value": monetary,
            "first_purchase": (epoch + first).astype("datetime64[ns]"),
            "last_purchase": (epoch + last).astype("datetime64[ns]"),
            "n_occasions": n_occ.astype(np.int64),
            "total_amount": total[cust],
        },
        index=enc.customers[cust],
    )
    summary.index.name = "customer_id"
    no_occ = has_rows.copy()
    no_occ[cust] = False
    n_no_occ = int(no_occ.sum())
    excl = Exclusions(
        rows={ROWS_AFTER_END: n_after} if n_after else {},
        customers={NO_OCCASION: n_no_occ} if n_no_occ else {},
        examples={NO_OCCASION: tuple(enc.customers[no_occ][:5])} if n_no_occ else {},
    )
    return summary, excl, cust, enc.customers


def summarize_report(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    period: Period,
    observation_end: object = None,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
) -> SummaryReport:
    """Like :func:`summarize`, but return the summary with its :class:`Exclusions`.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-03-01", "2024-02-01"],
    ...                    "amount": [10.0, 20.0, -5.0]})
    >>> rep = summarize_report(tx, period="D", observation_end="2024-03-31")
    >>> rep.summary[["frequency", "recency", "T"]]
                 frequency  recency     T
    customer_id
    1                    1     60.0  90.0
    >>> rep.exclusions.describe()
    '1 customer(s) excluded: no_purchase_occasion (e.g. customer_id 2)'
    """
    unit = TimeUnit.parse(period)
    tx = _prepare(transactions, columns)
    dmin, dmax = tx["date"].min(), tx["date"].max()
    end = dmax if observation_end is None else _as_timestamp(observation_end, "observation_end")
    if end < dmin:
        msg = (
            f"observation_end {end.date()} is before the first transaction ({dmin.date()}); "
            "no customer can be summarised."
        )
        raise DataValidationError(msg)
    summary, excl, _, _ = _summary_frame(tx, unit=unit, end_day=day_number(end), zero_net=zero_net)
    return SummaryReport(summary=summary, exclusions=excl, period=unit, observation_end=end)


def _warn(excl: Exclusions) -> None:
    if excl:
        warnings.warn(
            f"summary leaves out data: {excl.describe()}. "
            "Use summarize_report(...) to get these counts programmatically.",
            DataWarning,
            stacklevel=3,
        )


def summarize(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    period: Period,
    observation_end: object = None,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
) -> pd.DataFrame:
    """Summarise a transaction log into one row per customer.

    A *purchase occasion* is a (customer, day) whose rows net to a non-negative
    amount: same-day rows are summed first, a day of returns only (net < 0) is
    not an occasion but still counts in ``total_amount``. ``zero_net="not_occasion"``
    makes the rule strict (net > 0); the default keeps $0 purchases, which the
    published CDNOW construction needs (8 customers' only purchase is $0).

    Parameters
    ----------
    transactions : DataFrame or path
        Raw log; validated with :func:`read_transactions`.
    period : str or float
        Time unit of ``recency`` and ``T``: ``"D"``, ``"W"`` (days / 7),
        ``"M"`` (30.4375 days), ``"Q"``, ``"Y"`` or a number of days.
    observation_end : date-like, optional
        Inclusive end of observation; default the last transaction date. Later
        rows are excluded and reported.
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Whether a day netting exactly to zero is a purchase occasion.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id`` (sorted) with ``frequency`` (repeat
        occasions), ``recency`` (first to last occasion), ``T`` (first occasion
        to observation end), ``monetary_value`` (mean net amount of the repeat
        occasions, the first excluded; 0 when frequency is 0), ``first_purchase``,
        ``last_purchase``, ``n_occasions`` and ``total_amount`` (all net amounts
        up to the observation end, returns included).

    Warns
    -----
    DataWarning
        When rows or customers are excluded (rows after the observation end,
        customers with returns only); :func:`summarize_report` returns the
        counts instead.

    Raises
    ------
    DataValidationError
        Invalid rows (see :func:`read_transactions`) or an observation end
        before the first transaction.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [5.0, 5.0, 30.0, 12.0]})
    >>> summarize(tx, period="W", observation_end="2024-01-29")[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency    T  monetary_value
    customer_id
    a                    1      2.0  4.0            30.0
    b                    0      0.0  3.0             0.0
    """
    report = summarize_report(
        transactions,
        period=period,
        observation_end=observation_end,
        columns=columns,
        zero_net=zero_net,
    )
    _warn(report.exclusions)
    return report.summary


def calibration_holdout(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    calibration_end: object,
    observation_end: object = None,
    period: Period,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
) -> pd.DataFrame:
    """Split a log into a calibration summary and holdout outcomes.

    The calibration summary is :func:`summarize` at ``calibration_end`` (only
    customers whose first occasion is on or before it). The holdout columns
    count the occasions of those customers in ``(calibration_end, observation_end]``
    with the same occasion rule.

    Parameters
    ----------
    transactions : DataFrame or path
        Raw log.
    calibration_end : date-like
        Inclusive end of the calibration period; must lie within the data.
    observation_end : date-like, optional
        Inclusive end of the holdout period; default the last transaction date.
    period : str or float
        Time unit (see :func:`summarize`).
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Occasion rule (see :func:`summarize`).

    Returns
    -------
    DataFrame
        The calibration summary plus ``frequency_holdout``, ``monetary_value_holdout``
        (mean net amount per holdout occasion, 0 when none) and ``duration_holdout``.

    Warns
    -----
    DataWarning
        When rows or customers are excluded (rows after the observation end,
        customers whose first purchase falls in the holdout, returns-only customers).

    Raises
    ------
    DataValidationError
        ``calibration_end`` outside the data or not before ``observation_end``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-02-05", "2024-01-03"],
    ...                    "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> ch = calibration_holdout(tx, calibration_end="2024-01-31", observation_end="2024-02-28",
    ...                          period="D")
    >>> ch[["frequency", "T", "frequency_holdout", "monetary_value_holdout", "duration_holdout"]]
                 frequency     T  frequency_holdout  monetary_value_holdout  duration_holdout
    customer_id
    1                    1  30.0                  1                    40.0              28.0
    2                    0  28.0                  0                     0.0              28.0
    """
    unit = TimeUnit.parse(period)
    tx = _prepare(transactions, columns)
    dmin, dmax = tx["date"].min(), tx["date"].max()
    cal = _as_timestamp(calibration_end, "calibration_end")
    end = dmax if observation_end is None else _as_timestamp(observation_end, "observation_end")
    if not dmin <= cal < dmax:
        msg = (
            f"calibration_end {cal.date()} must lie within the data, on or after the first "
            f"transaction ({dmin.date()}) and before the last ({dmax.date()})."
        )
        raise DataValidationError(msg)
    if not cal < end:
        msg = f"calibration_end {cal.date()} must be before observation_end {end.date()}."
        raise DataValidationError(msg)
    cal_day, end_day = day_number(cal), day_number(end)
    summary, excl, cust, customers = _summary_frame(
        tx, unit=unit, end_day=cal_day, zero_net=zero_net
    )
    enc = encode(tx)
    # holdout rows of calibration customers
    in_cal_customer = np.zeros(len(customers), dtype=bool)
    in_cal_customer[cust] = True
    # encode() factorises the same column the same way, so codes agree with `customers`
    hold = (enc.days > cal_day) & (enc.days <= end_day)
    n_after = int((enc.days > end_day).sum())
    cd = customer_days(enc.codes[hold], enc.days[hold], enc.amounts[hold])
    occ = occasion_mask(cd.net, zero_net)
    n_all = len(customers)
    n_hold = np.bincount(cd.cust[occ], minlength=n_all)
    s_hold = np.bincount(cd.cust[occ], weights=cd.net[occ], minlength=n_all)
    newcomers = np.zeros(n_all, dtype=bool)
    newcomers[cd.cust[occ]] = True
    newcomers &= ~in_cal_customer
    # customers with only returns in calibration are not newcomers even if they buy later
    pre = np.zeros(n_all, dtype=bool)
    pre[enc.codes[enc.days <= cal_day]] = True
    newcomers &= ~pre
    fh = n_hold[cust]
    summary["frequency_holdout"] = fh.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["monetary_value_holdout"] = np.where(fh > 0, s_hold[cust] / np.maximum(fh, 1), 0.0)
    summary["duration_holdout"] = (end_day - cal_day) / unit.days
    rows = dict(excl.rows)
    rows.pop(ROWS_AFTER_END, None)
    if n_after:
        rows[ROWS_AFTER_END] = n_after
    customers_x = dict(excl.customers)
    examples_x = dict(excl.examples)
    n_new = int(newcomers.sum())
    if n_new:
        customers_x[FIRST_IN_HOLDOUT] = n_new
        examples_x[FIRST_IN_HOLDOUT] = tuple(customers[newcomers][:5])
    exclusions = Exclusions(rows=rows, customers=customers_x, examples=examples_x)
    _warn(exclusions)
    return summary
