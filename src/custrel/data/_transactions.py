"""Reading and validating transaction logs."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from custrel.data._columns import OPTIONAL_COLUMNS, TransactionColumns
from custrel.data._validate import ProblemList, examples
from custrel.errors import DataWarning, SchemaError

__all__ = ["CANONICAL_COLUMNS", "read_transactions", "validated_columns"]

CANONICAL_COLUMNS = ("customer_id", "date", "amount", *OPTIONAL_COLUMNS)
_FLAG_COLUMNS = ("discount", "incentive", "promo")
_CATEGORICAL_COLUMNS = ("channel", "category", "store")
_DEFAULT_COLUMNS = TransactionColumns()


def _load(source: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.exists():
            msg = f"transaction file {str(path)!r} does not exist."
            raise SchemaError(msg)
        suffix = "".join(path.suffixes[-2:]).lower()
        if suffix.endswith((".parquet", ".pq")):
            from custrel._optional import require

            require("pyarrow", extra="parquet", feature="reading Parquet files")
            return pd.read_parquet(path)
        if suffix.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
            sep = "\t" if suffix.endswith(".tsv") else ","
            return pd.read_csv(path, sep=sep)
        msg = f"transaction file must be .csv, .tsv or .parquet; got {path.name!r}."
        raise SchemaError(msg)
    msg = f"transactions must be a pandas DataFrame or a path to a CSV/Parquet file; got {type(source).__name__}."
    raise SchemaError(msg)


def _to_datetime(raw: pd.Series, fmt: str | None = None) -> pd.Series:
    try:
        parsed = pd.to_datetime(raw, errors="coerce", format=fmt)
    except (TypeError, ValueError):  # mixed time zones
        parsed = pd.to_datetime(raw, errors="coerce", format=fmt, utc=True)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed


def _parse_dates(
    raw: pd.Series, problems: ProblemList, column: str, *, floor: bool = True
) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        # Keep the local business date of each timestamp, then drop the zone.
        parsed = raw.dt.tz_localize(None)
    elif pd.api.types.is_datetime64_any_dtype(raw.dtype):
        parsed = raw
    elif (
        pd.api.types.is_integer_dtype(raw.dtype)
        and len(raw)
        and 19000101 <= raw.min() <= raw.max() <= 29991231
    ):
        parsed = pd.to_datetime(raw.astype("int64").astype(str), format="%Y%m%d", errors="coerce")
    else:
        parsed = _to_datetime(raw)
        if bool((parsed.isna() & raw.notna()).any()):
            # pandas infers one format from the first value; retry value by value
            parsed = _to_datetime(raw, fmt="mixed")
    null_in = raw.isna().to_numpy()
    nat_out = parsed.isna().to_numpy()
    problems.check_rows(null_in, column=column, rule="dates must not be missing", index=raw.index)
    problems.check_rows(
        nat_out & ~null_in,
        column=column,
        rule="dates must be parseable",
        index=raw.index,
        values=raw,
    )
    out: pd.Series = parsed if not floor else parsed.astype("datetime64[ns]").dt.floor("D")
    return out


def _parse_number(raw: pd.Series, problems: ProblemList, column: str, what: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        num = raw.astype("float64")
    else:
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad_type = num.isna().to_numpy() & raw.notna().to_numpy()
        problems.check_rows(
            bad_type, column=column, rule=f"{what} must be numeric", index=raw.index, values=raw
        )
        num = num.where(~bad_type, 0.0)
    arr = num.to_numpy()
    problems.check_rows(
        np.isinf(arr),
        column=column,
        rule=f"{what} must be finite",
        index=raw.index,
        values=raw,
    )
    problems.check_rows(
        raw.isna().to_numpy(), column=column, rule=f"{what} must not be missing", index=raw.index
    )
    return num


def _parse_flag(raw: pd.Series, problems: ProblemList, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(bool)
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna().to_numpy() & raw.notna().to_numpy()
    problems.check_rows(
        bad,
        column=column,
        rule="flags must be bool or numeric (> 0 means flagged)",
        index=raw.index,
        values=raw,
    )
    return (num.fillna(0.0) > 0).astype(bool)


def validated_columns(
    source: pd.DataFrame | str | Path, columns: TransactionColumns, *, floor_dates: bool = True
) -> dict[str, pd.Series]:
    """Load and validate a log; return the canonical columns as Series (no frame is built).

    With ``floor_dates=False`` datetime columns are returned as they are (tz-naive),
    for kernels that convert to day numbers themselves.
    """
    frame = _load(source)
    rename = columns.rename_map()
    missing = [user for user in rename if user not in frame.columns]
    if missing:
        available = ", ".join(repr(str(c)) for c in list(frame.columns)[:20])
        msg = (
            f"transaction log is missing column(s) {', '.join(repr(m) for m in missing)}; "
            f"available columns: {available}. Map your names with TransactionColumns(...)."
        )
        raise SchemaError(msg)
    dup_cols = frame.columns[frame.columns.duplicated()]
    clash = [c for c in rename if c in set(dup_cols)]
    if clash:
        msg = f"transaction log has duplicated column name(s) {examples(clash)}."
        raise SchemaError(msg)
    problems = ProblemList("invalid transaction log")
    if len(frame) == 0:
        problems.add("the transaction log is empty (0 rows)")
        problems.raise_if_any()
    sub = frame.loc[:, list(rename)].rename(columns=rename).reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    cid = sub["customer_id"]
    problems.check_rows(
        cid.isna().to_numpy(),
        column=columns.customer_id,
        rule="customer ids must not be missing",
        index=sub.index,
    )
    out["customer_id"] = cid
    out["date"] = _parse_dates(sub["date"], problems, columns.date, floor=floor_dates)
    out["amount"] = _parse_number(sub["amount"], problems, columns.amount, "amounts")
    for name in OPTIONAL_COLUMNS:
        if name not in sub.columns:
            continue
        user_name = getattr(columns, name)
        if name in _FLAG_COLUMNS:
            out[name] = _parse_flag(sub[name], problems, user_name)
        elif name == "cost":
            out[name] = _parse_number(sub[name], problems, user_name, "costs")
        elif name in _CATEGORICAL_COLUMNS:
            out[name] = sub[name].astype("category")
        else:
            out[name] = sub[name]
    problems.raise_if_any()
    return out


def read_transactions(
    source: pd.DataFrame | str | Path,
    /,
    *,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    duplicates: Literal["keep", "drop"] = "keep",
) -> pd.DataFrame:
    """Read, validate and normalise a transaction log.

    Parameters
    ----------
    source : DataFrame or path
        The log as a DataFrame, or a path to a ``.csv``/``.tsv``/``.parquet`` file.
    columns : TransactionColumns
        Names of the user's columns; they are renamed to the canonical names.
    duplicates : {"keep", "drop"}
        Exact duplicate rows (same values in every mapped column) are kept by
        default: two identical lines can be two items of one basket. With
        ``"drop"`` they are removed and the count is reported with a
        :class:`~custrel.errors.DataWarning`.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``date`` (``datetime64[ns]``, tz-naive, normalised
        to the day; a timezone-aware timestamp keeps its local date), ``amount``
        (float; negative amounts are returns and are kept), then the optional
        canonical columns that were mapped, on a fresh ``RangeIndex``.

    Raises
    ------
    SchemaError
        The source is not a DataFrame or a readable file, or a mapped column is missing.
    DataValidationError
        Listing every problem at once: empty log, missing customer ids,
        missing or unparseable dates, non-numeric, missing or non-finite amounts or costs.

    Notes
    -----
    Policies: negative amounts are returns, netted per purchase occasion;
    zero amounts are kept (a $0 line is still a transaction); several rows of
    one customer on one day form one purchase occasion in :func:`summarize`.

    Examples
    --------
    >>> raw = pd.DataFrame({"cust": ["a", "a", "b"],
    ...                     "ts": ["2024-01-01 09:30", "2024-01-01 18:00", "2024-02-03"],
    ...                     "value": ["10.5", "-2", "7"]})
    >>> tx = read_transactions(raw, columns=TransactionColumns(customer_id="cust", date="ts",
    ...                                                        amount="value"))
    >>> tx
      customer_id       date  amount
    0           a 2024-01-01    10.5
    1           a 2024-01-01    -2.0
    2           b 2024-02-03     7.0
    """
    result = pd.DataFrame(validated_columns(source, columns))
    if duplicates == "drop":
        dup = result.duplicated(keep="first")
        n_dup = int(dup.sum())
        if n_dup:
            warnings.warn(
                f"dropped {n_dup} exact duplicate transaction row(s) "
                f"(e.g. rows {examples(result.index[dup.to_numpy()])}).",
                DataWarning,
                stacklevel=2,
            )
            result = result.loc[~dup.to_numpy()].reset_index(drop=True)
    elif duplicates != "keep":
        msg = f"duplicates must be 'keep' or 'drop'; got {duplicates!r}."
        raise SchemaError(msg)
    return result
