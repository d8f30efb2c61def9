"""Differentiated management over time: re-evaluation, migration matrices, hysteresis (domain.md §9).

Customers move between segments, tiers and lifecycle stages, so every
classification is re-evaluated periodically:

* :func:`evaluate_over_time` recuts one :class:`~custrel.data.CustomerBase` at
  several as-of dates and applies any ``base -> Labels`` callable (a
  classifier's ``classify`` or a strategy's ``segment``);
* :func:`migration_matrix` cross-tabulates the labels at two dates (counts or
  row shares), with customers missing at one date as ``"(absent)"``;
* :func:`transitions` names each customer's move (``new``, ``acquired``,
  ``won_back``, ``churned``, ``changed``, ``unchanged``);
* :func:`stabilize` adds hysteresis, so a service level (card tier) changes only
  after the new label has been seen in ``min_consecutive`` evaluations in a row.

References
----------
.. [1] Netzer, O., Lattin, J.M., Srinivasan, V. (2008). A hidden Markov model of
   customer relationship dynamics. *Marketing Science* 27(2):185-204 (dynamic segmentation).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.data._summary import _as_timestamp
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import UNDETERMINED, LabelHistory, Labels, Reason

__all__ = [
    "ABSENT",
    "STATE_TRANSITIONS",
    "evaluate_over_time",
    "history_frame",
    "migration_matrix",
    "stabilize",
    "transitions",
]

#: Row/column label of customers missing at one of the two dates.
ABSENT: Final = "(absent)"

#: Named transitions between customer states (domain.md §9).
STATE_TRANSITIONS: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        (ABSENT, "current"): "new",
        ("potential", "current"): "acquired",
        ("target", "current"): "acquired",
        ("lost", "current"): "won_back",
        ("current", "lost"): "churned",
    }
)


def evaluate_over_time(
    base: CustomerBase,
    as_of_dates: Iterable[object],
    classify: Callable[[CustomerBase], Labels],
) -> LabelHistory:
    """Apply ``classify`` to ``base`` recut at each date (``base.at(d)``).

    Parameters
    ----------
    base : CustomerBase
        The full history; each evaluation sees only rows on or before its date.
    as_of_dates : iterable of date-like
        Distinct evaluation dates (any order; the history is sorted).
    classify : callable
        Any ``CustomerBase -> Labels`` callable, e.g. ``ValueTiers().segment``
        or ``StateRules().classify``. Anything derived from a model, such as
        P(alive), must be recomputed inside ``classify`` from the recut base,
        never reused from another date.

    Returns
    -------
    LabelHistory
        One :class:`~custrel.labels.Labels` per date; ``as_of`` is set to the
        evaluation date when ``classify`` leaves it empty.

    Raises
    ------
    ParameterError
        No dates, or ``classify`` does not return ``Labels``.
    DataValidationError
        Duplicate dates, or ``classify`` returns labels for another date.

    Examples
    --------
    >>> from custrel.data import build_customer_base
    >>> from custrel.segment import ValueTiers
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "b", "c"],
    ...                    "date": ["2024-01-10", "2024-02-01", "2024-09-01", "2024-10-01"],
    ...                    "amount": [10.0, 5.0, 50.0, 20.0]})
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> hist = evaluate_over_time(base, ["2024-06-30", "2024-12-31"],
    ...                           ValueTiers(cutoffs=(0.3, 0.6)).segment)
    >>> hist.wide().astype(object).fillna("-")
                2024-06-30 2024-12-31
    customer_id
    a              diamond     silver
    b                 gold    diamond
    c                    -       gold
    """
    dates = [_as_timestamp(d, "as_of_dates") for d in as_of_dates]
    if not dates:
        msg = "evaluate_over_time needs at least one as-of date."
        raise ParameterError(msg)
    if len(set(dates)) != len(dates):
        msg = f"evaluate_over_time dates must be distinct; got {[str(d.date()) for d in dates]}."
        raise DataValidationError(msg)
    out: list[Labels] = []
    for d in sorted(dates):  # a handful of evaluation dates
        recut = base.at(d)
        lab = classify(recut)
        if not isinstance(lab, Labels):
            msg = f"classify must return custrel.labels.Labels; got {type(lab).__name__}."
            raise ParameterError(msg)
        if lab.as_of is None:
            lab = attrs.evolve(lab, as_of=d)
        elif pd.Timestamp(lab.as_of) != d:
            msg = (
                f"classify returned labels as of {pd.Timestamp(lab.as_of).date()} for the "
                f"evaluation at {d.date()}; it must use the recut base it is given."
            )
            raise DataValidationError(msg)
        out.append(lab)
    return LabelHistory.from_labels(out)


def history_frame(history: LabelHistory, /) -> pd.DataFrame:
    """A :class:`~custrel.labels.LabelHistory` as one long frame.

    Returns
    -------
    DataFrame
        Columns ``as_of``, ``customer_id``, ``label``, ``reason`` (one row per
        customer and evaluation, in date order), labels and reasons as strings.

    Examples
    --------
    >>> idx = pd.Index(["a", "b"], name="customer_id")
    >>> hist = LabelHistory.from_labels([
    ...     Labels.build(scheme="tier", as_of=pd.Timestamp(d), config=None, index=idx,
    ...                  labels=labs, categories=("gold", "silver"))
    ...     for d, labs in [("2024-01-01", ["gold", "silver"]), ("2024-07-01", ["silver", "silver"])]])
    >>> history_frame(hist)
           as_of customer_id   label reason
    0 2024-01-01           a    gold   <NA>
    1 2024-01-01           b  silver   <NA>
    2 2024-07-01           a  silver   <NA>
    3 2024-07-01           b  silver   <NA>
    """
    parts = []
    for e in history.evaluations:  # a handful of dates
        fr = e.frame
        parts.append(
            pd.DataFrame(
                {
                    "as_of": pd.Timestamp(e.as_of) if e.as_of is not None else pd.NaT,
                    "customer_id": fr.index.to_numpy(),
                    "label": fr["label"].astype("string").to_numpy(),
                    "reason": fr["reason"].astype("string").to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _as_label_series(labels: Labels | pd.Series, what: str) -> pd.Series:
    if isinstance(labels, Labels):
        s = labels.frame["label"]
    elif isinstance(labels, pd.Series):
        s = labels
    else:
        msg = f"{what} must be Labels or a Series of labels; got {type(labels).__name__}."
        raise ParameterError(msg)
    if s.index.has_duplicates:
        msg = f"{what} has duplicated customers; one label per customer is required."
        raise DataValidationError(msg)
    if s.isna().any():
        msg = (
            f"{what} has {int(s.isna().sum())} missing label(s); use 'undetermined' with a "
            "reason instead of NaN."
        )
        raise DataValidationError(msg)
    if not isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype(str)
        s = s.astype(pd.CategoricalDtype(sorted(set(s))))
    return s


def _recode(s: pd.Series, cats: list[str]) -> np.ndarray:
    """Codes of a categorical Series against ``cats`` (matched by the category's string)."""
    pos = {c: i for i, c in enumerate(cats)}
    mapper = np.array([pos[str(c)] for c in s.cat.categories] + [-1], dtype=np.int64)
    codes = s.cat.codes.to_numpy().astype(np.int64)
    return mapper[np.where(codes < 0, len(mapper) - 1, codes)]


def _aligned_codes(
    before: Labels | pd.Series, after: Labels | pd.Series
) -> tuple[pd.Index, list[str], np.ndarray, np.ndarray]:
    if isinstance(before, Labels) and isinstance(after, Labels) and before.scheme != after.scheme:
        msg = (
            f"before and after must be labels of one scheme; got {before.scheme!r} and "
            f"{after.scheme!r}. Classify both dates with the same rules."
        )
        raise ParameterError(msg)
    b = _as_label_series(before, "before")
    a = _as_label_series(after, "after")
    cats = [ABSENT, *dict.fromkeys([*map(str, b.cat.categories), *map(str, a.cat.categories)])]
    ids = b.index.union(a.index, sort=False)
    out = []
    for s in (b, a):  # two dates
        where = s.index.get_indexer(ids)
        codes = _recode(s, cats)
        picked = codes[np.maximum(where, 0)] if codes.size else np.zeros(ids.size, np.int64)
        out.append(np.where(where >= 0, picked, 0))  # 0 = ABSENT
    return ids, cats, out[0], out[1]


def migration_matrix(
    before: Labels | pd.Series,
    after: Labels | pd.Series,
    /,
    *,
    normalize: Literal["index"] | None = None,
) -> pd.DataFrame:
    """Cross-tabulate labels at t0 (rows) against labels at t1 (columns).

    Parameters
    ----------
    before, after : Labels or Series
        Labels of one scheme at two dates.
    normalize : {None, "index"}
        ``None``: customer counts. ``"index"``: each row divided by its total
        (a row without customers is all zeros).

    Returns
    -------
    DataFrame
        Rows ``"(absent)"`` then every category (``undetermined`` included),
        columns likewise; index named ``"from"``, columns ``"to"``. In counts,
        the rows other than ``"(absent)"`` sum to the customers at t0 and the
        columns other than ``"(absent)"`` to the customers at t1.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c"], name="customer_id")
    >>> t0 = pd.Series(["gold", "silver", "silver"], index=idx)
    >>> t1 = pd.Series(["gold", "gold", "silver", "gold"],
    ...                index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    >>> migration_matrix(t0, t1)
    to        (absent)  gold  silver
    from
    (absent)         0     1       0
    gold             0     1       0
    silver           0     1       1
    """
    if normalize not in (None, "index"):
        msg = f"normalize must be None or 'index'; got {normalize!r}."
        raise ParameterError(msg)
    _, cats, bc, ac = _aligned_codes(before, after)
    k = len(cats)
    counts = np.bincount(bc * k + ac, minlength=k * k).reshape(k, k)
    index = pd.Index(cats, name="from")
    columns = pd.Index(cats, name="to")
    if normalize == "index":
        tot = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, tot, out=np.zeros((k, k)), where=tot > 0)
        return pd.DataFrame(shares, index=index, columns=columns)
    return pd.DataFrame(counts, index=index, columns=columns)


