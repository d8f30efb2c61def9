"""The one result type every classifier and segmentation strategy returns.

A :class:`Labels` holds one row per customer with an ordered categorical
``label`` that always includes :data:`UNDETERMINED`, a ``reason`` code from
:class:`Reason` where the label is undetermined (or otherwise explained), an
optional ``candidates`` string (``"premium|inertia"``) when several labels
remain possible, and any evidence columns. It records the scheme, the as-of
date and the frozen configuration that produced it.

Examples
--------
>>> lab = Labels.build(
...     scheme="demo", as_of=None, config=None,
...     index=pd.Index(["a", "b", "c"], name="customer_id"),
...     labels=np.array(["low", "high", UNDETERMINED], dtype=object),
...     categories=("high", "low"),
...     reasons=np.array([None, None, Reason.SHORT_HISTORY], dtype=object),
... )
>>> lab.counts().to_dict()
{'high': 1, 'low': 1, 'undetermined': 1}
>>> lab.undetermined()["reason"].tolist()
['short_history']
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np
import pandas as pd

from custrel.errors import DataValidationError, ParameterError

__all__ = ["REASON_CODES", "UNDETERMINED", "LabelHistory", "Labels", "Reason"]

#: The explicit label of a customer whose evidence is missing or too thin.
UNDETERMINED: Final = "undetermined"


class Reason(enum.StrEnum):
    """Machine-readable reasons attached to labels (mostly to ``undetermined``)."""

    NO_VALID_PURCHASE = "no_valid_purchase"
    P_ALIVE_MISSING = "p_alive_missing"
    P_ALIVE_UNINFORMATIVE = "p_alive_uninformative"
    P_ALIVE_AMBIGUOUS = "p_alive_ambiguous"
    STATE_UNDETERMINED = "state_undetermined"
    SHORT_HISTORY = "short_history"
    NON_POSITIVE_SPEND = "non_positive_spend"
    NOT_ACTIVE_IN_WINDOW = "not_active_in_window"
    VALUE_MISSING = "value_missing"
    COST_MISSING = "cost_missing"
    POTENTIAL_MISSING = "potential_missing"
    ATTITUDE_MISSING = "attitude_missing"
    REPEAT_UNDETERMINED = "repeat_patronage_undetermined"
    PRICE_VS_INCENTIVE = "price_vs_incentive_ambiguous"
    COLUMN_MISSING = "column_missing"
    INSUFFICIENT_OCCASIONS = "insufficient_occasions"
    LOW_POSTERIOR = "low_posterior"
    ONGOING = "ongoing"
    DRIVER_DATA_MISSING = "driver_data_missing"
    CARRIED_FORWARD = "carried_forward"
    NOT_IN_POPULATION = "not_in_population"


_REASON_CATEGORIES: Final = tuple(r.value for r in Reason)
#: Integer code of each reason in the ``reason`` categorical (``-1`` means no reason);
#: for :meth:`Labels.from_codes`.
REASON_CODES: Final[Mapping[str, int]] = {r: i for i, r in enumerate(_REASON_CATEGORIES)}


def _recode(values: pd.Categorical, categories: list[str], what: str) -> pd.Categorical:
    """Fast path for categorical input: recode to ``categories`` without touching each value."""
    used = np.bincount(values.codes[values.codes >= 0], minlength=len(values.categories)) > 0
    unknown = [str(c) for c in values.categories[used] if c not in categories]
    if unknown:
        msg = f"unknown {what}(s): {sorted(unknown)[:5]}"
        raise ParameterError(msg)
    return values.set_categories(categories)


def _reason_categorical(
    reasons: Sequence[object] | np.ndarray | pd.Categorical, n: int
) -> pd.Categorical:
    if isinstance(reasons, pd.Categorical):
        return _recode(reasons, list(_REASON_CATEGORIES), "reason code").as_unordered()
    vals = np.asarray(reasons, dtype=object) if len(reasons) else np.full(n, None, dtype=object)
    out = np.empty(vals.size, dtype=object)
    for code in _REASON_CATEGORIES:  # few categories; vectorised per category, not per customer
        out[vals == code] = code
    unknown = ~pd.isna(vals) & pd.isna(out)
    if unknown.any():
        msg = f"unknown reason code(s): {sorted({str(v) for v in vals[unknown]})[:5]}"
        raise ParameterError(msg)
    return pd.Categorical(out, categories=list(_REASON_CATEGORIES))  # type: ignore[return-value]


@attrs.frozen(kw_only=True)
class Labels:
    """One label per customer for one scheme.

    Attributes
    ----------
    scheme : str
        Name of the scheme (``"state"``, ``"stage"``, ``"value_tier"``, ...).
    as_of : Timestamp or None
        The as-of date the labels describe.
    frame : DataFrame
        Indexed by ``customer_id``: ``label`` (ordered Categorical whose last
        category is ``"undetermined"``), ``reason`` (Categorical of :class:`Reason`
        values or missing), optionally ``candidates`` and evidence columns.
    config : object
        The frozen rules or strategy object that produced the labels.
    diagnostics : Mapping[str, int]
        Counts of anything ignored or excluded on the way.
    """

    scheme: str
    as_of: pd.Timestamp | None
    frame: pd.DataFrame = attrs.field(eq=False, repr=False)
    config: object = attrs.field(default=None, repr=False)
    diagnostics: Mapping[str, int] = attrs.field(factory=dict, eq=False)

    @classmethod
    def build(
        cls,
        *,
        scheme: str,
        as_of: pd.Timestamp | None,
        config: object,
        index: pd.Index,
        labels: Sequence[object] | np.ndarray | pd.Categorical,
        categories: Sequence[str],
        reasons: Sequence[object] | np.ndarray | pd.Categorical = (),
        candidates: Sequence[object] | np.ndarray | None = None,
        evidence: Mapping[str, Any] | None = None,
        diagnostics: Mapping[str, int] | None = None,
    ) -> Labels:
        """Assemble a :class:`Labels` from arrays aligned with ``index``.

        ``categories`` are the determined labels in their natural order;
        ``"undetermined"`` is appended. Any label outside them raises.
        ``labels`` and ``reasons`` may be :class:`pandas.Categorical` (recoded
        without per-value work: the fast path for millions of customers);
        Categorical evidence columns are kept as they are.
        """
        cats = [c for c in categories if c != UNDETERMINED] + [UNDETERMINED]
        if len(set(cats)) != len(cats):
            msg = f"label categories must be unique; got {list(categories)!r}."
            raise ParameterError(msg)
        if isinstance(labels, pd.Categorical):
            if len(labels) != len(index):
                msg = f"{len(labels)} labels for {len(index)} customers."
                raise ParameterError(msg)
            if (labels.codes < 0).any():
                msg = f"labels must be one of {cats}; got missing values."
                raise ParameterError(msg)
            lab = _recode(labels, cats, "label").as_ordered()
        else:
            vals = np.asarray(labels, dtype=object)
            if vals.size != len(index):
                msg = f"{vals.size} labels for {len(index)} customers."
                raise ParameterError(msg)
            lab = pd.Categorical(vals, categories=cats, ordered=True)
            bad = pd.isna(lab) & ~pd.isna(vals)
            if bad.any() or pd.isna(vals).any():
                msg = f"labels must be one of {cats}; got {sorted({str(v) for v in vals[bad | pd.isna(vals)]})[:5]}."
                raise ParameterError(msg)
        data: dict[str, Any] = {"label": lab, "reason": _reason_categorical(reasons, len(lab))}
        if candidates is not None:
            data["candidates"] = pd.array(np.asarray(candidates, dtype=object), dtype="string")
        for k, v in (evidence or {}).items():
            if isinstance(v, pd.Categorical):
                data[k] = v
            else:
                data[k] = np.asarray(v) if not isinstance(v, pd.Series) else v.to_numpy()
        frame = pd.DataFrame(data, index=index.copy())
        frame.index.name = "customer_id"
        return cls(
            scheme=scheme,
            as_of=as_of,
            frame=frame,
            config=config,
            diagnostics=dict(diagnostics or {}),
        )

    @classmethod
    def from_codes(
        cls,
        *,
        scheme: str,
        as_of: pd.Timestamp | None,
        config: object,
        index: pd.Index,
        codes: np.ndarray,
        categories: Sequence[str],
        reasons: np.ndarray | None = None,
        candidates: np.ndarray | None = None,
        evidence: Mapping[str, Any] | None = None,
        diagnostics: Mapping[str, int] | None = None,
    ) -> Labels:
        """Assemble a :class:`Labels` from integer codes: the fast path for millions of customers.

        ``codes[i]`` indexes ``categories`` (the determined labels in order);
        ``-1`` or ``len(categories)`` means ``"undetermined"``. ``reasons`` are codes
        from :data:`REASON_CODES` (``-1``: no reason). No per-value hashing happens.

        Examples
        --------
        >>> lab = Labels.from_codes(
        ...     scheme="tier", as_of=None, config=None,
        ...     index=pd.Index(["a", "b", "c"], name="customer_id"),
        ...     codes=np.array([1, 0, -1]), categories=("gold", "silver"),
        ...     reasons=np.array([-1, -1, REASON_CODES[Reason.VALUE_MISSING]]))
        >>> lab.frame["label"].tolist(), lab.frame["reason"].tolist()[2]
        (['silver', 'gold', 'undetermined'], 'value_missing')
        """
        cats = [c for c in categories if c != UNDETERMINED]
        if len(set(cats)) != len(cats):
            msg = f"label categories must be unique; got {list(categories)!r}."
            raise ParameterError(msg)
        k = len(cats)
        c = np.asarray(codes, dtype=np.int64)
        if c.size != len(index) or (c.size and (int(c.min()) < -1 or int(c.max()) > k)):
            msg = f"{c.size} label codes in [-1, {k}] expected for {len(index)} customers."
            raise ParameterError(msg)
        rc = (
            np.full(c.size, -1, dtype=np.int64)
            if reasons is None
            else np.asarray(reasons, np.int64)
        )
        n_reasons = len(_REASON_CATEGORIES)
        if rc.size != c.size or (rc.size and (int(rc.min()) < -1 or int(rc.max()) >= n_reasons)):
            msg = f"reason codes must be -1 or index Reason ({n_reasons} values), one per customer."
            raise ParameterError(msg)
        data: dict[str, Any] = {
            "label": pd.Categorical.from_codes(
                np.where(c < 0, k, c), categories=pd.Index([*cats, UNDETERMINED]), ordered=True
            ),
            "reason": pd.Categorical.from_codes(rc, categories=pd.Index(list(_REASON_CATEGORIES))),
        }
        if candidates is not None:
            data["candidates"] = pd.array(np.asarray(candidates, dtype=object), dtype="string")
        for name, value in (evidence or {}).items():
            data[name] = value.array if isinstance(value, pd.Series) else value
        frame = pd.DataFrame(data, index=index.copy())
        frame.index.name = "customer_id"
        return cls(
            scheme=scheme,
            as_of=as_of,
            frame=frame,
            config=config,
            diagnostics=dict(diagnostics or {}),
        )

    @property
    def label(self) -> pd.Series:
        """The label column, named after the scheme."""
        return self.frame["label"].rename(self.scheme)

    @property
    def reason(self) -> pd.Series:
        """The reason column, named ``<scheme>_reason``."""
        return self.frame["reason"].rename(f"{self.scheme}_reason")

    @property
    def categories(self) -> tuple[str, ...]:
        """All label categories in order, ``undetermined`` last."""
        return tuple(self.frame["label"].cat.categories)

    def __len__(self) -> int:
        return len(self.frame)

    def counts(self) -> pd.Series:
        """Customers per label, every category included (zeros too)."""
        return self.frame["label"].value_counts(sort=False).rename("customers")

    def determined(self) -> pd.DataFrame:
        """Rows whose label is not ``undetermined``."""
        return self.frame[self.frame["label"] != UNDETERMINED]

    def undetermined(self) -> pd.DataFrame:
        """Rows whose label is ``undetermined``, with reason (and candidates)."""
        return self.frame[self.frame["label"] == UNDETERMINED]

    def reason_counts(self) -> pd.Series:
        """Undetermined customers per reason (reasons with zero customers omitted)."""
        und = self.undetermined()["reason"].astype("string").fillna("<none>")
        return und.value_counts().rename("customers")

    def to_frame(self, *, prefix: str | None = None) -> pd.DataFrame:
        """``label`` and ``reason`` (and ``candidates``) as columns named after the scheme."""
        name = prefix or self.scheme
        out = pd.DataFrame({name: self.frame["label"], f"{name}_reason": self.frame["reason"]})
        if "candidates" in self.frame:
            out[f"{name}_candidates"] = self.frame["candidates"]
        return out

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts().items())
        as_of = "None" if self.as_of is None else str(pd.Timestamp(self.as_of).date())
        return f"Labels(scheme={self.scheme!r}, as_of={as_of}, n={len(self)}, {counts})"

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{int(v)}</td></tr>"
            for k, v in self.counts().items()
        )
        return (
            f"<div><strong>Labels {html.escape(self.scheme)}</strong> "
            f"({len(self)} customers)<table><tr><th>label</th><th>customers</th></tr>"
            f"{rows}</table></div>"
        )


def _ts(value: pd.Timestamp | None) -> pd.Timestamp:
    if value is None:
        msg = "every evaluation in a LabelHistory needs an as_of date."
        raise DataValidationError(msg)
    return pd.Timestamp(value)


@attrs.frozen(kw_only=True)
class LabelHistory:
    """Labels of one scheme at several as-of dates (for migration and stabilisation).

    Attributes
    ----------
    scheme : str
        Scheme name shared by every evaluation.
    evaluations : tuple[Labels, ...]
        In increasing ``as_of`` order.

    Examples
    --------
    >>> idx = pd.Index(["a", "b"], name="customer_id")
    >>> mk = lambda d, l: Labels.build(scheme="tier", as_of=pd.Timestamp(d), config=None,
    ...                               index=idx, labels=l, categories=("gold", "silver"))
    >>> h = LabelHistory.from_labels([mk("2024-01-01", ["gold", "silver"]),
    ...                               mk("2024-07-01", ["silver", "silver"])])
    >>> h.wide().astype(str).to_dict("list")
    {Timestamp('2024-01-01 00:00:00'): ['gold', 'silver'], Timestamp('2024-07-01 00:00:00'): ['silver', 'silver']}
    """

    scheme: str
    evaluations: tuple[Labels, ...] = attrs.field(eq=False)

    @classmethod
    def from_labels(cls, labels: Iterable[Labels]) -> LabelHistory:
        """Build from several :class:`Labels` of one scheme with distinct as-of dates."""
        evs = tuple(labels)
        if not evs:
            msg = "a LabelHistory needs at least one evaluation."
            raise ParameterError(msg)
        schemes = {e.scheme for e in evs}
        if len(schemes) != 1:
            msg = f"all evaluations must share one scheme; got {sorted(schemes)}."
            raise ParameterError(msg)
        if any(e.as_of is None for e in evs):
            msg = "every evaluation in a LabelHistory needs an as_of date."
            raise DataValidationError(msg)
        dates = [_ts(e.as_of) for e in evs]
        if len(set(dates)) != len(dates):
            msg = "as_of dates in a LabelHistory must be distinct."
            raise DataValidationError(msg)
        order = np.argsort(np.array(dates, dtype="datetime64[ns]"))
        return cls(scheme=evs[0].scheme, evaluations=tuple(evs[i] for i in order))

    @property
    def dates(self) -> tuple[pd.Timestamp, ...]:
        """The as-of dates, in order."""
        return tuple(_ts(e.as_of) for e in self.evaluations)

    def wide(self) -> pd.DataFrame:
        """Customers × as-of dates table of labels (missing where a customer is absent)."""
        cols = {_ts(e.as_of): e.frame["label"] for e in self.evaluations}
        return pd.DataFrame(cols)

    def __len__(self) -> int:
        return len(self.evaluations)
