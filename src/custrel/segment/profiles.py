"""Segment profiles: what each segment holds and what to do with it.

:func:`segment_profiles` joins any :class:`~custrel.labels.Labels` (from any
custrel classifier or strategy, or your own) with per-customer revenue, CLV
and P(alive) and reports per segment: customers, revenue share, mean CLV and
customer equity, expected churn, and the strategy text.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.errors import DataValidationError, DataWarning, ParameterError
from custrel.labels import Labels
from custrel.segment._ranks import as_value_series
from custrel.segment.tiers import TierStrategy

__all__ = ["segment_profiles"]


def _per_segment(codes: np.ndarray, k: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of non-NaN values and their count per segment code."""
    ok = ~np.isnan(values)
    total = np.bincount(codes[ok], weights=values[ok], minlength=k)
    count = np.bincount(codes[ok], minlength=k)
    return total, count


def segment_profiles(
    labels: Labels,
    /,
    *,
    base: CustomerBase | None = None,
    revenue: pd.Series | None = None,
    clv: pd.Series | None = None,
    p_alive: pd.Series | None = None,
    strategies: Mapping[str, TierStrategy | str] | None = None,
) -> pd.DataFrame:
    """One row per segment (every category, ``undetermined`` included).

    Parameters
    ----------
    labels : Labels
        Any segmentation or classification.
    base : CustomerBase, optional
        Supplies ``revenue_window`` as revenue when ``revenue`` is not given.
    revenue : Series, optional
        Revenue per customer (e.g. ``revenue_window`` or net amount).
    clv : Series, optional
        Customer lifetime value per customer (e.g. from ``custrel.value``).
    p_alive : Series, optional
        P(alive) per customer in [0, 1].
    strategies : Mapping[str, TierStrategy or str], optional
        Strategy per segment; by default the ``strategies`` table of the
        strategy that produced ``labels`` (e.g. :class:`ValueTiers`), if any.

    Returns
    -------
    DataFrame
        Indexed by segment: ``customers``, ``customer_share``; with revenue
        ``revenue``, ``revenue_share``; with CLV ``mean_clv``,
        ``customer_equity`` (sum of CLV) and ``clv_customers`` (customers with
        a CLV); with P(alive) ``expected_alive`` (sum of P(alive)),
        ``expected_churn`` (sum of 1 - P(alive)) and ``p_alive_customers``;
        ``strategy`` text when a strategy table is known. Customers missing from
        a Series contribute nothing to its sums; the ``*_customers`` columns
        show how many did. A segment without a CLV has ``mean_clv`` NaN.

    Raises
    ------
    DataValidationError
        P(alive) outside [0, 1], duplicated customers, non-numeric values.

    Examples
    --------
    >>> from custrel.segment import ValueTiers
    >>> idx = pd.Index(list("abcd"), name="customer_id")
    >>> value = pd.Series([100.0, 50.0, 30.0, 20.0], index=idx)
    >>> tiers = ValueTiers(cutoffs=(0.25, 0.5)).assign(value)
    >>> prof = segment_profiles(tiers, revenue=value, clv=value * 2,
    ...                         p_alive=pd.Series([0.9, 0.8, 0.5, 0.2], index=idx))
    >>> prof[["customers", "revenue_share", "mean_clv", "customer_equity", "expected_churn"]]
                  customers  revenue_share  mean_clv  customer_equity  expected_churn
    value_tier
    diamond               1           0.50     200.0            200.0             0.1
    gold                  1           0.25     100.0            100.0             0.2
    silver                2           0.25      50.0            100.0             1.3
    undetermined          0           0.00       NaN              0.0             0.0
    >>> prof.loc["gold", "strategy"]
    'develop: cross-selling and up-selling; proactive outbound sales; personalised service'
    """
    if not isinstance(labels, Labels):
        msg = f"segment_profiles needs Labels; got {type(labels).__name__}."
        raise ParameterError(msg)
    lab = labels.frame["label"]
    cats = list(lab.cat.categories)
    k = len(cats)
    codes = lab.cat.codes.to_numpy().astype(np.int64)
    idx = labels.frame.index
    n = len(idx)
    counts = np.bincount(codes, minlength=k)
    out = pd.DataFrame(
        {"customers": counts, "customer_share": counts / n if n else np.zeros(k)},
        index=pd.Index(cats, name=labels.scheme),
    )
    if revenue is None and base is not None:
        revenue = base.features["revenue_window"]
    if revenue is not None:
        rev = as_value_series(revenue, name="revenue", what="revenue").reindex(idx).to_numpy()
        total, _ = _per_segment(codes, k, rev)
        grand = float(total.sum())
        out["revenue"] = total
        if grand > 0:
            out["revenue_share"] = total / grand
        else:
            warnings.warn(
                f"total revenue of the labelled customers is {grand:g}; revenue_share is NaN.",
                DataWarning,
                stacklevel=2,
            )
            out["revenue_share"] = np.nan
    if clv is not None:
        c = as_value_series(clv, name="clv", what="clv").reindex(idx).to_numpy()
        total, cnt = _per_segment(codes, k, c)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["mean_clv"] = np.where(cnt > 0, total / np.maximum(cnt, 1), np.nan)
        out["customer_equity"] = total
        out["clv_customers"] = cnt
    if p_alive is not None:
        p = as_value_series(p_alive, name="p_alive", what="p_alive").reindex(idx).to_numpy()
        with np.errstate(invalid="ignore"):
            bad = (p < 0) | (p > 1)
        if bad.any():
            msg = (
                f"p_alive must lie in [0, 1]; {int(bad.sum())} of {n} values do not "
                f"(e.g. customer_id {list(idx[bad][:5])})."
            )
            raise DataValidationError(msg)
        total, cnt = _per_segment(codes, k, p)
        out["expected_alive"] = total
        out["expected_churn"] = cnt - total
        out["p_alive_customers"] = cnt
    table = strategies
    if table is None:
        cfg_strat = getattr(labels.config, "strategies", None)
        if isinstance(cfg_strat, Mapping):
            table = cfg_strat
    if table is not None:
        text = {
            str(key): (val.text() if isinstance(val, TierStrategy) else str(val))
            for key, val in table.items()
        }
        out["strategy"] = pd.array([text.get(str(c)) for c in cats], dtype="string")
    return out
