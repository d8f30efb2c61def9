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
    CustomerDays,
    CustomerIds,
    day_number,
    group_ends,
    group_starts,
    occasion_mask,
    rows_to_customer_days,
)
from custrel.data._time import Period, TimeUnit
from custrel.data._transactions import validated_columns
from custrel.data._validate import examples
from custrel.errors import DataValidationError, DataWarning

__all__ = [
    "Exclusions",
    "SummaryReport",
    "calibration_holdout",
    "calibration_holdout_report",
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

    Notes
    -----
    An ``Exclusions`` is falsy when nothing was excluded.

    Examples
    --------
    >>> ex = Exclusions(customers={"no_purchase_occasion": 2}, examples={"no_purchase_occasion": ("b", "c")})
    >>> bool(ex), bool(Exclusions())
    (True, False)
    """

    rows: Mapping[str, int] = attrs.field(factory=dict)
    customers: Mapping[str, int] = attrs.field(factory=dict)
    examples: Mapping[str, tuple[object, ...]] = attrs.field(factory=dict)

    def __bool__(self) -> bool:
        return any(self.rows.values()) or any(self.customers.values())

    def describe(self) -> str:
        """One readable sentence per exclusion reason.

        Returns
        -------
        str
            The sentences joined with ``"; "`` (empty when nothing was excluded).

        Examples
        --------
        >>> Exclusions(rows={"rows_after_observation_end": 3}).describe()
        '3 row(s) excluded: rows_after_observation_end'
        """
        parts = [f"{n} row(s) excluded: {reason}" for reason, n in self.rows.items() if n]
        for reason, n in self.customers.items():
            if n:
                ex = examples(self.examples.get(reason, ()))
                parts.append(f"{n} customer(s) excluded: {reason} (e.g. customer_id {ex})")
        return "; ".join(parts)


@attrs.frozen(eq=False)
class SummaryReport:
    """A customer summary together with what it excluded.

    Returned by :func:`summarize_report` and :func:`calibration_holdout_report`.

    Attributes
    ----------
    summary : DataFrame
        The per-customer summary, as :func:`summarize` or
        :func:`calibration_holdout` return it.
    exclusions : Exclusions
        Rows and customers left out, per reason.
    period : TimeUnit
        Time unit of ``recency``, ``T`` and the holdout duration.
    observation_end : Timestamp
        Inclusive end of observation actually used.
    calibration_end : Timestamp or None
        Inclusive end of the calibration period (``None`` for :func:`summarize_report`).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1], "date": ["2024-01-01", "2024-01-08"],
    ...                    "amount": 10.0})
    >>> rep = summarize_report(tx, period="W")
    >>> rep.period.name, str(rep.observation_end.date()), rep.calibration_end, bool(rep.exclusions)
    ('W', '2024-01-08', None, False)
    """

    summary: pd.DataFrame
    exclusions: Exclusions
    period: TimeUnit
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp | None = None


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


def _prepare(
    transactions: pd.DataFrame | str | Path, columns: TransactionColumns
) -> dict[str, pd.Series]:
    return validated_columns(transactions, columns, floor_dates=False)


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Integer day numbers (days since 1970-01-01, floored) of a tz-naive datetime Series."""
    values = dates.to_numpy()
    days = values.astype("datetime64[D]").view(np.int64)
    return days.copy() if np.may_share_memory(days, values) else days


@attrs.frozen(eq=False)
class _CustomerRuns:
    """Per-customer reductions of customer-days (one entry per customer with rows)."""

    codes: np.ndarray  # sorted customer codes
    total: np.ndarray  # net amount of all rows
    has_occasion: np.ndarray  # bool
    n_occasions: np.ndarray
    first: np.ndarray  # first occasion day (valid where has_occasion)
    last: np.ndarray
    repeat_sum: np.ndarray  # net amount of the repeat occasions


def _customer_runs(cd: CustomerDays, zero_net: ZeroNet) -> _CustomerRuns:
    cs = group_starts(cd.cust)
    m = cd.cust.size
    total = np.add.reduceat(cd.net, cs) if m else np.empty(0)
    occ = occasion_mask(cd.net, zero_net)
    if occ.all():
        ends = group_ends(cs, m)
        n_occ = ends - cs + 1
        return _CustomerRuns(
            codes=cd.cust[cs],
            total=total,
            has_occasion=np.ones(cs.size, dtype=bool),
            n_occasions=n_occ,
            first=cd.day[cs],
            last=cd.day[ends],
            repeat_sum=total - cd.net[cs],
        )
    n_occ = np.add.reduceat(occ.astype(np.int64), cs) if m else np.empty(0, np.int64)
    has = n_occ > 0
    oc, od, onet = cd.cust[occ], cd.day[occ], cd.net[occ]
    os_ = group_starts(oc)
    oe = group_ends(os_, oc.size)
    first = np.zeros(cs.size, dtype=np.int64)
    last = np.zeros(cs.size, dtype=np.int64)
    rep = np.zeros(cs.size)
    first[has] = od[os_]
    last[has] = od[oe]
    if os_.size:
        rep[has] = np.add.reduceat(onet, os_) - onet[os_]
    return _CustomerRuns(
        codes=cd.cust[cs],
        total=total,
        has_occasion=has,
        n_occasions=n_occ,
        first=first,
        last=last,
        repeat_sum=rep,
    )


