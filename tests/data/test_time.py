"""Explicit time units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custrel.data import TimeUnit, convert_duration, period_days
from custrel.errors import ParameterError


@pytest.mark.parametrize(
    ("period", "name", "days"),
    [
        ("D", "D", 1.0),
        ("days", "D", 1.0),
        ("W", "W", 7.0),
        ("Week", "W", 7.0),
        ("M", "M", 30.4375),
        ("months", "M", 30.4375),
        ("Q", "Q", 91.3125),
        ("year", "Y", 365.25),
        (14, "14D", 14.0),
        (0.5, "0.5D", 0.5),
    ],
)
def test_units(period: object, name: str, days: float) -> None:
    unit = TimeUnit.parse(period)  # type: ignore[arg-type]
    assert (unit.name, unit.days) == (name, days)
    assert period_days(period) == days  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["fortnight", 0, -3, float("nan"), float("inf"), True, None])
def test_bad_units_raise(bad: object) -> None:
    with pytest.raises(ParameterError, match="period must be"):
        TimeUnit.parse(bad)  # type: ignore[arg-type]


@given(
    st.floats(1e-6, 1e6),
    st.sampled_from(["D", "W", "M", "Q", "Y", 3.0]),
    st.sampled_from(["D", "W", "M", "Q", "Y", 3.0]),
)
def test_conversion_round_trips(value: float, a: object, b: object) -> None:
    there = convert_duration(value, a, b)  # type: ignore[arg-type]
    assert convert_duration(there, b, a) == pytest.approx(value, rel=1e-12)  # type: ignore[arg-type]


def test_one_year_is_twelve_months_and_52_18_weeks() -> None:
    assert convert_duration(1.0, "Y", "M") == pytest.approx(12.0, rel=1e-15)
    assert convert_duration(1.0, "Y", "W") == pytest.approx(365.25 / 7, rel=1e-15)
