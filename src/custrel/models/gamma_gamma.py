"""Gamma-gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie note 025).

A customer's transaction values are ``z ~ Gamma(p, ν)`` (shape ``p``, rate ``ν``)
around a customer-specific mean ``p/ν``, and ``ν ~ Gamma(q, γ)`` across
customers. The model sees a customer through the number of repeat
transactions ``x`` (``frequency``) and their mean value ``m`` (``monetary_value``);
it assumes spend per transaction is independent of the purchase process, so
it is paired with a purchase model (BG/NBD, Pareto/NBD) for CLV.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value
       curves for customer base analysis. J. Marketing Research 42(4), 415-430
       (section "Adding monetary value", eqs. 3-5; CDNOW estimates p=6.25, q=3.74, γ=15.44).
.. [2] Fader, P. S. & Hardie, B. G. S. (2013). The gamma-gamma model of monetary value.
       Note 025, brucehardie.com (eq. 3 with the x^(px) Jacobian term, eq. 5).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special

from custrel.data._validate import ProblemList
from custrel.errors import DataWarning, ParameterError, SchemaError
from custrel.models._mle import (
    FitConfig,
    FitResult,
    ModelDisplay,
    ModelSpec,
    fit_mle,
    positive_param,
    weights_of,
)
from custrel.models._special import FloatArray

if TYPE_CHECKING:
    from custrel.models.simulate import Simulation

__all__ = ["CORRELATION_WARNING_THRESHOLD", "GammaGamma", "simulate_gamma_gamma"]

_DEFAULT_CONFIG = FitConfig()

#: ``|Pearson correlation|`` of frequency and monetary value among repeat customers
#: above which :meth:`GammaGamma.fit` emits a :class:`~custrel.errors.DataWarning`.
CORRELATION_WARNING_THRESHOLD = 0.3


def _loglik_rows(params: FloatArray, data: Mapping[str, FloatArray]) -> FloatArray:
    p, q, gamma = (float(v) for v in params)
    x, m = data["frequency"], data["monetary_value"]
    px = p * x
    out: FloatArray = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x)
    )
    return out


def _loglik_grad(
    params: FloatArray, data: Mapping[str, FloatArray], w: FloatArray
) -> tuple[float, FloatArray]:
    p, q, gamma = (float(v) for v in params)
    x, m = data["frequency"], data["monetary_value"]
    px = p * x
    lgm = np.log(gamma + m * x)
    psi_pxq = special.digamma(px + q)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * lgm
    )
    g_p = x * (psi_pxq - special.digamma(px) + np.log(m) + np.log(x) - lgm)
    g_q = psi_pxq - special.digamma(q) + np.log(gamma) - lgm
    g_g = q / gamma - (px + q) / (gamma + m * x)
    grad = np.array([np.dot(w, g_p), np.dot(w, g_q), np.dot(w, g_g)], dtype=np.float64)
    return float(np.dot(w, ll)), grad


def _jacobian_order(data: Mapping[str, FloatArray], weights: FloatArray) -> float:
    """One spend density per customer: ``LL`` shifts by ``sum(w) log(c)`` under rescaling."""
    return float(np.sum(weights))


_SPEC = ModelSpec(
    name="GammaGamma",
    param_names=("p", "q", "gamma"),
    data_columns=("frequency", "monetary_value"),
    loglik_rows=_loglik_rows,
    loglik_grad=_loglik_grad,
    time_columns=("monetary_value",),
    scale_params=("gamma",),
    scale_column="monetary_value",
    jacobian_order=_jacobian_order,
)


def _spend_data(
    summary: pd.DataFrame, what: str
) -> tuple[FloatArray, FloatArray, FloatArray, np.ndarray]:
    """Validate ``frequency`` / ``monetary_value``; return ``(x, m, weight, repeat_mask)``.

    Repeat customers (``frequency > 0``) must have a finite monetary value > 0.
    """
    if not isinstance(summary, pd.DataFrame):
        msg = f"{what} expects a pandas DataFrame summary; got {type(summary).__name__}."
        raise SchemaError(msg)
    missing = [c for c in ("frequency", "monetary_value") if c not in summary.columns]
    if missing:
        msg = (
            f"{what}: the summary lacks column(s) {missing}; it needs ['frequency', "
            "'monetary_value'] (custrel.summarize(...) produces them)."
        )
        raise SchemaError(msg)
    try:
        x = np.asarray(summary["frequency"], dtype=np.float64)
        m = np.asarray(summary["monetary_value"], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{what}: columns 'frequency' and 'monetary_value' must be numeric."
        raise SchemaError(msg) from exc
    plist = ProblemList(what)
    idx = summary.index
    plist.check_rows(
        ~np.isfinite(x) | (x < 0) | (x != np.floor(x)),
        column="frequency",
        rule="must be a finite non-negative integer",
        index=idx,
        values=summary["frequency"],
        label="customer",
    )
    repeat = np.isfinite(x) & (x > 0)
    plist.check_rows(
        repeat & ~np.isfinite(m),
        column="monetary_value",
        rule="must be finite for repeat customers (frequency > 0)",
        index=idx,
        values=summary["monetary_value"],
        label="customer",
    )
    plist.check_rows(
        repeat & np.isfinite(m) & (m <= 0),
        column="monetary_value",
        rule=(
            "must be > 0 for repeat customers (frequency > 0): the gamma-gamma model has "
            "positive spend per transaction. Net returns against the purchase occasion they "
            "belong to, or drop these customers explicitly (e.g. "
            "summary[summary['monetary_value'] > 0]) and say so"
        ),
        index=idx,
        values=summary["monetary_value"],
        label="customer",
    )
    w = weights_of(summary, what, plist)
    plist.raise_if_any()
    return x, m, w, repeat


@attrs.frozen(kw_only=True)
class GammaGamma(ModelDisplay):
    r"""Gamma-gamma spend model with fixed parameters (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    p : float
        Shape of the gamma distribution of a customer's transaction values.
    q, gamma : float
        Shape and rate of the gamma heterogeneity of the transaction-value rate ``ν``
        (``gamma`` is in currency units).

    Notes
    -----
    The density of the mean ``m`` of ``x`` transactions (note 025, eq. 3), which
    includes the Jacobian ``x^{px}`` of the mean:

    .. math::

        f(m \mid x) = \frac{\Gamma(px+q)}{\Gamma(px)\Gamma(q)}
            \frac{\gamma^q\, m^{px-1}\, x^{px}}{(\gamma + m x)^{px+q}}

    :meth:`loglik` reports this convention (lifetimes' ``GammaGammaFitter`` does
    too); without the Jacobian the value is lower by ``sum(p x log x)``.
    The conditional expected spend is a weighted mean of the population mean
    ``pγ/(q-1)`` and the customer's own mean ``m`` (FHL 2005, eq. 5):

    .. math::

        E[M \mid x, m] = \frac{q-1}{px+q-1}\frac{p\gamma}{q-1} + \frac{px}{px+q-1} m

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). J. Marketing Research 42(4).
    .. [2] Fader, P. S. & Hardie, B. G. S. (2013). Note 025, brucehardie.com.

    Examples
    --------
    >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)  # FHL (2005), CDNOW
    >>> round(gg.mean_spend, 3)
    35.219
    >>> s = pd.DataFrame({"frequency": [0, 1, 10], "monetary_value": [0.0, 20.0, 20.0]})
    >>> gg.expected_spend(s).round(3).tolist()
    [35.219, 24.638, 20.639]
    """

    p: float = attrs.field(validator=positive_param, converter=float)
    q: float = attrs.field(validator=positive_param, converter=float)
    gamma: float = attrs.field(validator=positive_param, converter=float)

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(
        cls, summary: pd.DataFrame, /, *, config: FitConfig = _DEFAULT_CONFIG
    ) -> FitResult[GammaGamma]:
        """Fit by maximum likelihood on the repeat customers' ``frequency`` and ``monetary_value``.

        Only customers with ``frequency > 0`` carry spend information (the
        monetary value is the mean of the *repeat* transactions), so the fit uses
        exactly those rows; ``FitResult.n_customers`` says how many. An optional
        ``weight`` column counts identical customers.

        Parameters
        ----------
        summary : DataFrame
            ``frequency`` and ``monetary_value`` per customer (e.g. from
            :func:`custrel.summarize`).
        config : FitConfig
            Penalty, iterations, start point, covariance.

        Returns
        -------
        FitResult[GammaGamma]
            ``loglik`` includes the ``x^{px}`` Jacobian term (note 025, eq. 3).

        Raises
        ------
        SchemaError
            A column is missing or not numeric.
        DataValidationError
            A repeat customer has a non-positive or missing monetary value (the
            message says how to fix it), or frequencies are not integers.
        ParameterError
            No repeat customer.

        Warns
        -----
        DataWarning
            ``|corr(frequency, monetary_value)| > 0.3`` among repeat customers: the
            model assumes spend is independent of the purchase process.

        Examples
        --------
        >>> import custrel
        >>> from custrel.datasets import load_cdnow
        >>> s = custrel.calibration_holdout(load_cdnow(), calibration_end="1997-09-30",
        ...                                 observation_end="1998-06-30", period="W")
        >>> res = GammaGamma.fit(s)
        >>> res.params.round(2).tolist(), round(res.loglik, 3), res.n_customers
        ([6.25, 3.74, 15.44], -4055.918, 946.0)
        """
        x, m, w, repeat = _spend_data(summary, "GammaGamma.fit")
        keep = repeat & (w > 0)
        if not keep.any():
            msg = "GammaGamma.fit needs at least one repeat customer (frequency > 0); got none."
            raise ParameterError(msg)
        xr, mr, wr = x[keep], m[keep], w[keep]
        if keep.sum() >= 3:
            rho = _weighted_corr(xr, mr, wr)
            if abs(rho) > CORRELATION_WARNING_THRESHOLD:
                warnings.warn(
                    f"GammaGamma.fit: frequency and monetary_value are correlated among repeat "
                    f"customers (Pearson r = {rho:.2f}, threshold "
                    f"{CORRELATION_WARNING_THRESHOLD}); the gamma-gamma model assumes spend "
                    "per transaction is independent of the purchase process, so its "
                    "conditional spend (and CLV) may be biased.",
                    DataWarning,
                    stacklevel=2,
                )
        mean_m = float(np.dot(wr, mr) / wr.sum())
        starts = [
            {"p": 1.0, "q": 1.0, "gamma": 1.0},
            {"p": 2.0, "q": 3.0, "gamma": mean_m},
            {"p": 0.5, "q": 2.0, "gamma": 0.1 * mean_m},
            {"p": 10.0, "q": 10.0, "gamma": 10.0 * mean_m},
        ]

        def build(params: dict[str, float]) -> GammaGamma:
            return cls(**params)

        return fit_mle(
            _SPEC,
            {"frequency": xr, "monetary_value": mr},
            wr,
            config=config,
            starts=starts,
            build=build,
            period=None,
        )

    # ------------------------------------------------------------------ likelihood
    def loglik_contributions(self, summary: pd.DataFrame, /) -> pd.Series:
        """Log-likelihood of each repeat customer (NaN-free; ``0.0`` for ``frequency == 0``).

        Customers without repeat transactions carry no spend information and
        contribute exactly zero.

        Returns
        -------
        Series
            Named ``"loglik"``, indexed like ``summary``.
        """
        x, m, _, repeat = _spend_data(summary, "GammaGamma.loglik_contributions")
        out = np.zeros(x.size)
        p = np.array([self.p, self.q, self.gamma])
        out[repeat] = _loglik_rows(p, {"frequency": x[repeat], "monetary_value": m[repeat]})
        return pd.Series(out, index=summary.index, name="loglik")

    def loglik(self, summary: pd.DataFrame, /) -> float:
        """Total log-likelihood of the repeat customers in ``summary`` (with the Jacobian term).

        Examples
        --------
        >>> gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)
        >>> s = pd.DataFrame({"frequency": [0, 2], "monetary_value": [0.0, 30.0]})
        >>> round(gg.loglik(s), 6)
        -3.847048
        """
        x, m, w, repeat = _spend_data(summary, "GammaGamma.loglik")
        p = np.array([self.p, self.q, self.gamma])
        ll = _loglik_rows(p, {"frequency": x[repeat], "monetary_value": m[repeat]})
        return float(np.dot(w[repeat], ll))

    # ------------------------------------------------------------------ predictions
    @property
    def mean_spend(self) -> float:
        """Population mean spend per transaction, ``pγ / (q - 1)``.

        Raises
        ------
        ParameterError
            ``q <= 1``: the mean does not exist (it is infinite).
        """
        if self.q <= 1.0:
            msg = (
                f"GammaGamma.mean_spend is infinite for q <= 1 (q = {self.q}); the population "
                "mean spend does not exist under these parameters."
            )
            raise ParameterError(msg)
        return self.p * self.gamma / (self.q - 1.0)

    def expected_spend(self, summary: pd.DataFrame, /) -> pd.Series:
        """Conditional expected average spend per transaction (FHL 2005, eq. 5).

        Customers with ``frequency == 0`` get the population mean :attr:`mean_spend`
        (their ``monetary_value`` is ignored).

        Returns
        -------
        Series
            Named ``"expected_spend"``, indexed like ``summary``.

        Raises
        ------
        DataValidationError
            A repeat customer has a non-positive or missing monetary value.
        ParameterError
            ``q <= 1`` and the summary has customers without repeat transactions
            (their expected spend is infinite), or ``px + q <= 1`` for a customer.
        """
        x, m, _, repeat = _spend_data(summary, "GammaGamma.expected_spend")
        p, q, gamma = self.p, self.q, self.gamma
        den = p * x + q - 1.0
        bad = repeat & (den <= 0)
        if q <= 1.0:
            bad = bad | ~repeat
        if bad.any():
            msg = (
                f"GammaGamma.expected_spend is infinite for {int(bad.sum())} "
                f"customer(s) because q = {q} is too small (needs p*x + q > 1, and q > 1 for "
                "customers without repeat transactions)."
            )
            raise ParameterError(msg)
        mm = np.where(repeat, m, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = p * (gamma + mm * x) / den
        out = np.where(repeat, cond, p * gamma / (q - 1.0) if q > 1.0 else 0.0)
        return pd.Series(out, index=summary.index, name="expected_spend")


def simulate_gamma_gamma(
    model: GammaGamma,
    frequency: ArrayLike | pd.Series,
    *,
    seed: int,
) -> Simulation:
    """Draw mean repeat-transaction values for customers with the given ``frequency``.

    Per customer ``ν ~ Gamma(q, rate γ)``; the sum of the ``x`` repeat transaction
    values is ``Gamma(px, rate ν)`` and ``monetary_value`` is their mean (0 when
    ``x == 0``). Vectorised, no loop over customers.

    Returns
    -------
    Simulation
        ``summary`` has ``frequency`` and ``monetary_value`` (indexed like
        ``frequency`` when it is a Series); ``truth`` has ``nu`` and the customer's
        true mean spend ``mean_spend = p / ν``.

    Examples
    --------
    >>> sim = simulate_gamma_gamma(GammaGamma(p=6.25, q=3.74, gamma=15.44), [0, 2, 5], seed=3)
    >>> sim.summary.columns.tolist(), float(sim.summary["monetary_value"].iloc[0])
    (['frequency', 'monetary_value'], 0.0)
    """
    from custrel.models.simulate import Simulation  # lazy: avoids an import cycle

    x = np.asarray(frequency, dtype=np.float64)
    if x.ndim != 1 or not np.all(np.isfinite(x) & (x >= 0) & (x == np.floor(x))):
        msg = "frequency must be a 1-d array of non-negative integers."
        raise ParameterError(msg)
    rng = np.random.default_rng(seed)
    nu = rng.gamma(model.q, 1.0 / model.gamma, x.size)
    total = rng.gamma(np.maximum(model.p * x, 1e-300), 1.0 / nu)
    m = np.where(x > 0, total / np.maximum(x, 1.0), 0.0)
    index = (
        frequency.index
        if isinstance(frequency, pd.Series)
        else pd.RangeIndex(x.size, name="customer_id")
    )
    summary = pd.DataFrame({"frequency": x.astype(np.int64), "monetary_value": m}, index=index)
    truth = pd.DataFrame({"nu": nu, "mean_spend": model.p / nu}, index=index)
    return Simulation(summary=summary, truth=truth, model=model, seed=seed)


def _weighted_corr(x: FloatArray, y: FloatArray, w: FloatArray) -> float:
    """Weighted Pearson correlation (0 when either variable is constant)."""
    ws = w.sum()
    mx, my = np.dot(w, x) / ws, np.dot(w, y) / ws
    dx, dy = x - mx, y - my
    vx, vy = np.dot(w, dx * dx), np.dot(w, dy * dy)
    if vx <= 0 or vy <= 0:
        return 0.0
    return float(np.dot(w, dx * dy) / math.sqrt(vx * vy))
