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
    n_rows: IntArray | None = None
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


_INT64_MAX = np.iinfo(np.int64).max


@attrs.frozen(eq=False)
class CustomerIds:
    """Maps the order-preserving integer customer codes of a kernel back to customer ids."""

    offset: int
    uniques: pd.Index | None

    def __call__(self, codes: IntArray) -> pd.Index:
        """The customer ids of ``codes``, as an Index named ``customer_id``."""
        ids = pd.Index(codes + self.offset) if self.uniques is None else self.uniques.take(codes)
        ids.name = "customer_id"
        return ids


def _id_codes(ids: pd.Series) -> tuple[IntArray, int, CustomerIds]:
    """Integer codes for customer ids whose order equals the ids' sort order.

    Integer ids need no hashing: ``code = id - min(id)``. Other ids are factorised
    and their codes re-ranked so that code order is the sorted id order.
    """
    if pd.api.types.is_integer_dtype(ids.dtype) and not pd.api.types.is_bool_dtype(ids.dtype):
        arr = ids.to_numpy(dtype=np.int64)
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 2**40:
            return arr - lo, _bits(hi - lo), CustomerIds(offset=lo, uniques=None)
    codes, uniques = pd.factorize(ids, sort=False)
    try:
        order = np.argsort(np.asarray(uniques), kind="stable")
    except TypeError:  # unorderable mixed ids: keep first-appearance order
        order = np.arange(len(uniques))
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques), dtype=np.int64)
    return (
        rank[codes],
        _bits(len(uniques) - 1),
        CustomerIds(offset=0, uniques=pd.Index(uniques).take(order)),
    )


def rows_to_customer_days(
    ids: pd.Series,
    days: IntArray,
    amounts: FloatArray,
    *,
    end_day: int | None = None,
) -> tuple[CustomerDays, CustomerIds, int]:
    """Customer-days of the rows dated on or before ``end_day``, in one int64 sort.

    The customer id (as an order-preserving integer code), the day and the row
    number are packed into one int64 key; rows after ``end_day`` get a sentinel key
    that sorts last and are cut off, so no filtered copies are made. ``days`` is
    used as scratch space and is overwritten.

    Returns
    -------
    tuple
        ``(customer_days, to_ids, n_after)``: customer-days sorted by customer
        code then day (codes are order-preserving but not compact; ``to_ids``
        maps them to customer ids) and the number of rows after ``end_day``.

    Examples
    --------
    >>> cd, to_ids, n_after = rows_to_customer_days(
    ...     pd.Series([7, 3, 7, 7]), np.array([5, 3, 5, 9]), np.array([1.0, 2.0, 3.0, -1.0]),
    ...     end_day=8)
    >>> list(to_ids(cd.cust)), cd.day.tolist(), cd.net.tolist(), n_after
    ([3, 7], [3, 5], [2.0, 4.0], 1)
    """
    n = days.size
    dmin = int(days.min())
    dmax = int(days.max())
    after: BoolArray | None = None
    n_after = 0
    if end_day is not None and dmax > end_day:
        after = days > end_day
        n_after = int(after.sum())
        dmax = end_day
    n_keep = n - n_after
    codes, id_bits, to_ids = _id_codes(ids)
    if n_keep <= 0 or dmax < dmin:
        e_i = np.empty(0, np.int64)
        return CustomerDays(e_i, e_i, np.empty(0)), to_ids, n_after
    day_bits = _bits(dmax - dmin)
    row_bits = _bits(n - 1)
    days -= dmin
    key = codes
    key <<= day_bits
    key |= days
    if id_bits + day_bits + row_bits <= 62:
        key <<= row_bits
        key |= np.arange(n, dtype=np.int64)
        if after is not None:
            key[after] = _INT64_MAX
        key.sort()
        key = key[:n_keep]
        rows = np.bitwise_and(key, (1 << row_bits) - 1, out=days[:n_keep])
        key >>= row_bits
    else:  # too many bits to pack the row number: argsort the (customer, day) key
        if after is not None:
            key[after] = _INT64_MAX
        rows = np.argsort(key, kind="stable")[:n_keep]
        key = key[rows]
    amt = amounts[rows]
    del rows
    starts = group_starts(key)
    net = np.add.reduceat(amt, starts)
    del amt
    g = key[starts]
    del key
    cust = g >> day_bits
    g &= (1 << day_bits) - 1
    g += dmin
    return CustomerDays(cust=cust, day=g, net=net), to_ids, n_after
