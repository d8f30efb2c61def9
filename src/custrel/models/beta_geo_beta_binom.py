r"""BG/BB: the beta-geometric/beta-binomial model for discrete transaction opportunities.

Fader, Hardie & Shang (2010): at each of ``n`` discrete opportunities after the
first purchase (e.g. yearly donation drives), an alive customer transacts with
probability ``p ~ Beta(α, β)``; at the start of each opportunity an alive
customer becomes inactive for good with probability ``θ ~ Beta(γ, δ)``. The
sufficient statistics are ``(x, t_x, n)`` = (``frequency``, ``recency``,
``n_periods``), all integers: ``x`` transactions, the last at opportunity
``t_x`` (0 when ``x == 0``), out of ``n`` opportunities.

Individual likelihood (FHS 2010, eq. 5):

.. math::

    L = \frac{B(\alpha+x, \beta+n-x)}{B(\alpha,\beta)} \frac{B(\gamma, \delta+n)}{B(\gamma,\delta)}
      + \sum_{i=0}^{n-t_x-1} \frac{B(\alpha+x, \beta+t_x-x+i)}{B(\alpha,\beta)}
        \frac{B(\gamma+1, \delta+t_x+i)}{B(\gamma,\delta)}

computed as a masked log-sum-exp over all terms with an analytic gradient.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
       discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108.
       Eq. (5) likelihood, (8) E[X(n)], (11) P(alive), (13) conditional expectation,
       (14)-(15) DERT.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from custrel.data._time import Period, TimeUnit
from custrel.data._validate import ProblemList
from custrel.errors import ParameterError
from custrel.models._mle import (
    DEFAULT_FIT_CONFIG,
    FitConfig,
    FitResult,
    ModelDisplay,
    ModelSpec,
    _numeric,
    _require_columns,
    fit_mle,
    parse_period,
    positive_param,
    weights_of,
)
from custrel.models._special import FloatArray, hyp2f1

__all__ = ["BetaGeoBetaBinom", "check_discrete_summary"]

_COLS = ("frequency", "recency", "n_periods")
_CHUNK = 4_000_000  # matrix cells per block of the likelihood sum


def check_discrete_summary(
    summary: pd.DataFrame, what: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate a discrete-time summary; return ``(frequency, recency, n_periods, weight)``.

    Rules (all reported at once, with counts and example ids): finite
    integers; ``0 <= frequency <= recency <= n_periods``; ``recency == 0``
    exactly when ``frequency == 0``; ``weight`` finite and >= 0.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [2, 0], "recency": [1, 0], "n_periods": [6, 6]})
    >>> check_discrete_summary(s, "BetaGeoBetaBinom.fit")
    Traceback (most recent call last):
    ...
    custrel.errors.DataValidationError: BetaGeoBetaBinom.fit: 1 problem(s) found:
      - column 'frequency': must be <= recency; 1 of 2 customers violate it (e.g. customer 0 with values 2)
    """
    _require_columns(summary, _COLS, what)
    x, tx, n = (_numeric(summary, c, what) for c in _COLS)
    plist = ProblemList(what)
    idx = summary.index
    fin = np.ones(x.size, dtype=bool)
    for name, arr in zip(_COLS, (x, tx, n), strict=True):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
        plist.check_rows(
            bad,
            column=name,
            rule="must be a finite non-negative integer",
            index=idx,
            values=summary[name],
            label="customer",
        )
        fin &= ~bad
    plist.check_rows(
        fin & (x > tx),
        column="frequency",
        rule="must be <= recency",
        index=idx,
        values=summary["frequency"],
        label="customer",
    )
    plist.check_rows(
        fin & (tx > n),
        column="recency",
        rule="must be <= n_periods",
        index=idx,
        values=summary["recency"],
        label="customer",
    )
    plist.check_rows(
        fin & ((x == 0) != (tx == 0)),
        column="recency",
        rule="must be 0 exactly when frequency is 0",
        index=idx,
        values=summary["recency"],
        label="customer",
    )
    w = weights_of(summary, what, plist)
    plist.raise_if_any()
    return x, tx, n, w


