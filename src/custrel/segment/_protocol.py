"""The two segmentation Protocols every custrel strategy implements.

A *strategy* is a frozen attrs configuration with exactly one verb that
returns :class:`~custrel.labels.Labels`:

* :class:`SegmentationStrategy` – ``segment(base) -> Labels`` for strategies
  that read what they need from a :class:`~custrel.data.CustomerBase`
  (RFM, behaviour profile, k-means, value tiers on a feature column);
* :class:`ValueStrategy` – ``assign(value) -> Labels`` for strategies that
  rank one per-customer measure the user computed elsewhere (value tiers on
  CLV or a composite score, the customer pyramid on profit).

Any object with the right method satisfies the Protocol (structural typing),
so users can write their own strategy and pass ``strategy.segment`` to
:func:`custrel.migration.evaluate_over_time`, join it with
:func:`custrel.segment.segment_profiles`, and so on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pandas as pd

    from custrel.data import CustomerBase
    from custrel.labels import Labels

__all__ = ["SegmentationStrategy", "ValueStrategy"]


@runtime_checkable
class SegmentationStrategy(Protocol):
    """A strategy that labels every customer of a :class:`~custrel.data.CustomerBase`.

    Notes
    -----
    The contract:

    * The implementing class is a frozen attrs value (``@attrs.frozen(kw_only=True)``)
      whose fields are the strategy's parameters, validated at construction.
    * ``segment`` returns :class:`~custrel.labels.Labels` with exactly one row
      per customer of ``base.features`` (same index), an ordered categorical
      label that includes ``"undetermined"``, and a :class:`~custrel.labels.Reason`
      for every undetermined customer. It never loops over customers in Python.
    * Results do not depend on row order; ties never split.

    Examples
    --------
    >>> from custrel.segment import RFMScores
    >>> isinstance(RFMScores(), SegmentationStrategy)
    True
    """

    def segment(self, base: CustomerBase, /) -> Labels:
        """Label every customer of ``base``."""
        ...


@runtime_checkable
class ValueStrategy(Protocol):
    """A strategy that labels customers by one per-customer value Series.

    The same contract as :class:`SegmentationStrategy`, with a ``pd.Series``
    indexed by ``customer_id`` as input: one label per entry of the Series,
    NaN values become ``undetermined`` with a reason.

    Examples
    --------
    >>> from custrel.segment import CustomerPyramid, ValueTiers
    >>> isinstance(CustomerPyramid(), ValueStrategy), isinstance(ValueTiers(), ValueStrategy)
    (True, True)
    """

    def assign(self, value: pd.Series, /) -> Labels:
        """Label every customer in ``value``."""
        ...
