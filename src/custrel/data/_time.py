"""Explicit time units.

Every duration in custrel is in a named unit. A *period* is given as one of the
names below or as a positive number of days.

=========  ==============================  ============
name       aliases                         days
=========  ==============================  ============
``"D"``    ``"day"``, ``"days"``           1
``"W"``    ``"week"``, ``"weeks"``         7
``"M"``    ``"month"``, ``"months"``       30.4375 (365.25 / 12)
``"Q"``    ``"quarter"``, ``"quarters"``   91.3125
``"Y"``    ``"year"``, ``"years"``         365.25
=========  ==============================  ============

Weeks are fractional (days / 7): this is what reproduces the published CDNOW
data, while calendar weeks do not.
"""

from __future__ import annotations

import math
from typing import Final, TypeAlias

import attrs

from custrel.errors import ParameterError

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "Period",
    "TimeUnit",
    "convert_duration",
    "period_days",
]

DAYS_PER_YEAR: Final = 365.25
DAYS_PER_MONTH: Final = DAYS_PER_YEAR / 12.0

Period: TypeAlias = "str | float | int | TimeUnit"

_UNITS: Final[dict[str, tuple[str, float]]] = {
    "D": ("D", 1.0),
    "day": ("D", 1.0),
    "days": ("D", 1.0),
    "W": ("W", 7.0),
    "week": ("W", 7.0),
    "weeks": ("W", 7.0),
    "M": ("M", DAYS_PER_MONTH),
    "month": ("M", DAYS_PER_MONTH),
    "months": ("M", DAYS_PER_MONTH),
    "Q": ("Q", DAYS_PER_YEAR / 4.0),
    "quarter": ("Q", DAYS_PER_YEAR / 4.0),
    "quarters": ("Q", DAYS_PER_YEAR / 4.0),
    "Y": ("Y", DAYS_PER_YEAR),
    "year": ("Y", DAYS_PER_YEAR),
    "years": ("Y", DAYS_PER_YEAR),
}


@attrs.frozen
class TimeUnit:
    """A named time unit with its length in days.

    Parameters
    ----------
    name : str
        Canonical name (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``) or ``"<n>D"``.
    days : float
        Length in days, > 0.

    Examples
    --------
    >>> TimeUnit.parse("weeks")
    TimeUnit(name='W', days=7.0)
    >>> TimeUnit.parse(14).name
    '14D'
    """

    name: str
    days: float

    @classmethod
    def parse(cls, period: Period) -> TimeUnit:
        """Build a unit from a name, an alias or a positive number of days.

        Parameters
        ----------
        period : str, float, int or TimeUnit
            ``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"`` or an alias (``"day"``,
            ``"weeks"``, ``"Month"``, ...), a positive number of days, or a
            ``TimeUnit`` (returned unchanged).

        Returns
        -------
        TimeUnit

        Raises
        ------
        ParameterError
            Unknown name, a boolean, or a number of days that is not positive
            and finite.

        Examples
        --------
        >>> TimeUnit.parse("Quarter")
        TimeUnit(name='Q', days=91.3125)
        >>> TimeUnit.parse(2.5)
        TimeUnit(name='2.5D', days=2.5)
        >>> TimeUnit.parse("fortnight")
        Traceback (most recent call last):
        ...
        custrel.errors.ParameterError: period must be one of 'D', 'W', 'M', 'Q', 'Y' (or day/week/month/quarter/year) or a positive number of days; got 'fortnight'.
        """
        if isinstance(period, TimeUnit):
            return period
        if isinstance(period, bool):
            msg = f"period must be a unit name or a positive number of days; got {period!r}."
            raise ParameterError(msg)
        if isinstance(period, int | float):
            days = float(period)
            if not math.isfinite(days) or days <= 0:
                msg = f"period must be a positive, finite number of days; got {period!r}."
                raise ParameterError(msg)
            return cls(name=f"{days:g}D", days=days)
        if isinstance(period, str):
            key = period if period in _UNITS else period.lower()
            if key in _UNITS:
                name, days = _UNITS[key]
                return cls(name=name, days=days)
        msg = (
            f"period must be one of 'D', 'W', 'M', 'Q', 'Y' (or day/week/month/quarter/year) "
            f"or a positive number of days; got {period!r}."
        )
        raise ParameterError(msg)


def period_days(period: Period) -> float:
    """Length of ``period`` in days.

    Parameters
    ----------
    period : str, float, int or TimeUnit
        Anything :meth:`TimeUnit.parse` accepts.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        ``period`` is not a valid time unit.

    Examples
    --------
    >>> period_days("W"), period_days("month"), period_days(3)
    (7.0, 30.4375, 3.0)
    """
    return TimeUnit.parse(period).days


def convert_duration(value: float, from_period: Period, to_period: Period) -> float:
    """Convert a duration between time units exactly.

    Parameters
    ----------
    value : float
        Duration expressed in ``from_period`` units.
    from_period, to_period : str, float, int or TimeUnit
        Source and target units (anything :meth:`TimeUnit.parse` accepts).

    Returns
    -------
    float
        ``value * days(from_period) / days(to_period)``.

    Raises
    ------
    ParameterError
        Either period is not a valid time unit.

    Examples
    --------
    >>> convert_duration(52.0, "W", "D")
    364.0
    >>> round(convert_duration(1.0, "Y", "M"), 12)
    12.0
    """
    return value * period_days(from_period) / period_days(to_period)
