"""Customer summaries, pattern counts and scoring on dask, with the same answers as in memory.

Import this module explicitly; it needs the ``dask`` extra
(``pip install 'custrel[dask]'``) and raises
:class:`~custrel.errors.MissingDependencyError` naming that extra when dask is
missing.

The flow mirrors the in-memory one:

1. :func:`summarize` / :func:`calibration_holdout` validate the log partition by
   partition, shuffle the rows by customer (every customer's rows land in one
   partition), then run the *same* vectorised kernel as
   :func:`custrel.data.summarize` on each partition. The result is a dask
   DataFrame indexed by ``customer_id``, persisted on the workers, and its
   exclusions are counted exactly as in memory.
2. :func:`pattern_counts` collapses the summary into the small weighted table of
   distinct (frequency, recency, T) patterns, which every model's ``fit``
   accepts through its ``weight`` column.
3. :func:`score` applies fitted models per partition with ``map_partitions``
   and an explicit ``meta``; :func:`global_cutoffs` computes population-level
   cutoffs once, so that rank-based rules stay correct when applied per partition.

The default scheduler is whatever dask is configured to use: the local
threaded scheduler, or a ``dask.distributed.Client`` if one is active.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd

from custrel._optional import require
from custrel.data import Exclusions, TransactionColumns
from custrel.data import summarize_report as _memory_report
from custrel.data._kernel import customer_days, day_number, encode, group_starts, occasion_mask
from custrel.data._summary import FIRST_IN_HOLDOUT, NO_OCCASION, ROWS_AFTER_END
from custrel.data._time import Period, TimeUnit
from custrel.data._transactions import read_transactions
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError

dask = require("dask", extra="dask", feature="custrel.scale.dask")
dd = require("dask.dataframe", extra="dask", feature="custrel.scale.dask")

__all__ = [
    "DistributedSummary",
    "calibration_holdout",
    "calibration_holdout_report",
    "pattern_counts",
    "read_log",
    "summarize",
    "summarize_report",
]

ZeroNet = Literal["occasion", "not_occasion"]
_DEFAULT_COLUMNS = TransactionColumns()
_N_EXAMPLES = 5
_MAX_PROBLEM_PARTITIONS = 20
PATTERN_COLUMNS = ("frequency", "recency", "T")
_HOLDOUT_COLUMNS = ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]

Kernel = Callable[[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, "_PartExclusions"]]

#: A transaction log as a dask DataFrame or a path (Parquet file or directory, or CSV glob).
LogSource = Any


# --------------------------------------------------------------------------- results


@attrs.frozen(eq=False)
class DistributedSummary:
    """A distributed customer summary together with what it excluded.

    Attributes
    ----------
    summary : dask.dataframe.DataFrame
        One row per customer, indexed by ``customer_id`` (persisted); the same
        columns and values as :func:`custrel.data.summarize` (or
        :func:`custrel.data.calibration_holdout`). Each partition is sorted by
        customer; partitions are disjoint sets of customers.
    exclusions : Exclusions
        Rows and customers left out, per reason, with up to five example ids
        (the five smallest ids, as in memory).
    period : TimeUnit
        Time unit of ``recency``, ``T`` (and ``duration_holdout``).
    observation_end : Timestamp
        Inclusive end of observation.
    calibration_end : Timestamp or None
        Inclusive end of calibration (:func:`calibration_holdout_report` only).
    n_rows : int or None
        Rows of the log (``None`` when the validation pass was skipped).
    """

    summary: Any
    exclusions: Exclusions
    period: TimeUnit
    observation_end: pd.Timestamp
    calibration_end: pd.Timestamp | None = None
    n_rows: int | None = None


@attrs.frozen
class _PartExclusions:
    """Exclusion counts and the smallest example ids of one partition."""

    rows: dict[str, int]
    customers: dict[str, int]
    examples: dict[str, tuple[object, ...]]


# --------------------------------------------------------------------------- input


def read_log(source: LogSource, /, *, blocksize: str | int | None = None) -> Any:
    """Open a transaction log lazily as a dask DataFrame.

    Parameters
    ----------
    source : dask DataFrame, str or Path
        A dask DataFrame (returned as is), a Parquet file or directory
        (``.parquet``/``.pq`` or a directory of them), or a CSV path or glob.
    blocksize : str or int, optional
        CSV block size per partition (dask's default when omitted).

    Returns
    -------
    dask.dataframe.DataFrame
        The lazy log; nothing is read yet.

    Raises
    ------
    SchemaError
        The source is neither a dask DataFrame nor a readable path.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> ddf = dd.from_pandas(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"],
    ...                                    "amount": [1.0]}), npartitions=1)
    >>> read_log(ddf) is ddf
    True
    """
    if isinstance(source, dd.DataFrame):
        return source
    if isinstance(source, pd.DataFrame):
        msg = (
            "custrel.scale.dask expects a dask DataFrame or a path; got a pandas DataFrame. "
            "Use custrel.data.summarize for in-memory logs, or dask.dataframe.from_pandas(...)."
        )
        raise SchemaError(msg)
    if isinstance(source, str | Path):
        text = str(source)
        path = Path(text)
        lowered = text.lower()
        if lowered.endswith((".parquet", ".pq")) or path.is_dir():
            require("pyarrow", extra="parquet", feature="reading Parquet logs with dask")
            return dd.read_parquet(text)
        if lowered.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
            sep = "\t" if lowered.endswith(".tsv") else ","
            kwargs: dict[str, Any] = {"sep": sep}
            if blocksize is not None:
                kwargs["blocksize"] = blocksize
            return dd.read_csv(text, **kwargs)
        msg = f"transaction log must be a Parquet file/directory or CSV path; got {text!r}."
        raise SchemaError(msg)
    msg = f"transactions must be a dask DataFrame or a path; got {type(source).__name__}."
    raise SchemaError(msg)


def _timestamp(value: object, name: str) -> pd.Timestamp:
    """A tz-naive day from a date-like value (as the in-memory path reads it)."""
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


def _check_schema(ddf: Any, columns: TransactionColumns) -> None:
    available = [str(c) for c in ddf.columns]
    missing = [user for user in columns.rename_map() if user not in available]
    if missing:
        shown = ", ".join(repr(c) for c in available[:20])
        msg = (
            f"transaction log is missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"available columns: {shown}. Map your names with TransactionColumns(...)."
        )
        raise SchemaError(msg)


def _required(columns: TransactionColumns) -> TransactionColumns:
    return TransactionColumns(
        customer_id=columns.customer_id, date=columns.date, amount=columns.amount
    )


def _scan_part(
    part: pd.DataFrame,
    columns: TransactionColumns,
    partition_info: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Validate one partition: rows, first and last date, and every problem found."""
    number = -1 if partition_info is None else int(partition_info["number"])
    problems: tuple[str, ...] = ()
    dmin = dmax = pd.NaT
    n = len(part)
    if n:
        try:
            tx = read_transactions(part, columns=columns)
        except DataValidationError as exc:
            problems = tuple(f"partition {number}: {p}" for p in exc.problems) or (
                f"partition {number}: {exc}",
            )
        else:
            dmin, dmax = tx["date"].min(), tx["date"].max()
    return pd.DataFrame(
        {
            "partition": [number],
            "n_rows": [n],
            "dmin": pd.Series([dmin], dtype="datetime64[ns]"),
            "dmax": pd.Series([dmax], dtype="datetime64[ns]"),
            "problems": pd.Series(["\n".join(problems)], dtype=object),
        }
    )


