"""Private helpers shared by the loyalty classifiers: validators, median splits, inputs."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Callable, Collection
from typing import Any, Final

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data import CustomerBase
from custrel.data._validate import ProblemList
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.labels import UNDETERMINED, Labels, Reason

__all__ = [
    "HIGH",
    "HIGH_LOW",
    "LEVELS",
    "LOW",
    "NO_REASON",
    "REASONS",
    "BoolArray",
    "CodeArray",
    "FloatArray",
    "ObjArray",
    "build_labels",
    "category_codes",
    "codes_text",
    "fail",
    "finite",
    "instance_of",
    "int_ge",
    "is_bool",
    "is_str",
    "level_codes",
    "mask_categorical",
    "mask_text",
    "median_threshold",
    "numeric_column",
    "one_of",
    "optional",
    "pick",
    "population",
    "reason_code",
    "reused_labels",
    "series_input",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
ObjArray = NDArray[np.object_]
CodeArray = NDArray[np.int8]
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

HIGH: Final = "high"
LOW: Final = "low"
#: Categories of every high/low dimension (repeat patronage, attitude, loyalty dimensions).
HIGH_LOW: Final = (HIGH, LOW)
#: High/low/undetermined, the categories of every level label; codes 0, 1, 2.
LEVELS: Final = (HIGH, LOW, UNDETERMINED)
#: The reason categories in the order of :class:`custrel.labels.Reason` (as ``Labels.build``).
REASONS: Final = tuple(r.value for r in Reason)
#: Reason code of "no reason".
NO_REASON: Final = -1


def reason_code(reason: Reason) -> int:
    """Integer code of ``reason`` in :data:`REASONS`."""
    return REASONS.index(reason.value)


def build_labels(
    *,
    scheme: str,
    as_of: pd.Timestamp | None,
    config: object,
    index: pd.Index,
    codes: NDArray[np.integer[Any]],
    categories: tuple[str, ...],
    reasons: NDArray[np.integer[Any]],
    candidates: NDArray[np.object_] | None = None,
    evidence: dict[str, object] | None = None,
    diagnostics: dict[str, int] | None = None,
) -> Labels:
    """A :class:`Labels` from integer codes (see :meth:`Labels.from_codes`).

    ``codes`` index ``(*categories, "undetermined")``; ``reasons`` index
    :data:`REASONS` (``-1`` = none).
    """
    return Labels.from_codes(
        scheme=scheme,
        as_of=as_of,
        config=config,
        index=index,
        codes=np.asarray(codes),
        categories=categories,
        reasons=np.asarray(reasons),
        candidates=candidates,
        evidence=evidence,
        diagnostics=diagnostics,
    )


def category_codes(values: pd.Series, categories: tuple[str, ...]) -> NDArray[np.int64]:
    """Codes of a Series in ``categories`` (``-1`` for missing or other values).

    Categorical Series are recoded through their categories (no string hashing).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        own = list(values.cat.categories)
        lookup = np.array([categories.index(c) if c in categories else -1 for c in own] + [-1])
        codes = values.cat.codes.to_numpy().astype(np.int64)
        return np.asarray(lookup[codes], dtype=np.int64)  # code -1 picks the trailing -1
    return np.asarray(
        pd.Index(list(categories)).get_indexer(pd.Index(values.astype(object))), dtype=np.int64
    )


def level_codes(labels: Labels, index: pd.Index) -> CodeArray:
    """High/low/undetermined codes (0/1/2) of a level ``Labels`` on ``index`` (absent: 2)."""
    codes = category_codes(labels.frame["label"].reindex(index), LEVELS)
    return np.where(codes < 0, 2, codes).astype(np.int8)


