"""attrs validators for the lifecycle rules: sklearn-style messages as ParameterError."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any

import attrs

from custrel.errors import ParameterError

__all__ = ["finite", "int_in", "one_of", "optional", "unit_open"]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _fail(inst: object, attr: attrs.Attribute[Any], expected: str, value: object) -> None:
    msg = f"{type(inst).__name__}.{attr.name} must be {expected}; got {value!r}."
    raise ParameterError(msg)


def _is_real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def finite(*, gt: float | None = None, ge: float | None = None) -> Validator:
    """A finite real number, optionally ``> gt`` or ``>= ge``."""
    bound = f" > {gt:g}" if gt is not None else f" >= {ge:g}" if ge is not None else ""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        ok = _is_real(value) and math.isfinite(float(value))  # type: ignore[arg-type]
        if ok and gt is not None:
            ok = float(value) > gt  # type: ignore[arg-type]
        if ok and ge is not None:
            ok = float(value) >= ge  # type: ignore[arg-type]
        if not ok:
            _fail(inst, attr, f"a finite float{bound}", value)

    return check


def unit_open(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    """A float strictly between 0 and 1."""
    if not (_is_real(value) and 0.0 < float(value) < 1.0):  # type: ignore[arg-type]
        _fail(inst, attr, "a float in (0, 1)", value)


def int_in(*, ge: int) -> Validator:
    """An integer (not bool) ``>= ge``."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= ge):
            _fail(inst, attr, f"an int >= {ge}", value)

    return check


def one_of(choices: Collection[object]) -> Validator:
    """One of a few literal choices."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            _fail(inst, attr, "one of " + ", ".join(repr(c) for c in choices), value)

    return check


def is_bool(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    """A bool."""
    if not isinstance(value, bool):
        _fail(inst, attr, "a bool", value)


def optional(validator: Validator) -> Validator:
    """``None`` or a value accepted by ``validator``."""

    def check(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            validator(inst, attr, value)

    return check
