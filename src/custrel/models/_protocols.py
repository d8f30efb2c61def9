"""Protocols through which :mod:`custrel.value` and the classifiers use models.

They are structural (:class:`typing.Protocol`): any object with these methods
fits, including the models of :mod:`custrel.models` and user-written ones.
``custrel.value`` should depend on these protocols only, never on concrete
model classes.

Examples
--------
>>> from custrel.models import BetaGeo
>>> from custrel.models._protocols import PurchaseModel
>>> isinstance(BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426), PurchaseModel)
True
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd
from numpy.typing import ArrayLike

from custrel.data._time import Period, TimeUnit

__all__ = ["PurchaseModel", "SpendModel", "TimeAwareModel"]


@runtime_checkable
class PurchaseModel(Protocol):
    """A fitted purchase (transaction-count) model with a churn component.

    Every method takes the customer summary positionally (``frequency``,
    ``recency``, ``T``; BG/BB: ``frequency``, ``recency``, ``n_periods``) and
    returns a Series indexed like it, in the model's time unit.
    """

    @property
    def period(self) -> TimeUnit | None:
        """Time unit of the model (``None`` when unspecified)."""
        ...

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float | ArrayLike) -> pd.Series:
        """Expected purchases in ``(T, T + t]`` given each customer's history (``"expected_purchases"``)."""
        ...

    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """Probability that each customer is alive at the end of observation (``"p_alive"``)."""
        ...

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """Discounted expected residual transactions (``"dert"``)."""
        ...


@runtime_checkable
class TimeAwareModel(Protocol):
    """A model that can be re-expressed in another time unit."""

    @property
    def period(self) -> TimeUnit | None:
        """Time unit of the model."""
        ...

    def in_period(self, period: Period) -> TimeAwareModel:
        """The same model with time measured in ``period``."""
        ...


@runtime_checkable
class SpendModel(Protocol):
    """A model of the value of a transaction (e.g. Gamma-Gamma)."""

    def expected_spend(self, summary: pd.DataFrame, /) -> pd.Series:
        """Expected value of one future transaction of each customer (``"expected_spend"``)."""
        ...