def transitions(
    before: Labels | pd.Series,
    after: Labels | pd.Series,
    /,
    *,
    names: Mapping[tuple[str, str], str] = STATE_TRANSITIONS,
) -> Labels:
    """Name each customer's move between two dates.

    ``names`` maps ``(from, to)`` pairs to a transition name (``"(absent)"``
    stands for a customer missing at that date); other pairs are
    ``"unchanged"`` when the label stays and ``"changed"`` otherwise. The
    default :data:`STATE_TRANSITIONS` gives the named moves of domain.md §9:
    (absent) -> current ``new``, potential/target -> current ``acquired``,
    lost -> current ``won_back``, current -> lost ``churned``.

    Returns
    -------
    Labels
        Scheme ``"transition"`` over the union of customers; evidence ``from`` and ``to``.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c"], name="customer_id")
    >>> t0 = pd.Series(["lost", "current", "current"], index=idx)
    >>> t1 = pd.Series(["current", "lost", "current", "current"],
    ...                index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
    >>> transitions(t0, t1).label.astype(str).to_dict()
    {'a': 'won_back', 'b': 'churned', 'c': 'unchanged', 'd': 'new'}
    """
    ids, cats, bc, ac = _aligned_codes(before, after)
    k = len(cats)
    cat_names = list(dict.fromkeys([*names.values(), "changed", "unchanged"]))
    code_of = {c: i for i, c in enumerate(cat_names)}
    same = np.arange(k)[:, None] == np.arange(k)[None, :]
    table = np.where(same, code_of["unchanged"], code_of["changed"]).astype(np.int64)
    pos = {c: i for i, c in enumerate(cats)}
    for (src, dst), name in names.items():  # a handful of named transitions
        if src in pos and dst in pos:
            table[pos[src], pos[dst]] = code_of[name]
    lab = Labels.from_codes(
        scheme="transition",
        as_of=after.as_of if isinstance(after, Labels) else None,
        config=MappingProxyType(dict(names)),
        index=ids,
        codes=table[bc, ac],
        categories=cat_names,
    )
    cat_dtype = pd.CategoricalDtype(cats)
    lab.frame["from"] = pd.Categorical.from_codes(bc, dtype=cat_dtype)
    lab.frame["to"] = pd.Categorical.from_codes(ac, dtype=cat_dtype)
    return lab