_SCAN_META = pd.DataFrame(
    {
        "partition": pd.Series([], dtype=np.int64),
        "n_rows": pd.Series([], dtype=np.int64),
        "dmin": pd.Series([], dtype="datetime64[ns]"),
        "dmax": pd.Series([], dtype="datetime64[ns]"),
        "problems": pd.Series([], dtype=object),
    }
)


@attrs.frozen
class _Scan:
    n_rows: int
    dmin: pd.Timestamp
    dmax: pd.Timestamp


def _scan(ddf: Any, columns: TransactionColumns) -> _Scan:
    """One pass over the log: validate every partition, then raise all problems at once."""
    table = ddf.map_partitions(_scan_part, columns, meta=_SCAN_META).compute()
    bad = table.loc[table["problems"].str.len() > 0]
    if len(bad) or int(table["n_rows"].sum()) == 0:
        problems: list[str] = []
        for text in bad["problems"].iloc[:_MAX_PROBLEM_PARTITIONS]:
            problems.extend(str(text).split("\n"))
        if len(bad) > _MAX_PROBLEM_PARTITIONS:
            problems.append(
                f"... and problems in {len(bad) - _MAX_PROBLEM_PARTITIONS} more partition(s)"
            )
        if not len(bad):
            problems.append("the transaction log is empty (0 rows)")
        head = (
            f"invalid transaction log: {len(problems)} problem(s) found in "
            f"{max(len(bad), 1)} of {len(table)} partition(s) (row numbers count within "
            "each partition):"
        )
        body = "\n".join(f"  - {p}" for p in problems)
        raise DataValidationError(f"{head}\n{body}", problems=tuple(problems))
    return _Scan(
        n_rows=int(table["n_rows"].sum()),
        dmin=pd.Timestamp(table["dmin"].min()),
        dmax=pd.Timestamp(table["dmax"].max()),
    )


