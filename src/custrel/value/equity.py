"""Customer equity and the uncertainty of CLV.

- :func:`customer_equity`: the sum of the CLV of current customers plus,
  optionally, the discounted value of future cohorts of new customers
  (:class:`FutureCohorts`), in the spirit of Gupta, Lehmann & Stuart (2004).
- :func:`clv_uncertainty`: standard errors and intervals of each customer's
  CLV and of their total, from the parameter covariance of the fitted models
  (delta method with numeric gradients, or a seeded parametric bootstrap on
  log-parameters), so that a user can say "CLV 120 ± 15".

References
----------
.. [1] Gupta, S., Lehmann, D.R., Stuart, J.A. (2004). Valuing customers.
   *Journal of Marketing Research* 41(1):7-18.
.. [2] Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005). "Counting your
   customers" the easy way: an alternative to the Pareto/NBD model.
   *Marketing Science* 24(2):275-284 (eq. 9: expected purchases of a new customer).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import Period, TimeUnit
from custrel.errors import ParameterError
from custrel.value._protocols import PurchaseModel
from custrel.value.clv import (
    CLVSpec,
    FloatArray,
    Method,
    Spend,
    _check_summary,
    _index,
    _to_model,
    _unit,
    discounted_purchases,
    spend_per_purchase,
)

__all__ = [
    "CLVUncertainty",
    "CustomerEquity",
    "FutureCohorts",
    "clv_uncertainty",
    "customer_equity",
]


def _number(owner: str, name: str, value: object, *, lo: float, strict: bool = False) -> float:
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    f = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not (math.isfinite(f) and (f > lo if strict else f >= lo)):
        op = ">" if strict else ">="
        msg = f"{owner}.{name} must be a finite float {op} {lo:g}; got {value!r}."
        raise ParameterError(msg)
    return f


def _size_check(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    _number("FutureCohorts", attribute.name, value, lo=0.0, strict=True)


def _cost_check(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst
    _number("FutureCohorts", attribute.name, value, lo=0.0)


def _spend_check(
    inst: object, attribute: attrs.Attribute[float | None], value: float | None
) -> None:
    del inst
    if value is not None:
        _number("FutureCohorts", attribute.name, value, lo=0.0)


def _count_check(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    del inst, attribute
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        msg = f"FutureCohorts.count must be an integer >= 1; got {value!r}."
        raise ParameterError(msg)


def _every(value: object) -> TimeUnit | Literal["model"]:
    unit = _unit(value)
    if unit is None:
        msg = "FutureCohorts.every must be a time unit ('M', 'Q', 'Y', days or 'model'); got None."
        raise ParameterError(msg)
    return unit


@attrs.frozen(kw_only=True)
class FutureCohorts:
    """Cohorts of new customers acquired in the future.

    Cohort j = 1..``count`` of ``size`` customers arrives ``j x every`` from
    now; each new customer is valued over the same horizon as current
    customers, counted from their acquisition, then discounted back to now.

    Attributes
    ----------
    size : float > 0
        New customers per cohort.
    every : str, float, TimeUnit or "model"
        Time between cohorts (``"M"``, ``"Q"``, ``"Y"``, a number of days...).
    count : int >= 1
        Number of future cohorts.
    spend : float, optional
        Expected spend per transaction of a new customer. Default: the spend
        argument when it is a number, else the spend model's ``mean_spend``.
    acquisition_cost : float >= 0
        Cost of acquiring one customer, paid at acquisition.
    first_purchase : bool
        Count the margin of the acquisition purchase itself (BTYD models count
        repeat purchases only). Default ``True``.

    Examples
    --------
    >>> FutureCohorts(size=1000, every="Q", count=8, acquisition_cost=25.0).every
    TimeUnit(name='Q', days=91.3125)
    """

    size: float = attrs.field(validator=_size_check)
    every: TimeUnit | Literal["model"] = attrs.field(converter=_every)
    count: int = attrs.field(validator=_count_check)
    spend: float | None = attrs.field(default=None, validator=_spend_check)
    acquisition_cost: float = attrs.field(default=0.0, validator=_cost_check)
    first_purchase: bool = True


@attrs.frozen(kw_only=True)
class CustomerEquity:
    """Customer equity: current customers plus (optionally) future cohorts.

    Attributes
    ----------
    clv : Series
        CLV of each current customer (``"clv"``).
    current : float
        Sum of ``clv``.
    future : float
        Present value of the future cohorts (0 without cohorts).
    total : float
        ``current + future``.
    value_new_customer : float or None
        Value of one new customer at acquisition (before discounting to now).
    cohorts : DataFrame or None
        One row per future cohort: ``arrival`` (model time units from now),
        ``customers``, ``discount`` and ``pv``.
    spec : CLVSpec
        The valuation settings.
    """

    clv: pd.Series = attrs.field(eq=False, repr=False)
    current: float
    future: float
    total: float
    value_new_customer: float | None
    cohorts: pd.DataFrame | None = attrs.field(eq=False, repr=False)
    spec: CLVSpec = attrs.field(repr=False)

    def summary(self) -> pd.Series:
        """``current``, ``future`` and ``total`` as a Series."""
        return pd.Series(
            {"current": self.current, "future": self.future, "total": self.total},
            name="customer_equity",
        )


def _spec(
    horizon: float,
    horizon_period: Period | None,
    discount_rate: float,
    discount_period: Period | None,
    method: Method,
    step: Period | None,
    margin_rate: float,
    cost_per_order: float,
    quadrature_nodes: int,
) -> CLVSpec:
    return CLVSpec(
        horizon=horizon,
        horizon_period=horizon_period,
        discount_rate=discount_rate,
        discount_period=discount_period,
        method=method,
        step=step,
        margin_rate=margin_rate,
        cost_per_order=cost_per_order,
        quadrature_nodes=quadrature_nodes,
    )


def _new_customer_spend(spend: Spend, cohorts: FutureCohorts) -> float:
    if cohorts.spend is not None:
        return cohorts.spend
    if isinstance(spend, int | float | np.floating | np.integer) and not isinstance(spend, bool):
        return float(spend)
    mean = getattr(spend, "mean_spend", None)
    if callable(mean):
        mean = mean()
    if isinstance(mean, int | float | np.floating | np.integer) and math.isfinite(float(mean)):
        return float(mean)
    msg = (
        "FutureCohorts.spend is needed: the spend of a new customer cannot be taken from "
        f"{type(spend).__name__} (no mean_spend). Pass FutureCohorts(spend=...)."
    )
    raise ParameterError(msg)


def _cohort_table(
    purchase_model: PurchaseModel, spend: Spend, spec: CLVSpec, cohorts: FutureCohorts
) -> tuple[float, pd.DataFrame]:
    new = pd.DataFrame(
        {"frequency": [0], "recency": [0.0], "T": [0.0]},
        index=pd.Index(["new_customer"], name="customer_id"),
    )
    det, _ = discounted_purchases(purchase_model, new, spec)
    per = _new_customer_spend(spend, cohorts) * spec.margin_rate - spec.cost_per_order
    value = (
        float(det[0]) * per + (per if cohorts.first_purchase else 0.0) - cohorts.acquisition_cost
    )
    plan = spec.plan(getattr(purchase_model, "period", None))
    every = _to_model(
        1.0, cohorts.every, getattr(purchase_model, "period", None), "FutureCohorts.every"
    )
    arrival = every * np.arange(1, cohorts.count + 1, dtype=np.float64)
    discount = np.exp(-plan.delta * arrival)
    table = pd.DataFrame(
        {
            "arrival": arrival,
            "customers": np.full(cohorts.count, cohorts.size),
            "discount": discount,
            "pv": cohorts.size * value * discount,
        },
        index=pd.RangeIndex(1, cohorts.count + 1, name="cohort"),
    )
    return value, table


def customer_equity(
    purchase_model: PurchaseModel,
    spend: Spend,
    summary: pd.DataFrame,
    /,
    *,
    horizon: float,
    horizon_period: Period | None = None,
    discount_rate: float,
    discount_period: Period | None = None,
    method: Method = "discrete",
    step: Period | None = None,
    margin_rate: float = 1.0,
    cost_per_order: float = 0.0,
    quadrature_nodes: int = 32,
    cohorts: FutureCohorts | None = None,
) -> CustomerEquity:
    """Customer equity: total CLV of current customers plus future cohorts.

    Parameters
    ----------
    purchase_model, spend, summary
        As in :func:`custrel.value.clv`.
    horizon, horizon_period, discount_rate, discount_period, method, step, margin_rate, cost_per_order, quadrature_nodes
        As in :func:`custrel.value.clv` (every unit explicit).
    cohorts : FutureCohorts, optional
        Future acquisitions. A new customer is a summary row with
        ``frequency = recency = T = 0`` (no history yet), so the model's
        conditional expectation is its unconditional one (FHL 2005 eq. 9).

    Returns
    -------
    CustomerEquity
        ``current``, ``future``, ``total``, the CLV Series and the cohort table.

    Raises
    ------
    ParameterError
        Invalid settings, or no way to know the spend of a new customer.

    Examples
    --------
    >>> from custrel.value._testing import ExponentialPoisson
    >>> m = ExponentialPoisson(rate=1.0, death=0.05, period="M")
    >>> s = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 10.0], "T": [12.0, 12.0]},
    ...                  index=pd.Index(["a", "b"], name="customer_id"))
    >>> eq = customer_equity(m, 50.0, s, horizon=12, horizon_period="M", discount_rate=0.1,
    ...                      discount_period="Y", margin_rate=0.3,
    ...                      cohorts=FutureCohorts(size=10, every="Y", count=2, acquisition_cost=20))
    >>> eq.summary().round(2).to_dict()
    {'current': 59.63, 'future': 2155.53, 'total': 2215.16}
    >>> round(eq.value_new_customer, 2)
    124.2
    """
    spec = _spec(
        horizon,
        horizon_period,
        discount_rate,
        discount_period,
        method,
        step,
        margin_rate,
        cost_per_order,
        quadrature_nodes,
    )
    summary = _check_summary(summary)
    det, _ = discounted_purchases(purchase_model, summary, spec)
    per = spend_per_purchase(spend, summary) * spec.margin_rate - spec.cost_per_order
    values = pd.Series(det * per, index=_index(summary), name="clv")
    current = float(values.sum())
    if cohorts is None:
        return CustomerEquity(
            clv=values,
            current=current,
            future=0.0,
            total=current,
            value_new_customer=None,
            cohorts=None,
            spec=spec,
        )
    if not isinstance(cohorts, FutureCohorts):
        msg = f"cohorts must be a FutureCohorts; got {type(cohorts).__name__}."
        raise ParameterError(msg)
    value, table = _cohort_table(purchase_model, spend, spec, cohorts)
    future = float(table["pv"].sum())
    return CustomerEquity(
        clv=values,
        current=current,
        future=future,
        total=current + future,
        value_new_customer=value,
        cohorts=table,
        spec=spec,
    )


# --------------------------------------------------------------------------- uncertainty


@attrs.frozen(kw_only=True)
class CLVUncertainty:
    """CLV per customer and in total, with standard errors and intervals.

    Attributes
    ----------
    frame : DataFrame
        Indexed like the summary: ``clv`` (point estimate), ``std_err``,
        ``lower``, ``upper``.
    total, total_std_err, total_lower, total_upper : float
        The same for the sum over customers (customer equity of the base).
    method : {"delta", "bootstrap"}
        How the uncertainty was computed.
    level : float
        Coverage of the intervals.
    n_draws : int
        Bootstrap draws (0 for the delta method).
    parameters : tuple of str
        The parameters whose uncertainty is propagated (``purchase.r``, ...).
    """

    frame: pd.DataFrame = attrs.field(eq=False, repr=False)
    total: float
    total_std_err: float
    total_lower: float
    total_upper: float
    method: Literal["delta", "bootstrap"]
    level: float
    n_draws: int
    parameters: tuple[str, ...]

    def summary(self) -> pd.Series:
        """Total CLV with its standard error and interval."""
        return pd.Series(
            {
                "total": self.total,
                "std_err": self.total_std_err,
                "lower": self.total_lower,
                "upper": self.total_upper,
            },
            name="clv_total",
        )


@attrs.frozen
class _Source:
    """A model whose parameters vary, with their covariance."""

    role: str
    model: object
    names: tuple[str, ...]
    cov: FloatArray


def _source(role: str, fit: object) -> _Source | None:
    if isinstance(fit, pd.Series | pd.DataFrame | int | float | np.floating | np.integer):
        return None
    model = getattr(fit, "model", None)
    names = getattr(fit, "param_names", None)
    if model is None or names is None or not hasattr(fit, "covariance"):
        return None
    cov = getattr(fit, "covariance", None)
    if cov is None:
        msg = (
            f"the {role} fit has no covariance (covariance=None); refit with "
            f"FitConfig(covariance=True) or pass a fixed model."
        )
        raise ParameterError(msg)
    if not attrs.has(type(model)):
        msg = f"the {role} model must be an attrs class to vary its parameters; got {type(model).__name__}."
        raise ParameterError(msg)
    names_t = tuple(str(n) for n in names)
    missing = [n for n in names_t if n not in cov.index or n not in cov.columns]
    if missing:
        msg = f"the {role} fit's covariance has no row/column for parameter(s) {missing}."
        raise ParameterError(msg)
    arr = cov.loc[list(names_t), list(names_t)].to_numpy(dtype=np.float64)
    if arr.shape != (len(names_t), len(names_t)) or not np.all(np.isfinite(arr)):
        msg = f"the {role} fit's covariance must be a finite {len(names_t)}x{len(names_t)} matrix."
        raise ParameterError(msg)
    return _Source(role=role, model=model, names=names_t, cov=arr)


def _with(model: object, names: tuple[str, ...], values: FloatArray) -> object:
    return attrs.evolve(model, **{n: float(v) for n, v in zip(names, values, strict=True)})  # type: ignore[misc]


def _theta(src: _Source) -> FloatArray:
    return np.array([float(getattr(src.model, n)) for n in src.names], dtype=np.float64)


def clv_uncertainty(
    purchase_fit: object,
    spend: object,
    summary: pd.DataFrame,
    /,
    *,
    horizon: float,
    horizon_period: Period | None = None,
    discount_rate: float,
    discount_period: Period | None = None,
    method: Method = "discrete",
    step: Period | None = None,
    margin_rate: float = 1.0,
    cost_per_order: float = 0.0,
    quadrature_nodes: int = 32,
    uncertainty: Literal["delta", "bootstrap"] = "delta",
    level: float = 0.95,
    n_draws: int = 200,
    seed: int = 0,
) -> CLVUncertainty:
    """Standard errors and intervals of CLV from the fits' parameter covariance.

    Parameters
    ----------
    purchase_fit : FitResult
        A purchase-model fit with ``model``, ``param_names`` and ``covariance``
        (e.g. ``BetaGeo.fit(summary, period="W")``).
    spend : FitResult, SpendModel, Series or float
        A spend-model fit (its parameter uncertainty is included; the two fits
        are taken as independent) or a fixed spend as in :func:`clv`.
    summary : DataFrame
        Customer summary in the purchase model's unit.
    horizon, horizon_period, discount_rate, discount_period, method, step, margin_rate, cost_per_order, quadrature_nodes
        As in :func:`custrel.value.clv`.
    uncertainty : {"delta", "bootstrap"}
        ``"delta"``: first-order delta method, gradients by central differences
        in log-parameters (relative step 1e-5), normal intervals.
        ``"bootstrap"``: ``n_draws`` parameter vectors drawn from the asymptotic
        normal of the log-parameters (seeded), percentile intervals; memory
        ``n_draws x customers x 4`` bytes.
    level : float in (0, 1)
        Interval coverage (default 0.95).
    n_draws : int
        Bootstrap draws (default 200).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    CLVUncertainty
        Per-customer frame and totals.

    Raises
    ------
    ParameterError
        A fit without covariance, invalid settings.

    Notes
    -----
    Delta method: with J the customers x parameters Jacobian of CLV and Σ the
    block-diagonal covariance of the purchase and spend parameters,
    Var(CLV_i) = J_i Σ J_iᵀ and Var(Σ_i CLV_i) = (Σ_i J_i) Σ (Σ_i J_i)ᵀ.
    The totals' error is not the root-sum-square of the customers' errors:
    all customers share the same parameters, so their errors are correlated.

    Examples
    --------
    >>> from custrel.value._testing import ExponentialPoisson
    >>> import attrs
    >>> @attrs.frozen
    ... class Fit:                       # any FitResult-like object
    ...     model: object
    ...     param_names: tuple = ("rate", "death")
    ...     covariance: object = pd.DataFrame([[0.01, 0.0], [0.0, 1e-4]],
    ...                                       index=["rate", "death"], columns=["rate", "death"])
    >>> fit = Fit(ExponentialPoisson(rate=1.0, death=0.05, period="M"))
    >>> s = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 10.0], "T": [12.0, 12.0]},
    ...                  index=pd.Index(["a", "b"], name="customer_id"))
    >>> u = clv_uncertainty(fit, 50.0, s, horizon=12, horizon_period="M", discount_rate=0.0)
    >>> u.frame.round(2)
                    clv  std_err   lower   upper
    customer_id
    a             34.71     1.89   30.99   38.42
    b            173.53     9.47  154.97  192.10
    """
    spec = _spec(
        horizon,
        horizon_period,
        discount_rate,
        discount_period,
        method,
        step,
        margin_rate,
        cost_per_order,
        quadrature_nodes,
    )
    if not (isinstance(level, float) and 0.0 < level < 1.0):
        msg = f"clv_uncertainty.level must be a float in (0, 1); got {level!r}."
        raise ParameterError(msg)
    if uncertainty not in ("delta", "bootstrap"):
        msg = f"clv_uncertainty.uncertainty must be 'delta' or 'bootstrap'; got {uncertainty!r}."
        raise ParameterError(msg)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 10:
        msg = f"clv_uncertainty.n_draws must be an integer >= 10; got {n_draws!r}."
        raise ParameterError(msg)
    summary = _check_summary(summary)
    p_src = _source("purchase", purchase_fit)
    if p_src is None:
        msg = (
            "clv_uncertainty needs the purchase model's fit result (model, param_names, "
            f"covariance), e.g. BetaGeo.fit(...); got {type(purchase_fit).__name__}."
        )
        raise ParameterError(msg)
    s_src = _source("spend", spend)
    fixed_spend: Spend = spend if s_src is None else s_src.model  # type: ignore[assignment]

    def det_of(model: object) -> FloatArray:
        return discounted_purchases(model, summary, spec)[0]  # type: ignore[arg-type]

    def spend_of(model: object) -> FloatArray:
        return spend_per_purchase(model, summary)  # type: ignore[arg-type]

    det0 = det_of(p_src.model)
    sp0 = spend_per_purchase(fixed_spend, summary)
    per0 = sp0 * spec.margin_rate - spec.cost_per_order
    clv0 = det0 * per0
    sources = [p_src] if s_src is None else [p_src, s_src]
    names = tuple(f"{src.role}.{n}" for src in sources for n in src.names)
    if uncertainty == "delta":
        cols: list[FloatArray] = []
        h = 1e-5
        for src, fn, scale in (
            (p_src, det_of, per0),
            *(() if s_src is None else ((s_src, spend_of, det0 * spec.margin_rate),)),
        ):
            cols.extend(_gradient_columns(src, fn, scale, h))
        jac = np.column_stack(cols)
        cov = _block_diag([src.cov for src in sources])
        var = np.einsum("ij,jk,ik->i", jac, cov, jac)
        g = jac.sum(axis=0)
        se = np.sqrt(np.maximum(var, 0.0))
        total_se = math.sqrt(max(float(g @ cov @ g), 0.0))
        z = NormalDist().inv_cdf(0.5 + level / 2.0)
        frame = pd.DataFrame(
            {"clv": clv0, "std_err": se, "lower": clv0 - z * se, "upper": clv0 + z * se},
            index=_index(summary),
        )
        total = float(clv0.sum())
        return CLVUncertainty(
            frame=frame,
            total=total,
            total_std_err=total_se,
            total_lower=total - z * total_se,
            total_upper=total + z * total_se,
            method="delta",
            level=level,
            n_draws=0,
            parameters=names,
        )
    rng = np.random.default_rng(seed)
    draws = np.empty((n_draws, len(summary)), dtype=np.float32)
    p_draws = _log_normal_draws(p_src, n_draws, rng)
    s_draws = None if s_src is None else _log_normal_draws(s_src, n_draws, rng)
    for b in range(n_draws):  # bootstrap draws, vectorised over customers
        det_b = det_of(_with(p_src.model, p_src.names, p_draws[b]))
        if s_src is None or s_draws is None:
            per_b = per0
        else:
            sp_b = spend_of(_with(s_src.model, s_src.names, s_draws[b]))
            per_b = sp_b * spec.margin_rate - spec.cost_per_order
        draws[b] = det_b * per_b
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(draws, [alpha, 1.0 - alpha], axis=0)
    totals = draws.astype(np.float64).sum(axis=1)
    frame = pd.DataFrame(
        {
            "clv": clv0,
            "std_err": draws.astype(np.float64).std(axis=0, ddof=1),
            "lower": lo.astype(np.float64),
            "upper": hi.astype(np.float64),
        },
        index=_index(summary),
    )
    t_lo, t_hi = np.quantile(totals, [alpha, 1.0 - alpha])
    return CLVUncertainty(
        frame=frame,
        total=float(clv0.sum()),
        total_std_err=float(totals.std(ddof=1)),
        total_lower=float(t_lo),
        total_upper=float(t_hi),
        method="bootstrap",
        level=level,
        n_draws=n_draws,
        parameters=names,
    )


def _gradient_columns(
    src: _Source, fn: Callable[[object], FloatArray], scale: FloatArray, h: float
) -> list[FloatArray]:
    """d(scale * fn(model)) / d theta_j by central differences in log theta_j."""
    theta = _theta(src)
    cols: list[FloatArray] = []
    for j in range(theta.size):  # a handful of parameters
        up, dn = theta.copy(), theta.copy()
        up[j] *= math.exp(h)
        dn[j] *= math.exp(-h)
        diff = fn(_with(src.model, src.names, up)) - fn(_with(src.model, src.names, dn))
        cols.append(scale * diff / (up[j] - dn[j]))
    return cols


def _block_diag(blocks: list[FloatArray]) -> FloatArray:
    n = sum(b.shape[0] for b in blocks)
    out = np.zeros((n, n))
    i = 0
    for b in blocks:
        k = b.shape[0]
        out[i : i + k, i : i + k] = b
        i += k
    return out


def _log_normal_draws(src: _Source, n: int, rng: np.random.Generator) -> FloatArray:
    """Parameters drawn from the asymptotic normal of the log-parameters."""
    theta = _theta(src)
    cov_log = src.cov / np.outer(theta, theta)
    vals, vecs = np.linalg.eigh(0.5 * (cov_log + cov_log.T))
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    z = rng.standard_normal((n, theta.size))
    out: FloatArray = theta * np.exp(z @ root.T)
    return out
