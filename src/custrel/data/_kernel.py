"""Vectorised kernels: (customer, day) occasions from raw rows in one int64 sort.

No Python loop runs over customers. The rows are encoded as integer customer
codes and integer days, packed with the row number into one int64 key, sorted
once, and reduced at group boundaries.
"""

from __future__ import annotations

from typing import Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["CustomerDays", "Encoded", "customer_days", "encode"]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

_NS_PER_DAY = 86_400 * 10**9


@attrs.frozen(eq=False)
class Encoded:
    """Rows encoded as integers: customer code (into ``customers``), day number, amount."""

    codes: IntArray
    customers: pd.Index
    days: IntArray
    amounts: FloatArray


def day_number(ts: pd.Timestamp | np.datetime64) -> int:
    """Integer day number (days since 1970-01-01) of a timestamp."""
    return int(pd.Timestamp(ts).normalize().value // _NS_PER_DAY)


def encode(tx: pd.DataFrame) -> Encoded:
    """Encode a normalised transaction frame (see :func:`read_transactions`)."""
    try:
        codes, uniques = pd.factorize(tx["customer_id"], sort=True)
    except TypeError:  # ids of mixed, unorderable types
        codes, uniques = pd.factorize(tx["customer_id"], sort=False)
    dates = tx["date"].to_numpy(dtype="datetime64[ns]")
    days = dates.view(np.int64) // _NS_PER_DAY
    amounts = tx["amount"].to_numpy(dtype=np.float64)
    index = pd.Index(uniques, name="customer_id")
    return Encoded(
        codes=codes.astype(np.int64, copy=False), customers=index, days=days, amounts=amounts
    )


@attrs.frozen(eq=False)
class CustomerDays:
    """Net amount per (customer, day), sorted by customer code then day."""

    cust: IntArray
    day: IntArray
    net: FloatArray
    n_rows: IntArray
    extra: tuple[FloatArray, ...] = ()


def _bits(n: int) -> int:
    return max(1, int(n).bit_length())


def customer_days(
    codes: IntArray,
    days: IntArray,
    amounts: FloatArray,
    *,
    extra: tuple[FloatArray, ...] = (),
) -> CustomerDays:
    """Sum the rows of each (customer, day) with one sort of a packed int64 key.

    ``extra`` arrays (one value per row) are summed per (customer, day) the same way.

    Examples
    --------
    >>> cd = customer_days(np.array([1, 0, 1, 1]), np.array([5, 3, 5, 9]),
    ...                    np.array([1.0, 2.0, 3.0, -1.0]))
    >>> cd.cust.tolist(), cd.day.tolist(), cd.net.tolist(), cd.n_rows.tolist()
    ([0, 1, 1], [3, 5, 9], [2.0, 4.0, -1.0], [1, 2, 1])
    """
    n = codes.size
    if n == 0:
        empty_i = np.empty(0, dtype=np.int64)
        empty_f = np.empty(0, dtype=np.float64)
        return CustomerDays(empty_i, empty_i, empty_f, empty_i, tuple(empty_f for _ in extra))
    dmin = int(days.min())
    span = int(days.max()) - dmin + 1
    n_cust = int(codes.max()) + 1
    group_bits = _bits(n_cust - 1) + _bits(span - 1)
    row_bits = _bits(n - 1)
    group = codes * span + (days - dmin)
    if group_bits + row_bits <= 62:
        key = (group << row_bits) | np.arange(n, dtype=np.int64)
        key.sort()
        rows = key & ((1 << row_bits) - 1)
        gkey = key >> row_bits
        del key
    else:  # too many bits to pack the row number: fall back to an argsort
        rows = np.argsort(group, kind="stable")
        gkey = group[rows]
    del group
    amt = amounts[rows]
    starts = np.flatnonzero(np.concatenate(([True], gkey[1:] != gkey[:-1])))
    net = np.add.reduceat(amt, starts)
    sums = tuple(np.add.reduceat(np.asarray(x, dtype=np.float64)[rows], starts) for x in extra)
    del rows
    g = gkey[starts]
    n_rows = np.diff(np.append(starts, n))
    return CustomerDays(cust=g // span, day=g % span + dmin, net=net, n_rows=n_rows, extra=sums)


def occasion_mask(net: FloatArray, zero_net: Literal["occasion", "not_occasion"]) -> BoolArray:
    """Which customer-days are purchase occasions (net > 0, or net >= 0)."""
    return net >= 0 if zero_net == "occasion" else net > 0


def group_ends(starts: IntArray, size: int) -> IntArray:
    """Inclusive end offsets of the runs that start at ``starts`` in an array of length ``size``."""
    if starts.size == 0:
        return np.empty(0, dtype=np.int64)
    return np.append(starts[1:], size) - 1


def group_starts(sorted_codes: IntArray) -> IntArray:
    """Start offsets of runs of equal values in a sorted code array."""
    if sorted_codes.size == 0:
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], sorted_codes[1:] != sorted_codes[:-1])))
