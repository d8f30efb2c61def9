"""The small structural interfaces :mod:`custrel.value` needs from the models.

Any object with these methods works: custrel's own models
(:mod:`custrel.models`), or a user's adapter around another library. The
prediction vocabulary is the one shared by every custrel model.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pandas as pd

from custrel.data import TimeUnit

__all__ = ["DiscountedPurchaseModel", "FitLike", "PurchaseModel", "SpendModel"]


@runtime_checkable
class PurchaseModel(Protocol):
    """A model of the number of future transactions of each customer.

    ``period`` is the model's time unit (``None`` when unknown); the summary
    passed to it must be in that unit.
    """

    @property
    def period(self) -> TimeUnit | None:
        """Time unit of the model's rate parameters (``None`` if unknown)."""
        ...

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
        """Expected number of transactions in ``(T, T + t]`` per customer (model units)."""
        ...


@runtime_checkable
class DiscountedPurchaseModel(PurchaseModel, Protocol):
    """A purchase model that also gives discounted expected transactions (DERT)."""

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """DERT at continuous rate ``discount_rate`` per model time unit, infinite horizon."""
        ...


@runtime_checkable
class SpendModel(Protocol):
    """A model of the expected spend per transaction of each customer."""

    def expected_spend(self, summary: pd.DataFrame, /) -> pd.Series:
        """Conditional expected average spend per transaction."""
        ...


class FitLike(Protocol):
    """A maximum-likelihood fit: the fitted model and the covariance of its parameters."""

    @property
    def model(self) -> object:
        """The fitted model (a frozen attrs value whose fields include the parameters)."""
        ...

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the estimated parameters (fields of ``model``)."""
        ...

    @property
    def covariance(self) -> pd.DataFrame | None:
        """Asymptotic covariance of the natural parameters, indexed by name."""
        ...
