"""Customer lifetime value with every time unit explicit.

The horizon is a duration in a named unit, the discount rate is a rate per
named unit, and both are converted exactly to the purchase model's own unit
(``model.period``). Nothing is silently "months".

Two methods:

``method="discrete"``
    Expected transactions in each step of length Δ (the differences of the
    cumulative ``expected_purchases``), each discounted at the end of its step
    by (1 + d)^(-k Δ / discount period). This is the convention of lifetimes'
    ``customer_lifetime_value`` (monthly steps, a monthly rate) and of most
    spreadsheets: use it to reproduce such figures, or when cash is booked per
    period.
``method="continuous"``
    Continuous discounting exp(-δ t) with δ = ln(1 + d) per discount period,
    applied to the expected transaction stream: the discounted expected
    residual transactions (DERT) of Fader, Hardie & Lee (2005). With an
    infinite horizon it uses the model's closed-form
    ``discounted_expected_transactions``; with a finite horizon it integrates
    exp(-δ t) dE[X(t)] by Gauss-Legendre quadrature. Use it for a customer's
    whole remaining lifetime (no arbitrary horizon) and whenever the result
    must not depend on an accounting grid.

Both give exactly ``spend x E[X(H)]`` when the discount rate is 0.

References
----------
.. [1] Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005). RFM and CLV: using
   iso-value curves for customer base analysis. *Journal of Marketing
   Research* 42(4):415-430 (DERT, eq. 2; gamma-gamma spend).
.. [2] Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005). "Counting your
   customers" the easy way: an alternative to the Pareto/NBD model.
   *Marketing Science* 24(2):275-284 (BG/NBD conditional expectation, eq. 10).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, TypeAlias, cast

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data import Period, TimeUnit
from custrel.data._validate import ProblemList
from custrel.errors import ParameterError, SchemaError
from custrel.value._protocols import PurchaseModel, SpendModel

__all__ = ["MODEL_UNIT", "CLVSpec", "Spend", "clv", "clv_frame"]

FloatArray: TypeAlias = NDArray[np.float64]
#: Pass this as a ``*_period`` to state a quantity in the model's own time unit.
MODEL_UNIT = "model"
Unit: TypeAlias = "TimeUnit | Literal['model']"
Method: TypeAlias = Literal["discrete", "continuous"]
#: What :func:`clv` accepts as spend: a spend model, a per-customer Series or one number.
Spend: TypeAlias = "SpendModel | pd.Series | float"


def _unit(value: object) -> Unit | None:
    if value is None:
        return None
    if isinstance(value, str) and value.lower() == MODEL_UNIT:
        return "model"
    return TimeUnit.parse(cast("Period", value))


def _unit_name(unit: Unit | None) -> str:
    if unit is None:
        return "None"
    return "'model'" if unit == "model" else repr(unit.name)


def _finite_field(
    name: str, *, lo: float | None = None, hi: float | None = None
) -> Callable[[object, attrs.Attribute[float], float], None]:
    def check(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
        del inst, attribute
        ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(
            value, bool
        )
        f = float(value) if ok else math.nan
        ok = ok and math.isfinite(f) and (lo is None or f >= lo) and (hi is None or f <= hi)
        if not ok:
            if lo is not None and hi is not None:
                bound = f" in [{lo:g}, {hi:g}]"
            elif lo is not None:
                bound = f" >= {lo:g}"
            else:
                bound = ""
            msg = f"CLVSpec.{name} must be a finite float{bound}; got {value!r}."
            raise ParameterError(msg)

    return check


def _horizon_check(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst, attribute
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if not ok or not float(value) > 0 or math.isnan(float(value)):
        msg = f"CLVSpec.horizon must be a float > 0 (math.inf for an infinite horizon); got {value!r}."
        raise ParameterError(msg)


def _rate_check(inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    del inst, attribute
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0:
        msg = f"CLVSpec.discount_rate must be a finite float >= 0; got {value!r}."
        raise ParameterError(msg)


def _method_check(inst: object, attribute: attrs.Attribute[str], value: str) -> None:
    del inst, attribute
    if value not in ("discrete", "continuous"):
        msg = f"CLVSpec.method must be 'discrete' or 'continuous'; got {value!r}."
        raise ParameterError(msg)


def _nodes_check(inst: object, attribute: attrs.Attribute[int], value: int) -> None:
    del inst, attribute
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 2 <= value <= 200:
        msg = f"CLVSpec.quadrature_nodes must be an integer in [2, 200]; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class CLVSpec:
    """How to value customers: horizon, discounting, method and margins, all with units.

    Attributes
    ----------
    horizon : float
        Length of the valuation horizon in ``horizon_period`` units, > 0;
        ``math.inf`` for the whole remaining lifetime (the model's DERT; continuous
        method, or discrete for discrete-time models such as BG/BB).
    horizon_period : str, float, TimeUnit or "model"
        Unit of ``horizon`` (``"D"``, ``"W"``, ``"M"``, ``"Q"``, ``"Y"``, a
        number of days, or ``"model"`` for the purchase model's own unit).
        Required for a finite horizon.
    discount_rate : float >= 0
        Effective discount rate per ``discount_period`` (0.10 = 10%).
    discount_period : str, float, TimeUnit or "model"
        Unit of ``discount_rate``; required unless the rate is 0.
    method : {"discrete", "continuous"}
        Step-wise discounting of per-step expected transactions, or continuous
        discounting (DERT). See the module docstring for which to use when.
    step : str, float, TimeUnit or "model", optional
        Step length Δ of the discrete method; default ``horizon_period``. The
        horizon must be a whole number of steps.
    margin_rate : float in [0, 1]
        Share of spend that is margin (1 = value as revenue).
    cost_per_order : float >= 0
        Cost per expected transaction, subtracted from its margin.
    quadrature_nodes : int
        Gauss-Legendre nodes of the finite-horizon continuous method (default 32).

    Examples
    --------
    >>> CLVSpec(horizon=12, horizon_period="M", discount_rate=0.1, discount_period="Y")
    CLVSpec(horizon=12, horizon_period=TimeUnit(name='M', days=30.4375), discount_rate=0.1, discount_period=TimeUnit(name='Y', days=365.25), method='discrete', step=None, margin_rate=1.0, cost_per_order=0.0, quadrature_nodes=32)
    >>> CLVSpec(horizon=12, discount_rate=0.1, discount_period="Y")
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: CLVSpec.horizon_period is required for a finite horizon: state the unit of horizon=12, e.g. horizon_period='M' (or 'model' for the purchase model's own unit).
    """

    horizon: float = attrs.field(validator=_horizon_check)
    horizon_period: Unit | None = attrs.field(default=None, converter=_unit)
    discount_rate: float = attrs.field(default=0.0, validator=_rate_check)
    discount_period: Unit | None = attrs.field(default=None, converter=_unit)
    method: Method = attrs.field(default="discrete", validator=_method_check)
    step: Unit | None = attrs.field(default=None, converter=_unit)
    margin_rate: float = attrs.field(
        default=1.0, validator=_finite_field("margin_rate", lo=0, hi=1)
    )
    cost_per_order: float = attrs.field(
        default=0.0, validator=_finite_field("cost_per_order", lo=0)
    )
    quadrature_nodes: int = attrs.field(default=32, validator=_nodes_check)

    def __attrs_post_init__(self) -> None:
        finite = math.isfinite(self.horizon)
        if finite and self.horizon_period is None:
            msg = (
                f"CLVSpec.horizon_period is required for a finite horizon: state the unit of "
                f"horizon={self.horizon!r}, e.g. horizon_period='M' (or 'model' for the "
                f"purchase model's own unit)."
            )
            raise ParameterError(msg)
        if self.discount_rate != 0 and self.discount_period is None:
            msg = (
                f"CLVSpec.discount_period is required when discount_rate != 0: state the unit "
                f"of discount_rate={self.discount_rate!r}, e.g. discount_period='Y' for "
                f"{self.discount_rate:.0%} a year."
            )
            raise ParameterError(msg)
        if not finite and self.discount_rate == 0:
            msg = "CLVSpec: an infinite horizon needs a discount_rate > 0 (the undiscounted sum diverges)."
            raise ParameterError(msg)

    def plan(self, model_period: TimeUnit | None) -> _Plan:
        """Convert the horizon, step and rate into the model's time unit."""
        return _plan(self, model_period)


@attrs.frozen
class _Plan:
    """Everything in model time units."""

    horizon: float  # model units, may be inf
    delta: float  # continuous discount rate per model unit
    step: float  # discrete step in model units (nan for continuous)
    n_steps: int


def _to_model(value: float, unit: Unit, model_period: TimeUnit | None, what: str) -> float:
    if unit == "model":
        return value
    if model_period is None:
        msg = (
            f"{what} is stated in {unit.name!r} but the purchase model has no time unit "
            f"(period=None), so it cannot be converted. Fit or build the model with period=..., "
            f"or state {what} in the model's own unit with '{MODEL_UNIT}'."
        )
        raise ParameterError(msg)
    return value * unit.days / model_period.days


def _plan(spec: CLVSpec, model_period: TimeUnit | None) -> _Plan:
    if spec.discount_rate == 0 or spec.discount_period is None:
        delta = 0.0
    else:
        per = _to_model(1.0, spec.discount_period, model_period, "discount_period")
        delta = math.log1p(spec.discount_rate) / per
    if not math.isfinite(spec.horizon):
        return _Plan(horizon=math.inf, delta=delta, step=math.nan, n_steps=0)
    assert spec.horizon_period is not None
    h = _to_model(float(spec.horizon), spec.horizon_period, model_period, "horizon_period")
    if spec.method == "continuous":
        return _Plan(horizon=h, delta=delta, step=math.nan, n_steps=0)
    step_unit = spec.step if spec.step is not None else spec.horizon_period
    step = _to_model(1.0, step_unit, model_period, "step")
    k = h / step
    n = round(k)
    if n < 1 or abs(k - n) > 1e-9 * max(1.0, k):
        msg = (
            f"CLVSpec: the horizon ({spec.horizon:g} x {_unit_name(spec.horizon_period)}) is "
            f"{k:.6g} steps of {_unit_name(step_unit)}; the discrete method needs a whole "
            f"number of steps. Choose step= so that it divides the horizon."
        )
        raise ParameterError(msg)
    return _Plan(horizon=h, delta=delta, step=h / n, n_steps=int(n))


# --------------------------------------------------------------------------- evaluation


def _check_summary(summary: object) -> pd.DataFrame:
    if not isinstance(summary, pd.DataFrame):
        msg = f"summary must be a DataFrame indexed by customer_id; got {type(summary).__name__}."
        raise SchemaError(msg)
    if summary.index.has_duplicates:
        dup = summary.index[summary.index.duplicated()]
        msg = (
            f"summary index must be unique customer ids; {len(dup)} duplicate(s) "
            f"(e.g. {list(dup[:5])})."
        )
        raise SchemaError(msg)
    return summary


def _aligned(values: object, summary: pd.DataFrame, what: str) -> FloatArray:
    """Per-customer numbers aligned with the summary; every missing/non-finite one reported."""
    idx = summary.index
    if isinstance(values, pd.Series):
        s = values
        if s.index.has_duplicates:
            msg = f"{what} must have one value per customer id; its index has duplicates."
            raise SchemaError(msg)
        if not s.index.equals(idx):
            s = s.reindex(idx)
        arr = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr = np.broadcast_to(np.asarray(values, dtype=np.float64), (len(idx),)).astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        problems = ProblemList("clv")
        problems.check_rows(
            bad,
            column=what,
            rule="must be a finite number for every customer of the summary",
            index=idx,
            label="customer",
        )
        problems.raise_if_any()
    return arr


@attrs.frozen(eq=False)
class _Evaluator:
    """Cumulative expected purchases C(t) in a (possibly reduced) linear representation.

    ``predict(t)`` returns an array of length ``size``; ``expand`` maps any linear
    combination of such arrays back to one value per customer. Discounting is
    linear in C(t), so it runs on the reduced arrays and is expanded once.
    """

    predict: Callable[[float], FloatArray]
    size: int
    expand: Callable[[FloatArray], FloatArray]


def _identity(values: FloatArray) -> FloatArray:
    return values


def _factorised(model: object) -> bool:
    """Whether E[X(t) | x, t_x, T] = P(alive | x, t_x, T) * g(x, T, t) for this model.

    True for the BG/NBD, MBG/NBD and Pareto/NBD of :mod:`custrel.models` (FHL
    2005 eq. 10; Fader & Hardie note 009 eq. 41): the recency enters the
    conditional expectation only through P(alive).
    """
    import custrel.models as cm  # value sits above models; imported late to avoid cycles

    classes = tuple(
        c
        for c in (getattr(cm, n, None) for n in ("BetaGeo", "ModifiedBetaGeo", "ParetoNBD"))
        if isinstance(c, type)
    )
    return bool(classes) and isinstance(model, classes)


def _predictor(model: PurchaseModel, summary: pd.DataFrame) -> _Evaluator:
    name = type(model).__name__
    what = f"{name}.expected_purchases"
    if _factorised(model) and {"frequency", "T"} <= set(summary.columns):
        fast = _factorised_predictor(model, summary, what)
        if fast is not None:
            return fast

    def predict(t: float) -> FloatArray:
        return _aligned(model.expected_purchases(summary, t=t), summary, what)

    return _Evaluator(predict=predict, size=len(summary), expand=_identity)


def _factorised_predictor(
    model: PurchaseModel, summary: pd.DataFrame, what: str
) -> _Evaluator | None:
    """Evaluate g(x, T, t) once per distinct (x, T); scale by each customer's P(alive) once.

    One P(alive) call over all customers, then the per-horizon calls run on the
    distinct (frequency, T) pairs only, which are few in any real customer base
    (T is a whole number of days). Exact: the ratio E / P(alive) of a
    factorised model does not depend on the recency used for the distinct rows.
    """
    p_alive_fn = getattr(model, "probability_alive", None)
    if p_alive_fn is None:
        return None
    name = type(model).__name__
    p_alive = _aligned(p_alive_fn(summary), summary, f"{name}.probability_alive")
    x = summary["frequency"].to_numpy(dtype=np.float64)
    t_obs = summary["T"].to_numpy(dtype=np.float64)
    t_codes, _ = pd.factorize(t_obs)
    if not np.all((x >= 0) & (x == np.floor(x)) & (x < 2**31)):
        return None  # the model's own validation will report it on the direct path
    key = t_codes.astype(np.int64) * (int(x.max()) + 1) + x.astype(np.int64)
    inverse, uniq_key = pd.factorize(key)
    if len(uniq_key) > 0.5 * len(summary):
        return None  # little to gain over the direct evaluation
    first = np.zeros(len(uniq_key), dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(summary) - 1, -1, -1)
    xu, tu = x[first], t_obs[first]
    reduced = pd.DataFrame({"frequency": xu, "recency": np.where(xu > 0, tu, 0.0), "T": tu})
    p_red = _aligned(p_alive_fn(reduced), reduced, f"{name}.probability_alive")
    if not np.all(p_red > 1e-300):
        return None

    def predict(t: float) -> FloatArray:
        e = _aligned(model.expected_purchases(reduced, t=t), reduced, what)
        out: FloatArray = e / p_red
        return out

    def expand(values: FloatArray) -> FloatArray:
        out: FloatArray = p_alive * values[inverse]
        return out

    return _Evaluator(predict=predict, size=len(reduced), expand=expand)


def discounted_purchases(
    model: PurchaseModel, summary: pd.DataFrame, spec: CLVSpec
) -> tuple[FloatArray, FloatArray | None]:
    """Discounted expected transactions per customer, and E[X(H)] (``None`` if H is infinite)."""
    if not hasattr(model, "expected_purchases"):
        hint = " (a fit result: pass its .model)" if hasattr(model, "model") else ""
        msg = (
            f"the purchase model must have expected_purchases(summary, /, *, t); "
            f"got {type(model).__name__}{hint}."
        )
        raise ParameterError(msg)
    plan = spec.plan(getattr(model, "period", None))
    # discrete-time models (BG/BB) count opportunities: ``n_periods`` instead of ``T``
    discrete_time = "n_periods" in summary.columns and "T" not in summary.columns
    name = type(model).__name__
    if discrete_time and spec.method == "continuous":
        msg = (
            f"{name} counts discrete transaction opportunities (n_periods); value it with "
            f"method='discrete' (each opportunity discounted at its end)."
        )
        raise ParameterError(msg)
    if math.isinf(plan.horizon):
        if spec.method == "discrete" and not discrete_time:
            msg = (
                f"an infinite horizon for the continuous-time model {name} needs "
                f"method='continuous' (DERT); method='discrete' needs a finite horizon."
            )
            raise ParameterError(msg)
        dert = getattr(model, "discounted_expected_transactions", None)
        if dert is None:
            msg = (
                f"{name} has no discounted_expected_transactions; an infinite "
                f"horizon needs it. Use a finite horizon instead."
            )
            raise ParameterError(msg)
        # continuous-time DERT takes the continuous rate per model unit; discrete-time
        # DERT (BG/BB, FHS 2010 eq. 15) the effective rate per opportunity
        rate = plan.delta if spec.method == "continuous" else math.expm1(plan.delta)
        out = dert(summary, discount_rate=rate)
        return _aligned(out, summary, f"{name}.discounted_expected_transactions"), None
    ev = _predictor(model, summary)
    if spec.method == "discrete":
        factor = math.exp(-plan.delta * plan.step)
        prev = np.zeros(ev.size)
        det = np.zeros(ev.size)
        disc = 1.0
        for k in range(1, plan.n_steps + 1):  # a handful of steps; vectorised over customers
            cum = ev.predict(k * plan.step)
            disc *= factor
            det += (cum - prev) * disc
            prev = cum
        return ev.expand(det), ev.expand(prev)
    cum_h = ev.predict(plan.horizon)
    if plan.delta == 0:
        full = ev.expand(cum_h)
        return full.copy(), full
    # integration by parts: int_0^H e^{-dt} dC(t) = e^{-dH} C(H) + d int_0^H e^{-dt} C(t) dt
    x, w = np.polynomial.legendre.leggauss(spec.quadrature_nodes)
    t_nodes = 0.5 * plan.horizon * (x + 1.0)
    w_nodes = 0.5 * plan.horizon * w * np.exp(-plan.delta * t_nodes)
    integral = np.zeros(ev.size)
    for tn, wn in zip(t_nodes, w_nodes, strict=True):  # quadrature nodes, not customers
        integral += wn * ev.predict(float(tn))
    det = math.exp(-plan.delta * plan.horizon) * cum_h + plan.delta * integral
    return ev.expand(det), ev.expand(cum_h)


def spend_per_purchase(spend: Spend, summary: pd.DataFrame) -> FloatArray:
    """Expected spend per transaction from a spend model, a Series or one number."""
    if isinstance(spend, pd.Series | int | float | np.floating | np.integer):
        if isinstance(spend, bool):
            msg = "spend must be a spend model, a Series or a number; got a bool."
            raise ParameterError(msg)
        return _aligned(spend, summary, "spend")
    fn = getattr(spend, "expected_spend", None)
    if fn is None and hasattr(spend, "model"):
        msg = f"spend is a fit result ({type(spend).__name__}); pass its .model."
        raise ParameterError(msg)
    if fn is None:
        msg = (
            f"spend must be a spend model with expected_spend(summary), a Series of spend per "
            f"transaction indexed by customer_id, or a number; got {type(spend).__name__}."
        )
        raise ParameterError(msg)
    return _aligned(fn(summary), summary, f"{type(spend).__name__}.expected_spend")


def _compute(
    purchase_model: PurchaseModel, spend: Spend, summary: pd.DataFrame, spec: CLVSpec
) -> dict[str, FloatArray]:
    summary = _check_summary(summary)
    det, cum = discounted_purchases(purchase_model, summary, spec)
    sp = spend_per_purchase(spend, summary)
    per = sp * spec.margin_rate - spec.cost_per_order
    data: dict[str, FloatArray] = {}
    if cum is not None:
        data["expected_purchases"] = cum
    data["discounted_purchases"] = det
    data["spend"] = sp
    data["value_per_purchase"] = per
    data["clv"] = det * per
    return data


def _index(summary: pd.DataFrame) -> pd.Index:
    idx = summary.index.copy()
    idx.name = summary.index.name or "customer_id"
    return idx


def _frame(
    purchase_model: PurchaseModel, spend: Spend, summary: pd.DataFrame, spec: CLVSpec
) -> pd.DataFrame:
    data = _compute(purchase_model, spend, summary, spec)
    return pd.DataFrame(data, index=_index(summary))


def _series(
    purchase_model: PurchaseModel, spend: Spend, summary: pd.DataFrame, spec: CLVSpec
) -> pd.Series:
    data = _compute(purchase_model, spend, summary, spec)
    return pd.Series(data["clv"], index=_index(summary), name="clv")


def clv_frame(
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
) -> pd.DataFrame:
    """CLV and its components per customer.

    Same arguments as :func:`clv`.

    Returns
    -------
    DataFrame
        Indexed like ``summary``: ``expected_purchases`` (undiscounted, over a
        finite horizon only), ``discounted_purchases``, ``spend`` (per
        transaction), ``value_per_purchase`` (spend x margin_rate -
        cost_per_order) and ``clv`` (discounted_purchases x value_per_purchase).

    Examples
    --------
    >>> from custrel.value._testing import ExponentialPoisson
    >>> m = ExponentialPoisson(rate=2.0, death=0.1, period="M")
    >>> s = pd.DataFrame({"frequency": [0, 3], "recency": [0.0, 5.0], "T": [6.0, 6.0]},
    ...                  index=pd.Index(["a", "b"], name="customer_id"))
    >>> clv_frame(m, 25.0, s, horizon=1, horizon_period="Y", discount_rate=0,
    ...           margin_rate=0.4).round(2)
                 expected_purchases  discounted_purchases  spend  value_per_purchase    clv
    customer_id
    a                          1.08                  1.08   25.0                10.0  10.75
    b                          4.30                  4.30   25.0                10.0  43.00
    """
    spec = CLVSpec(
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
    return _frame(purchase_model, spend, summary, spec)


def clv(
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
) -> pd.Series:
    """Customer lifetime value per customer, with every time unit explicit.

    CLV_i = DET_i x (spend_i x margin_rate - cost_per_order), where DET_i is
    the customer's discounted expected number of transactions over the horizon.

    Parameters
    ----------
    purchase_model : PurchaseModel
        Any model with ``period`` and ``expected_purchases(summary, /, *, t)``
        (and ``discounted_expected_transactions`` for an infinite horizon),
        e.g. :class:`custrel.models.BetaGeo`. Conversions use ``period``.
    spend : SpendModel, Series or float
        Expected spend per transaction: a model with ``expected_spend(summary)``
        (e.g. a fitted :class:`custrel.models.GammaGamma`), a Series indexed by
        customer id, or one number for everybody.
    summary : DataFrame
        Customer summary in the purchase model's time unit, indexed by customer id.
    horizon : float
        Horizon length in ``horizon_period`` units (``math.inf`` for the whole
        remaining lifetime: continuous method, or discrete for discrete-time
        models such as BG/BB, whose summaries have ``n_periods``).
    horizon_period : str, float, TimeUnit or "model"
        Unit of the horizon, converted exactly to the model's unit.
    discount_rate : float >= 0
        Effective discount rate per ``discount_period`` (e.g. 0.10 a year).
    discount_period : str, float, TimeUnit or "model"
        Unit of the discount rate (required unless the rate is 0).
    method : {"discrete", "continuous"}
        See the module documentation: ``"discrete"`` discounts expected
        transactions per step (end of step); ``"continuous"`` discounts the
        expected transaction stream continuously (DERT).
    step : str, float, TimeUnit or "model", optional
        Step of the discrete method (default: ``horizon_period``).
    margin_rate : float in [0, 1]
        Share of spend that is margin; 1 values revenue.
    cost_per_order : float >= 0
        Cost per transaction (picking, shipping, payment), so that the value is
        profit when the user has costs.
    quadrature_nodes : int
        Gauss-Legendre nodes for the finite-horizon continuous method.

    Returns
    -------
    Series
        ``"clv"``, indexed like ``summary``. Use :func:`clv_frame` for the
        components.

    Raises
    ------
    ParameterError
        Units missing or not convertible (a model without ``period`` with units
        other than ``"model"``), a horizon that is not a whole number of steps,
        invalid rates.
    DataValidationError
        A prediction or spend is missing or not finite for some customers
        (all of them listed with counts and examples).

    Notes
    -----
    Let d be the rate per discount period P, δ = ln(1 + d) / P per model time
    unit, and C_i(t) = E[X_i(t)] the cumulative expected transactions.
    Discrete: DET_i = Σ_{k=1}^{K} (C_i(kΔ) - C_i((k-1)Δ)) exp(-δ k Δ), with
    K Δ = H. Continuous: DET_i = ∫_0^H exp(-δ t) dC_i(t), which for H = ∞ is
    the DERT of Fader, Hardie & Lee (2005) [1]_.

    References
    ----------
    .. [1] Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005). RFM and CLV: using
       iso-value curves for customer base analysis. *Journal of Marketing
       Research* 42(4):415-430.

    Examples
    --------
    A model in months valued over one year at 10% a year, with a 30% margin:

    >>> from custrel.value._testing import ExponentialPoisson
    >>> m = ExponentialPoisson(rate=1.0, death=0.05, period="M")
    >>> s = pd.DataFrame({"frequency": [0, 4], "recency": [0.0, 10.0], "T": [12.0, 12.0]},
    ...                  index=pd.Index(["a", "b"], name="customer_id"))
    >>> v = clv(m, 50.0, s, horizon=12, horizon_period="M", discount_rate=0.10,
    ...         discount_period="Y", margin_rate=0.3)
    >>> v.round(2).to_dict()
    {'a': 9.94, 'b': 49.69}

    The same value with the model in days and the horizon stated as one year:

    >>> v_days = clv(m.in_period("D"), 50.0, s.assign(recency=s.recency * 30.4375,
    ...              T=s["T"] * 30.4375), horizon=1, horizon_period="Y", step="M",
    ...              discount_rate=0.10, discount_period="Y", margin_rate=0.3)
    >>> bool(np.allclose(v, v_days))
    True
    """
    spec = CLVSpec(
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
    return _series(purchase_model, spend, summary, spec)
