"""Lifecycle patterns (Chen Mingliang): how a relationship ended, from a stage history."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, LabelHistory, Labels, Reason
from custrel.lifecycle.stages import EMERGENCE_ALIAS, STAGES

__all__ = ["PATTERNS", "lifecycle_pattern"]

#: Pattern labels in order (``undetermined`` is appended by :class:`Labels`).
PATTERNS: Final = ("I_early_abort", "II_mid_abort", "III_early_exit", "IV_long_term")

_CODE: Final = {s: i for i, s in enumerate(STAGES)} | {
    EMERGENCE_ALIAS[s]: i for i, s in enumerate(STAGES)
}
_EXP, _FORM, _STAB, _DEC, _TERM = range(5)


def lifecycle_pattern(history: LabelHistory, /, *, min_stable_evaluations: int = 4) -> Labels:
    """Classify each customer's stage history into Chen's four lifecycle patterns.

    Chen Mingliang [1]_ distinguishes relationships by the stage at which they
    end: I early abortion (早期流产型, ends in exploration), II mid-course
    abortion (中途夭折型, ends in formation), III premature exit (提前退出型,
    ends soon after reaching stability) and IV long-lasting (长久保持型, a long
    stability). On a history of :class:`LifecycleRules` evaluations:

    - ``IV_long_term``: at least ``min_stable_evaluations`` stability evaluations,
      whatever happens later;
    - ``III_early_exit``: reached stability (fewer times), then decline or terminated;
    - last evaluation terminated and the last exploration/formation before it
      was exploration → ``I_early_abort``, formation → ``II_mid_abort``;
    - otherwise undetermined (``ongoing``): the relationship has not ended yet
      (or its start was not observed).

    Undetermined evaluations and dates at which a customer is absent are skipped.
    The counting rule (``min_stable_evaluations``) is a custrel convention.

    Parameters
    ----------
    history : LabelHistory
        Stage labels at several as-of dates (scheme ``"stage"``).
    min_stable_evaluations : int
        Stability evaluations that make a relationship long-term (default 4).

    Returns
    -------
    Labels
        Scheme ``"lifecycle_pattern"`` at the last as-of date, with evidence
        ``n_evaluations``, ``n_stability`` and ``last_stage``.

    References
    ----------
    .. [1] Chen Mingliang 陈明亮 (2003). 客户关系生命周期模式研究.
       浙江大学学报(人文社会科学版).

    Examples
    --------
    >>> idx = pd.Index(["a", "b"], name="customer_id")
    >>> seqs = [["exploration", "exploration"], ["formation", "formation"],
    ...         ["terminated", "stability"]]
    >>> evs = [Labels.build(scheme="stage", as_of=pd.Timestamp(f"2024-0{i + 1}-01"), config=None,
    ...                     index=idx, labels=s, categories=STAGES) for i, s in enumerate(seqs)]
    >>> lifecycle_pattern(LabelHistory.from_labels(evs)).frame[["label", "reason"]]
                         label  reason
    customer_id
    a             II_mid_abort      NaN
    b             undetermined  ongoing
    """
    if not isinstance(history, LabelHistory):
        msg = f"history must be a LabelHistory; got {type(history).__name__}."
        raise ParameterError(msg)
    if not (
        isinstance(min_stable_evaluations, int)
        and not isinstance(min_stable_evaluations, bool)
        and min_stable_evaluations >= 1
    ):
        msg = f"min_stable_evaluations must be an int >= 1; got {min_stable_evaluations!r}."
        raise ParameterError(msg)
    wide = history.wide()
    unknown: set[str] = set()
    codes = np.full(wide.shape, -1, dtype=np.int64)
    for j, col in enumerate(wide.columns):  # a handful of evaluation dates
        vals = wide[col].astype(object)
        present = vals.notna() & (vals != UNDETERMINED)
        mapped = vals.map(_CODE)
        unknown |= set(vals[present & mapped.isna()].astype(str))
        codes[:, j] = mapped.fillna(-1).to_numpy(dtype=np.int64)
    if unknown:
        msg = f"history labels must be lifecycle stages {list(STAGES)}; got {sorted(unknown)[:5]}."
        raise ParameterError(msg)
    n, k = codes.shape
    n_stab = (codes == _STAB).sum(axis=1)
    n_eval = (codes >= 0).sum(axis=1)
    last = np.full(n, -1, dtype=np.int64)
    last_dev = np.full(n, -1, dtype=np.int64)  # last exploration/formation seen
    seen_stab = np.zeros(n, dtype=bool)
    exit_after_stab = np.zeros(n, dtype=bool)
    for j in range(k):
        c = codes[:, j]
        obs = c >= 0
        last = np.where(obs, c, last)
        last_dev = np.where((c == _EXP) | (c == _FORM), c, last_dev)
        exit_after_stab |= seen_stab & ((c == _DEC) | (c == _TERM))
        seen_stab |= c == _STAB
    labels = np.full(n, UNDETERMINED, dtype=object)
    decided = np.zeros(n, dtype=bool)
    for mask, lab in (
        (n_stab >= min_stable_evaluations, "IV_long_term"),
        (exit_after_stab, "III_early_exit"),
        ((last == _TERM) & (last_dev == _EXP) & ~seen_stab, "I_early_abort"),
        ((last == _TERM) & (last_dev == _FORM) & ~seen_stab, "II_mid_abort"),
    ):
        m = mask & ~decided
        labels[m] = lab
        decided |= m
    reasons = np.full(n, None, dtype=object)
    reasons[~decided] = Reason.ONGOING.value
    stage_names = np.array((*STAGES, None), dtype=object)
    index = wide.index.copy()
    index.name = "customer_id"
    return Labels.build(
        scheme="lifecycle_pattern",
        as_of=history.dates[-1],
        config={"min_stable_evaluations": min_stable_evaluations},
        index=index,
        labels=labels,
        categories=PATTERNS,
        reasons=reasons,
        evidence={
            "n_evaluations": n_eval,
            "n_stability": n_stab,
            "last_stage": pd.Series(stage_names[last], dtype="string"),
        },
    )
