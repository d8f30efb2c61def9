"""Build :class:`~custrel.labels.Labels` from integer codes (fast path for millions of customers).

``Labels.build`` accepts label strings; hashing millions of strings into a
categorical dominates the run time of a vectorised strategy. The strategies
here already know each customer's tier index, so they build the categoricals
with :meth:`pandas.Categorical.from_codes` instead. The result satisfies the
same invariants as ``Labels.build``: an ordered ``label`` whose last category
is ``"undetermined"`` and a ``reason`` categorical over every :class:`Reason`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, Labels, Reason

__all__ = ["REASON_CODE", "categorical", "labels_from_codes", "reason_codes"]

IntArray = NDArray[np.int64]

_REASONS: Final = tuple(r.value for r in Reason)
#: Position of each reason in the ``reason`` categorical.
REASON_CODE: Final[Mapping[str, int]] = {r: i for i, r in enumerate(_REASONS)}


def reason_codes(n: int) -> IntArray:
    """An all-missing reason-code array (``-1`` = no reason) to fill in."""
    return np.full(n, -1, dtype=np.int64)


def categorical(
    codes: np.ndarray, categories: Sequence[str], *, ordered: bool = False
) -> pd.Categorical[str]:
    """A categorical from integer codes (``-1`` = missing)."""
    cat: pd.Categorical[str] = pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int64),
        categories=pd.Index(list(categories)),
        ordered=ordered,
    )
    return cat


def labels_from_codes(
    *,
    scheme: str,
    as_of: pd.Timestamp | None,
    config: object,
    index: pd.Index,
    codes: np.ndarray,
    categories: Sequence[str],
    reasons: np.ndarray | None = None,
    diagnostics: Mapping[str, int] | None = None,
) -> Labels:
    """Labels whose determined label is ``categories[codes[i]]``; ``codes[i] == -1`` is undetermined."""
    cats = [c for c in categories if c != UNDETERMINED]
    if len(set(cats)) != len(cats):
        msg = f"label categories must be unique; got {list(categories)!r}."
        raise ParameterError(msg)
    k = len(cats)
    c = np.asarray(codes, dtype=np.int64)
    if c.size != len(index) or (c.size and (c.min() < -1 or c.max() >= k)):
        msg = f"{c.size} label codes for {len(index)} customers and {k} categories."
        raise ParameterError(msg)
    lab = categorical(np.where(c < 0, k, c), [*cats, UNDETERMINED], ordered=True)
    rc = reason_codes(c.size) if reasons is None else np.asarray(reasons, dtype=np.int64)
    frame = pd.DataFrame({"label": lab, "reason": categorical(rc, _REASONS)}, index=index.copy())
    frame.index.name = "customer_id"
    return Labels(
        scheme=scheme,
        as_of=as_of,
        frame=frame,
        config=config,
        diagnostics=dict(diagnostics or {}),
    )