def codes_text(codes: NDArray[np.integer[Any]], options: tuple[str, ...]) -> pd.Categorical[str]:
    """A Categorical of ``options`` from codes (``-1`` = missing)."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(list(options)))


def mask_categorical(parts: list[tuple[BoolArray, str]], n: int) -> pd.Categorical[str]:
    """Like :func:`mask_text`, as a Categorical (missing where no part is set)."""
    key = np.zeros(n, dtype=np.int64)
    for bit, (mask, _) in enumerate(parts):
        key |= mask.astype(np.int64) << bit
    uniq, inverse = np.unique(key, return_inverse=True)
    present = uniq[uniq > 0].tolist()  # loops over distinct combinations, not customers
    texts = ["|".join(t for bit, (_, t) in enumerate(parts) if k >> bit & 1) for k in present]
    codes = np.where(uniq > 0, np.cumsum(uniq > 0) - 1, -1)[inverse.reshape(-1)]
    return pd.Categorical.from_codes(codes, categories=pd.Index(texts, dtype=object))


def mask_text(
    parts: list[tuple[BoolArray, str]],
    n: int,
    *,
    first: NDArray[np.integer[Any]] | None = None,
    first_options: tuple[str, ...] = (),
) -> ObjArray:
    """Per-row ``"a|b|c"`` strings (None where empty), built once per distinct combination.

    ``first`` (codes into ``first_options``, ``-1`` = nothing) comes before the
    masked parts, which follow in the given order. The rows are keyed by an
    integer (first code and one bit per part); the strings are built for the
    distinct keys only, so the cost does not grow with the number of customers
    beyond a few integer passes.
    """
    key = np.zeros(n, dtype=np.int64)
    for bit, (mask, _) in enumerate(parts):
        key |= mask.astype(np.int64) << bit
    if first is not None:
        key |= (first.astype(np.int64) + 1) << len(parts)
    uniq, inverse = np.unique(key, return_inverse=True)
    texts = np.empty(uniq.size, dtype=object)
    for i, k in enumerate(uniq.tolist()):  # loops over distinct combinations, not customers
        head = k >> len(parts)
        items = [first_options[head - 1]] if head > 0 else []
        items += [text for bit, (_, text) in enumerate(parts) if k >> bit & 1]
        texts[i] = "|".join(items) if items else None
    return np.asarray(texts[inverse.reshape(-1)], dtype=object)


def fail(inst: object, attr: attrs.Attribute[Any], expected: str, value: object) -> None:
    msg = f"{type(inst).__name__}.{attr.name} must be {expected}; got {value!r}."
    raise ParameterError(msg)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def finite(
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
) -> Validator:
    """Validator: a finite real number within the given (open or closed) bounds."""
    parts = []
    if gt is not None:
        parts.append(f"> {gt:g}")
    if ge is not None:
        parts.append(f">= {ge:g}")
    if lt is not None:
        parts.append(f"< {lt:g}")
    if le is not None:
        parts.append(f"<= {le:g}")
    expected = "a finite float" + (" " + " and ".join(parts) if parts else "")

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        ok = _is_real(value) and math.isfinite(float(value))  # type: ignore[arg-type]
        if ok:
            v = float(value)  # type: ignore[arg-type]
            ok = (
                (gt is None or v > gt)
                and (ge is None or v >= ge)
                and (lt is None or v < lt)
                and (le is None or v <= le)
            )
        if not ok:
            fail(inst, attr, expected, value)

    return check


def int_ge(bound: int) -> Validator:
    """Validator: an integer (not a bool) ``>= bound``."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if not (
            isinstance(value, int | np.integer)
            and not isinstance(value, bool | np.bool_)
            and value >= bound
        ):
            fail(inst, attr, f"an int >= {bound}", value)

    return check


def one_of(choices: Collection[object]) -> Validator:
    """Validator: one of a few literal choices."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            fail(inst, attr, "one of " + ", ".join(repr(c) for c in choices), value)

    return check


def is_bool(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    """Validator: a bool."""
    if not isinstance(value, bool):
        fail(inst, attr, "a bool", value)


def is_str(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    """Validator: a non-empty string (a column name)."""
    if not (isinstance(value, str) and value):
        fail(inst, attr, "a non-empty column name (str)", value)


def optional(validator: Validator) -> Validator:
    """Validator: ``None`` or a value accepted by ``validator``."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            validator(inst, attr, value)

    return check


