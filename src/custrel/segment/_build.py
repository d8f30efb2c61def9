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

from custrel.labels import REASON_CODES, Labels

__all__ = ["REASON_CODE", "categorical", "labels_from_codes", "reason_codes"]

IntArray = NDArray[np.int64]

#: Position of each reason in the ``reason`` categorical.
REASON_CODE: Final[Mapping[str, int]] = REASON_CODES


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
    return Labels.from_codes(
        scheme=scheme,
        as_of=as_of,
        config=config,
        index=index,
        codes=codes,
        categories=categories,
        reasons=reasons,
        diagnostics=diagnostics,
    )