def _frame(
    runs: _CustomerRuns, to_ids: CustomerIds, *, unit: TimeUnit, end_day: int
) -> pd.DataFrame:
    has = runs.has_occasion
    everyone = bool(has.all())

    def pick(a: np.ndarray) -> np.ndarray:
        return a if everyone else a[has]

    first, last, n_occ = pick(runs.first), pick(runs.last), pick(runs.n_occasions)
    freq = n_occ - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(freq > 0, pick(runs.repeat_sum) / np.maximum(freq, 1), 0.0)
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
            "total_amount": pick(runs.total),
        },
        index=to_ids(pick(runs.codes)),
    )
    summary.index.name = "customer_id"
    return summary


def _no_occasion(runs: _CustomerRuns, to_ids: CustomerIds) -> tuple[int, tuple[object, ...]]:
    missing = ~runs.has_occasion
    n = int(missing.sum())
    return n, (tuple(to_ids(runs.codes[missing][:5])) if n else ())


def _summary_frame(
    tx: pd.DataFrame | dict[str, pd.Series],
    *,
    unit: TimeUnit,
    end_day: int,
    zero_net: ZeroNet,
) -> tuple[pd.DataFrame, Exclusions, np.ndarray, CustomerIds]:
    """Summary of the rows dated on or before ``end_day``, and what it excluded.

    ``tx`` holds canonical, validated columns: a normalised frame from
    :func:`read_transactions` or the dict of :func:`validated_columns`. Also
    returns the internal customer codes of the summary rows and their id map.
    """
    days = _day_numbers(tx["date"])
    amounts = tx["amount"].to_numpy(dtype=np.float64)
    cd, to_ids, n_after = rows_to_customer_days(tx["customer_id"], days, amounts, end_day=end_day)
    runs = _customer_runs(cd, zero_net)
    summary = _frame(runs, to_ids, unit=unit, end_day=end_day)
    n_no_occ, ex = _no_occasion(runs, to_ids)
    excl = Exclusions(
        rows={ROWS_AFTER_END: n_after} if n_after else {},
        customers={NO_OCCASION: n_no_occ} if n_no_occ else {},
        examples={NO_OCCASION: ex} if n_no_occ else {},
    )
    return summary, excl, runs.codes[runs.has_occasion], to_ids