def stabilize(history: LabelHistory, /, *, min_consecutive: int = 2) -> LabelHistory:
    """Hysteresis for service levels: adopt a new label only after it persists.

    At the first evaluation each customer's label is adopted directly. Later, a
    determined label different from the adopted one is adopted only once it
    has been observed in ``min_consecutive`` consecutive evaluations; until
    then the previous adopted label is kept with reason ``carried_forward``.
    ``undetermined`` never replaces a determined label (the last determined
    one is kept, ``carried_forward``); if nothing determined was adopted yet it
    passes through with its own reason.

    Parameters
    ----------
    history : LabelHistory
        Labels of one scheme at several dates.
    min_consecutive : int
        Evaluations in a row a new label needs (1 = no hysteresis).

    Returns
    -------
    LabelHistory
        Same dates and customers; each frame has ``label`` (adopted),
        ``reason`` and ``observed`` (the raw label).

    Examples
    --------
    >>> idx = pd.Index(["a"], name="customer_id")
    >>> seq = ["gold", "silver", "gold", "gold", "silver", "silver"]
    >>> hist = LabelHistory.from_labels([
    ...     Labels.build(scheme="tier", as_of=pd.Timestamp(f"2024-{m + 1:02d}-01"), config=None,
    ...                  index=idx, labels=[lab], categories=("gold", "silver"))
    ...     for m, lab in enumerate(seq)])
    >>> stable = stabilize(hist, min_consecutive=2)
    >>> [str(e.frame.loc["a", "label"]) for e in stable.evaluations]
    ['gold', 'gold', 'gold', 'gold', 'gold', 'silver']
    """
    if isinstance(min_consecutive, bool) or not isinstance(min_consecutive, int):
        msg = f"stabilize min_consecutive must be an integer >= 1; got {min_consecutive!r}."
        raise ParameterError(msg)
    if min_consecutive < 1:
        msg = f"stabilize min_consecutive must be an integer >= 1; got {min_consecutive!r}."
        raise ParameterError(msg)
    evs = history.evaluations
    ids = evs[0].frame.index
    for e in evs[1:]:
        ids = ids.union(e.frame.index, sort=False)
    n = ids.size
    cats: list[str] = []
    for e in evs:
        cats.extend(str(c) for c in e.frame["label"].cat.categories if c != UNDETERMINED)
    categories = list(dict.fromkeys(cats))
    und = len(categories)  # code of "undetermined"
    all_cats = [*categories, UNDETERMINED]
    reason_names = [r.value for r in Reason]
    none = -1
    last = np.full(n, none, dtype=np.int64)  # last adopted label code, carried across absences
    prev_obs = np.full(n, none, dtype=np.int64)
    run = np.zeros(n, dtype=np.int64)
    out: list[Labels] = []
    for e in evs:  # a handful of evaluation dates; vectorised over customers
        pos = ids.get_indexer(e.frame.index)
        obs = _recode(e.frame["label"], all_cats)
        reason = _recode(e.frame["reason"].astype(pd.CategoricalDtype(reason_names)), reason_names)
        determined = obs != und
        same = prev_obs[pos] == obs
        run[pos] = np.where(same & determined, run[pos] + 1, 1)
        prev = last[pos]
        prev_det = (prev != none) & (prev != und)
        adopt = ~prev_det | (determined & ((obs == prev) | (run[pos] >= min_consecutive)))
        adopted = np.where(adopt, obs, prev)
        carried = ~adopt
        reason[carried] = reason_names.index(Reason.CARRIED_FORWARD.value)
        last[pos] = adopted
        prev_obs[pos] = obs
        lab = Labels.from_codes(
            scheme=e.scheme,
            as_of=e.as_of,
            config=e.config,
            index=e.frame.index,
            codes=np.where(adopted == und, -1, adopted),
            categories=categories,
            reasons=reason,
            diagnostics={"carried_forward": int(carried.sum())},
        )
        lab.frame["observed"] = e.frame["label"].array
        out.append(lab)
    return LabelHistory.from_labels(out)
