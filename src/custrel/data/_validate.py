"""Shared helpers that collect validation problems and raise them all at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from custrel.errors import DataValidationError

__all__ = ["ProblemList", "examples"]

_N_EXAMPLES = 5


def examples(values: Iterable[object], limit: int = _N_EXAMPLES) -> str:
    """Format up to ``limit`` example values as a short comma-separated string."""
    out: list[str] = []
    for i, v in enumerate(values):
        if i >= limit:
            break
        out.append(repr(v.item() if isinstance(v, np.generic) else v))
    return ", ".join(out)


class ProblemList:
    """Accumulate data problems, then raise one :class:`DataValidationError` listing them all."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        """Record one problem."""
        self.problems.append(message)

    def check_rows(
        self,
        bad: np.ndarray | pd.Series,
        *,
        column: str,
        rule: str,
        index: pd.Index | Sequence[object],
        values: pd.Series | None = None,
        label: str = "row",
    ) -> None:
        """Record a problem when any entry of the boolean mask ``bad`` is true.

        The message names the column, the rule, the count and up to five example
        row labels (and offending values, when given).
        """
        mask = np.asarray(bad, dtype=bool)
        n_bad = int(mask.sum())
        if n_bad == 0:
            return
        where = np.flatnonzero(mask)[:_N_EXAMPLES]
        idx = pd.Index(index)
        msg = (
            f"column {column!r}: {rule}; {n_bad} of {mask.size} {label}s violate it "
            f"(e.g. {label} {examples(idx[where])}"
        )
        if values is not None:
            msg += f" with values {examples(values.iloc[where])}"
        self.problems.append(msg + ")")

    def numeric(
        self, raw: pd.Series, *, column: str, index: pd.Index, label: str = "customer"
    ) -> pd.Series:
        """``raw`` as float64 (bools as 0/1); non-numeric values are recorded and become NaN."""
        if pd.api.types.is_bool_dtype(raw.dtype):
            return raw.astype("float64")
        num = pd.to_numeric(raw, errors="coerce").astype("float64")
        self.check_rows(
            num.isna().to_numpy() & raw.notna().to_numpy(),
            column=column,
            rule="values must be numeric",
            index=index,
            values=raw,
            label=label,
        )
        return num

    def raise_if_any(self) -> None:
        """Raise a :class:`DataValidationError` listing every recorded problem."""
        if not self.problems:
            return
        head = f"{self.what}: {len(self.problems)} problem(s) found:"
        body = "\n".join(f"  - {p}" for p in self.problems)
        raise DataValidationError(f"{head}\n{body}", problems=tuple(self.problems))