def _calibration_holdout_frame(
    tx: pd.DataFrame | dict[str, pd.Series],
    *,
    unit: TimeUnit,
    cal_day: int,
    end_day: int,
    zero_net: ZeroNet,
) -> tuple[pd.DataFrame, Exclusions]:
    """Calibration summary plus holdout outcomes of validated columns, and the exclusions.

    Every customer with rows on or before ``end_day`` who is not in the summary is
    counted: returns only (``no_purchase_occasion``) or a first purchase after
    the calibration end (``first_purchase_after_calibration_end``).
    """
    days = _day_numbers(tx["date"])
    amounts = tx["amount"].to_numpy(dtype=np.float64)
    cd, to_ids, n_after = rows_to_customer_days(tx["customer_id"], days, amounts, end_day=end_day)
    in_cal = cd.day <= cal_day
    cal_runs = _customer_runs(
        CustomerDays(cust=cd.cust[in_cal], day=cd.day[in_cal], net=cd.net[in_cal]), zero_net
    )
    summary = _frame(cal_runs, to_ids, unit=unit, end_day=cal_day)
    # holdout occasions per customer, matched to the calibration customers by code
    hold = ~in_cal & occasion_mask(cd.net, zero_net)
    h_cust, h_net = cd.cust[hold], cd.net[hold]
    hs = group_starts(h_cust)
    h_codes = h_cust[hs]
    h_count = np.diff(np.append(hs, h_cust.size))
    h_sum = np.add.reduceat(h_net, hs) if hs.size else np.empty(0)
    s_codes = cal_runs.codes[cal_runs.has_occasion]
    fh = np.zeros(s_codes.size, dtype=np.int64)
    sh = np.zeros(s_codes.size)
    if h_codes.size and s_codes.size:
        pos = np.minimum(np.searchsorted(s_codes, h_codes), s_codes.size - 1)
        hit = s_codes[pos] == h_codes
        fh[pos[hit]] = h_count[hit]
        sh[pos[hit]] = h_sum[hit]
    summary["frequency_holdout"] = fh
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["monetary_value_holdout"] = np.where(fh > 0, sh / np.maximum(fh, 1), 0.0)
    summary["duration_holdout"] = (end_day - cal_day) / unit.days
    # newcomers: holdout buyers without any calibration row
    if h_codes.size and cal_runs.codes.size:
        pos = np.minimum(np.searchsorted(cal_runs.codes, h_codes), cal_runs.codes.size - 1)
        new_codes = h_codes[cal_runs.codes[pos] != h_codes]
    else:
        new_codes = h_codes
    rows = {ROWS_AFTER_END: n_after} if n_after else {}
    # everyone else with rows has no purchase occasion (e.g. only returns, maybe all
    # after the calibration end)
    all_codes = cd.cust[group_starts(cd.cust)]
    others = np.setdiff1d(all_codes, np.concatenate((s_codes, new_codes)), assume_unique=True)
    customers_x: dict[str, int] = {}
    examples_x: dict[str, tuple[object, ...]] = {}
    for reason, codes in ((NO_OCCASION, others), (FIRST_IN_HOLDOUT, new_codes)):
        if codes.size:
            customers_x[reason] = int(codes.size)
            examples_x[reason] = tuple(to_ids(codes[:5]))
    return summary, Exclusions(rows=rows, customers=customers_x, examples=examples_x)


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

    No :class:`~custrel.errors.DataWarning` is emitted: the exclusions are
    returned instead.

    Parameters
    ----------
    transactions : DataFrame or path
        Raw log; validated with :func:`read_transactions`.
    period : str, float or TimeUnit
        Time unit of ``recency`` and ``T`` (see :func:`summarize`).
    observation_end : date-like, optional
        Inclusive end of observation; default the last transaction date.
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Whether a day netting exactly to zero is a purchase occasion.

    Returns
    -------
    SummaryReport
        ``summary`` (as :func:`summarize` returns it), ``exclusions``,
        ``period`` and ``observation_end``.

    Raises
    ------
    DataValidationError
        Invalid rows (see :func:`read_transactions`) or an observation end
        before the first transaction.

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
    dmin, dmax = tx["date"].min().normalize(), tx["date"].max().normalize()
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


def calibration_holdout_report(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    calibration_end: object,
    observation_end: object = None,
    period: Period,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
) -> SummaryReport:
    """Like :func:`calibration_holdout`, but return the summary with its :class:`Exclusions`.

    No :class:`~custrel.errors.DataWarning` is emitted: the exclusions are
    returned instead.

    Parameters
    ----------
    transactions : DataFrame or path
        Raw log; validated with :func:`read_transactions`.
    calibration_end : date-like
        Inclusive end of the calibration period.
    observation_end : date-like, optional
        Inclusive end of the holdout period; default the last transaction date.
    period : str, float or TimeUnit
        Time unit of ``recency``, ``T`` and ``duration_holdout``.
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Whether a day netting exactly to zero is a purchase occasion.

    Returns
    -------
    SummaryReport
        ``summary`` (as :func:`calibration_holdout` returns it), ``exclusions``,
        ``period``, ``observation_end`` and ``calibration_end``.

    Raises
    ------
    DataValidationError
        Invalid rows, a calibration end outside the data, or a calibration end
        not before the observation end.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 3],
    ...                    "date": ["2024-01-01", "2024-02-05", "2024-02-10", "2024-02-12"],
    ...                    "amount": [10.0, 40.0, 5.0, -3.0]})
    >>> rep = calibration_holdout_report(tx, calibration_end="2024-01-31",
    ...                                  observation_end="2024-02-28", period="D")
    >>> rep.summary[["frequency", "frequency_holdout"]]
                 frequency  frequency_holdout
    customer_id
    1                    0                  1
    >>> dict(rep.exclusions.customers)
    {'no_purchase_occasion': 1, 'first_purchase_after_calibration_end': 1}
    """
    unit = TimeUnit.parse(period)
    tx = _prepare(transactions, columns)
    dmin, dmax = tx["date"].min().normalize(), tx["date"].max().normalize()
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
    summary, exclusions = _calibration_holdout_frame(
        tx, unit=unit, cal_day=day_number(cal), end_day=day_number(end), zero_net=zero_net
    )
    return SummaryReport(
        summary=summary,
        exclusions=exclusions,
        period=unit,
        observation_end=end,
        calibration_end=cal,
    )


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
    report = calibration_holdout_report(
        transactions,
        calibration_end=calibration_end,
        observation_end=observation_end,
        period=period,
        columns=columns,
        zero_net=zero_net,
    )
    _warn(report.exclusions)
    return report.summary
