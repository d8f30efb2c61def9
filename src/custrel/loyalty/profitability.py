"""Loyalty x profitability (Reinartz & Kumar 2002): true friends, butterflies, barnacles, strangers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs
import numpy as np
import pandas as pd

from custrel.labels import Labels, Reason
from custrel.loyalty._common import (
    NO_REASON,
    build_labels,
    finite,
    int_ge,
    median_threshold,
    optional,
    reason_code,
    series_input,
)

__all__ = ["PROFITABILITY_STRATEGIES", "PROFITABILITY_TYPES", "LoyaltyProfitability"]

#: Reinartz & Kumar's (2002) four customer types.
PROFITABILITY_TYPES: Final = ("true_friend", "butterfly", "barnacle", "stranger")
#: Their recommended treatment of each type (Reinartz & Kumar 2002), as data.
PROFITABILITY_STRATEGIES: Final[Mapping[str, str]] = {
    "true_friend": "soft approach and rewards; do not over-contact",
    "butterfly": "harvest while they buy, then stop investing",
    "barnacle": "check size of wallet: up-sell/cross-sell if large, else cut cost to serve",
    "stranger": "no relationship investment",
}


@attrs.frozen(kw_only=True)
class LoyaltyProfitability:
    r"""Cross projected relationship duration with profitability (Reinartz & Kumar 2002).

    Reinartz & Kumar found that "not all loyal customers are profitable, and
    not all profitable customers are loyal" [1]_ and crossed the two:

    ============  ===================  ==================
    \             high profitability   low profitability
    ============  ===================  ==================
    long-term     true friends         barnacles
    short-term    butterflies          strangers
    ============  ===================  ==================

    Longevity is the user's projection of the relationship (e.g. expected
    transactions over the next year from a BTYD model, or P(alive); Reinartz &
    Kumar favour such models over RFM); profit is any profit or CLV measure
    (e.g. :func:`custrel.value.customer_profit`). Each is split at its median
    over the customers with both values (inclusive high) unless an explicit
    threshold is given; the median split is a **custrel convention**. A
    customer with either value missing is ``undetermined`` (``value_missing``).

    Attributes
    ----------
    longevity_high, profit_high : float or None
        Explicit inclusive thresholds; ``None`` (default) uses the median.
    min_population : int
        Customers below which a median split warns (default 30).

    References
    ----------
    .. [1] Reinartz, W., Kumar, V. (2002). The mismanagement of customer
       loyalty. *Harvard Business Review* 80(7):86-94.

    Examples
    --------
    >>> ids = pd.Index(list("abcd"), name="customer_id")
    >>> lp = LoyaltyProfitability(min_population=1).classify(
    ...     pd.Series([1.0, 2, 3, 4], index=ids), pd.Series([4.0, 1, 3, 2], index=ids))
    >>> lp.frame[["label", "longevity", "profit", "strategy"]]
                       label  longevity  profit                                           strategy
    customer_id
    a              butterfly        1.0     4.0        harvest while they buy, then stop investing
    b               stranger        2.0     1.0                        no relationship investment
    c            true_friend        3.0     3.0     soft approach and rewards; do not over-contact
    d               barnacle        4.0     2.0  check size of wallet: up-sell/cross-sell if ...
    """

    longevity_high: float | None = attrs.field(default=None, validator=optional(finite()))
    profit_high: float | None = attrs.field(default=None, validator=optional(finite()))
    min_population: int = attrs.field(default=30, validator=int_ge(1))

    def classify(self, longevity: pd.Series, profit: pd.Series, /) -> Labels:
        """Label each customer true_friend, butterfly, barnacle, stranger or undetermined.

        Parameters
        ----------
        longevity : Series
            Projected relationship duration per ``customer_id`` (NaN = missing).
        profit : Series
            Profit or CLV per ``customer_id`` (NaN = missing).

        Returns
        -------
        Labels
            Scheme ``"loyalty_profitability"`` over the union of both indexes
            (``longevity``'s order first); evidence ``longevity``, ``profit``,
            ``longevity_threshold``, ``profit_threshold``, ``strategy``.

        Raises
        ------
        SchemaError
            An input that is not a Series.
        DataValidationError
            Duplicated ids, non-numeric or infinite values.
        """
        lon = series_input(longevity, name="longevity")
        pro = series_input(profit, name="profit")
        index = lon.index.append(pro.index[~pro.index.isin(lon.index)])
        index.name = "customer_id"
        lv = lon.reindex(index).to_numpy(dtype=np.float64)
        pv = pro.reindex(index).to_numpy(dtype=np.float64)
        ok = ~np.isnan(lv) & ~np.isnan(pv)
        what = "LoyaltyProfitability"
        lt = (
            median_threshold(lv[ok], what=f"{what} longevity", min_population=self.min_population)
            if self.longevity_high is None
            else float(self.longevity_high)
        )
        pt = (
            median_threshold(pv[ok], what=f"{what} profit", min_population=self.min_population)
            if self.profit_high is None
            else float(self.profit_high)
        )
        with np.errstate(invalid="ignore"):
            long_term, profitable = lv >= lt, pv >= pt
        codes = np.select(
            [~ok, long_term & profitable, profitable, long_term], [4, 0, 1, 2], default=3
        )
        strategies = np.array(
            [*(PROFITABILITY_STRATEGIES[t] for t in PROFITABILITY_TYPES), None], dtype=object
        )
        return build_labels(
            scheme="loyalty_profitability",
            as_of=None,
            config=self,
            index=index,
            codes=codes,
            categories=PROFITABILITY_TYPES,
            reasons=np.where(ok, NO_REASON, reason_code(Reason.VALUE_MISSING)),
            evidence={
                "longevity": lv,
                "profit": pv,
                "longevity_threshold": np.full(len(index), lt),
                "profit_threshold": np.full(len(index), pt),
                "strategy": strategies[codes],
            },
            diagnostics={"value_missing": int((~ok).sum())},
        )
