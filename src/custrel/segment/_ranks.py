"""Deterministic tie rules shared by every segmentation strategy (domain.md §1.5).

* **Strictly-above share**: ``share_above_i = #{j : v_j > v_i} / n``; ties share a tier.
* **Mid-rank levels**: ``level_i = ceil(k * midrank_i / n)`` with the average rank.

Both are vectorised (one sort, no per-customer loop) and ignore row order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data._validate import examples
from custrel.errors import DataValidationError, ParameterError

__all__ = [
    "as_value_series",
    "midrank_levels",
    "share_above",
    "tier_index_by_share",
    "value_share_above",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def midrank_levels(values: pd.Series | FloatArray, k: int) -> IntArray:
    """Levels ``1..k`` by the mid-rank rule; 0 where the value is NaN.

    ``level_i = ceil(k * midrank_i / n)`` where ``midrank`` is the average rank
    among the ``n`` non-NaN values (pandas ``rank(method="average")``). Computed
    in exact integer arithmetic (twice the mid-rank is an integer), so no level
    depends on floating-point rounding.

    Parameters
    ----------
    values : Series or ndarray
        Values to rank; larger values get higher levels.
    k : int
        Number of levels (>= 1).

    Returns
    -------
    ndarray of int64
        Levels in ``1..k``; ``0`` marks a NaN value.

    Examples
    --------
    >>> midrank_levels(np.array([1.0, 2, 3, 4, 5, 6]), 3).tolist()
    [1, 1, 2, 2, 3, 3]
    >>> midrank_levels(np.array([5.0, 5, 5, 1]), 3).tolist()
    [3, 3, 3, 1]
    >>> midrank_levels(np.array([2.0, np.nan, 1.0]), 2).tolist()
    [2, 0, 1]
    """
    if int(k) != k or k < 1:
        msg = f"the number of levels must be an integer >= 1; got {k!r}."
        raise ParameterError(msg)
    arr = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(arr)
    n = int(ok.sum())
    out = np.zeros(arr.size, dtype=np.int64)
    if n == 0:
        return out
    ranks = pd.Series(arr[ok]).rank(method="average").to_numpy()
    twice = np.rint(2.0 * ranks).astype(np.int64)  # exact: average ranks are multiples of 1/2
    num = int(k) * twice
    den = 2 * n
    out[ok] = -(-num // den)  # ceil division in integers
    return out


def share_above(values: FloatArray) -> FloatArray:
    """``#{j : v_j > v_i} / n`` over the non-NaN values (NaN where the value is NaN).

    Examples
    --------
    >>> share_above(np.array([1.0, 3.0, 3.0, 2.0])).tolist()
    [0.75, 0.0, 0.0, 0.5]
    """
    arr = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(arr)
    out = np.full(arr.size, np.nan)
    v = arr[ok]
    n = v.size
    if n == 0:
        return out
    srt = np.sort(v)
    above = n - np.searchsorted(srt, v, side="right")
    out[ok] = above / n
    return out


def value_share_above(values: FloatArray) -> FloatArray:
    """Share of the total value held by customers with strictly larger value.

    Raises :class:`~custrel.errors.DataValidationError` when the total of the
    non-NaN values is not positive (the share is undefined).

    Examples
    --------
    >>> value_share_above(np.array([50.0, 30.0, 20.0])).tolist()
    [0.0, 0.5, 0.8]
    """
    arr = np.asarray(values, dtype=np.float64)
    ok = ~np.isnan(arr)
    out = np.full(arr.size, np.nan)
    v = arr[ok]
    if v.size == 0:
        return out
    total = float(v.sum())
    if not total > 0:
        msg = f"basis='value_share' needs a positive total value; got total {total:g}."
        raise DataValidationError(msg)
    srt = np.sort(v)
    csum = np.concatenate(([0.0], np.cumsum(srt)))
    pos = np.searchsorted(srt, v, side="right")
    out[ok] = (csum[-1] - csum[pos]) / total
    return out


def tier_index_by_share(shares: FloatArray, cutoffs: Sequence[float]) -> IntArray:
    """Index of the first cutoff with ``share < cutoff`` (``len(cutoffs)`` if none; -1 for NaN).

    Examples
    --------
    >>> tier_index_by_share(np.array([0.0, 0.05, 0.15, 0.2, np.nan]), (0.05, 0.20)).tolist()
    [0, 1, 1, 2, -1]
    """
    s = np.asarray(shares, dtype=np.float64)
    out = np.full(s.size, len(cutoffs), dtype=np.int64)
    for i in range(len(cutoffs) - 1, -1, -1):  # few tiers; vectorised per tier
        out[s < cutoffs[i]] = i
    out[np.isnan(s)] = -1
    return out


def as_value_series(value: object, *, name: str, what: str) -> pd.Series:
    """Validate a per-customer numeric Series: unique index, numeric, no infinities.

    NaN is allowed (it becomes an explicit ``undetermined`` downstream).
    """
    if not isinstance(value, pd.Series):
        msg = f"{what} must be a pandas Series indexed by customer_id; got {type(value).__name__}."
        raise ParameterError(msg)
    if value.index.has_duplicates:
        dup = value.index[value.index.duplicated()]
        msg = (
            f"{what} must have one value per customer; {dup.size} duplicated customer_id(s) "
            f"(e.g. {examples(dup)})."
        )
        raise DataValidationError(msg)
    if pd.api.types.is_bool_dtype(value.dtype) or not pd.api.types.is_numeric_dtype(value.dtype):
        num = pd.to_numeric(value, errors="coerce")
        bad = num.isna() & value.notna()
        if bad.any() or pd.api.types.is_bool_dtype(value.dtype):
            where = value.index[bad.to_numpy()] if bad.any() else value.index
            msg = (
                f"{what} must be numeric; {int(bad.sum()) or value.size} of {value.size} "
                f"values are not (e.g. customer_id {examples(where)})."
            )
            raise DataValidationError(msg)
        value = num
    arr = value.to_numpy(dtype=np.float64, na_value=np.nan)
    inf = np.isinf(arr)
    if inf.any():
        msg = (
            f"{what} must be finite or NaN; {int(inf.sum())} of {arr.size} values are infinite "
            f"(e.g. customer_id {examples(value.index[inf])})."
        )
        raise DataValidationError(msg)
    out = pd.Series(arr, index=value.index.copy(), name=name)
    out.index.name = "customer_id"
    return out