def _terms(
    params: FloatArray, x: FloatArray, tx: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Log of the survival term (column 0) and the dropout terms; the matrix ``k``; the mask."""
    al, be, ga, de = (float(v) for v in params)
    j_max = int(np.max(n - tx)) if n.size else 0
    i = np.arange(max(j_max, 0), dtype=np.float64)
    k = tx[:, None] + i[None, :]
    mask = i[None, :] < (n - tx)[:, None]
    k_safe = np.where(mask, k, tx[:, None])
    base = special.betaln(al, be) + special.betaln(ga, de)
    t0 = special.betaln(al + x, be + n - x) + special.betaln(ga, de + n) - base
    ti = (
        special.betaln(al + x[:, None], be + k_safe - x[:, None])
        + special.betaln(ga + 1.0, de + k_safe)
        - base
    )
    ti = np.where(mask, ti, -np.inf)
    terms: FloatArray = np.concatenate([t0[:, None], ti], axis=1)
    return terms, k_safe.astype(np.float64), mask


def _chunks(size: int, width: int) -> list[slice]:
    step = max(1, _CHUNK // max(width, 1))
    return [slice(s, s + step) for s in range(0, size, step)]


def _loglik_rows(params: FloatArray, data: Mapping[str, FloatArray]) -> FloatArray:
    x, tx, n = data["frequency"], data["recency"], data["n_periods"]
    out = np.empty_like(x)
    width = int(np.max(n - tx)) + 1 if n.size else 1
    for sl in _chunks(x.size, width):
        terms, _, _ = _terms(params, x[sl], tx[sl], n[sl])
        out[sl] = special.logsumexp(terms, axis=1)
    return out


def _loglik_grad(
    params: FloatArray, data: Mapping[str, FloatArray], w: FloatArray
) -> tuple[float, FloatArray]:
    al, be, ga, de = (float(v) for v in params)
    x_all, tx_all, n_all = data["frequency"], data["recency"], data["n_periods"]
    dg = special.digamma
    total = 0.0
    grad = np.zeros(4)
    c_ab = dg(al + be)
    c_gd = dg(ga + de)
    width = int(np.max(n_all - tx_all)) + 1 if n_all.size else 1
    for sl in _chunks(x_all.size, width):
        x, tx, n, ww = x_all[sl], tx_all[sl], n_all[sl], w[sl]
        terms, k, mask = _terms(params, x, tx, n)
        lse = special.logsumexp(terms, axis=1)
        total += float(np.dot(ww, lse))
        s = np.exp(terms - lse[:, None])  # softmax weights, 0 where masked
        s0, si = s[:, 0], s[:, 1:]
        xx = x[:, None]
        # survival term
        d0 = np.stack(
            [
                dg(al + x) - dg(al + be + n) - dg(al) + c_ab,
                dg(be + n - x) - dg(al + be + n) - dg(be) + c_ab,
                c_gd - dg(ga + de + n),
                dg(de + n) - dg(ga + de + n) - dg(de) + c_gd,
            ]
        )
        # dropout terms
        abk = dg(al + be + k)
        gdk = dg(ga + de + 1.0 + k)
        di_a = dg(al + xx) - abk - dg(al) + c_ab
        di_b = dg(be + k - xx) - abk - dg(be) + c_ab
        di_g = dg(ga + 1.0) - gdk - dg(ga) + c_gd
        di_d = dg(de + k) - gdk - dg(de) + c_gd
        for j, di in enumerate((di_a, di_b, di_g, di_d)):
            per_row = s0 * d0[j] + np.sum(np.where(mask, si * di, 0.0), axis=1)
            grad[j] += float(np.dot(ww, per_row))
    return total, grad


_SPEC = ModelSpec(
    name="BetaGeoBetaBinom",
    param_names=("alpha", "beta", "gamma", "delta"),
    data_columns=_COLS,
    loglik_rows=_loglik_rows,
    loglik_grad=_loglik_grad,
)


def _near_one(g: float) -> list[float]:
    return [g] if abs(g - 1.0) > 1e-7 else [1.0 - 1e-7, 1.0 + 1e-7]


def _future(t: float | ArrayLike, n: int, name: str) -> FloatArray:
    arr = np.asarray(t, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != n):
        msg = f"{name} must be a scalar or one value per customer ({n}); got shape {arr.shape}."
        raise ParameterError(msg)
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        msg = f"{name} must be finite and >= 0; got {t!r}."
        raise ParameterError(msg)
    return np.broadcast_to(arr, (n,)).astype(np.float64)


@attrs.frozen(kw_only=True)
class BetaGeoBetaBinom(ModelDisplay):
    """BG/BB model with fixed parameters (Fader, Hardie & Shang 2010).

    Parameters
    ----------
    alpha, beta : float
        Beta heterogeneity of the transaction probability ``p`` while alive.
    gamma, delta : float
        Beta heterogeneity of the dropout probability ``θ`` per opportunity.
    period : str, TimeUnit or None
        Length of one transaction opportunity, recorded for reference
        (e.g. ``"Y"`` for yearly donation drives); ``None`` when unspecified.

    Notes
    -----
    Time is counted in opportunities: ``t`` arguments are numbers of future
    opportunities and ``discount_rate`` is per opportunity.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in
           a discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> m = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)  # FHS (2010)
    >>> s = pd.DataFrame({"frequency": [0, 2, 6], "recency": [0, 4, 6], "n_periods": [6, 6, 6]})
    >>> m.probability_alive(s).round(2).tolist()   # P(alive in 2002), FHS (2010) Table 6
    [0.11, 0.59, 0.93]
    """

    alpha: float = attrs.field(validator=positive_param, converter=float)
    beta: float = attrs.field(validator=positive_param, converter=float)
    gamma: float = attrs.field(validator=positive_param, converter=float)
    delta: float = attrs.field(validator=positive_param, converter=float)
    period: TimeUnit | None = attrs.field(default=None, converter=parse_period)

    def _arr(self) -> FloatArray:
        return np.array([self.alpha, self.beta, self.gamma, self.delta])

    def _stats(self, summary: pd.DataFrame, what: str) -> tuple[FloatArray, ...]:
        x, tx, n, _ = check_discrete_summary(summary, f"{type(self).__name__}.{what}")
        return x, tx, n

    @classmethod
    def fit(
        cls,
        summary: pd.DataFrame,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = DEFAULT_FIT_CONFIG,
    ) -> FitResult[BetaGeoBetaBinom]:
        """Fit by maximum likelihood on ``frequency``, ``recency``, ``n_periods`` (and ``weight``).

        Parameters
        ----------
        summary : DataFrame
            One row per customer, or per pattern with a ``weight`` column
            (as :func:`custrel.datasets.load_donations` returns).
        period : str, TimeUnit or None
            Length of one opportunity (recorded only).
        config : FitConfig
            Penalty, iterations, start point, covariance.

        Returns
        -------
        FitResult[BetaGeoBetaBinom]

        Raises
        ------
        SchemaError, DataValidationError
            Invalid summary.
        ConvergenceError
            No usable optimum.

        Examples
        --------
        >>> from custrel.datasets import load_donations
        >>> res = BetaGeoBetaBinom.fit(load_donations(), period="Y")
        >>> res.params.round(3).tolist(), round(res.loglik, 4)
        ([1.204, 0.75, 0.657, 2.783], -33225.5813)
        """
        x, tx, n, w = check_discrete_summary(summary, f"{cls.__name__}.fit")
        unit = parse_period(period)
        starts = [
            {"alpha": 1.0, "beta": 1.0, "gamma": 1.0, "delta": 1.0},
            {"alpha": 0.5, "beta": 0.5, "gamma": 0.5, "delta": 2.0},
            {"alpha": 2.0, "beta": 1.0, "gamma": 0.2, "delta": 5.0},
        ]
        return fit_mle(
            _SPEC,
            {"frequency": x, "recency": tx, "n_periods": n},
            w,
            config=config,
            starts=starts,
            build=lambda p: cls(**p, period=unit),
            period=unit,
        )

    # ------------------------------------------------------------------ likelihood
    def loglik_contributions(self, summary: pd.DataFrame, /) -> pd.Series:
        """Log-likelihood of each row (not multiplied by ``weight``), named ``"loglik"``."""
        x, tx, n = self._stats(summary, "loglik_contributions")
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "n_periods": n})
        return pd.Series(ll, index=summary.index, name="loglik")

    def loglik(self, summary: pd.DataFrame, /) -> float:
        """Total log-likelihood of ``summary`` (weighted by its ``weight`` column, if any)."""
        x, tx, n, w = check_discrete_summary(summary, f"{type(self).__name__}.loglik")
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "n_periods": n})
        return float(np.dot(w, ll))

    # ------------------------------------------------------------------ predictions
    def probability_alive(self, summary: pd.DataFrame, /, *, periods_ahead: int = 1) -> pd.Series:
        """Probability of being alive at opportunity ``n_periods + periods_ahead``.

        The default ``periods_ahead=1`` is FHS (2010)'s P(alive): alive at the
        next opportunity (for the donations data, "alive in 2002");
        ``periods_ahead=0`` gives alive at the last observed opportunity.

        Returns
        -------
        Series
            Named ``"p_alive"``, indexed like ``summary``.
        """
        if not (isinstance(periods_ahead, int | np.integer) and periods_ahead >= 0):
            msg = f"periods_ahead must be an int >= 0; got {periods_ahead!r}."
            raise ParameterError(msg)
        x, tx, n = self._stats(summary, "probability_alive")
        al, be, ga, de = self._arr()
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "n_periods": n})
        lp = (
            special.betaln(al + x, be + n - x)
            - special.betaln(al, be)
            + special.betaln(ga, de + n + periods_ahead)
            - special.betaln(ga, de)
        )
        return pd.Series(np.exp(lp - ll), index=summary.index, name="p_alive")

    def _gamma_ratio_diff(self, n0: FloatArray, n1: FloatArray) -> FloatArray:
        """``δ/(γ-1) Γ(γ+δ)/Γ(1+δ) [Γ(1+δ+n0)/Γ(γ+δ+n0) - Γ(1+δ+n1)/Γ(γ+δ+n1)]``."""
        de = self.delta
        out = np.zeros_like(n0)
        pts = _near_one(self.gamma)
        for ga in pts:
            c = np.log(de) + special.gammaln(ga + de) - special.gammaln(1.0 + de)
            l0 = special.gammaln(1.0 + de + n0) - special.gammaln(ga + de + n0)
            l1 = special.gammaln(1.0 + de + n1) - special.gammaln(ga + de + n1)
            # exp(c)(e^{l0} - e^{l1}) / (γ - 1), evaluated without cancellation
            diff = np.exp(c + l0) * -np.expm1(l1 - l0)
            out = out + diff / (ga - 1.0)
        res: FloatArray = out / len(pts)
        return res

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float | ArrayLike) -> pd.Series:
        """Expected transactions in the next ``t`` opportunities given each history (FHS eq. 13).

        Returns
        -------
        Series
            Named ``"expected_purchases"``, indexed like ``summary``.
        """
        x, tx, n = self._stats(summary, "expected_purchases")
        tt = _future(t, x.size, "t")
        al, be, _, _ = self._arr()
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "n_periods": n})
        lead = np.exp(special.betaln(al + x + 1.0, be + n - x) - special.betaln(al, be) - ll)
        e = lead * self._gamma_ratio_diff(n, n + tt)
        return pd.Series(e, index=summary.index, name="expected_purchases")

    def expected_purchases_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Expected transactions of a new customer in the first ``t`` opportunities (FHS eq. 8)."""
        tt = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(tt) & (tt >= 0)):
            msg = f"t must be finite and >= 0; got {t!r}."
            raise ParameterError(msg)
        al, be = self.alpha, self.beta
        res: FloatArray = al / (al + be) * self._gamma_ratio_diff(np.zeros_like(tt), tt)
        return res

    def probability_alive_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Probability that a new customer is alive at opportunity ``t``: ``B(γ, δ+t)/B(γ, δ)``."""
        tt = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(tt) & (tt >= 0)):
            msg = f"t must be finite and >= 0; got {t!r}."
            raise ParameterError(msg)
        res: FloatArray = np.exp(
            special.betaln(self.gamma, self.delta + tt) - special.betaln(self.gamma, self.delta)
        )
        return res

    def purchase_count_pmf(self, n: int | ArrayLike, t: int) -> pd.Series:
        """Unconditional ``P(X(t) = n)``: ``n`` transactions in the first ``t`` opportunities.

        Returns
        -------
        Series
            Named ``"pmf"``, indexed by ``n``.
        """
        nn = np.atleast_1d(np.asarray(n))
        if nn.ndim != 1 or not np.all((nn >= 0) & (nn == np.floor(nn))):
            msg = f"n must be non-negative integers; got {n!r}."
            raise ParameterError(msg)
        if not (isinstance(t, int | np.integer) and t >= 0):
            msg = f"t must be an int >= 0 (opportunities); got {t!r}."
            raise ParameterError(msg)
        al, be, ga, de = self._arr()
        xf = nn.astype(np.float64)[:, None]
        tt = float(t)
        lb = special.betaln(al, be) + special.betaln(ga, de)

        def lchoose(a: FloatArray | float, b: FloatArray) -> FloatArray:
            out: FloatArray = (
                special.gammaln(np.asarray(a) + 1.0)
                - special.gammaln(b + 1.0)
                - special.gammaln(np.asarray(a) - b + 1.0)
            )
            return out

        with np.errstate(invalid="ignore"):
            first = np.where(
                xf[:, 0] <= tt,
                np.exp(
                    lchoose(tt, xf[:, 0])
                    + special.betaln(al + xf[:, 0], be + tt - xf[:, 0])
                    + special.betaln(ga, de + tt)
                    - lb
                ),
                0.0,
            )
            i = np.arange(int(t), dtype=np.float64)[None, :]
            ok = i >= xf
            i_safe = np.where(ok, i, xf)
            terms = np.exp(
                lchoose(i_safe, np.broadcast_to(xf, i_safe.shape))
                + special.betaln(al + xf, be + i_safe - xf)
                + special.betaln(ga + 1.0, de + i_safe)
                - lb
            )
            second = np.sum(np.where(ok, terms, 0.0), axis=1)
        return pd.Series(first + second, index=pd.Index(nn, name="n"), name="pmf")

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """Discounted expected residual transactions (FHS 2010, eq. 15).

        Transactions at future opportunities ``n+1, n+2, ...`` are discounted by
        ``(1 + d)^-k`` with ``d = discount_rate`` per opportunity:
        ``DERT = B(α+x+1, β+n-x)/B(α,β) * B(γ, δ+n+1)/B(γ,δ) / (1+d)
        * 2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L``.

        Returns
        -------
        Series
            Named ``"dert"``, indexed like ``summary``.
        """
        d = float(discount_rate)
        if not (np.isfinite(d) and d > 0):
            msg = f"discount_rate must be a finite float > 0; got {discount_rate!r}."
            raise ParameterError(msg)
        x, tx, n = self._stats(summary, "discounted_expected_transactions")
        al, be, ga, de = self._arr()
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "n_periods": n})
        lead = (
            special.betaln(al + x + 1.0, be + n - x)
            - special.betaln(al, be)
            + special.betaln(ga, de + n + 1.0)
            - special.betaln(ga, de)
            - np.log1p(d)
            - ll
        )
        z = 1.0 / (1.0 + d)
        h = hyp2f1(1.0, de + n + 1.0, ga + de + n + 1.0, np.full_like(n, z))
        return pd.Series(np.exp(lead) * h, index=summary.index, name="dert")
