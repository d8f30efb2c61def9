"""Private helpers shared by the lifecycle classifiers: P(alive) input, population, gathers."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Final, Protocol, TypeAlias, runtime_checkable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data import CustomerBase
from custrel.data._time import Period
from custrel.data._validate import ProblemList, examples
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import Reason

__all__ = [
    "AliveModel",
    "Decider",
    "PAlive",
    "categorical",
    "gather",
    "positions",
    "resolve_p_alive",
    "sorted_union",
]

FloatArray = NDArray[np.float64]


@runtime_checkable
class AliveModel(Protocol):
    """Anything with ``probability_alive(summary) -> Series`` (BG/NBD, Pareto/NBD, ...)."""

    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """P(alive) per customer of a BTYD summary (``frequency, recency, T``)."""
        ...


#: What the classifiers accept as P(alive): a Series indexed by customer_id, a model, or None.
PAlive: TypeAlias = "pd.Series | AliveModel | None"


_REASONS: Final = tuple(r.value for r in Reason)


def categorical(
    codes: NDArray[np.integer], categories: Sequence[str], *, ordered: bool = False
) -> pd.Categorical:
    """A Categorical from integer codes (-1 = missing) without touching each value."""
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype)


def sorted_union(first: pd.Index, *others: pd.Index) -> pd.Index:
    """Union of customer indexes, sorted when the ids are orderable (row-order invariance)."""
    out = first
    for other in others:
        if len(other):
            out = out.append(other[~other.isin(out)])
    if not out.is_unique:
        out = out.unique()
    if not out.is_monotonic_increasing:
        with contextlib.suppress(TypeError):  # mixed, unorderable ids keep first-seen order
            out = out.sort_values()
    return out.rename("customer_id")


def positions(index: pd.Index, targets: pd.Index) -> NDArray[np.intp]:
    """Positions of ``targets`` in ``index`` (-1 where absent); free when they are equal."""
    if targets is index or targets.equals(index):
        return np.arange(len(index), dtype=np.intp)
    return np.asarray(index.get_indexer(targets), dtype=np.intp)


class Decider:
    """First-match-wins rule evaluation on integer codes (no per-customer Python work).

    ``decide(mask, label, basis=..., reason=...)`` assigns the still undecided
    customers of ``mask``; the results come out as pandas Categoricals.
    """

    def __init__(self, n: int, categories: Sequence[str], bases: Sequence[str] = ()) -> None:
        self.categories = tuple(categories)
        self.base_names = tuple(bases)
        self.codes = np.full(n, -1, dtype=np.int8)
        self.reason_codes = np.full(n, -1, dtype=np.int8)
        self.basis = np.full(n, -1, dtype=np.int8)
        self.todo = np.ones(n, dtype=bool)

    def decide(
        self,
        mask: NDArray[np.bool_],
        label: str,
        *,
        basis: str | None = None,
        reason: Reason | str | None = None,
    ) -> None:
        """Give ``label`` to the undecided customers in ``mask``."""
        m = mask & self.todo
        self.codes[m] = self.categories.index(label)
        if basis is not None:
            self.basis[m] = self.base_names.index(basis)
        if reason is not None:
            self.reason_codes[m] = _REASONS.index(str(reason))
        self.todo &= ~m

    def set(
        self,
        mask: NDArray[np.bool_],
        label_codes: NDArray[np.integer],
        reason_codes: NDArray[np.integer],
    ) -> None:
        """Assign given label and reason codes to the undecided customers in ``mask``."""
        m = mask & self.todo
        self.codes[m] = label_codes[m]
        self.reason_codes[m] = reason_codes[m]
        self.todo &= ~m

    def labels(self, names: Sequence[str] | None = None) -> pd.Categorical:
        """The labels (optionally renamed category by category)."""
        cats = list(names) if names is not None else list(self.categories)
        return categorical(self.codes, cats, ordered=True)

    def reasons(self) -> pd.Categorical:
        """The reason codes."""
        return categorical(self.reason_codes, _REASONS)

    def bases(self) -> pd.Categorical:
        """What decided each label."""
        return categorical(self.basis, self.base_names)


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
    num = problems.numeric(raw, column="p_alive", index=series.index)
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
    _check_coverage(base, series.index)
    return aligned, int((~known).sum())


def _check_coverage(base: CustomerBase, ids: pd.Index) -> None:
    """Raise when P(alive) matches none of the purchasers (e.g. ids of another dtype).

    Partial coverage is legal: purchasers without an entry are treated as
    P(alive) missing by the rules (domain.md §10.5).
    """
    buyers = base.customers[base.features["n_occasions"].to_numpy() > 0]
    if len(buyers) == 0 or len(ids) == 0:
        return
    absent = buyers[~buyers.isin(ids)]
    if len(absent) == len(buyers):
        msg = (
            f"p_alive matches none of the {len(buyers)} purchasers of the customer base "
            f"(p_alive ids e.g. {examples(ids)}; customer ids e.g. {examples(buyers)}). "
            "Index p_alive by the same customer ids, with the same dtype, as the transactions."
        )
        raise DataValidationError(msg)
