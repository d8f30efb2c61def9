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
   and an explicit ``meta``; :func:`share_thresholds`, :func:`midrank_thresholds`
   and :func:`population_median` compute population-level cutoffs once, so that
   rank-based rules stay correct when applied per partition.

The default scheduler is whatever dask is configured to use: the local
threaded scheduler, or a ``dask.distributed.Client`` if one is active.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel._optional import require
from custrel.data import Exclusions, TransactionColumns
from custrel.data import summarize_report as _memory_report
from custrel.data._kernel import day_number
from custrel.data._summary import (
    FIRST_IN_HOLDOUT,
    NO_OCCASION,
    ROWS_AFTER_END,
    _as_timestamp,
    _calibration_holdout_frame,
)
from custrel.data._time import Period, TimeUnit
from custrel.data._transactions import read_transactions
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError

FloatArrayT = NDArray[np.float64]
IntArrayT = NDArray[np.int64]

dask = require("dask", extra="dask", feature="custrel.scale.dask")
dd = require("dask.dataframe", extra="dask", feature="custrel.scale.dask")

__all__ = [
    "DistributedSummary",
    "calibration_holdout",
    "calibration_holdout_report",
    "fit",
    "level_by_thresholds",
    "midrank_thresholds",
    "pattern_counts",
    "population_median",
    "read_log",
    "score",
    "share_thresholds",
    "summarize",
    "summarize_report",
    "tier_by_thresholds",
    "to_parquet",
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


#: Bits of the position within an input partition in the row key (< 2**40 rows each).
_ROW_BITS = 40


def _normalise_part(
    part: pd.DataFrame,
    columns: TransactionColumns,
    order: bool = False,
    partition_info: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Canonical ``customer_id, date, amount`` of one partition (empty partitions stay empty).

    With ``order``, a ``_row`` key (input partition number, then position) lets
    the customer partitions restore the log's row order after the shuffle.
    """
    if len(part) == 0:
        out = pd.DataFrame(
            {
                "customer_id": part[columns.customer_id].to_numpy(),
                "date": pd.Series([], dtype="datetime64[ns]"),
                "amount": pd.Series([], dtype=np.float64),
            }
        )
    else:
        out = read_transactions(part, columns=columns).loc[:, ["customer_id", "date", "amount"]]
    if order:
        number = 0 if partition_info is None else int(partition_info["number"])
        out["_row"] = (np.int64(number) << _ROW_BITS) + np.arange(len(out), dtype=np.int64)
    return out


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

    The in-memory kernel of :func:`custrel.data.calibration_holdout_report`, run on
    one partition (without the whole-log check that ``cal`` lies within the data).
    """
    summary, excl = _calibration_holdout_frame(
        tx, unit=unit, cal_day=day_number(cal), end_day=day_number(end), zero_net=zero_net
    )
    return summary, _PartExclusions(
        rows=dict(excl.rows),
        customers=dict(excl.customers),
        examples={k: tuple(v) for k, v in excl.examples.items()},
    )


def _run_part(
    tx: pd.DataFrame,
    meta: pd.DataFrame,
    kernel: Kernel,
) -> tuple[pd.DataFrame, _PartExclusions]:
    if len(tx) == 0:
        return meta.copy(), _PartExclusions(rows={}, customers={}, examples={})
    if "_row" in tx.columns:  # the log's row order, so that same-day sums match exactly
        rows = tx["_row"].to_numpy()
        tx = tx.drop(columns="_row")
        if not (rows[1:] >= rows[:-1]).all():
            tx = tx.take(np.argsort(rows, kind="stable"))
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
    order = {r: i for i, r in enumerate((ROWS_AFTER_END, NO_OCCASION, FIRST_IN_HOLDOUT))}

    def canonical(d: Mapping[str, Any]) -> list[str]:  # the in-memory order of reasons
        return sorted(d, key=lambda r: (order.get(r, len(order)), r))

    return Exclusions(
        rows={k: rows[k] for k in canonical(rows)},
        customers={k: customers[k] for k in canonical(customers)},
        examples={k: _first_examples(pool[k]) for k in canonical(pool)},
    )


# --------------------------------------------------------------------------- pipeline


def _partitioned_by_customer(ddf: Any, columns: TransactionColumns) -> bool:
    return bool(ddf.known_divisions) and ddf.index.name == columns.customer_id


def _customer_partitions(
    ddf: Any,
    columns: TransactionColumns,
    npartitions: int | None,
    *,
    by_customer: bool,
    row_order: bool,
) -> tuple[Any, pd.DataFrame]:
    """Normalised ``customer_id, date, amount`` with every customer in exactly one partition."""
    req = _required(columns)
    src = ddf[[columns.customer_id, columns.date, columns.amount]]
    order = row_order and not by_customer  # without a shuffle the order is kept anyway
    meta = _normalise_part(src._meta.iloc[:0], req, order)
    norm = src.map_partitions(_normalise_part, req, order, meta=meta)
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
    row_order: bool,
) -> tuple[Any, Exclusions]:
    norm, meta_tx = _customer_partitions(
        ddf, columns, npartitions, by_customer=by_customer, row_order=row_order
    )
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
    preserve_row_order: bool = True,
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
        end = _as_timestamp(observation_end, "observation_end")
    if scan is not None and end < scan.dmin:
        msg = (
            f"observation_end {end.date()} is before the first transaction "
            f"({scan.dmin.date()}); no customer can be summarised."
        )
        raise DataValidationError(msg)

    def kernel(tx: pd.DataFrame, meta: pd.DataFrame) -> tuple[pd.DataFrame, _PartExclusions]:
        return _summary_part(tx, meta, unit, end, zero_net)

    summary, excl = _distributed(
        ddf,
        columns,
        npartitions,
        kernel,
        end,
        by_customer=by_customer,
        row_order=preserve_row_order,
    )
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
    preserve_row_order: bool = True,
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
    preserve_row_order : bool
        Restore the log's row order inside each customer partition after the
        shuffle (a row key travels with the rows; one sort per partition), so
        that same-day amounts are summed in the same order as in memory and
        the result is bit-for-bit identical. With ``False`` the sort is
        skipped; sums of three or more same-day rows of one customer may then
        differ from the in-memory values in the last bit.

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
        preserve_row_order=preserve_row_order,
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
    preserve_row_order: bool = True,
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
    cal = _as_timestamp(calibration_end, "calibration_end")
    scan = _scan(ddf, columns) if validate or observation_end is None else None
    if observation_end is None:
        assert scan is not None
        end = scan.dmax
    else:
        end = _as_timestamp(observation_end, "observation_end")
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

    summary, excl = _distributed(
        ddf,
        columns,
        npartitions,
        kernel,
        cal,
        by_customer=by_customer,
        row_order=preserve_row_order,
    )
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
    preserve_row_order: bool = True,
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
    preserve_row_order : bool
        Sum same-day rows in the log's order, as in memory (see :func:`summarize`).

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
        preserve_row_order=preserve_row_order,
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

    Notes
    -----
    The BG/NBD likelihood of a customer depends on the history only through
    ``(x, t_x, T)`` (Fader, Hardie & Lee 2005, eq. 6), so customers with the
    same triple contribute identical terms and the sample log-likelihood is
    ``sum_k weight_k * LL(x_k, t_x,k, T_k)``; the same holds for MBG/NBD and
    Pareto/NBD, and for gamma-gamma with ``(x, monetary_value)``.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your
           customers" the easy way: an alternative to the Pareto/NBD model.
           Marketing Science 24(2), 275-284.

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
    grouped = summary[cols].groupby(cols, dropna=False, sort=False)
    if isinstance(summary, dd.DataFrame):
        # a tree reduction (8 partitions per combine) into one small table; dask's
        # default for many groups is a shuffle, measured 2x slower for this collect
        counts = grouped.size(split_out=1, split_every=8).compute()
    else:
        counts = grouped.size()
    out = counts.rename("weight").reset_index()
    out["weight"] = out["weight"].astype(np.int64)
    result: pd.DataFrame = out.sort_values(cols, kind="stable", na_position="last")
    return result.reset_index(drop=True)


# --------------------------------------------------------------------------- fitting


def fit(
    model: Any,
    summary: Any,
    /,
    *,
    columns: Sequence[str] = PATTERN_COLUMNS,
    **fit_kwargs: Any,
) -> Any:
    """Fit a model on the distinct patterns of a distributed summary.

    Counts the patterns over ``columns`` distributed (:func:`pattern_counts`),
    collects the small weighted table and calls ``model.fit(patterns,
    **fit_kwargs)``: every custrel model's ``fit`` accepts a ``weight`` column,
    and the likelihood of the weighted patterns equals the likelihood of the
    customers, so the fit costs the number of distinct patterns.

    Parameters
    ----------
    model : model class
        E.g. :class:`custrel.models.BetaGeo` (anything with a ``fit`` classmethod
        accepting a weighted summary).
    summary : dask or pandas DataFrame
        A customer summary with the pattern columns.
    columns : sequence of str
        Sufficient statistics of the model; default ``("frequency", "recency", "T")``
        (BG/NBD, MBG/NBD, Pareto/NBD). Use ``("frequency", "monetary_value")``
        for a spend model, on the repeat buyers.
    **fit_kwargs
        Passed to ``model.fit`` (e.g. ``period="W"``, ``config=FitConfig(...)``).

    Returns
    -------
    FitResult
        What ``model.fit`` returns; its ``n_customers`` is the number of customers.

    Raises
    ------
    SchemaError
        A pattern column is missing, or ``model`` has no ``fit``.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custrel.models import BetaGeo
    >>> from custrel.datasets import load_cdnow
    >>> import custrel
    >>> s = custrel.calibration_holdout(load_cdnow(), calibration_end="1997-09-30",
    ...                                 observation_end="1998-06-30", period="W")
    >>> res = fit(BetaGeo, dd.from_pandas(s, npartitions=4), period="W")
    >>> res.params.round(3).tolist(), round(res.loglik, 4), res.n_customers
    ([0.243, 4.414, 0.793, 2.426], -9582.4292, 2357.0)
    """
    fitter = getattr(model, "fit", None)
    if not callable(fitter):
        msg = f"model must have a fit(summary, ...) method; got {model!r}."
        raise SchemaError(msg)
    return fitter(pattern_counts(summary, columns=columns), **fit_kwargs)


# --------------------------------------------------------------------------- scoring

#: A per-customer function applied per partition: a summary partition in, one
#: value per customer out (a Series, a DataFrame, or a custrel ``Labels``).
PerCustomer = Callable[[pd.DataFrame], Any]


def _as_columns(name: str, result: Any, index: pd.Index) -> pd.DataFrame:
    """One per-customer result as columns aligned on ``index``."""
    frame = getattr(result, "frame", None)
    if isinstance(frame, pd.DataFrame):  # a custrel Labels
        cols = [c for c in ("label", "reason") if c in frame.columns]
        out = frame.loc[:, cols].add_prefix(f"{name}_")
    elif isinstance(result, pd.DataFrame):
        out = result.add_prefix(f"{name}_")
    elif isinstance(result, pd.Series):
        out = result.rename(name).to_frame()
    else:
        msg = (
            f"scoring function {name!r} must return a Series, a DataFrame or Labels indexed "
            f"by customer; got {type(result).__name__}."
        )
        raise SchemaError(msg)
    if not out.index.equals(index):
        if len(out.index) != len(index) or not out.index.sort_values().equals(index.sort_values()):
            msg = (
                f"scoring function {name!r} must return one row per customer of its input "
                f"({len(index)}); got {len(out.index)} rows with other customer ids."
            )
            raise SchemaError(msg)
        out = out.reindex(index)
    return out


def _score_part(
    part: pd.DataFrame,
    model: Any,
    t: float | None,
    clv_kwargs: Mapping[str, Any] | None,
    spend: Any,
    functions: Mapping[str, PerCustomer],
    keep: Sequence[str],
) -> pd.DataFrame:
    """Scores of one summary partition (pure pandas: the same calls as in memory)."""
    pieces: list[pd.DataFrame] = [part.loc[:, list(keep)]]
    if model is not None:
        pieces.append(model.probability_alive(part).rename("p_alive").to_frame())
        if t is not None:
            ep = model.expected_purchases(part, t=t).rename("expected_purchases")
            pieces.append(ep.to_frame())
        if clv_kwargs is not None:
            from custrel.value import clv_frame

            cf = clv_frame(model, spend, part, **clv_kwargs)
            cf = cf.rename(columns={"expected_purchases": "expected_purchases_horizon"})
            pieces.append(cf)
    for name, func in functions.items():
        pieces.append(_as_columns(name, func(part), part.index))
    out = pd.concat(pieces, axis=1)
    out.index.name = "customer_id"
    return out


def score(
    summary: Any,
    /,
    *,
    model: Any = None,
    t: float | None = None,
    spend: Any = None,
    clv: Mapping[str, Any] | None = None,
    functions: Mapping[str, PerCustomer] | None = None,
    keep: Sequence[str] = (),
) -> Any:
    """Score every customer partition by partition: a distributed profile table.

    Predictions, CLV and per-customer classifiers only look at one customer's
    own row, so they run unchanged on each partition (``map_partitions``) with
    an explicit ``meta``, and give exactly the in-memory values.

    Parameters
    ----------
    summary : dask DataFrame
        A customer summary indexed by ``customer_id`` (e.g. from :func:`summarize`).
    model : purchase model, optional
        A fitted model (e.g. ``fit(BetaGeo, summary).model``): adds ``p_alive``.
    t : float, optional
        Horizon in the model's time unit: adds ``expected_purchases`` in ``(T, T + t]``.
    spend : SpendModel, float or None
        Expected spend per purchase for CLV (a spend model or one number).
    clv : mapping, optional
        Keyword arguments of :func:`custrel.value.clv_frame` (``horizon``,
        ``horizon_period``, ``discount_rate``, ...): adds its columns, with its
        ``expected_purchases`` renamed ``expected_purchases_horizon``.
    functions : mapping of name to callable, optional
        Per-customer functions ``summary partition -> Series | DataFrame | Labels``
        (a classifier whose rule only reads the customer's own row, or with
        population cutoffs fixed beforehand, see the Notes). A
        Series becomes column ``name``; a DataFrame ``name_<column>``; a
        ``Labels`` its ``name_label`` and ``name_reason`` columns.
    keep : sequence of str
        Summary columns to copy into the profile.

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, indexed by ``customer_id``, partitioned like ``summary``; write it
        with :func:`to_parquet`.

    Raises
    ------
    ParameterError
        ``clv`` without ``model`` or ``spend``, or ``t`` without ``model``.
    SchemaError
        A scoring function returns something other than one row per customer.

    Notes
    -----
    Rules that rank a customer against the whole population (value tiers by
    top share, RFM mid-rank scores, median splits) are *not* per-customer:
    applied per partition they would rank customers within their partition.
    Compute the population cutoffs first (:func:`share_thresholds`,
    :func:`midrank_thresholds`, :func:`population_median`) and pass a function
    applying the fixed cutoffs (:func:`tier_by_thresholds`,
    :func:`level_by_thresholds`).

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> from custrel.models import BetaGeo
    >>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")  # FHL (2005)
    >>> s = pd.DataFrame({"frequency": [0, 2, 5], "recency": [0.0, 30.43, 35.0],
    ...                   "T": [38.86, 38.86, 38.0]},
    ...                  index=pd.Index([1, 2, 3], name="customer_id"))
    >>> prof = score(dd.from_pandas(s, npartitions=2), model=m, t=39, keep=["frequency"])
    >>> prof.compute().round(3)
                 frequency  p_alive  expected_purchases
    customer_id
    1                    0    1.000               0.195
    2                    2    0.727               1.226
    3                    5    0.847               3.277
    """
    if model is None and (t is not None or clv is not None):
        msg = "score: t= and clv= need a purchase model (model=...)."
        raise ParameterError(msg)
    if clv is not None and spend is None:
        msg = "score: clv= needs spend= (a spend model, a Series or one number)."
        raise ParameterError(msg)
    funcs = dict(functions or {})
    keep_cols = list(keep)
    missing = [c for c in keep_cols if c not in summary.columns]
    if missing:
        msg = f"score: keep= names column(s) not in the summary: {missing}."
        raise SchemaError(msg)
    args = (model, t, clv, spend, funcs, keep_cols)
    meta = _score_meta(summary, args)
    return summary.map_partitions(_score_part, *args, meta=meta)


def _score_meta(summary: Any, args: tuple[Any, ...]) -> pd.DataFrame:
    """The profile's columns and dtypes, from scoring a few real customers.

    Scoring the empty ``meta`` would give object dtypes for labels and could
    trip validation, so a handful of real rows (the summary is persisted, so
    this is cheap) are scored; warnings of that small probe are not the
    user's business and are silenced locally (the full run emits its own).
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. dask's "insufficient elements for head"
        sample = summary.head(5)  # the first partition only
        if len(sample) == 0:
            sample = summary.head(5, npartitions=-1)
        probe = _score_part(sample, *args)
    meta: pd.DataFrame = probe.iloc[:0]
    return meta


def to_parquet(table: Any, path: str | Path, /, **kwargs: Any) -> None:
    """Write a distributed per-customer table to a Parquet directory.

    ``customer_id`` is written as an ordinary column (read it back with
    ``dask.dataframe.read_parquet(path, index="customer_id")`` or
    ``pandas.read_parquet(path).set_index("customer_id")``).

    Parameters
    ----------
    table : dask DataFrame
        E.g. the profile from :func:`score`, indexed by ``customer_id``.
    path : str or Path
        Target directory (one file per partition).
    **kwargs
        Passed to ``dask.dataframe.DataFrame.to_parquet`` (e.g. ``compression``).
    """
    require("pyarrow", extra="parquet", feature="writing Parquet with dask")
    table.reset_index().to_parquet(str(path), write_index=False, **kwargs)


# --------------------------------------------------------------------------- population cutoffs


@attrs.frozen
class _Stats:
    count: int
    lo: float
    hi: float


def _range_stats(part: pd.Series, lo: float, hi: float) -> tuple[int, int, float, float]:
    """(values < lo, values in [lo, hi], their min, their max) of one partition (NaN ignored)."""
    v = part.to_numpy(dtype=np.float64)
    v = v[~np.isnan(v)]
    inside = v[(v >= lo) & (v <= hi)]
    if inside.size == 0:
        return int((v < lo).sum()), 0, np.inf, -np.inf
    return int((v < lo).sum()), int(inside.size), float(inside.min()), float(inside.max())


def _bucket_stats(
    part: pd.Series, edges: FloatArrayT
) -> tuple[IntArrayT, FloatArrayT, FloatArrayT]:
    """Counts, minima and maxima of the values of one partition per bucket of ``edges``."""
    v = part.to_numpy(dtype=np.float64)
    v = v[(v >= edges[0]) & (v <= edges[-1])]
    nb = edges.size - 1
    b = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, nb - 1)
    counts = np.bincount(b, minlength=nb).astype(np.int64)
    mins = np.full(nb, np.inf)
    maxs = np.full(nb, -np.inf)
    np.minimum.at(mins, b, v)
    np.maximum.at(maxs, b, v)
    return counts, mins, maxs


def _values_in(part: pd.Series, lo: float, hi: float) -> FloatArrayT:
    v = part.to_numpy(dtype=np.float64)
    out: FloatArrayT = v[(v >= lo) & (v <= hi)]
    return out


def _partitions(values: Any) -> list[Any]:
    if isinstance(values, pd.Series):
        return [values]
    return list(values.to_delayed())


def _map(func: Callable[..., Any], parts: list[Any], *args: Any) -> list[Any]:
    if parts and isinstance(parts[0], pd.Series):
        return [func(p, *args) for p in parts]
    return list(dask.compute(*[dask.delayed(func, pure=True)(p, *args) for p in parts]))


def _kth_smallest(parts: list[Any], k: int, total: _Stats, bins: int, max_collect: int) -> float:
    """Exact k-th smallest (1-based) value: bucket refinement, then collect a small range."""
    lo, hi, k_rel = total.lo, total.hi, k
    n_in = total.count
    while True:
        if lo == hi:
            return lo
        if n_in <= max_collect:
            vals = np.sort(np.concatenate(_map(_values_in, parts, lo, hi)))
            return float(vals[k_rel - 1])
        edges = np.linspace(lo, hi, bins + 1)
        res = _map(_bucket_stats, parts, edges)
        counts = np.sum([r[0] for r in res], axis=0)
        mins = np.min([r[1] for r in res], axis=0)
        maxs = np.max([r[2] for r in res], axis=0)
        cum = np.cumsum(counts)
        b = int(np.searchsorted(cum, k_rel, side="left"))
        k_rel -= int(cum[b - 1]) if b else 0
        lo, hi, n_in = float(mins[b]), float(maxs[b]), int(counts[b])


def share_thresholds(
    values: Any,
    /,
    cutoffs: Sequence[float],
    *,
    bins: int = 2048,
    max_collect: int = 1_000_000,
) -> tuple[float, ...]:
    """Exact value thresholds equivalent to population top-share cutoffs.

    custrel's tier rule (domain.md §1.5) puts customer i in the first tier
    whose cutoff c satisfies ``#{j : v_j > v_i} / n < c`` (ties share a tier).
    That share depends on the whole population, so it cannot be computed per
    partition; but it is equivalent to ``v_i >= threshold_c``, where
    ``threshold_c`` is the (L + 1)-th largest value and L the largest count
    with ``L / n < c``. This function finds each threshold exactly with a few
    distributed passes (bucket counts that narrow the range, then the few
    values left are collected), after which :func:`tier_by_thresholds` tiers
    every partition independently with the same result as in memory.

    Parameters
    ----------
    values : dask or pandas Series
        The value measure per customer; NaN values are not ranked (they are
        left out of ``n`` and get no tier).
    cutoffs : sequence of float
        Increasing cumulative top shares in (0, 1], e.g. ``(0.05, 0.20)``.
    bins : int
        Buckets per refinement pass.
    max_collect : int
        Collect the remaining candidate values once at most this many are left.

    Returns
    -------
    tuple of float
        One threshold per cutoff (non-increasing); ``-inf`` when every ranked
        customer qualifies, ``inf`` when none does or nothing is ranked.

    Raises
    ------
    ParameterError
        Cutoffs not increasing within (0, 1], or invalid ``bins``/``max_collect``.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> v = dd.from_pandas(pd.Series(np.arange(1.0, 21.0)), npartitions=3)
    >>> share_thresholds(v, (0.05, 0.20))   # tiers of sizes 1 / 3 / 16
    (20.0, 17.0)
    """
    cuts = [float(c) for c in cutoffs]
    if (
        not cuts
        or any(not 0 < c <= 1 for c in cuts)
        or any(b <= a for a, b in itertools.pairwise(cuts))
    ):
        msg = f"cutoffs must be increasing shares in (0, 1]; got {tuple(cutoffs)!r}."
        raise ParameterError(msg)
    if bins < 2 or max_collect < 1:
        msg = f"bins must be >= 2 and max_collect >= 1; got {bins!r} and {max_collect!r}."
        raise ParameterError(msg)
    parts = _partitions(values)
    stats = _map(_range_stats, parts, -np.inf, np.inf)
    n = int(sum(s[1] for s in stats))
    if n == 0:
        return tuple(np.inf for _ in cuts)
    total = _Stats(count=n, lo=min(s[2] for s in stats), hi=max(s[3] for s in stats))
    out: list[float] = []
    for c in cuts:
        allowed = max(0, min(n, math.ceil(c * n) - 1))  # largest L with L / n < c
        while allowed + 1 <= n and (allowed + 1) / n < c:
            allowed += 1
        while allowed >= 0 and not allowed / n < c:
            allowed -= 1
        if allowed < 0:
            out.append(np.inf)
        elif allowed >= n - 1:
            out.append(-np.inf)
        else:
            out.append(_kth_smallest(parts, n - allowed, total, bins, max_collect))
    return tuple(out)


def tier_by_thresholds(
    values: pd.Series, /, thresholds: Sequence[float], labels: Sequence[str]
) -> pd.Series:
    """Tier customers by fixed value thresholds (first tier whose threshold is reached).

    Applied per partition with thresholds from :func:`share_thresholds`, it
    reproduces the in-memory strictly-above-share tiers exactly.

    Parameters
    ----------
    values : Series
        Value per customer (one partition); NaN gets ``"undetermined"``.
    thresholds : sequence of float
        Non-increasing lower bounds of the top tiers.
    labels : sequence of str
        ``len(thresholds) + 1`` tier names, best first.

    Returns
    -------
    Series
        Ordered categorical named ``"tier"`` with categories ``labels`` and
        ``"undetermined"``, indexed like ``values``.

    Raises
    ------
    ParameterError
        Wrong number of labels or increasing thresholds.

    Examples
    --------
    >>> v = pd.Series([20.0, 17.0, 16.0, np.nan], index=pd.Index(list("abcd"), name="customer_id"))
    >>> tier_by_thresholds(v, (20.0, 17.0), ("gold", "silver", "bronze")).tolist()
    ['gold', 'silver', 'bronze', 'undetermined']
    """
    th = [float(x) for x in thresholds]
    if len(labels) != len(th) + 1 or any(b > a for a, b in itertools.pairwise(th)):
        msg = (
            f"tier_by_thresholds needs non-increasing thresholds and len(thresholds) + 1 "
            f"labels; got {tuple(thresholds)!r} and {tuple(labels)!r}."
        )
        raise ParameterError(msg)
    arr = values.to_numpy(dtype=np.float64)
    idx = np.full(arr.size, len(th), dtype=np.int64)
    for i in range(len(th) - 1, -1, -1):  # a few tiers, vectorised per tier
        idx[arr >= th[i]] = i
    idx[np.isnan(arr)] = len(th) + 1
    cats = [*labels, "undetermined"]
    codes: IntArrayT = np.minimum(idx, len(cats) - 1).astype(np.int64)
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(cats), ordered=True)
    return pd.Series(cat, index=values.index, name="tier")


def _count_lt_eq(part: pd.Series, x: float) -> tuple[int, int]:
    v = part.to_numpy(dtype=np.float64)
    return int((v < x).sum()), int((v == x).sum())


def midrank_thresholds(
    values: Any,
    /,
    k: int,
    *,
    bins: int = 2048,
    max_collect: int = 1_000_000,
) -> tuple[float, ...]:
    """Exact value thresholds equivalent to population mid-rank levels ``1..k``.

    custrel's score rule (domain.md §1.5, used by RFM scores and profile
    tertiles) gives ``level_i = ceil(k * midrank_i / n)`` with the average rank
    among the ``n`` non-NaN values. The level is non-decreasing in the value,
    so ``level_i = 1 + #{j : v_i >= u_j}`` for thresholds ``u_1 <= ... <= u_(k-1)``;
    this function finds them exactly with a few distributed passes, after which
    :func:`level_by_thresholds` scores every partition independently.

    Parameters
    ----------
    values : dask or pandas Series
        The values to score (larger value, higher level); NaN values are not ranked.
    k : int
        Number of levels (>= 1).
    bins, max_collect : int
        See :func:`share_thresholds`.

    Returns
    -------
    tuple of float
        ``k - 1`` non-decreasing thresholds (``inf`` for a level nobody reaches).

    Raises
    ------
    ParameterError
        ``k`` not an integer >= 1, or invalid ``bins``/``max_collect``.

    Notes
    -----
    With sorted values and a tie group at positions ``s..e`` (1-based), the
    mid-rank is ``(s + e) / 2``, so level > j exactly when ``k (s + e) > 2 j n``.
    The smallest such value is the order statistic at position
    ``p = floor(j n / k) + 1`` if it qualifies, else the next larger value
    (position ``e + 1``): one exact selection and one count per threshold.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> v = dd.from_pandas(pd.Series([1.0, 2, 3, 4, 5, 6]), npartitions=2)
    >>> midrank_thresholds(v, 3)   # levels [1, 1, 2, 2, 3, 3]
    (3.0, 5.0)
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        msg = f"the number of levels must be an integer >= 1; got {k!r}."
        raise ParameterError(msg)
    if bins < 2 or max_collect < 1:
        msg = f"bins must be >= 2 and max_collect >= 1; got {bins!r} and {max_collect!r}."
        raise ParameterError(msg)
    parts = _partitions(values)
    stats = _map(_range_stats, parts, -np.inf, np.inf)
    n = int(sum(s[1] for s in stats))
    if n == 0:
        return tuple(np.inf for _ in range(int(k) - 1))
    total = _Stats(count=n, lo=min(s[2] for s in stats), hi=max(s[3] for s in stats))
    out: list[float] = []
    for j in range(1, int(k)):
        pos = (j * n) // int(k) + 1
        cand = _kth_smallest(parts, pos, total, bins, max_collect)
        counts = _map(_count_lt_eq, parts, cand)
        less = sum(c[0] for c in counts)
        eq = sum(c[1] for c in counts)
        first, last = less + 1, less + eq
        if int(k) * (first + last) > 2 * j * n:
            out.append(cand)
        elif last < n:
            out.append(_kth_smallest(parts, last + 1, total, bins, max_collect))
        else:
            out.append(np.inf)
    return tuple(out)


