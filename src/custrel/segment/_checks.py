"""attrs validators that raise :class:`~custrel.errors.ParameterError` with sklearn-style messages."""

from __future__ import annotations

import itertools
import math
from typing import Any

import attrs

from custrel.errors import ParameterError

__all__ = [
    "int_at_least",
    "optional_positive",
    "positive_number",
    "share_cutoffs",
    "unique_labels",
]


def _name(inst: object, attribute: attrs.Attribute[Any]) -> str:
    return f"{type(inst).__name__}.{attribute.name}"


def share_cutoffs(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A non-empty tuple of strictly increasing shares in (0, 1]."""
    ok = (
        isinstance(value, tuple)
        and len(value) >= 1
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in value)
        and all(0 < c <= 1 for c in value)
        and all(a < b for a, b in itertools.pairwise(value))
    )
    if not ok:
        msg = (
            f"{_name(inst, attribute)} must be a tuple of strictly increasing shares in (0, 1]; "
            f"got {value!r}."
        )
        raise ParameterError(msg)


def unique_labels(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A tuple of distinct non-empty strings, none equal to ``"undetermined"``."""
    ok = (
        isinstance(value, tuple)
        and len(value) >= 2
        and all(isinstance(v, str) and v and v != "undetermined" for v in value)
        and len(set(value)) == len(value)
    )
    if not ok:
        msg = (
            f"{_name(inst, attribute)} must be a tuple of >= 2 distinct non-empty strings "
            f"other than 'undetermined'; got {value!r}."
        )
        raise ParameterError(msg)


def int_at_least(low: int) -> Any:
    """An integer (not bool) >= ``low``."""

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            msg = f"{_name(inst, attribute)} must be an integer >= {low}; got {value!r}."
            raise ParameterError(msg)

    return check


def positive_number(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A finite float > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        msg = f"{_name(inst, attribute)} must be a finite float > 0; got {value!r}."
        raise ParameterError(msg)


def optional_positive(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """``None`` or a finite float > 0."""
    if value is not None:
        positive_number(inst, attribute, value)
