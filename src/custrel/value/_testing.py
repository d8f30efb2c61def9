"""A tiny closed-form purchase model for examples and tests of :mod:`custrel.value`.

It satisfies the :class:`~custrel.value.PurchaseModel` protocol with exact
formulas, so the CLV machinery can be checked independently of the fitted
models: customer i buys at Poisson rate λ_i = rate (1 + x_i) / (1 + rate T_i)
(the gamma-Poisson posterior mean with shape 1 and scale 1 / rate) and stays
active for an exponential time with hazard ``death``. Then
E[X_i(t)] = λ_i (1 - exp(-death t)) / death and, at continuous discount rate
δ, DERT_i = λ_i / (death + δ).
"""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd

from custrel.data import Period, TimeUnit
from custrel.errors import ParameterError

__all__ = ["ExponentialPoisson"]


def _positive(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        msg = f"ExponentialPoisson.{attribute.name} must be a finite float > 0; got {value!r}."
        raise ParameterError(msg)


def _period(value: Period | None) -> TimeUnit | None:
    return None if value is None else TimeUnit.parse(value)


@attrs.frozen(kw_only=True)
class ExponentialPoisson:
    """Poisson purchases with an exponential lifetime (examples and tests only).

    Attributes
    ----------
    rate : float
        Purchase-rate scale per ``period``.
    death : float
        Hazard of becoming inactive per ``period``.
    period : TimeUnit or None
        Time unit of ``rate`` and ``death``.

    Examples
    --------
    >>> m = ExponentialPoisson(rate=1.0, death=0.5, period="W")
    >>> s = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [1.0]})
    >>> float(m.expected_purchases(s, t=2.0).iloc[0]), float(m.in_period("D").rate)
    (1.2642411176571153, 0.14285714285714285)
    """

    rate: float = attrs.field(validator=_positive)
    death: float = attrs.field(validator=_positive)
    period: TimeUnit | None = attrs.field(default=None, converter=_period)

    def in_period(self, period: Period, /) -> ExponentialPoisson:
        """The same model with rates per ``period``."""
        if self.period is None:
            msg = "ExponentialPoisson.in_period needs a model with a period."
            raise ParameterError(msg)
        new = TimeUnit.parse(period)
        f = new.days / self.period.days
        return ExponentialPoisson(rate=self.rate * f, death=self.death * f, period=new)

    def _lam(self, summary: pd.DataFrame) -> np.ndarray:
        x = summary["frequency"].to_numpy(dtype=np.float64)
        t_obs = summary["T"].to_numpy(dtype=np.float64)
        return np.asarray(self.rate * (1.0 + x) / (1.0 + self.rate * t_obs))

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
        """E[X(t)] = λ (1 - exp(-death t)) / death."""
        v = self._lam(summary) * -math.expm1(-self.death * t) / self.death
        return pd.Series(v, index=summary.index, name="expected_purchases")

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """DERT = λ / (death + δ)."""
        v = self._lam(summary) / (self.death + discount_rate)
        return pd.Series(v, index=summary.index, name="dert")