def level_by_thresholds(values: pd.Series, /, thresholds: Sequence[float]) -> pd.Series:
    """Levels ``1..k`` from fixed thresholds (``0`` for NaN), e.g. one partition's scores.

    Parameters
    ----------
    values : Series
        Values per customer.
    thresholds : sequence of float
        Non-decreasing thresholds from :func:`midrank_thresholds` (``k - 1`` of them).

    Returns
    -------
    Series
        int64 levels named ``"level"``, indexed like ``values``.

    Raises
    ------
    ParameterError
        Decreasing thresholds.

    Examples
    --------
    >>> level_by_thresholds(pd.Series([1.0, 2, 3, 4, 5, 6, np.nan]), (3.0, 5.0)).tolist()
    [1, 1, 2, 2, 3, 3, 0]
    """
    th = [float(x) for x in thresholds]
    if any(b < a for a, b in itertools.pairwise(th)):
        msg = f"thresholds must be non-decreasing; got {tuple(thresholds)!r}."
        raise ParameterError(msg)
    arr = values.to_numpy(dtype=np.float64)
    level = np.ones(arr.size, dtype=np.int64)
    for u in th:  # k - 1 thresholds, vectorised per threshold
        level += arr >= u
    level[np.isnan(arr)] = 0
    return pd.Series(level, index=values.index, name="level")


