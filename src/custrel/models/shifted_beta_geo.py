"""Shifted-beta-geometric (sBG) model of contract retention (Fader & Hardie 2007, 2010).

In a contractual setting (subscriptions with discrete renewal opportunities), a
customer with churn probability ``θ`` renews at the end of each period with
probability ``1 - θ``, so the lifetime ``T`` (in periods) is geometric on
``1, 2, ...``; across customers ``θ ~ Beta(α, β)``. The heterogeneity makes
cohort retention rates rise over time (the "sorting effect")::

    P(T = t) = B(α + 1, β + t - 1) / B(α, β)          (t >= 1)
    S(t)     = B(α, β + t) / B(α, β)                  (alive after t periods)
    r(t)     = S(t) / S(t - 1) = (β + t - 1) / (α + β + t - 1)

References
----------
.. [1] Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention.
       Journal of Interactive Marketing 21(1), 76-90 (eqs. 1-8; "High End" and
       "Regular" cohorts).
.. [2] Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual
       setting: the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93
       (DEL eq. 5, DERL eq. 6, Table 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from custrel.data._time import Period, TimeUnit
from custrel.data._validate import ProblemList
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.models._mle import (
    FitConfig,
    FitResult,
    ModelDisplay,
    ModelSpec,
    fit_mle,
    parse_period,
    positive_param,
    weights_of,
)
from custrel.models._special import FloatArray

if TYPE_CHECKING:
    from custrel.models.simulate import Simulation

__all__ = ["ShiftedBetaGeo", "simulate_shifted_beta_geo"]

_DEFAULT_CONFIG = FitConfig()


def _loglik_rows(params: FloatArray, data: Mapping[str, FloatArray]) -> FloatArray:
    a, b = (float(v) for v in params)
    t, churned = data["tenure"], data["churned"]
    base = special.betaln(a, b)
    ll_churn = special.betaln(a + 1.0, b + np.maximum(t, 1.0) - 1.0) - base
    ll_alive = special.betaln(a, b + t) - base
    out: FloatArray = np.where(churned > 0, ll_churn, ll_alive)
    return out


def _loglik_grad(
    params: FloatArray, data: Mapping[str, FloatArray], w: FloatArray
) -> tuple[float, FloatArray]:
    a, b = (float(v) for v in params)
    t, churned = data["tenure"], data["churned"] > 0
    ll = _loglik_rows(params, data)
    psi_ab = special.digamma(a + b)
    psi_abt = special.digamma(a + b + t)
    # churned at t: betaln(a+1, b+t-1) - betaln(a, b)
    tc = np.maximum(t, 1.0)
    ga_c = special.digamma(a + 1.0) - special.digamma(a) - psi_abt + psi_ab
    gb_c = special.digamma(b + tc - 1.0) - special.digamma(b) - psi_abt + psi_ab
    # alive after t: betaln(a, b+t) - betaln(a, b)
    ga_s = psi_ab - psi_abt
    gb_s = special.digamma(b + t) - special.digamma(b) - psi_abt + psi_ab
    g_a = np.where(churned, ga_c, ga_s)
    g_b = np.where(churned, gb_c, gb_s)
    return float(np.dot(w, ll)), np.array([np.dot(w, g_a), np.dot(w, g_b)], dtype=np.float64)


_SPEC = ModelSpec(
    name="ShiftedBetaGeo",
    param_names=("alpha", "beta"),
    data_columns=("tenure", "churned"),
    loglik_rows=_loglik_rows,
    loglik_grad=_loglik_grad,
)

_STARTS = (
    {"alpha": 1.0, "beta": 1.0},
    {"alpha": 0.5, "beta": 3.0},
    {"alpha": 3.0, "beta": 15.0},
    {"alpha": 0.1, "beta": 0.1},
)


def _periods(t: int | ArrayLike, *, minimum: int, name: str = "t") -> FloatArray:
    arr = np.asarray(t)
    try:
        val = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be integer period(s) >= {minimum}; got {t!r}."
        raise ParameterError(msg) from exc
    if not np.all(np.isfinite(val) & (val >= minimum) & (val == np.floor(val))):
        msg = f"{name} must be integer period(s) >= {minimum}; got {t!r}."
        raise ParameterError(msg)
    return val


def _rate(discount_rate: float) -> float:
    d = float(discount_rate)
    if not (np.isfinite(d) and d > 0):
        msg = f"discount_rate must be a finite float > 0 (per period); got {discount_rate!r}."
        raise ParameterError(msg)
    return d


def _tenure_data(data: pd.DataFrame, what: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate ``tenure`` / ``churned`` (and ``weight``); return float arrays."""
    if not isinstance(data, pd.DataFrame):
        msg = f"{what} expects a pandas DataFrame with 'tenure' and 'churned'; got {type(data).__name__}."
        raise SchemaError(msg)
    missing = [c for c in ("tenure", "churned") if c not in data.columns]
    if missing:
        msg = (
            f"{what}: the data lack column(s) {missing}; it needs 'tenure' (completed periods "
            "as a customer, int) and 'churned' (bool: the customer left at the end of "
            "period 'tenure'; False = still a customer, right-censored)."
        )
        raise SchemaError(msg)
    try:
        t = np.asarray(data["tenure"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{what}: column 'tenure' must be numeric; got dtype {data['tenure'].dtype}."
        raise SchemaError(msg) from exc
    ch = data["churned"]
    if not (pd.api.types.is_bool_dtype(ch) or pd.api.types.is_integer_dtype(ch)):
        msg = f"{what}: column 'churned' must be bool (or 0/1 integers); got dtype {ch.dtype}."
        raise SchemaError(msg)
    c = np.asarray(ch, dtype=np.float64)
    plist = ProblemList(what)
    idx = data.index
    plist.check_rows(
        ~np.isfinite(t) | (t < 0) | (t != np.floor(t)),
        column="tenure",
        rule="must be a non-negative integer number of periods",
        index=idx,
        values=data["tenure"],
        label="customer",
    )
    plist.check_rows(
        (c != 0) & (c != 1),
        column="churned",
        rule="must be True/False (or 0/1)",
        index=idx,
        values=data["churned"],
        label="customer",
    )
    plist.check_rows(
        (c == 1) & (t < 1),
        column="tenure",
        rule="must be >= 1 for churned customers (a churn happens at the end of a period)",
        index=idx,
        values=data["tenure"],
        label="customer",
    )
    w = weights_of(data, what, plist)
    plist.raise_if_any()
    return t, c, w


@attrs.frozen(kw_only=True)
class ShiftedBetaGeo(ModelDisplay):
    """Shifted-beta-geometric retention model with fixed parameters (Fader & Hardie 2007).

    Parameters
    ----------
    alpha, beta : float
        Beta heterogeneity of the per-period churn probability ``θ``
        (mean churn ``α / (α + β)``).
    period : str, TimeUnit or None
        Length of one contract period (e.g. ``"Y"`` for annual contracts); recorded
        for unit bookkeeping. The model itself counts periods.

    Notes
    -----
    Survival after ``t`` periods ``S(t) = B(α, β+t)/B(α, β)`` (FH 2007, eq. 5),
    retention rate ``r(t) = (β+t-1)/(α+β+t-1)`` (eq. 8), discounted expected
    lifetime ``DEL = Σ_{t≥0} S(t)/(1+d)^t = 2F1(1, β; α+β; 1/(1+d))`` (FH 2010,
    eq. 5) and, for a customer who has made ``n`` renewals (is in period
    ``n + 1``), the discounted expected residual lifetime
    ``DERL = (β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d))`` (FH 2010, eq. 6
    with their ``n - 1`` renewals).

    References
    ----------
    .. [1] Fader, P. S. & Hardie, B. G. S. (2007). J. Interactive Marketing 21(1), 76-90.
    .. [2] Fader, P. S. & Hardie, B. G. S. (2010). Marketing Science 29(1), 85-93.

    Examples
    --------
    >>> m = ShiftedBetaGeo(alpha=0.704, beta=1.182)  # FH (2007), "Regular" cohort
    >>> m.survival([0, 1, 2, 7]).round(3).tolist()
    [1.0, 0.627, 0.474, 0.239]
    >>> m.retention_rate([1, 2, 10]).round(3).tolist()
    [0.627, 0.756, 0.935]
    >>> round(ShiftedBetaGeo(alpha=3.80, beta=15.20).derl(discount_rate=0.10, renewals=0), 2)
    3.31
    """

    alpha: float = attrs.field(validator=positive_param, converter=float)
    beta: float = attrs.field(validator=positive_param, converter=float)
    period: TimeUnit | None = attrs.field(default=None, converter=parse_period)

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit_survival(
        cls,
        alive_counts: Sequence[float] | ArrayLike,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = _DEFAULT_CONFIG,
    ) -> FitResult[ShiftedBetaGeo]:
        """Fit to a cohort's survival counts, right-censored at the last period.

        Parameters
        ----------
        alive_counts : sequence of int
            Customers still active at the end of periods ``0, 1, ..., k``
            (``alive_counts[0]`` is the cohort size); non-increasing.
        period : str, TimeUnit or None
            Length of one period, recorded on the model.
        config : FitConfig
            Fit settings.

        Returns
        -------
        FitResult[ShiftedBetaGeo]
            ``loglik`` is FH (2007) eq. 6: ``Σ_t (n_{t-1} - n_t) log P(T=t) + n_k log S(k)``.

        Raises
        ------
        DataValidationError
            Counts are negative, not integers, increasing, or fewer than two.

        Examples
        --------
        >>> res = ShiftedBetaGeo.fit_survival([1000, 869, 743, 653, 593, 551, 517, 491])
        >>> res.params.round(3).tolist(), round(res.loglik, 3)  # FH (2007), "High End"
        ([0.668, 3.806], -1611.158)
        """
        counts = np.asarray(alive_counts, dtype=np.float64)
        problems: list[str] = []
        if counts.ndim != 1 or counts.size < 2:
            problems.append(f"need a 1-d sequence of at least 2 counts; got shape {counts.shape}")
        else:
            if not np.all(np.isfinite(counts) & (counts >= 0) & (counts == np.floor(counts))):
                problems.append("counts must be non-negative integers")
            if counts[0] <= 0:
                problems.append(f"the cohort size alive_counts[0] must be > 0; got {counts[0]:g}")
            rises = np.flatnonzero(np.diff(counts) > 0)
            if rises.size:
                problems.append(
                    f"counts must be non-increasing; they rise after period(s) "
                    f"{', '.join(str(int(i)) for i in rises[:5])}"
                )
        if problems:
            msg = "ShiftedBetaGeo.fit_survival: " + "; ".join(problems) + "."
            raise DataValidationError(msg, problems=tuple(problems))
        k = counts.size - 1
        lost = counts[:-1] - counts[1:]
        tenure = np.append(np.arange(1, k + 1, dtype=np.float64), float(k))
        churned = np.append(np.ones(k), 0.0)
        weights = np.append(lost, counts[-1])
        return _fit(cls, tenure, churned, weights, period=period, config=config)

    @classmethod
    def fit(
        cls,
        data: pd.DataFrame,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = _DEFAULT_CONFIG,
    ) -> FitResult[ShiftedBetaGeo]:
        """Fit to individual tenure/churn records (one row per customer).

        Parameters
        ----------
        data : DataFrame
            ``tenure``: completed periods as a customer (int >= 0); ``churned``:
            ``True`` if the customer left at the end of period ``tenure`` (then
            ``tenure >= 1``), ``False`` if still a customer (right-censored after
            ``tenure`` periods). An optional ``weight`` column counts identical rows.
        period : str, TimeUnit or None
            Length of one period, recorded on the model.
        config : FitConfig
            Fit settings.

        Returns
        -------
        FitResult[ShiftedBetaGeo]

        Raises
        ------
        SchemaError, DataValidationError
            Missing columns or invalid values (all problems listed at once).

        Examples
        --------
        >>> d = pd.DataFrame({"tenure": [1, 1, 2, 3, 3], "churned": [True, True, True, False, False]})
        >>> ShiftedBetaGeo.fit(d).params.round(3).tolist()
        [0.444, 0.628]
        """
        t, c, w = _tenure_data(data, "ShiftedBetaGeo.fit")
        return _fit(cls, t, c, w, period=period, config=config)

    # ------------------------------------------------------------------ likelihood
    def loglik(self, data: pd.DataFrame, /) -> float:
        """Total log-likelihood of tenure/churn records (weighted by ``weight``, if any)."""
        t, c, w = _tenure_data(data, "ShiftedBetaGeo.loglik")
        p = np.array([self.alpha, self.beta])
        return float(np.dot(w, _loglik_rows(p, {"tenure": t, "churned": c})))

    def loglik_survival(self, alive_counts: Sequence[float] | ArrayLike, /) -> float:
        """Log-likelihood of a cohort's survival counts (FH 2007, eq. 6).

        Examples
        --------
        >>> m = ShiftedBetaGeo(alpha=0.704, beta=1.182)
        >>> round(m.loglik_survival([1000, 631, 468, 382, 326, 289, 262, 241]), 3)
        -1680.265
        """
        counts = np.asarray(alive_counts, dtype=np.float64)
        if counts.ndim != 1 or counts.size < 2 or not np.all(np.isfinite(counts)):
            msg = "alive_counts must be a 1-d sequence of at least 2 finite counts."
            raise DataValidationError(msg)
        k = counts.size - 1
        t = np.arange(1, k + 1, dtype=np.float64)
        p_t = self.churn_probability(t)
        return float(
            np.dot(counts[:-1] - counts[1:], np.log(p_t)) + counts[-1] * np.log(self.survival(k))
        )

    # ------------------------------------------------------------------ curves
    def survival(self, t: int | ArrayLike) -> FloatArray:
        """``S(t)``: probability of still being a customer after ``t`` periods (FH 2007, eq. 5)."""
        tt = _periods(t, minimum=0)
        out: FloatArray = np.exp(
            special.betaln(self.alpha, self.beta + tt) - special.betaln(self.alpha, self.beta)
        )
        return out

    def churn_probability(self, t: int | ArrayLike) -> FloatArray:
        """``P(T = t)``: probability of churning at the end of period ``t >= 1`` (FH 2007, eq. 3)."""
        tt = _periods(t, minimum=1)
        out: FloatArray = np.exp(
            special.betaln(self.alpha + 1.0, self.beta + tt - 1.0)
            - special.betaln(self.alpha, self.beta)
        )
        return out

    def retention_rate(self, t: int | ArrayLike) -> FloatArray:
        """``r(t) = S(t)/S(t-1) = (β+t-1)/(α+β+t-1)``: share of period-``t-1`` survivors who renew."""
        tt = _periods(t, minimum=1)
        out: FloatArray = (self.beta + tt - 1.0) / (self.alpha + self.beta + tt - 1.0)
        return out

    def expected_lifetime(self) -> float:
        """Expected number of periods as a customer, ``E[T] = (α+β-1)/(α-1)``; ``inf`` for ``α <= 1``."""
        if self.alpha <= 1.0:
            return float("inf")
        return (self.alpha + self.beta - 1.0) / (self.alpha - 1.0)

    def discounted_expected_lifetime(self, *, discount_rate: float) -> float:
        """Discounted expected lifetime of a new customer (FH 2010, eq. 5).

        ``DEL = Σ_{t>=0} S(t) / (1+d)^t = 2F1(1, β; α+β; 1/(1+d))``: the present
        value, in "payments per period", of a customer who pays at the start of
        each period (the first payment, at ``t = 0``, is certain and undiscounted).

        Parameters
        ----------
        discount_rate : float
            Discount rate ``d > 0`` per period.

        Examples
        --------
        >>> round(ShiftedBetaGeo(alpha=0.704, beta=1.182).discounted_expected_lifetime(discount_rate=0.1), 3)
        3.695
        """
        d = _rate(discount_rate)
        return float(special.hyp2f1(1.0, self.beta, self.alpha + self.beta, 1.0 / (1.0 + d)))

    def derl(self, *, discount_rate: float, renewals: int | ArrayLike = 0) -> FloatArray | float:
        """Discounted expected residual lifetime after ``renewals`` renewals (FH 2010, eq. 6).

        For a customer who has made ``n = renewals`` renewals (so is active in
        period ``n + 1``), evaluated just before the next renewal decision::

            DERL = Σ_{t>n} S(t)/S(n) / (1+d)^(t-n-1) = (β+n)/(α+β+n) 2F1(1, β+n+1; α+β+n+1; 1/(1+d))

        The next period's payment counts if the customer renews and is not
        discounted. FH (2010) write this as ``DERL(d | α, β, n - 1 renewals)``
        for a customer in period ``n``; their Table 3 (α = 3.80, β = 15.20,
        d = 10%: 3.31, 3.45, 3.59, 3.72, 3.84 for periods 1..5) is
        ``renewals = 0..4`` here.

        Parameters
        ----------
        discount_rate : float
            Discount rate ``d > 0`` per period.
        renewals : int or array-like of int
            Renewals made so far (>= 0).

        Returns
        -------
        float or ndarray
            A float for a scalar ``renewals``.

        Examples
        --------
        >>> m = ShiftedBetaGeo(alpha=3.80, beta=15.20)
        >>> m.derl(discount_rate=0.10, renewals=[0, 1, 2, 3, 4]).round(2).tolist()
        [3.31, 3.45, 3.59, 3.72, 3.84]
        """
        d = _rate(discount_rate)
        n = _periods(renewals, minimum=0, name="renewals")
        a, b = self.alpha, self.beta
        out = (
            (b + n)
            / (a + b + n)
            * special.hyp2f1(1.0, b + n + 1.0, a + b + n + 1.0, 1.0 / (1.0 + d))
        )
        if np.ndim(out) == 0:
            return float(out)
        res: FloatArray = np.asarray(out, dtype=np.float64)
        return res


def _fit(
    cls: type[ShiftedBetaGeo],
    tenure: FloatArray,
    churned: FloatArray,
    weights: FloatArray,
    *,
    period: Period | None,
    config: FitConfig,
) -> FitResult[ShiftedBetaGeo]:
    unit = parse_period(period)

    def build(p: dict[str, float]) -> ShiftedBetaGeo:
        return cls(**p, period=unit)

    return fit_mle(
        _SPEC,
        {"tenure": tenure, "churned": churned},
        weights,
        config=config,
        starts=list(_STARTS),
        build=build,
        period=unit,
    )


def simulate_shifted_beta_geo(
    model: ShiftedBetaGeo,
    n_customers: int,
    *,
    n_periods: int,
    seed: int,
) -> Simulation:
    """Simulate a cohort acquired at time 0 and observed for ``n_periods`` periods.

    Per customer ``θ ~ Beta(α, β)`` and lifetime ``T ~ Geometric(θ)`` on ``1, 2, ...``.

    Returns
    -------
    Simulation
        ``summary`` has ``tenure`` (``min(T, n_periods)``) and ``churned``
        (``T <= n_periods``); ``truth`` has ``theta`` and ``lifetime``.

    Examples
    --------
    >>> sim = simulate_shifted_beta_geo(ShiftedBetaGeo(alpha=0.7, beta=1.2), 1000, n_periods=7, seed=1)
    >>> int(sim.summary["tenure"].max()), bool(sim.summary["churned"].any())
    (7, True)
    """
    from custrel.models.simulate import Simulation  # lazy: avoids an import cycle

    if not (isinstance(n_customers, int | np.integer) and n_customers >= 1):
        msg = f"n_customers must be an int >= 1; got {n_customers!r}."
        raise ParameterError(msg)
    if not (isinstance(n_periods, int | np.integer) and n_periods >= 1):
        msg = f"n_periods must be an int >= 1; got {n_periods!r}."
        raise ParameterError(msg)
    rng = np.random.default_rng(seed)
    theta = np.clip(rng.beta(model.alpha, model.beta, int(n_customers)), 1e-300, 1.0)
    life = rng.geometric(theta)
    summary = pd.DataFrame(
        {"tenure": np.minimum(life, n_periods).astype(np.int64), "churned": life <= n_periods},
        index=pd.RangeIndex(int(n_customers), name="customer_id"),
    )
    truth = pd.DataFrame({"theta": theta, "lifetime": life}, index=summary.index)
    return Simulation(summary=summary, truth=truth, model=model, seed=seed)