def instance_of(cls: type, name: str) -> Validator:
    """Validator: an instance of ``cls`` (``name`` is used in the message)."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, cls):
            fail(inst, attr, f"an instance of {name}", value)

    return check


def median_threshold(values: FloatArray, *, what: str, min_population: int) -> float:
    """Median of ``values`` (NaN when empty); warn when fewer than ``min_population``.

    Follows domain.md §1.5: the median of the eligible customers, compared
    inclusively (``>=``) by the caller. A split over a small population is
    legal but unstable, so it emits a :class:`~custrel.errors.DataWarning`.
    """
    n = int(values.size)
    if n == 0:
        return math.nan
    if n < min_population:
        msg = (
            f"{what}: median split over {n} eligible customer(s), fewer than "
            f"min_population={min_population}; the threshold is unstable. Pass an explicit "
            "threshold, or lower min_population to silence this warning."
        )
        warnings.warn(msg, DataWarning, stacklevel=4)
    return float(np.median(values))


def numeric_column(
    frame: pd.DataFrame | None,
    column: str | None,
    index: pd.Index,
    problems: ProblemList,
    *,
    low: float = -math.inf,
    high: float = math.inf,
) -> FloatArray:
    """Column ``column`` of ``frame`` as floats aligned with ``index`` (NaN where absent).

    Non-numeric, infinite or out-of-range values (checked over the whole frame,
    not only ``index``) are recorded in ``problems``.
    """
    n = len(index)
    if frame is None or column is None or column not in frame.columns:
        return np.full(n, np.nan)
    raw = frame[column]
    num = problems.numeric(raw, column=column, index=frame.index)
    arr = num.to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.isinf(arr) | (arr < low) | (arr > high)
    problems.check_rows(
        bad,
        column=column,
        rule=f"values must lie in [{low:g}, {high:g}]",
        index=frame.index,
        values=raw,
        label="customer",
    )
    return np.asarray(
        num.reindex(index).to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64
    )


def series_input(values: object, *, name: str) -> pd.Series:
    """Check a user Series (unique index, numeric, no infinities) and return it as float."""
    if not isinstance(values, pd.Series):
        msg = f"{name} must be a pandas Series indexed by customer_id; got {type(values).__name__}."
        raise SchemaError(msg)
    problems = ProblemList(f"invalid {name}")
    problems.check_rows(
        values.index.duplicated(),
        column=name,
        rule="customer ids must be unique",
        index=values.index,
        label="customer",
    )
    if pd.api.types.is_bool_dtype(values.dtype):
        num = values.astype("float64")
    else:
        num = pd.to_numeric(values, errors="coerce").astype("float64")
    arr = num.to_numpy(dtype=np.float64, na_value=np.nan)
    problems.check_rows(
        np.isnan(arr) & values.notna().to_numpy(),
        column=name,
        rule="values must be numeric",
        index=values.index,
        values=values,
        label="customer",
    )
    problems.check_rows(
        np.isinf(arr),
        column=name,
        rule="values must be finite (NaN marks a missing value)",
        index=values.index,
        values=values,
        label="customer",
    )
    problems.raise_if_any()
    return pd.Series(arr, index=values.index, name=name)


def pick(cond: object, yes: object, no: object) -> ObjArray:
    """Object array with ``yes`` where ``cond`` else ``no`` (``np.where`` that allows None)."""
    c = np.asarray(cond, dtype=bool)
    out = np.empty(c.shape, dtype=object)
    y = np.broadcast_to(np.asarray(yes, dtype=object), c.shape)
    o = np.broadcast_to(np.asarray(no, dtype=object), c.shape)
    out[c] = y[c]
    out[~c] = o[~c]
    return out


def population(base: CustomerBase) -> pd.Index:
    """Every customer a state can be given: purchasers, prospects, started contract holders.

    The same population as :meth:`custrel.lifecycle.StateRules.classify`, sorted
    when the ids are orderable, so that loyalty labels join the states row for
    row and do not depend on input order. Prospects and contract-only holders
    have no purchase occasion and are labelled ``undetermined``
    (``no_valid_purchase``) by the behavioural rules.
    """
    parts = [base.features.index]
    if base.prospects is not None:
        parts.append(base.prospects.index)
    if base.contracts is not None:
        con = base.contracts
        parts.append(pd.Index(con.loc[(con["start"] <= base.as_of).to_numpy(), "customer_id"]))
    out = parts[0]
    for other in parts[1:]:
        out = out.append(pd.Index(other)[~pd.Index(other).isin(out)])
    out = out.unique()
    with contextlib.suppress(TypeError):  # mixed, unorderable ids: first-seen order
        out = out.sort_values()
    out.name = "customer_id"
    return out


def reused_labels(
    labels: object,
    *,
    name: str,
    schemes: tuple[str, ...],
    categories: tuple[str, ...],
    base: CustomerBase,
    index: pd.Index,
) -> Labels:
    """Check precomputed ``labels`` passed as keyword ``name`` and return them on ``index``.

    The labels must be a :class:`Labels` of one of ``schemes`` whose label
    categories lie in ``categories`` (``undetermined`` included), computed at
    ``base.as_of``, with one row per customer id covering ``index`` (the
    classifier's population). Rows of other customers are left out of the
    result. Raises :class:`ParameterError` for a wrong type, scheme or
    categories, :class:`DataValidationError` for another as-of date,
    duplicated or missing customers (with counts and up to five examples).
    """
    if not isinstance(labels, Labels):
        msg = f"{name} must be a Labels from {schemes[0]!r} rules; got {type(labels).__name__}."
        raise ParameterError(msg)
    if labels.scheme not in schemes:
        expected = " or ".join(repr(s) for s in schemes)
        msg = f"{name} must be Labels of scheme {expected}; got scheme {labels.scheme!r}."
        raise ParameterError(msg)
    unknown = [c for c in labels.categories if c not in categories]
    if unknown:
        msg = (
            f"{name} must have the label categories of scheme {labels.scheme!r} "
            f"({', '.join(categories)}); got unknown {unknown[:5]}."
        )
        raise ParameterError(msg)
    as_of = None if labels.as_of is None else pd.Timestamp(labels.as_of)
    if as_of != base.as_of:
        msg = (
            f"{name} were computed at as_of={as_of}, the customer base is at "
            f"as_of={base.as_of}; classify the states of the same base."
        )
        raise DataValidationError(msg)
    own = labels.frame.index
    problems = ProblemList(f"invalid {name}")
    problems.check_rows(
        own.duplicated(),
        column="customer_id",
        rule="customer ids must be unique",
        index=own,
        label="customer",
    )
    problems.check_rows(
        ~index.isin(own),
        column="customer_id",
        rule=f"{name} must cover every customer of the base",
        index=index,
        label="customer",
    )
    problems.raise_if_any()
    if own.equals(index):
        return labels
    return attrs.evolve(labels, frame=labels.frame.loc[index])
