"""Customer economics: profit, the cost-benefit ratio and retention scenarios.

This module implements domain.md §6:

- :func:`customer_profit` and :func:`cost_benefit` work on a
  :class:`custrel.data.CustomerBase` (revenue from the transaction log, cost
  from a ``cost`` column or a margin rate, per-order and per-return handling
  costs, and per-customer attribute costs such as ``acquisition_cost``);
- :class:`RetentionScenario`, :func:`retention_value`,
  :func:`compare_retention` and :func:`retention_uplift` compute the value of
  a customer under a retention rate, and what a retention increase is worth
  **for the user's own numbers**, instead of quoting the "5 points of
  retention, 25%-85% more profit" figure of Reichheld & Sasser (1990).

References
----------
.. [1] Reichheld, F.F., Sasser, W.E. (1990). Zero defections: quality comes to
   services. *Harvard Business Review* 68(5):105-111.
.. [2] Gupta, S., Lehmann, D.R. (2003). Customers as assets. *Journal of
   Interactive Marketing* 17(1):9-24 (the margin multiple r/(1+d-r)).
.. [3] Sharp, B. (2005). A 5% drop in defection does not lead to 80%+ more profits.
.. [4] Reinartz, W., Kumar, V. (2002). The mismanagement of customer loyalty.
   *Harvard Business Review* 80(7):86-94.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.errors import ParameterError, SchemaError
from custrel.labels import UNDETERMINED, Labels, Reason

__all__ = [
    "COST_BENEFIT_LABELS",
    "CostBenefitConfig",
    "RetentionComparison",
    "RetentionScenario",
    "compare_retention",
    "cost_benefit",
    "cost_benefit_totals",
    "customer_profit",
    "retention_uplift",
    "retention_value",
]

#: Determined labels of the ``cost_benefit`` scheme, best first.
COST_BENEFIT_LABELS: tuple[str, ...] = ("profitable", "break_even", "unprofitable")
_DEFAULT_INCLUDE: tuple[str, ...] = ("acquisition_cost", "service_cost")
Timing = Literal["end", "start"]


# --------------------------------------------------------------------------- validation


def _finite(owner: str, name: str, value: object, *, lo: float | None = None) -> float:
    """Return ``value`` as a float, or raise ParameterError in sklearn style."""
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if ok:
        f = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(f) and (lo is None or f >= lo)
    if not ok:
        bound = "" if lo is None else f" >= {lo:g}"
        msg = f"{owner}.{name} must be a finite float{bound}; got {value!r}."
        raise ParameterError(msg)
    return f


def _margin_rate(owner: str, value: object) -> float | None:
    if value is None:
        return None
    f = _finite(owner, "margin_rate", value)
    if not 0.0 <= f <= 1.0:
        msg = f"{owner}.margin_rate must be a float in [0, 1]; got {value!r}."
        raise ParameterError(msg)
    return f


def _window(owner: str, value: object) -> float:
    if value is None:
        return math.inf
    f = _finite(owner, "window_days", value)
    if f <= 0:
        msg = (
            f"{owner}.window_days must be a finite float > 0 (or None for all time); got {value!r}."
        )
        raise ParameterError(msg)
    return f


def _include(owner: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        msg = f"{owner}.include must be a tuple of attribute column names; got {value!r}."
        raise ParameterError(msg)
    out = tuple(value)
    if not all(isinstance(v, str) for v in out):
        msg = f"{owner}.include must contain column names (str); got {value!r}."
        raise ParameterError(msg)
    return out


# --------------------------------------------------------------------------- profit


@attrs.frozen(kw_only=True)
class CostBenefitConfig:
    """The settings that produced a cost-benefit or profit calculation.

    Attributes
    ----------
    margin_rate : float or None
        Gross margin rate; COGS = revenue x (1 - margin_rate). ``None`` uses the
        transaction ``cost`` column, else the base's own ``margin_rate``.
    cost_per_order : float
        Handling cost per purchase occasion.
    cost_per_return : float
        Handling cost per return row (a row with a negative amount).
    include : tuple of str
        Attribute columns added to the cost (absent columns add nothing).
    window_days : float
        Trailing window in days (``inf`` = all history up to ``as_of``).
    tol : float
        Tolerance of the break-even band around a ratio of 1.
    """

    margin_rate: float | None = None
    cost_per_order: float = 0.0
    cost_per_return: float = 0.0
    include: tuple[str, ...] = _DEFAULT_INCLUDE
    window_days: float = math.inf
    tol: float = 1e-9


def _make_config(
    owner: str,
    *,
    margin_rate: object,
    cost_per_order: object,
    cost_per_return: object,
    include: object,
    window_days: object,
    tol: object = 1e-9,
) -> CostBenefitConfig:
    return CostBenefitConfig(
        margin_rate=_margin_rate(owner, margin_rate),
        cost_per_order=_finite(owner, "cost_per_order", cost_per_order, lo=0.0),
        cost_per_return=_finite(owner, "cost_per_return", cost_per_return, lo=0.0),
        include=_include(owner, include),
        window_days=_window(owner, window_days),
        tol=_finite(owner, "tol", tol, lo=0.0),
    )


def _components(base: CustomerBase, cfg: CostBenefitConfig) -> pd.DataFrame:
    """Per-customer revenue and cost components (vectorised, no loop over customers)."""
    if not isinstance(base, CustomerBase):
        msg = f"expected a custrel.data.CustomerBase (see build_customer_base); got {type(base).__name__}."
        raise SchemaError(msg)
    idx = base.features.index
    lo = cfg.window_days
    revenue = base.window_sum(lo, what="amount").to_numpy(dtype=np.float64)
    occasions = base.window_sum(lo, what="occasions").to_numpy(dtype=np.float64)
    tx = base.transactions
    if cfg.margin_rate is not None:
        cogs = revenue * (1.0 - cfg.margin_rate)
    elif "cost" in tx.columns:
        margin = base.window_sum(lo, what="margin").to_numpy(dtype=np.float64)
        cogs = revenue - margin
    elif base.margin_rate is not None:
        cogs = revenue * (1.0 - base.margin_rate)
    else:
        cogs = np.full(len(idx), np.nan)
    # returns: rows with a negative amount inside the window
    age = (base.as_of - tx["date"]).dt.days.to_numpy(dtype=np.float64)
    is_return = (tx["amount"].to_numpy(dtype=np.float64) < 0) & (age >= 0) & (age < lo)
    n_returns = (
        tx.loc[is_return, "customer_id"]
        .value_counts(sort=False)
        .reindex(idx, fill_value=0)
        .to_numpy(dtype=np.float64)
    )
    attr_cost = np.zeros(len(idx))
    if base.attributes is not None:
        for col in cfg.include:  # a handful of cost columns, not customers
            if col in base.attributes.columns:
                vals = pd.to_numeric(base.attributes[col], errors="coerce")
                attr_cost = attr_cost + vals.reindex(idx).to_numpy(dtype=np.float64)
    order_cost = cfg.cost_per_order * occasions
    return_cost = cfg.cost_per_return * n_returns
    cost = cogs + order_cost + return_cost + attr_cost
    return pd.DataFrame(
        {
            "revenue": revenue,
            "cogs": cogs,
            "order_cost": order_cost,
            "return_cost": return_cost,
            "attribute_cost": attr_cost,
            "cost": cost,
            "occasions": occasions,
            "returns": n_returns,
        },
        index=idx,
    )


def customer_profit(
    base: CustomerBase,
    /,
    *,
    margin_rate: float | None = None,
    cost_per_order: float = 0.0,
    cost_per_return: float = 0.0,
    include: Sequence[str] = _DEFAULT_INCLUDE,
    window_days: float | None = None,
) -> pd.Series:
    """Profit per customer: revenue minus every cost the data can support.

    ``profit = revenue - COGS - cost_per_order x occasions - cost_per_return x
    returns - sum(include attribute costs)``, over all history up to
    ``base.as_of`` (or the trailing ``window_days``).

    Parameters
    ----------
    base : CustomerBase
        The customer base (see :func:`custrel.data.build_customer_base`).
    margin_rate : float in [0, 1], optional
        Gross margin; COGS = revenue x (1 - margin_rate). When omitted, COGS is
        the sum of the transaction ``cost`` column, else revenue x (1 - the
        base's ``margin_rate``); with none of these, profit is NaN.
    cost_per_order : float >= 0
        Handling cost per purchase occasion.
    cost_per_return : float >= 0
        Handling cost per return row (negative amount).
    include : sequence of str
        Customer-attribute columns (``base.attributes``) added to the cost.
        A column absent from the attributes adds nothing; a customer without a
        value in a present column has an unknown (NaN) profit.
    window_days : float, optional
        Restrict revenue and costs to the last ``window_days`` days.

    Returns
    -------
    Series
        ``"profit"``, indexed by ``customer_id`` like ``base.features``; NaN
        exactly where a cost component is unknown.

    Raises
    ------
    ParameterError
        Invalid rates or costs.

    Examples
    --------
    >>> from custrel.data import build_customer_base
    >>> tx = pd.DataFrame({"customer_id": ["a"] * 10 + ["b"] * 3,
    ...                    "date": pd.date_range("2024-01-01", periods=10, freq="7D").tolist()
    ...                            + pd.date_range("2024-01-01", periods=3, freq="7D").tolist(),
    ...                    "amount": [100.0] * 10 + [100.0, 100.0, 100.0]})
    >>> att = pd.DataFrame({"acquisition_cost": [100.0, 100.0]},
    ...                    index=pd.Index(["a", "b"], name="customer_id"))
    >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=att)
    >>> customer_profit(base, margin_rate=0.3, cost_per_order=5.0).to_dict()
    {'a': 150.0, 'b': -25.0}
    """
    cfg = _make_config(
        "customer_profit",
        margin_rate=margin_rate,
        cost_per_order=cost_per_order,
        cost_per_return=cost_per_return,
        include=include,
        window_days=window_days,
    )
    comp = _components(base, cfg)
    return (comp["revenue"] - comp["cost"]).rename("profit")


def cost_benefit(
    base: CustomerBase,
    /,
    *,
    margin_rate: float | None = None,
    cost_per_order: float = 0.0,
    cost_per_return: float = 0.0,
    include: Sequence[str] = _DEFAULT_INCLUDE,
    window_days: float | None = None,
    tol: float = 1e-9,
) -> Labels:
    """Customer cost-benefit ratio (revenue / cost) with a profitability label.

    The cost is COGS + ``cost_per_order`` x occasions + ``cost_per_return`` x
    returns + attribute costs (``acquisition_cost``, ``service_cost``), as in
    :func:`customer_profit`. A ratio above ``1 + tol`` is ``profitable``, within
    ``tol`` of 1 ``break_even``, below ``1 - tol`` ``unprofitable``.

    Parameters
    ----------
    base : CustomerBase
        The customer base.
    margin_rate, cost_per_order, cost_per_return, include, window_days
        As in :func:`customer_profit`.
    tol : float >= 0
        Half-width of the break-even band (default 1e-9).

    Returns
    -------
    Labels
        Scheme ``"cost_benefit"`` with evidence columns ``revenue``, ``cost``,
        ``ratio`` and ``profit``. A customer whose cost is unknown (NaN) or not
        positive is ``undetermined`` with reason ``cost_missing``. Use
        :func:`cost_benefit_totals` for the whole-base ratio.

    Raises
    ------
    ParameterError
        Invalid rates or costs.

    Notes
    -----
    Definition (domain.md §6): customer cost-benefit ratio = total revenue from
    the customer / total cost of the customer, where cost is COGS plus
    cost-to-serve plus marketing (acquisition and retention) cost.

    Examples
    --------
    Domain tests T6.1 and T6.2: revenue 1000 (and 300), a 30% margin, 10 orders
    at 5 each and an acquisition cost of 100.

    >>> from custrel.data import build_customer_base
    >>> days = pd.date_range("2024-01-01", periods=10, freq="7D").tolist()
    >>> tx = pd.DataFrame({"customer_id": ["T6.1"] * 10 + ["T6.2"] * 10,
    ...                    "date": days + days, "amount": [100.0] * 10 + [30.0] * 10})
    >>> att = pd.DataFrame({"acquisition_cost": [100.0, 100.0]},
    ...                    index=pd.Index(["T6.1", "T6.2"], name="customer_id"))
    >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=att)
    >>> cb = cost_benefit(base, margin_rate=0.3, cost_per_order=5.0)
    >>> cb.frame[["label", "revenue", "cost", "ratio"]].round(4)
                        label  revenue   cost   ratio
    customer_id
    T6.1           profitable   1000.0  850.0  1.1765
    T6.2         unprofitable    300.0  360.0  0.8333
    >>> cost_benefit_totals(cb).round(4).to_dict()
    {'revenue': 1300.0, 'cost': 1210.0, 'ratio': 1.0744, 'customers': 2.0, 'undetermined': 0.0}
    """
    cfg = _make_config(
        "cost_benefit",
        margin_rate=margin_rate,
        cost_per_order=cost_per_order,
        cost_per_return=cost_per_return,
        include=include,
        window_days=window_days,
        tol=tol,
    )
    comp = _components(base, cfg)
    revenue = comp["revenue"].to_numpy()
    cost = comp["cost"].to_numpy()
    known = np.isfinite(cost) & (cost > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(known, revenue / np.where(known, cost, 1.0), np.nan)
    labels = np.full(len(comp), UNDETERMINED, dtype=object)
    labels[known & (ratio > 1.0 + cfg.tol)] = "profitable"
    labels[known & (ratio < 1.0 - cfg.tol)] = "unprofitable"
    labels[known & (np.abs(ratio - 1.0) <= cfg.tol)] = "break_even"
    reasons = np.full(len(comp), None, dtype=object)
    reasons[~known] = Reason.COST_MISSING.value
    return Labels.build(
        scheme="cost_benefit",
        as_of=base.as_of,
        config=cfg,
        index=comp.index,
        labels=labels,
        categories=COST_BENEFIT_LABELS,
        reasons=reasons,
        evidence={
            "revenue": revenue,
            "cost": cost,
            "ratio": ratio,
            "profit": revenue - cost,
        },
        diagnostics={
            "cost_missing": int((~np.isfinite(cost)).sum()),
            "cost_not_positive": int((np.isfinite(cost) & (cost <= 0)).sum()),
        },
    )


def cost_benefit_totals(labels: Labels, /) -> pd.Series:
    """Whole-base cost-benefit ratio: total revenue / total cost.

    Sums over the customers whose cost is known and positive (the determined
    ones); undetermined customers are counted, not silently dropped.

    Parameters
    ----------
    labels : Labels
        The result of :func:`cost_benefit`.

    Returns
    -------
    Series
        ``revenue``, ``cost``, ``ratio``, ``customers`` (determined) and
        ``undetermined`` (count).

    Raises
    ------
    ParameterError
        ``labels`` is not a cost-benefit result.

    Examples
    --------
    A worked table from the CRM source material: revenue 6,987,106 against
    cost 6,741,373. The ratio is 1.036 (the source prints 1.18, which does not
    follow from its own figures).

    >>> lab = Labels.build(scheme="cost_benefit", as_of=None, config=None,
    ...                    index=pd.Index(["all"], name="customer_id"),
    ...                    labels=["profitable"], categories=COST_BENEFIT_LABELS,
    ...                    evidence={"revenue": [6_987_106.0], "cost": [6_741_373.0]})
    >>> round(float(cost_benefit_totals(lab)["ratio"]), 3)
    1.036
    """
    if labels.scheme != "cost_benefit" or not {"revenue", "cost"} <= set(labels.frame.columns):
        msg = f"cost_benefit_totals needs the Labels returned by cost_benefit; got scheme {labels.scheme!r}."
        raise ParameterError(msg)
    det = (labels.frame["label"] != UNDETERMINED).to_numpy()
    rev = float(labels.frame["revenue"].to_numpy(dtype=np.float64)[det].sum())
    cost = float(labels.frame["cost"].to_numpy(dtype=np.float64)[det].sum())
    ratio = rev / cost if cost > 0 else math.nan
    return pd.Series(
        {
            "revenue": rev,
            "cost": cost,
            "ratio": ratio,
            "customers": float(det.sum()),
            "undetermined": float((~det).sum()),
        },
        name="cost_benefit",
    )


# --------------------------------------------------------------------------- retention


def _retention_validator(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    ok = isinstance(value, int | float) and not isinstance(value, bool) and 0.0 < value < 1.0
    if not ok:
        msg = f"RetentionScenario.{attribute.name} must be a float in (0, 1); got {value!r}."
        raise ParameterError(msg)


def _finite_validator(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    _finite("RetentionScenario", attribute.name, value)


def _growth_validator(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    f = _finite("RetentionScenario", attribute.name, value)
    if f <= -1.0:
        msg = f"RetentionScenario.{attribute.name} must be a finite float > -1; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class RetentionScenario:
    """The economics of one customer under a constant retention rate.

    Attributes
    ----------
    margin : float
        Margin per period from a retained customer (in period 1).
    retention : float in (0, 1)
        Probability that a customer present in period t is present in t+1.
    cost : float
        Retention cost per customer per period (e.g. of a retention programme).
    margin_growth : float > -1
        Growth rate of the margin per period.

    Examples
    --------
    >>> RetentionScenario(margin=100.0, retention=0.8, cost=10.0)
    RetentionScenario(margin=100.0, retention=0.8, cost=10.0, margin_growth=0.0)
    >>> RetentionScenario(margin=100.0, retention=1.2)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: RetentionScenario.retention must be a float in (0, 1); got 1.2.
    """

    margin: float = attrs.field(validator=_finite_validator)
    retention: float = attrs.field(validator=_retention_validator)
    cost: float = attrs.field(default=0.0, validator=_finite_validator)
    margin_growth: float = attrs.field(default=0.0, validator=_growth_validator)


def _horizon(owner: str, horizon: object) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        msg = f"{owner}.horizon must be an integer >= 1; got {horizon!r}."
        raise ParameterError(msg)
    return int(horizon)


def _discount(owner: str, rate: object) -> float:
    f = _finite(owner, "discount_rate", rate)
    if f <= -1.0:
        msg = f"{owner}.discount_rate must be a finite float > -1; got {rate!r}."
        raise ParameterError(msg)
    return f


def _timing(owner: str, timing: object) -> Timing:
    if timing not in ("end", "start"):
        msg = f"{owner}.timing must be 'end' or 'start'; got {timing!r}."
        raise ParameterError(msg)
    return "end" if timing == "end" else "start"


def retention_value(
    s: RetentionScenario,
    /,
    *,
    horizon: int = 3,
    discount_rate: float = 0.10,
    timing: Timing = "end",
) -> pd.DataFrame:
    """Discounted expected profit of one customer, period by period.

    For periods t = 1..H: survival = r^(t-1) (the customer is present in
    period 1), margin_t = m (1 + g)^(t-1), net = survival x (margin_t - c),
    discount = 1 / (1 + d)^t (``timing="end"``) or 1 / (1 + d)^(t-1)
    (``"start"``), pv = net x discount.

    Parameters
    ----------
    s : RetentionScenario
        Margin, retention, cost and margin growth.
    horizon : int >= 1
        Number of periods H (default 3).
    discount_rate : float > -1
        Discount rate per period d (default 0.10).
    timing : {"end", "start"}
        Whether each period's cash flow arrives at its end or its start.

    Returns
    -------
    DataFrame
        Index ``t`` = 1..H; columns ``survival``, ``margin``, ``net``,
        ``discount``, ``pv``, ``cumulative_pv``. The customer value is
        ``frame["pv"].sum()``.

    Raises
    ------
    ParameterError
        Horizon, discount rate or timing outside their domains.

    Examples
    --------
    Domain test T6.4, base scenario (m = 100, r = 0.6, d = 10%, H = 3):

    >>> v = retention_value(RetentionScenario(margin=100.0, retention=0.6))
    >>> v[["survival", "net", "pv"]].round(4)
       survival    net       pv
    t
    1      1.00  100.0  90.9091
    2      0.60   60.0  49.5868
    3      0.36   36.0  27.0473
    >>> round(float(v["pv"].sum()), 4)
    167.5432
    """
    if not isinstance(s, RetentionScenario):
        msg = f"retention_value needs a RetentionScenario; got {type(s).__name__}."
        raise ParameterError(msg)
    h = _horizon("retention_value", horizon)
    d = _discount("retention_value", discount_rate)
    tm = _timing("retention_value", timing)
    t = np.arange(1, h + 1, dtype=np.float64)
    survival = s.retention ** (t - 1.0)
    margin = s.margin * (1.0 + s.margin_growth) ** (t - 1.0)
    net = survival * (margin - s.cost)
    discount = (1.0 + d) ** -(t if tm == "end" else t - 1.0)
    pv = net * discount
    return pd.DataFrame(
        {
            "survival": survival,
            "margin": margin,
            "net": net,
            "discount": discount,
            "pv": pv,
            "cumulative_pv": np.cumsum(pv),
        },
        index=pd.RangeIndex(1, h + 1, name="t"),
    )


@attrs.frozen(kw_only=True)
class RetentionComparison:
    """Customer value with versus without a retention strategy.

    Attributes
    ----------
    base, strategy : RetentionScenario
        The two scenarios.
    periods : DataFrame
        Index ``t``; columns ``base_pv``, ``strategy_pv``, ``uplift_pv``.
    base_value, strategy_value : float
        Total present values.
    uplift : float
        ``strategy_value - base_value``.
    relative_uplift : float
        ``uplift / base_value`` (NaN when the base value is 0).
    """

    base: RetentionScenario
    strategy: RetentionScenario
    periods: pd.DataFrame = attrs.field(eq=False, repr=False)
    base_value: float
    strategy_value: float
    uplift: float
    relative_uplift: float

    def summary(self) -> pd.Series:
        """The four totals as a Series (``base``, ``strategy``, ``uplift``, ``relative_uplift``)."""
        return pd.Series(
            {
                "base": self.base_value,
                "strategy": self.strategy_value,
                "uplift": self.uplift,
                "relative_uplift": self.relative_uplift,
            },
            name="retention_comparison",
        )


def compare_retention(
    base: RetentionScenario,
    strategy: RetentionScenario,
    /,
    *,
    horizon: int = 3,
    discount_rate: float = 0.10,
    timing: Timing = "end",
) -> RetentionComparison:
    """Customer value under a base retention rate versus under a retention strategy.

    Both values come from :func:`retention_value` with the same horizon,
    discount rate and timing; the strategy's ``cost`` is its per-period
    retention spending, so the uplift is net of it.

    Parameters
    ----------
    base, strategy : RetentionScenario
        Without and with the strategy.
    horizon, discount_rate, timing
        As in :func:`retention_value`.

    Returns
    -------
    RetentionComparison
        Totals, absolute and relative uplift, and the per-period present values.

    Raises
    ------
    ParameterError
        Invalid scenarios or settings.

    Examples
    --------
    Domain test T6.4: m = 100, retention 0.6 versus 0.8 at a cost of 10 per
    period, H = 3 years, d = 10%, end-of-year cash flows.

    >>> cmp = compare_retention(RetentionScenario(margin=100.0, retention=0.6),
    ...                         RetentionScenario(margin=100.0, retention=0.8, cost=10.0))
    >>> cmp.summary().round(4).to_dict()
    {'base': 167.5432, 'strategy': 184.598, 'uplift': 17.0548, 'relative_uplift': 0.1018}
    """
    vb = retention_value(base, horizon=horizon, discount_rate=discount_rate, timing=timing)
    vs = retention_value(strategy, horizon=horizon, discount_rate=discount_rate, timing=timing)
    periods = pd.DataFrame(
        {"base_pv": vb["pv"], "strategy_pv": vs["pv"], "uplift_pv": vs["pv"] - vb["pv"]}
    )
    b, s = float(vb["pv"].sum()), float(vs["pv"].sum())
    return RetentionComparison(
        base=base,
        strategy=strategy,
        periods=periods,
        base_value=b,
        strategy_value=s,
        uplift=s - b,
        relative_uplift=(s - b) / b if b != 0 else math.nan,
    )


def retention_uplift(
    retention: float,
    /,
    *,
    delta: float = 0.05,
    horizon: int | None = None,
    discount_rate: float = 0.0,
    timing: Timing = "end",
) -> float:
    """Relative change in expected customer value when retention rises by ``delta``.

    With a constant margin (which cancels), the value of a customer is
    proportional to sum_t r^(t-1) / (1+d)^t. For an infinite horizon
    (``horizon=None``) and end-of-period timing this is 1 / (1 + d - r), so

        uplift = (1 + d - r) / (1 + d - r - delta) - 1.

    For a finite horizon the finite sums of :func:`retention_value` are used.

    Parameters
    ----------
    retention : float in (0, 1)
        Current retention rate r.
    delta : float
        Change of the retention rate (0.05 = five percentage points);
        ``retention + delta`` must stay in (0, 1).
    horizon : int, optional
        Number of periods; ``None`` for an infinite horizon.
    discount_rate : float > -1
        Discount rate per period (default 0); must be > 0 when ``r + delta``
        is so close to 1 that the infinite sum diverges (it never does for
        ``r + delta < 1`` and ``d >= 0``).
    timing : {"end", "start"}
        Cash-flow timing; it cancels in the ratio, and is accepted for symmetry.

    Returns
    -------
    float
        The relative uplift (0.1429 = +14.29%).

    Raises
    ------
    ParameterError
        Retention or the new retention outside (0, 1), or invalid settings.

    Notes
    -----
    Reichheld & Sasser (1990) [1]_ report that reducing defections by five
    points raised customer value by 25% to 85% *in the firms they studied*.
    The uplift depends on the retention level, the horizon and the discount
    rate, which is why custrel computes it for the user's own numbers.

    References
    ----------
    .. [1] Reichheld, F.F., Sasser, W.E. (1990). Zero defections: quality comes
       to services. *Harvard Business Review* 68(5):105-111.

    Examples
    --------
    Domain tests T6.5 (infinite horizon, d = 0) and T6.6 (three periods):

    >>> [round(retention_uplift(r), 4) for r in (0.6, 0.8, 0.9)]
    [0.1429, 0.3333, 1.0]
    >>> round(retention_uplift(0.8, horizon=3), 4)
    0.0543
    """
    owner = "retention_uplift"
    r = _finite(owner, "retention", retention)
    dl = _finite(owner, "delta", delta)
    if not 0.0 < r < 1.0:
        msg = f"{owner}.retention must be a float in (0, 1); got {retention!r}."
        raise ParameterError(msg)
    if not 0.0 < r + dl < 1.0:
        msg = f"{owner}: retention + delta must lie in (0, 1); got {r} + {dl} = {r + dl:g}."
        raise ParameterError(msg)
    d = _discount(owner, discount_rate)
    tm = _timing(owner, timing)
    if horizon is None:
        if 1.0 + d - (r + dl) <= 0 or 1.0 + d - r <= 0:
            msg = f"{owner}: the infinite-horizon value diverges for retention {r + dl:g} and discount_rate {d:g}."
            raise ParameterError(msg)
        return (1.0 + d - r) / (1.0 + d - r - dl) - 1.0
    h = _horizon(owner, horizon)
    v0 = float(
        retention_value(
            RetentionScenario(margin=1.0, retention=r), horizon=h, discount_rate=d, timing=tm
        )["pv"].sum()
    )
    v1 = float(
        retention_value(
            RetentionScenario(margin=1.0, retention=r + dl), horizon=h, discount_rate=d, timing=tm
        )["pv"].sum()
    )
    return v1 / v0 - 1.0