def population_median(values: Any, /, *, bins: int = 2048, max_collect: int = 1_000_000) -> float:
    """Exact median of a distributed Series (NaN ignored), as ``pandas.Series.median``.

    Median-split rules (repeat patronage, the loyalty classifiers) compare every
    customer with the population median; compute it once with this function and
    compare per partition (``>=``, as custrel's rules do).

    Parameters
    ----------
    values : dask or pandas Series
        The values.
    bins, max_collect : int
        See :func:`share_thresholds`.

    Returns
    -------
    float
        The median (the mean of the two middle values for an even count);
        NaN when there is no value.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> population_median(dd.from_pandas(pd.Series([4.0, 1, np.nan, 3, 2]), npartitions=2))
    2.5
    """
    if bins < 2 or max_collect < 1:
        msg = f"bins must be >= 2 and max_collect >= 1; got {bins!r} and {max_collect!r}."
        raise ParameterError(msg)
    parts = _partitions(values)
    stats = _map(_range_stats, parts, -np.inf, np.inf)
    n = int(sum(s[1] for s in stats))
    if n == 0:
        return float("nan")
    total = _Stats(count=n, lo=min(s[2] for s in stats), hi=max(s[3] for s in stats))
    upper = _kth_smallest(parts, n // 2 + 1, total, bins, max_collect)
    if n % 2:
        return upper
    lower = _kth_smallest(parts, n // 2, total, bins, max_collect)
    return float(np.mean([lower, upper]))
