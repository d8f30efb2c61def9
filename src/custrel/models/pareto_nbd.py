"""Pareto/NBD: Poisson purchases with an exponential lifetime (Schmittlein, Morrison & Colombo 1987).

While alive, a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``;
the unobserved lifetime is exponential with rate ``μ ~ Gamma(s, β)``, independent
of ``λ`` (``α`` and ``β`` are scales in time units). Unlike the BG/NBD, a
customer can drop out at any time, so a one-time buyer's ``P(alive)`` falls with
``T``. The model sees the data only through ``(x, t_x, T)`` = (``frequency``,
``recency``, ``T``).

The numerically stable kernels live in :mod:`custrel.models._pareto`; this
module holds the frozen model value, its fit and the predictions.

References
----------
.. [1] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your
       customers: who are they and what will they do next? Management Science 33(1), 1-24.
.. [2] Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model
       and related expressions. Note 009, brucehardie.com (eqs. 18, 29, 31, 41).
.. [3] Fader, P. S. & Hardie, B. G. S. (2005). Implementing the Pareto/NBD model given
       interval-censored data / MATLAB code (note 008): CDNOW estimates.
.. [4] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value
       curves for customer base analysis. J. Marketing Research 42(4), 415-430 (DERT, eq. 2).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Self

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize

from custrel.data._time import Period, TimeUnit
from custrel.errors import ParameterError
from custrel.models import _pareto
from custrel.models._mle import (
    FitConfig,
    FitResult,
    ModelDisplay,
    ModelSpec,
    check_btyd_summary,
    fit_mle,
    parse_period,
    positive_param,
    require_repeat_buyers,
)
from custrel.models._special import FloatArray

if TYPE_CHECKING:
    from custrel.models.simulate import Simulation

__all__ = ["ParetoNBD", "simulate_pareto_nbd"]

_DEFAULT_CONFIG = FitConfig()


def _prepare(data: dict[str, FloatArray]) -> dict[str, FloatArray]:
    out = dict(data)
    out.update(_pareto.pair_index(data["frequency"], data["recency"], data["T"]))
    return out


def _jacobian_order(data: Mapping[str, FloatArray], weights: FloatArray) -> float:
    """One purchase-time density per repeat purchase: ``LL`` shifts by ``sum(w x) log(c)``."""
    return float(np.sum(weights * data["frequency"]))


_SPEC = ModelSpec(
    name="ParetoNBD",
    param_names=("r", "alpha", "s", "beta"),
    data_columns=("frequency", "recency", "T"),
    loglik_rows=_pareto.loglik_rows,
    loglik_grad=_pareto.loglik_grad,
    time_columns=("recency", "T"),
    scale_params=("alpha", "beta"),
    scale_column="T",
    prepare=_prepare,
    jacobian_order=_jacobian_order,
)


_PILOT_MIN_ROWS = 40_000
_PILOT_ROWS = 2_000


def _pilot_start(
    x: FloatArray,
    tx: FloatArray,
    t_obs: FloatArray,
    w: FloatArray,
    config: FitConfig,
    starts: list[dict[str, float]],
) -> list[dict[str, float]]:
    """A start point from a quick fit on a fixed pseudo-random sample of rows.

    The engine's own warm start (a subsample of patterns) then begins next to
    its optimum; on data where every customer is a distinct pattern this saves
    most of the iterations on the subsample. The pilot minimises the same
    objective as the engine (mean negative log-likelihood plus the penalty, in
    log-parameters, times scaled to ``max(T) == 1``) with BFGS, which has no
    per-iteration BLAS/LAPACK calls (L-BFGS-B's cost a few milliseconds each
    on a busy machine with a multithreaded BLAS). Any failure just means no
    extra start point.
    """
    pick = np.random.default_rng(0).choice(x.size, _PILOT_ROWS, replace=False)
    wp = w[pick]
    n = float(wp.sum())
    tmax = float(t_obs[pick].max())
    if n <= 0 or tmax <= 0:
        return []
    scale = 1.0 / tmax
    data = _prepare({"frequency": x[pick], "recency": tx[pick] * scale, "T": t_obs[pick] * scale})
    pen = config.penalizer_coef
    to_scaled = np.array([1.0, scale, 1.0, scale])

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        p = np.exp(theta)
        total, g = _pareto.loglik_grad(p, data, wp)
        f = -total / n + pen * float(np.sum(p * p))
        gl = -(g * p) / n + pen * 2.0 * p * p
        if not (np.isfinite(f) and np.all(np.isfinite(gl))):
            return 1e300, np.zeros_like(theta)
        return f, gl

    for start in starts:
        theta0 = np.log(np.array([start[k] for k in _SPEC.param_names]) * to_scaled)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            res = optimize.minimize(
                objective, theta0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 200}
            )
        ok = np.isfinite(res.fun) and res.fun < 1e300 and np.all(np.abs(res.x) < 20.0)
        if ok and float(np.max(np.abs(res.jac))) < 1e-5:
            natural = np.exp(res.x) / to_scaled
            return [dict(zip(_SPEC.param_names, natural.tolist(), strict=True))]
    return []


def _times(t: float | ArrayLike, name: str = "t") -> FloatArray:
    arr = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        msg = f"{name} must be finite and >= 0; got {t!r}."
        raise ParameterError(msg)
    return arr


def _scalar(t: float, name: str = "t") -> float:
    try:
        v = float(t)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be a finite float >= 0; got {t!r}."
        raise ParameterError(msg) from exc
    if not (np.isfinite(v) and v >= 0):
        msg = f"{name} must be a finite float >= 0; got {t!r}."
        raise ParameterError(msg)
    return v


@attrs.frozen(kw_only=True)
class ParetoNBD(ModelDisplay):
    r"""Pareto/NBD model with fixed parameters (Schmittlein, Morrison & Colombo 1987).

    Parameters
    ----------
    r, alpha : float
        Shape and scale (time units) of the gamma heterogeneity of the purchase rate ``λ``.
    s, beta : float
        Shape and scale (time units) of the gamma heterogeneity of the dropout rate ``μ``.
    period : str, TimeUnit or None
        Time unit of ``alpha`` and ``beta`` (and of the data); ``None`` when unspecified.

    Notes
    -----
    Individual likelihood (Fader & Hardie 2005, note 009, eq. 18), computed in log
    space with ``J(y) = ∫_y^∞ (α+τ)^{-(r+x)} (β+τ)^{-(s+1)} dτ``:

    .. math::

        L = \frac{\Gamma(r+x)\alpha^r\beta^s}{\Gamma(r)}
            \left[(\alpha+T)^{-(r+x)}(\beta+T)^{-s} + s\,(J(t_x) - J(T))\right]

    ``J`` is a Gauss hypergeometric function (see :mod:`custrel.models._pareto`);
    the difference is exact when ``t_x == T``, where lifetimes returns NaN.
    ``P(alive) = (α+T)^{-(r+x)}(β+T)^{-s} / [...]`` (eq. 29).

    References
    ----------
    .. [1] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Management Science 33(1).
    .. [2] Fader, P. S. & Hardie, B. G. S. (2005). Note 009, brucehardie.com.

    Examples
    --------
    >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669, period="W")  # CDNOW
    >>> s = pd.DataFrame({"frequency": [0, 2, 200], "recency": [0.0, 30.43, 38.86],
    ...                   "T": [38.86, 38.86, 38.86]}, index=pd.Index([1, 2, 3], name="customer_id"))
    >>> m.probability_alive(s).round(4).tolist()
    [0.2953, 0.8692, 1.0]
    >>> m.expected_purchases(s, t=39).round(3).tolist()
    [0.107, 1.455, 131.515]
    >>> ParetoNBD(r=0.5, alpha=1.0, s=0.0, beta=1.0)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: ParetoNBD.s must be a finite float > 0; got 0.0.
    """

    r: float = attrs.field(validator=positive_param, converter=float)
    alpha: float = attrs.field(validator=positive_param, converter=float)
    s: float = attrs.field(validator=positive_param, converter=float)
    beta: float = attrs.field(validator=positive_param, converter=float)
    period: TimeUnit | None = attrs.field(default=None, converter=parse_period)

    # ------------------------------------------------------------------ helpers
    def _params(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.s, self.beta)

    def _stats(self, summary: pd.DataFrame, what: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        x, tx, t_obs, _ = check_btyd_summary(summary, f"ParetoNBD.{what}")
        return x, tx, t_obs

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(
        cls,
        summary: pd.DataFrame,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = _DEFAULT_CONFIG,
    ) -> FitResult[ParetoNBD]:
        """Fit by maximum likelihood on ``frequency``, ``recency``, ``T`` (and ``weight``).

        Identical rows are collapsed into weighted patterns, and the
        hypergeometric terms are evaluated once per distinct ``(x, t_x)`` and
        ``(x, T)`` pair, so the cost grows with the number of distinct values,
        not with the number of customers. With many patterns the engine first
        fits a subsample of them (``FitConfig.warm_start_patterns``); above
        40,000 rows (without ``config.initial``) a quick pilot fit on 2,000
        fixed pseudo-random rows supplies its first start point.

        Parameters
        ----------
        summary : DataFrame
            One row per customer (or per pattern with a ``weight`` column).
        period : str, TimeUnit or None
            Time unit of ``recency`` and ``T``; recorded on the model and result.
        config : FitConfig
            Penalty, iterations, start point, covariance.

        Returns
        -------
        FitResult[ParetoNBD]

        Raises
        ------
        SchemaError, DataValidationError
            Invalid summary.
        ConvergenceError
            No usable optimum.

        Examples
        --------
        >>> import custrel
        >>> from custrel.datasets import load_cdnow
        >>> s = custrel.calibration_holdout(load_cdnow(), calibration_end="1997-09-30",
        ...                                 observation_end="1998-06-30", period="W")
        >>> res = ParetoNBD.fit(s, period="W")
        >>> res.params.round(3).tolist(), round(res.loglik, 3)
        ([0.553, 10.578, 0.606, 11.669], -9594.976)
        """
        x, tx, t_obs, w = check_btyd_summary(summary, "ParetoNBD.fit")
        require_repeat_buyers(x, w, "ParetoNBD.fit")
        unit = parse_period(period)
        tscale = float(np.max(t_obs)) if t_obs.size else 1.0
        tscale = tscale if tscale > 0 else 1.0
        wsum = float(w.sum())
        mean_x = float(np.dot(w, x) / wsum) if wsum > 0 else 0.0
        starts = [
            {"r": 1.0, "alpha": tscale, "s": 1.0, "beta": tscale},
            {"r": 0.5, "alpha": tscale / max(mean_x, 0.1), "s": 0.5, "beta": tscale},
            {"r": 0.1, "alpha": 0.1 * tscale, "s": 0.1, "beta": 0.1 * tscale},
            {"r": 2.0, "alpha": 5.0 * tscale, "s": 2.0, "beta": 5.0 * tscale},
        ]

        def build(p: dict[str, float]) -> ParetoNBD:
            return cls(**p, period=unit)

        if x.size > _PILOT_MIN_ROWS and config.initial is None:
            starts = [*_pilot_start(x, tx, t_obs, w, config, starts), *starts]
        return fit_mle(
            _SPEC,
            {"frequency": x, "recency": tx, "T": t_obs},
            w,
            config=config,
            starts=starts,
            build=build,
            period=unit,
        )

    # ------------------------------------------------------------------ likelihood
    def loglik_contributions(self, summary: pd.DataFrame, /) -> pd.Series:
        """Log-likelihood of each row (not multiplied by ``weight``).

        Returns
        -------
        Series
            Named ``"loglik"``, indexed like ``summary``.
        """
        x, tx, t_obs = self._stats(summary, "loglik_contributions")
        p = np.array(self._params())
        ll = _pareto.loglik_rows(p, {"frequency": x, "recency": tx, "T": t_obs})
        return pd.Series(ll, index=summary.index, name="loglik")

    def loglik(self, summary: pd.DataFrame, /) -> float:
        """Total log-likelihood of ``summary`` (weighted by its ``weight`` column, if any).

        The value depends on the time unit of ``recency`` and ``T``: re-expressing
        data and model in a unit ``c`` times longer shifts it by ``sum(x) * log(c)``.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]})
        >>> round(m.loglik(s), 6)
        -10.07533
        """
        x, tx, t_obs, w = check_btyd_summary(summary, "ParetoNBD.loglik")
        p = np.array(self._params())
        return float(np.dot(w, _pareto.loglik_rows(p, {"frequency": x, "recency": tx, "T": t_obs})))

    # ------------------------------------------------------------------ predictions
    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """Probability that each customer is still alive at ``T`` (note 009, eq. 29).

        Returns
        -------
        Series
            Named ``"p_alive"``, indexed like ``summary``; always in ``[0, 1]``.
        """
        x, tx, t_obs = self._stats(summary, "probability_alive")
        p = _pareto.probability_alive(self._params(), x, tx, t_obs)
        return pd.Series(p, index=summary.index, name="p_alive")

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float | ArrayLike) -> pd.Series:
        """Expected number of purchases in ``(T, T + t]`` given each history (note 009, eq. 41).

        ``P(alive) * (r+x)(β+T) / ((α+T)(s-1)) * [1 - ((β+T)/(β+T+t))^(s-1)]``,
        with the ``s -> 1`` limit ``log((β+T+t)/(β+T))`` taken exactly.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T`` (model time unit).
        t : float or array-like
            Horizon (same unit), a scalar or one value per customer.

        Returns
        -------
        Series
            Named ``"expected_purchases"``, indexed like ``summary``.
        """
        x, tx, t_obs = self._stats(summary, "expected_purchases")
        tt = _times(t)
        if tt.ndim > 1 or (tt.ndim == 1 and tt.size != x.size):
            msg = f"t must be a scalar or have one value per customer ({x.size}); got shape {tt.shape}."
            raise ParameterError(msg)
        tt = np.broadcast_to(tt, x.shape)
        e = _pareto.conditional_expected(self._params(), x, tx, t_obs, tt)
        return pd.Series(e, index=summary.index, name="expected_purchases")

    def expected_purchases_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Expected repeat purchases of a new customer in ``(0, t]`` (note 009, eq. 31).

        Summed over a cohort's ages, this is the cumulative repeat-purchase
        tracking curve.

        Parameters
        ----------
        t : float or array-like
            Time(s) since the first purchase.

        Returns
        -------
        ndarray
            Same shape as ``t``.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.expected_purchases_new_customer([0.0, 39.0, 78.0]).round(4).tolist()
        [0.0, 1.213, 1.9094]
        """
        return _pareto.expected_new(self._params(), _times(t))

    def probability_alive_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Probability that a new customer is still alive ``t`` after the first purchase.

        ``(β / (β + t))^s``; times the cohort size, the expected number alive.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.probability_alive_new_customer([0.0, 52.0]).round(4).tolist()
        [1.0, 0.3576]
        """
        tt = _times(t)
        out: FloatArray = np.exp(-self.s * np.log1p(tt / self.beta))
        return out

    def purchase_count_pmf(self, n: int | ArrayLike, t: float) -> pd.Series:
        """Unconditional ``P(X(t) = n)`` for a new customer.

        Alive throughout ``(0, t]`` (NBD count times ``(β/(β+t))^s``) or dead at
        ``τ < t`` (NBD count over ``τ`` integrated against the Pareto lifetime
        density by adaptive quadrature, relative accuracy about 1e-10). Meant for
        a handful of counts (one quadrature per ``n``).

        Parameters
        ----------
        n : int or array-like of int
            Numbers of repeat purchases (>= 0).
        t : float
            Time since the first purchase.

        Returns
        -------
        Series
            Named ``"pmf"``, indexed by ``n``.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.purchase_count_pmf([0, 1, 2], t=39.0).round(4).tolist()
        [0.5936, 0.1656, 0.0825]
        """
        nn = np.atleast_1d(np.asarray(n))
        if nn.ndim != 1 or not np.all((nn >= 0) & (nn == np.floor(nn))):
            msg = f"n must be non-negative integers; got {n!r}."
            raise ParameterError(msg)
        tt = _scalar(t)
        vals = [_pareto.purchase_count_pmf(self._params(), int(k), tt) for k in nn]
        return pd.Series(vals, index=pd.Index(nn, name="n"), name="pmf", dtype=np.float64)

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """Discounted expected residual transactions (DERT), FHL (2005, "RFM and CLV", eq. 2).

        ``DERT = P(alive) (r+x)/(α+T) (β+T)^s δ^(s-1) U(s, s; δ(β+T))`` with ``U``
        the confluent hypergeometric function of the second kind: the expected
        discounted number of future transactions, ``∫_0^∞ e^{-δt} dE[X(T, T+t)]``.

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T``.
        discount_rate : float
            Continuous discount rate ``δ > 0`` per model time unit (for an annual
            rate ``d`` with weekly data use ``δ = log(1 + d) / 52.18``).

        Returns
        -------
        Series
            Named ``"dert"``, indexed like ``summary``.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]})
        >>> m.discounted_expected_transactions(s, discount_rate=np.log(1.15) / 52).round(3).tolist()
        [0.478, 6.502]
        """
        delta = float(discount_rate)
        if not (np.isfinite(delta) and delta > 0):
            msg = f"discount_rate must be a finite float > 0; got {discount_rate!r}."
            raise ParameterError(msg)
        x, tx, t_obs = self._stats(summary, "discounted_expected_transactions")
        d = _pareto.dert(self._params(), x, tx, t_obs, delta)
        return pd.Series(d, index=summary.index, name="dert")

    # ------------------------------------------------------------------ units
    def in_period(self, period: Period) -> Self:
        """The same model with time measured in ``period`` (``α``, ``β`` rescale; shapes do not).

        Raises
        ------
        ParameterError
            The model's own period is unspecified.

        Examples
        --------
        >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669, period="W")
        >>> round(m.in_period("D").alpha, 3)
        74.046
        """
        if self.period is None:
            msg = (
                "ParetoNBD.in_period needs the model's period; this model has period=None "
                "(pass period= to fit or to the constructor)."
            )
            raise ParameterError(msg)
        new = TimeUnit.parse(period)
        factor = new.days / self.period.days
        return attrs.evolve(self, alpha=self.alpha / factor, beta=self.beta / factor, period=new)


def simulate_pareto_nbd(
    model: ParetoNBD,
    n_customers: int,
    *,
    T: float | ArrayLike,
    seed: int,
    holdout: float | None = None,
    resolution: float | None = None,
) -> Simulation:
    """Simulate Pareto/NBD customers observed for ``T`` time units after their first purchase.

    Per customer ``λ ~ Gamma(r, α)``, ``μ ~ Gamma(s, β)`` (rates; ``α``, ``β`` are
    scales in time units), a lifetime ``τ ~ Exp(μ)``, ``x ~ Poisson(λ min(τ, T))``
    repeat purchases, and ``t_x`` the largest of ``x`` uniform times on
    ``(0, min(τ, T))`` (a ``Beta(x, 1)`` fraction). Vectorised, no loop over customers.

    Parameters
    ----------
    model : ParetoNBD
        Population parameters.
    n_customers : int
        Number of customers.
    T : float or array-like
        Observation length per customer (scalar or one per customer), > 0.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    holdout : float, optional
        Length of a holdout window after ``T``; adds ``frequency_holdout`` and
        ``duration_holdout``.
    resolution : float, optional
        Round purchase times and ``T`` down to multiples of ``resolution`` (e.g.
        ``1/7`` for day-stamped data in weeks), as a dated transaction log does.
        ``None`` keeps continuous times.

    Returns
    -------
    Simulation
        ``truth`` has ``lam``, ``mu`` and ``alive`` (alive at ``T``).

    Examples
    --------
    >>> m = ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> sim = simulate_pareto_nbd(m, 2000, T=39.0, seed=1)
    >>> sim.summary.columns.tolist(), sim.truth.columns.tolist()
    (['frequency', 'recency', 'T'], ['lam', 'mu', 'alive'])
    >>> bool((sim.summary["recency"] <= sim.summary["T"]).all())
    True
    """
    from custrel.models.simulate import Simulation  # lazy: avoids an import cycle

    if not (isinstance(n_customers, int | np.integer) and n_customers >= 1):
        msg = f"n_customers must be an int >= 1; got {n_customers!r}."
        raise ParameterError(msg)
    n = int(n_customers)
    t_arr = _times(T, "T")
    if t_arr.ndim > 1 or (t_arr.ndim == 1 and t_arr.size != n):
        msg = f"T must be a scalar or one value per customer ({n}); got shape {t_arr.shape}."
        raise ParameterError(msg)
    t_obs = np.broadcast_to(t_arr, (n,)).astype(np.float64)
    res = None
    if resolution is not None:
        res = _scalar(resolution, "resolution")
        if res <= 0:
            msg = f"resolution must be > 0; got {resolution!r}."
            raise ParameterError(msg)
        t_obs = np.floor(t_obs / res + 1e-9) * res
    rng = np.random.default_rng(seed)
    lam = rng.gamma(model.r, 1.0 / model.alpha, n)
    mu = rng.gamma(model.s, 1.0 / model.beta, n)
    tau = rng.exponential(1.0, n) / np.maximum(mu, 1e-300)
    span = np.minimum(tau, t_obs)
    x = rng.poisson(lam * span)
    u = rng.beta(np.maximum(x, 1), 1.0)
    tx = np.where(x > 0, span * u, 0.0)
    if res is not None:
        tx = np.minimum(np.floor(tx / res + 1e-9) * res, t_obs)
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": tx, "T": t_obs},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    alive = tau > t_obs
    if holdout is not None:
        h = float(holdout)
        if not (np.isfinite(h) and h > 0):
            msg = f"holdout must be a finite float > 0; got {holdout!r}."
            raise ParameterError(msg)
        span_h = np.clip(tau - t_obs, 0.0, h)
        summary["frequency_holdout"] = rng.poisson(lam * span_h).astype(np.int64)
        summary["duration_holdout"] = h
    truth = pd.DataFrame({"lam": lam, "mu": mu, "alive": alive}, index=summary.index)
    return Simulation(summary=summary, truth=truth, model=model, seed=seed)