# --------------------------------------------------------------------------- per partition


def _normalise_part(part: pd.DataFrame, columns: TransactionColumns) -> pd.DataFrame:
    """Canonical ``customer_id, date, amount`` of one partition (empty partitions stay empty)."""
    if len(part) == 0:
        return pd.DataFrame(
            {
                "customer_id": part[columns.customer_id].to_numpy(),
                "date": pd.Series([], dtype="datetime64[ns]"),
                "amount": pd.Series([], dtype=np.float64),
            }
        )
    tx = read_transactions(part, columns=columns)
    return tx.loc[:, ["customer_id", "date", "amount"]]


def _first_examples(values: Iterable[object]) -> tuple[object, ...]:
    vals = list(values)
    with contextlib.suppress(TypeError):  # unorderable ids: keep partition order
        vals = sorted(vals)  # type: ignore[type-var]
    return tuple(v.item() if isinstance(v, np.generic) else v for v in vals[:_N_EXAMPLES])


def _as_meta(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Give a partition result exactly the dtypes of ``meta`` (index included)."""
    if frame.index.dtype != meta.index.dtype:
        frame.index = frame.index.astype(meta.index.dtype)
    frame.index.name = "customer_id"
    return frame


def _summary_part(
    tx: pd.DataFrame, meta: pd.DataFrame, unit: TimeUnit, end: pd.Timestamp, zero_net: ZeroNet
) -> tuple[pd.DataFrame, _PartExclusions]:
    """The in-memory summary on one customer-complete, normalised partition."""
    if tx["date"].min() > end:  # every row of this partition is after the end
        return meta.copy(), _PartExclusions(
            rows={ROWS_AFTER_END: len(tx)}, customers={}, examples={}
        )
    rep = _memory_report(tx, period=unit, observation_end=end, zero_net=zero_net)
    excl = rep.exclusions
    return rep.summary, _PartExclusions(
        rows=dict(excl.rows),
        customers=dict(excl.customers),
        examples={k: tuple(v) for k, v in excl.examples.items()},
    )


def _holdout_part(
    tx: pd.DataFrame,
    meta: pd.DataFrame,
    unit: TimeUnit,
    cal: pd.Timestamp,
    end: pd.Timestamp,
    zero_net: ZeroNet,
) -> tuple[pd.DataFrame, _PartExclusions]:
    """Calibration summary plus holdout outcomes of one customer-complete partition.

    The same steps as :func:`custrel.data.calibration_holdout` (which does not
    expose its exclusions): the in-memory summary at ``cal``, then the holdout
    occasions of the calibration customers in ``(cal, end]`` with the same
    occasion rule, from the same (customer, day) kernel.
    """
    cal_day, end_day = day_number(cal), day_number(end)
    customers_x: dict[str, int] = {}
    examples_x: dict[str, tuple[object, ...]] = {}
    if tx["date"].min() <= cal:
        rep = _memory_report(tx, period=unit, observation_end=cal, zero_net=zero_net)
        summary = rep.summary
        if NO_OCCASION in rep.exclusions.customers:
            customers_x[NO_OCCASION] = rep.exclusions.customers[NO_OCCASION]
            examples_x[NO_OCCASION] = tuple(rep.exclusions.examples.get(NO_OCCASION, ()))
    else:
        summary = meta.drop(columns=_HOLDOUT_COLUMNS).copy()
    enc = encode(tx)
    n_all = len(enc.customers)
    pos = enc.customers.get_indexer(summary.index)
    hold = (enc.days > cal_day) & (enc.days <= end_day)
    n_after = int((enc.days > end_day).sum())
    cd = customer_days(enc.codes[hold], enc.days[hold], enc.amounts[hold])
    occ = occasion_mask(cd.net, zero_net)
    h_cust, h_net = cd.cust[occ], cd.net[occ]
    hs = group_starts(h_cust)
    n_hold = np.zeros(n_all, dtype=np.int64)
    s_hold = np.zeros(n_all, dtype=np.float64)
    if hs.size:  # per-customer sums in (customer, day) order, reduced as in memory
        n_hold[h_cust[hs]] = np.diff(np.append(hs, h_cust.size))
        s_hold[h_cust[hs]] = np.add.reduceat(h_net, hs)
    has_cal_rows = np.zeros(n_all, dtype=bool)
    has_cal_rows[enc.codes[enc.days <= cal_day]] = True
    newcomers = (n_hold > 0) & ~has_cal_rows
    fh = n_hold[pos]
    summary["frequency_holdout"] = fh.astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        summary["monetary_value_holdout"] = np.where(fh > 0, s_hold[pos] / np.maximum(fh, 1), 0.0)
    summary["duration_holdout"] = (end_day - cal_day) / unit.days
    n_new = int(newcomers.sum())
    if n_new:
        customers_x[FIRST_IN_HOLDOUT] = n_new
        examples_x[FIRST_IN_HOLDOUT] = tuple(enc.customers[newcomers][:_N_EXAMPLES])
    rows = {ROWS_AFTER_END: n_after} if n_after else {}
    return summary, _PartExclusions(rows=rows, customers=customers_x, examples=examples_x)


def _run_part(
    tx: pd.DataFrame,
    meta: pd.DataFrame,
    kernel: Kernel,
) -> tuple[pd.DataFrame, _PartExclusions]:
    if len(tx) == 0:
        return meta.copy(), _PartExclusions(rows={}, customers={}, examples={})
    summary, excl = kernel(tx, meta)
    return _as_meta(summary, meta), excl


_COUNTS_META = pd.DataFrame(
    {
        "kind": pd.Series([], dtype=object),
        "reason": pd.Series([], dtype=object),
        "count": pd.Series([], dtype=np.int64),
    }
)


def _excl_counts(excl: _PartExclusions) -> pd.DataFrame:
    """Exclusion counts of one partition as rows (kind, reason, count)."""
    rows = [("rows", k, v) for k, v in excl.rows.items()]
    rows += [("customers", k, v) for k, v in excl.customers.items()]
    return pd.DataFrame(
        {
            "kind": pd.Series([r[0] for r in rows], dtype=object),
            "reason": pd.Series([r[1] for r in rows], dtype=object),
            "count": pd.Series([r[2] for r in rows], dtype=np.int64),
        }
    )


def _excl_examples(excl: _PartExclusions, meta: pd.DataFrame) -> pd.DataFrame:
    """Example customer ids of one partition as rows (reason, customer_id)."""
    reasons = [k for k, ex in excl.examples.items() for _ in ex]
    ids = [v for ex in excl.examples.values() for v in ex]
    return pd.DataFrame(
        {
            "reason": pd.Series(reasons, dtype=object),
            "customer_id": pd.Series(ids, dtype=meta.index.dtype),
        }
    )


def _merge_exclusions(counts: pd.DataFrame, examples: pd.DataFrame) -> Exclusions:
    """Sum the per-partition counts; keep the five smallest example ids per reason."""
    rows: dict[str, int] = {}
    customers: dict[str, int] = {}
    for kind, reason, n in counts.itertuples(index=False):
        target = rows if kind == "rows" else customers
        target[str(reason)] = target.get(str(reason), 0) + int(n)
    pool: dict[str, list[object]] = {}
    for reason, cid in examples.itertuples(index=False):
        pool.setdefault(str(reason), []).append(cid)
    return Exclusions(
        rows=rows,
        customers=customers,
        examples={k: _first_examples(v) for k, v in pool.items()},
    )


# --------------------------------------------------------------------------- pipeline


def _partitioned_by_customer(ddf: Any, columns: TransactionColumns) -> bool:
    return bool(ddf.known_divisions) and ddf.index.name == columns.customer_id


def _customer_partitions(
    ddf: Any, columns: TransactionColumns, npartitions: int | None, *, by_customer: bool
) -> tuple[Any, pd.DataFrame]:
    """Normalised ``customer_id, date, amount`` with every customer in exactly one partition."""
    req = _required(columns)
    src = ddf[[columns.customer_id, columns.date, columns.amount]]
    meta = _normalise_part(src._meta.iloc[:0], req)
    norm = src.map_partitions(_normalise_part, req, meta=meta)
    if not by_customer:
        norm = norm.shuffle(on="customer_id", npartitions=npartitions or ddf.npartitions)
    return norm, meta


def _open(transactions: LogSource, columns: TransactionColumns) -> tuple[Any, bool]:
    """The log with the customer id as a column, and whether it is partitioned by customer."""
    ddf = read_log(transactions)
    by_customer = _partitioned_by_customer(ddf, columns)
    if by_customer:
        ddf = ddf.reset_index()
    _check_schema(ddf, columns)
    return ddf, by_customer


def _distributed(
    ddf: Any,
    columns: TransactionColumns,
    npartitions: int | None,
    kernel: Kernel,
    probe: pd.Timestamp,
    *,
    by_customer: bool,
) -> tuple[Any, Exclusions]:
    norm, meta_tx = _customer_partitions(ddf, columns, npartitions, by_customer=by_customer)
    # the result's meta: run the kernel on one synthetic row dated ``probe``
    one = pd.DataFrame(
        {
            "customer_id": norm._meta_nonempty["customer_id"].iloc[:1].to_numpy(),
            "date": pd.Series([probe], dtype="datetime64[ns]"),
            "amount": pd.Series([1.0], dtype=np.float64),
        }
    ).astype({"customer_id": meta_tx["customer_id"].dtype})
    sample = kernel(one, pd.DataFrame())[0].iloc[:0]
    sample.index = pd.Index([], dtype=meta_tx["customer_id"].dtype, name="customer_id")
    meta = sample
    parts = norm.to_delayed()
    run = dask.delayed(_run_part, nout=2, pure=True)
    results = [run(p, meta, kernel) for p in parts]
    summary = dd.from_delayed([r[0] for r in results], meta=meta, verify_meta=False)
    ex_meta = _excl_examples(_PartExclusions(rows={}, customers={}, examples={}), meta)
    counts_dd = dd.from_delayed(
        [dask.delayed(_excl_counts, pure=True)(r[1]) for r in results],
        meta=_COUNTS_META,
        verify_meta=False,
    )
    examples_dd = dd.from_delayed(
        [dask.delayed(_excl_examples, pure=True)(r[1], meta) for r in results],
        meta=ex_meta,
        verify_meta=False,
    )
    persisted = dask.persist(summary, counts_dd, examples_dd)
    count_table, example_table = dask.compute(persisted[1], persisted[2])
    return persisted[0], _merge_exclusions(count_table, example_table)


def _validate_npartitions(npartitions: int | None) -> None:
    if npartitions is not None and (
        not isinstance(npartitions, int | np.integer) or npartitions < 1
    ):
        msg = f"npartitions must be an int >= 1 or None; got {npartitions!r}."
        raise ParameterError(msg)


def summarize_report(
    transactions: LogSource,
    /,
    *,
    period: Period,
    observation_end: object = None,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
    npartitions: int | None = None,
    validate: bool = True,
) -> DistributedSummary:
    """Like :func:`summarize`, but return the summary with its :class:`~custrel.data.Exclusions`.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [10.0, 20.0, -5.0],
    ...                    "date": ["2024-01-01", "2024-03-01", "2024-02-01"]})
    >>> rep = summarize_report(dd.from_pandas(tx, npartitions=2), period="D",
    ...                        observation_end="2024-03-31")
    >>> rep.summary.compute()[["frequency", "recency", "T"]]
                 frequency  recency     T
    customer_id
    1                    1     60.0  90.0
    >>> rep.exclusions.describe()
    '1 customer(s) excluded: no_purchase_occasion (e.g. customer_id 2)'
    """
    unit = TimeUnit.parse(period)
    _validate_npartitions(npartitions)
    ddf, by_customer = _open(transactions, columns)
    scan = _scan(ddf, columns) if validate or observation_end is None else None
    if observation_end is None:
        assert scan is not None
        end = scan.dmax
    else:
        end = _timestamp(observation_end, "observation_end")
    if scan is not None and end < scan.dmin:
        msg = (
            f"observation_end {end.date()} is before the first transaction "
            f"({scan.dmin.date()}); no customer can be summarised."
        )
        raise DataValidationError(msg)

    def kernel(tx: pd.DataFrame, meta: pd.DataFrame) -> tuple[pd.DataFrame, _PartExclusions]:
        return _summary_part(tx, meta, unit, end, zero_net)

    summary, excl = _distributed(ddf, columns, npartitions, kernel, end, by_customer=by_customer)
    return DistributedSummary(
        summary=summary,
        exclusions=excl,
        period=unit,
        observation_end=end,
        n_rows=None if scan is None else scan.n_rows,
    )


def _warn(excl: Exclusions, what: str) -> None:
    if excl:
        import warnings

        warnings.warn(
            f"summary leaves out data: {excl.describe()}. "
            f"Use custrel.scale.dask.{what}(...) to get these counts programmatically.",
            DataWarning,
            stacklevel=3,
        )


def summarize(
    transactions: LogSource,
    /,
    *,
    period: Period,
    observation_end: object = None,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
    npartitions: int | None = None,
    validate: bool = True,
) -> Any:
    """Summarise a distributed transaction log into one row per customer.

    The distributed counterpart of :func:`custrel.data.summarize`, with the
    same definitions (purchase occasions, ``frequency``, ``recency``, ``T``,
    ``monetary_value``, ...) and the same values: every partition is validated,
    the rows are shuffled so that each customer lies in one partition, and the
    in-memory kernel runs on each partition.

    Parameters
    ----------
    transactions : dask DataFrame or path
        The raw log (see :func:`read_log`). A log indexed by ``customer_id``
        with known divisions is already partitioned by customer and is not shuffled.
    period : str or float
        Time unit of ``recency`` and ``T`` (see :func:`custrel.data.summarize`).
    observation_end : date-like, optional
        Inclusive end of observation; default the last transaction date.
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Whether a day netting exactly to zero is a purchase occasion.
    npartitions : int, optional
        Partitions of the result (default: those of the log).
    validate : bool
        Run the validation pass first (one read of the log; default). It
        reports every problem of every partition at once and checks the dates.
        With ``False`` and an explicit ``observation_end`` the pass is skipped;
        invalid rows then raise :class:`~custrel.errors.DataValidationError`
        from the first failing partition during the computation.

    Returns
    -------
    dask.dataframe.DataFrame
        Indexed by ``customer_id``, persisted (computed and held by the
        scheduler, i.e. by the workers under ``dask.distributed``). Each
        partition is sorted by customer; ``.compute().sort_index()`` equals
        :func:`custrel.data.summarize` on the same log.

    Warns
    -----
    DataWarning
        When rows or customers are excluded, with their counts (as in memory);
        :func:`summarize_report` returns them instead.

    Raises
    ------
    SchemaError
        A mapped column is missing.
    DataValidationError
        Invalid rows in any partition (all listed at once, with the partition
        number), an empty log, or an observation end before the first transaction.
    ParameterError
        An invalid ``npartitions``.

    See Also
    --------
    custrel.data.summarize : the in-memory path.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "date": ["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"],
    ...                    "amount": [5.0, 5.0, 30.0, 12.0]})
    >>> s = summarize(dd.from_pandas(tx, npartitions=2), period="W", observation_end="2024-01-29")
    >>> s.compute().sort_index()[["frequency", "recency", "T", "monetary_value"]]
                 frequency  recency    T  monetary_value
    customer_id
    a                    1      2.0  4.0            30.0
    b                    0      0.0  3.0             0.0
    """
    rep = summarize_report(
        transactions,
        period=period,
        observation_end=observation_end,
        columns=columns,
        zero_net=zero_net,
        npartitions=npartitions,
        validate=validate,
    )
    _warn(rep.exclusions, "summarize_report")
    return rep.summary


def calibration_holdout_report(
    transactions: LogSource,
    /,
    *,
    calibration_end: object,
    observation_end: object = None,
    period: Period,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
    npartitions: int | None = None,
    validate: bool = True,
) -> DistributedSummary:
    """Like :func:`calibration_holdout`, but return the result with its exclusions.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 3],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-02-05", "2024-01-03",
    ...                             "2024-02-10"],
    ...                    "amount": [10.0, 20.0, 40.0, 5.0, 8.0]})
    >>> rep = calibration_holdout_report(dd.from_pandas(tx, npartitions=2),
    ...                                  calibration_end="2024-01-31",
    ...                                  observation_end="2024-02-28", period="D")
    >>> rep.summary.compute().sort_index()[["frequency", "T", "frequency_holdout"]]
                 frequency     T  frequency_holdout
    customer_id
    1                    1  30.0                  1
    2                    0  28.0                  0
    >>> dict(rep.exclusions.customers)
    {'first_purchase_after_calibration_end': 1}
    """
    unit = TimeUnit.parse(period)
    _validate_npartitions(npartitions)
    ddf, by_customer = _open(transactions, columns)
    cal = _timestamp(calibration_end, "calibration_end")
    scan = _scan(ddf, columns) if validate or observation_end is None else None
    if observation_end is None:
        assert scan is not None
        end = scan.dmax
    else:
        end = _timestamp(observation_end, "observation_end")
    if scan is not None and not scan.dmin <= cal < scan.dmax:
        msg = (
            f"calibration_end {cal.date()} must lie within the data, on or after the first "
            f"transaction ({scan.dmin.date()}) and before the last ({scan.dmax.date()})."
        )
        raise DataValidationError(msg)
    if not cal < end:
        msg = f"calibration_end {cal.date()} must be before observation_end {end.date()}."
        raise DataValidationError(msg)

    def kernel(tx: pd.DataFrame, meta: pd.DataFrame) -> tuple[pd.DataFrame, _PartExclusions]:
        return _holdout_part(tx, meta, unit, cal, end, zero_net)

    summary, excl = _distributed(ddf, columns, npartitions, kernel, cal, by_customer=by_customer)
    return DistributedSummary(
        summary=summary,
        exclusions=excl,
        period=unit,
        observation_end=end,
        calibration_end=cal,
        n_rows=None if scan is None else scan.n_rows,
    )


def calibration_holdout(
    transactions: LogSource,
    /,
    *,
    calibration_end: object,
    observation_end: object = None,
    period: Period,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    zero_net: ZeroNet = "occasion",
    npartitions: int | None = None,
    validate: bool = True,
) -> Any:
    """Split a distributed log into a calibration summary and holdout outcomes.

    The distributed counterpart of :func:`custrel.data.calibration_holdout`,
    with the same definitions and values.

    Parameters
    ----------
    transactions : dask DataFrame or path
        The raw log (see :func:`read_log`).
    calibration_end : date-like
        Inclusive end of the calibration period; must lie within the data.
    observation_end : date-like, optional
        Inclusive end of the holdout period; default the last transaction date.
    period : str or float
        Time unit (see :func:`custrel.data.summarize`).
    columns : TransactionColumns
        The user's column names.
    zero_net : {"occasion", "not_occasion"}
        Occasion rule.
    npartitions : int, optional
        Partitions of the result (default: those of the log).
    validate : bool
        Run the validation pass first (see :func:`summarize`); without it the
        check that ``calibration_end`` lies within the data is skipped too.

    Returns
    -------
    dask.dataframe.DataFrame
        The calibration summary plus ``frequency_holdout``,
        ``monetary_value_holdout`` and ``duration_holdout``, indexed by
        ``customer_id`` and persisted.

    Warns
    -----
    DataWarning
        When rows or customers are excluded, with their counts.

    Raises
    ------
    SchemaError
        A mapped column is missing.
    DataValidationError
        Invalid rows, or ``calibration_end`` outside the data or not before
        ``observation_end``.
    ParameterError
        An invalid ``npartitions``.

    See Also
    --------
    custrel.data.calibration_holdout : the in-memory path.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2],
    ...                    "date": ["2024-01-01", "2024-01-08", "2024-02-05", "2024-01-03"],
    ...                    "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> ch = calibration_holdout(dd.from_pandas(tx, npartitions=2), calibration_end="2024-01-31",
    ...                          observation_end="2024-02-28", period="D")
    >>> ch.compute().sort_index()[["frequency", "frequency_holdout", "duration_holdout"]]
                 frequency  frequency_holdout  duration_holdout
    customer_id
    1                    1                  1              28.0
    2                    0                  0              28.0
    """
    rep = calibration_holdout_report(
        transactions,
        calibration_end=calibration_end,
        observation_end=observation_end,
        period=period,
        columns=columns,
        zero_net=zero_net,
        npartitions=npartitions,
        validate=validate,
    )
    _warn(rep.exclusions, "calibration_holdout_report")
    return rep.summary


# --------------------------------------------------------------------------- patterns


def pattern_counts(
    summary: Any,
    /,
    *,
    columns: Sequence[str] = PATTERN_COLUMNS,
    monetary: bool = False,
) -> pd.DataFrame:
    """Collapse a customer summary into its distinct patterns with a ``weight`` column.

    Every model's likelihood depends on a customer only through these
    statistics, so fitting on the weighted patterns gives the same
    log-likelihood as fitting on every customer, at the cost of the number of
    distinct patterns. The counting runs distributed (a tree reduction); the
    result is a small pandas frame.

    Parameters
    ----------
    summary : dask or pandas DataFrame
        A customer summary (e.g. from :func:`summarize`).
    columns : sequence of str
        The pattern columns; default ``("frequency", "recency", "T")``.
    monetary : bool
        Also split patterns by ``monetary_value`` (for spend models).

    Returns
    -------
    DataFrame
        One row per distinct pattern: the pattern columns and ``weight``
        (int64, customers with the pattern), sorted by the pattern columns, on a
        ``RangeIndex``. ``weight`` sums to the number of customers; rows with
        missing values are kept (never dropped silently), so a model's ``fit``
        reports them.

    Raises
    ------
    SchemaError
        A pattern column is missing, or ``columns`` is empty or repeats a name.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> s = pd.DataFrame({"frequency": [0, 2, 0, 2], "recency": [0.0, 3.0, 0.0, 3.0],
    ...                   "T": [5.0, 6.0, 5.0, 7.0]},
    ...                  index=pd.Index([1, 2, 3, 4], name="customer_id"))
    >>> pattern_counts(dd.from_pandas(s, npartitions=2))
       frequency  recency    T  weight
    0          0      0.0  5.0       2
    1          2      3.0  6.0       1
    2          2      3.0  7.0       1
    """
    cols = list(columns) + (["monetary_value"] if monetary else [])
    if not cols or len(set(cols)) != len(cols):
        msg = f"pattern columns must be non-empty and distinct; got {cols!r}."
        raise SchemaError(msg)
    missing = [c for c in cols if c not in summary.columns]
    if missing:
        msg = (
            f"summary is missing pattern column(s) {', '.join(repr(c) for c in missing)}; "
            f"available columns: {', '.join(repr(str(c)) for c in summary.columns)}."
        )
        raise SchemaError(msg)
    counts = summary[cols].groupby(cols, dropna=False, sort=False).size()
    if isinstance(summary, dd.DataFrame):
        counts = counts.compute()
    out = counts.rename("weight").reset_index()
    out["weight"] = out["weight"].astype(np.int64)
    result: pd.DataFrame = out.sort_values(cols, kind="stable", na_position="last")
    return result.reset_index(drop=True)
