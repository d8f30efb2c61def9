"""Private helpers shared by the lifecycle classifiers: P(alive) input, population, gathers."""

from __future__ import annotations

import contextlib
from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data import CustomerBase
from custrel.data._time import Period
from custrel.data._validate import ProblemList
from custrel.errors import ParameterError

__all__ = ["AliveModel", "PAlive", "gather", "resolve_p_alive", "sorted_union"]

FloatArray = NDArray[np.float64]


@runtime_checkable
class AliveModel(Protocol):
    """Anything with ``probability_alive(summary) -> Series`` (BG/NBD, Pareto/NBD, ...)."""

    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """P(alive) per customer of a BTYD summary (``frequency, recency, T``)."""
        ...


#: What the classifiers accept as P(alive): a Series indexed by customer_id, a model, or None.
PAlive: TypeAlias = "pd.Series | AliveModel | None"


def sorted_union(*indexes: pd.Index) -> pd.Index:
    """Union of customer indexes, sorted when the ids are orderable (row-order invariance)."""
    out = indexes[0]
    for other in indexes[1:]:
        out = out.append(other[~other.isin(out)])
    out = out.unique()
    with contextlib.suppress(TypeError):  # mixed, unorderable ids keep first-seen order
        out = out.sort_values()
    out.name = "customer_id"
    return out


def gather(values: np.ndarray, pos: NDArray[np.intp], fill: float) -> FloatArray:
    """``values[pos]`` as float with ``fill`` where ``pos == -1``."""
    out = np.full(pos.size, fill, dtype=np.float64)
    ok = pos >= 0
    out[ok] = np.asarray(values, dtype=np.float64)[pos[ok]]
    return out


def resolve_p_alive(
    base: CustomerBase, p_alive: PAlive, *, period: Period
) -> tuple[FloatArray | None, int]:
    """P(alive) aligned with ``base.customers`` (NaN where missing) and #values ignored.

    A model is applied to ``base.btyd_summary(period=...)`` in the model's own
    ``period`` when it has one, else in ``period``. Values for ids
    that are not purchasers of ``base`` are ignored and counted. Invalid values
    (outside [0, 1], non-numeric, duplicated ids) raise ``DataValidationError``.
    """
    if p_alive is None:
        return None, 0
    if isinstance(p_alive, pd.Series):
        series = p_alive
    elif isinstance(p_alive, AliveModel):
        own = getattr(p_alive, "period", None)
        summary = base.btyd_summary(period=own if own is not None else period)
        result = p_alive.probability_alive(summary)
        if isinstance(result, pd.Series):
            series = result
        else:
            values = np.asarray(result, dtype=np.float64)
            if values.shape != (len(summary),):
                msg = (
                    f"{type(p_alive).__name__}.probability_alive returned shape {values.shape} "
                    f"for {len(summary)} customers; expected a Series indexed by customer_id."
                )
                raise ParameterError(msg)
            series = pd.Series(values, index=summary.index)
    else:
        msg = (
            "p_alive must be a Series indexed by customer_id, a model with "
            f"probability_alive(summary), or None; got {type(p_alive).__name__}."
        )
        raise ParameterError(msg)
    problems = ProblemList("invalid p_alive")
    problems.check_rows(
        series.index.duplicated(),
        column="p_alive",
        rule="customer ids must be unique",
        index=series.index,
        label="customer",
    )
    raw = series
    if pd.api.types.is_bool_dtype(raw.dtype):
        num = raw.astype("float64")
    else:
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
    problems.check_rows(
        num.isna().to_numpy() & raw.notna().to_numpy(),
        column="p_alive",
        rule="values must be numeric",
        index=series.index,
        values=raw,
        label="customer",
    )
    arr = num.to_numpy(dtype=np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~np.isnan(arr) & ~((arr >= 0.0) & (arr <= 1.0))
    problems.check_rows(
        bad,
        column="p_alive",
        rule="probabilities must lie in [0, 1] (NaN means missing)",
        index=series.index,
        values=raw,
        label="customer",
    )
    problems.raise_if_any()
    known = series.index.isin(base.customers)
    aligned: FloatArray = np.asarray(
        num.reindex(base.customers).to_numpy(dtype=np.float64), dtype=np.float64
    )
    return aligned, int((~known).sum())
