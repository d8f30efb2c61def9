"""BG/NBD: the beta-geometric/negative-binomial distribution model (Fader, Hardie & Lee 2005).

While active, a customer buys as a Poisson process with rate ``λ ~ Gamma(r, α)``
(``α`` is a scale in time units); after each repeat purchase the customer
drops out for good with probability ``p ~ Beta(a, b)``. The model sees the data
only through ``(x, t_x, T)`` = (``frequency``, ``recency``, ``T``).

A property of the BG/NBD to keep in mind: a customer can only drop out *after
a repeat purchase*, so every one-time buyer (``frequency == 0``) has
``P(alive) = 1`` whatever ``T``. Use :class:`~custrel.models.ModifiedBetaGeo`
(MBG/NBD) or Pareto/NBD when the churn of one-time buyers matters.

The shared implementation here also serves MBG/NBD (:mod:`custrel.models.modified_beta_geo`),
which differs only by an extra dropout opportunity at the first purchase; the
private integer ``_m`` (0 for BG/NBD, 1 for MBG/NBD) switches between them:
the posterior of ``p`` for an alive customer is ``Beta(a, b + x + m)``.

References
----------
.. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
       the easy way: An alternative to the Pareto/NBD model. Marketing Science 24(2),
       275-284. Eq. (6) likelihood, (8) P(X(t)=x), (9) E[X(t)], (10) E[Y(t)|x,t_x,T].
.. [2] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2008). Computing P(alive) using the
       BG/NBD model. Note 021, brucehardie.com.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Self, TypeVar

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from custrel.data._time import Period, TimeUnit
from custrel.errors import ParameterError
from custrel.models._mle import (
    DEFAULT_FIT_CONFIG,
    FitConfig,
    FitResult,
    ModelDisplay,
    ModelSpec,
    check_btyd_summary,
    compress,
    fit_mle,
    parse_period,
    positive_param,
    require_repeat_buyers,
)
from custrel.models._special import FloatArray, laplace_log_time, pow_hyp2f1

__all__ = ["BetaGeo"]


def _prepare(data: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Distinct values and codes of x, t_x and T (codes stored as int64 bits in float arrays)."""
    out = dict(data)
    for col, key in (("frequency", "x"), ("recency", "tx"), ("T", "t")):
        codes, uniq = pd.factorize(data[col], sort=False)
        out[f"{key}_code"] = codes.astype(np.int64).view(np.float64)
        out[f"{key}_uniq"] = np.asarray(uniq, dtype=np.float64)
    return out


def _dot(u: NDArray[Any], v: NDArray[Any]) -> float:
    """Inner product as an elementwise sum (no BLAS call: faster and thread-free for 1-D data)."""
    return float(np.sum(u * v))


def _jacobian_order(data: Mapping[str, FloatArray], w: FloatArray) -> float:
    """Total power of time in the likelihood (``sum(w * x)``, one density per purchase time)."""
    return _dot(w, data["frequency"])


def _codes(data: Mapping[str, FloatArray], key: str) -> NDArray[np.int64]:
    return data[f"{key}_code"].view(np.int64)


def _loglik_rows(params: FloatArray, data: Mapping[str, FloatArray], m: int) -> FloatArray:
    r, alpha, a, b = (float(v) for v in params)
    x, tx, t_obs = data["frequency"], data["recency"], data["T"]
    rx = r + x
    base = (
        r * np.log(alpha)
        + special.gammaln(rx)
        - special.gammaln(r)
        + special.betaln(a, b + x + m)
        - special.betaln(a, b)
    )
    u1 = -rx * np.log(alpha + t_obs)
    has2 = (x > 0) | (m == 1)
    u2 = np.where(
        has2,
        np.log(a) - np.log(b + np.maximum(x + m, 1.0) - 1.0) - rx * np.log(alpha + tx),
        -np.inf,
    )
    out: FloatArray = base + np.logaddexp(u1, u2)
    return out


def _loglik_grad(
    params: FloatArray, data: Mapping[str, FloatArray], w: FloatArray, m: int
) -> tuple[float, FloatArray]:
    """Weighted total log-likelihood and its analytic gradient (r, alpha, a, b).

    With ``D = log(α+T) - log(α+t_x)``, ``d = log(a/(b+x+m-1)) + (r+x) D`` and
    ``s = expit(d)``, the bracket of the likelihood is ``-(r+x) log(α+T) + softplus(d)``.
    Terms that depend on a single statistic are computed on its distinct values.
    """
    r, alpha, a, b = (float(v) for v in params)
    x = data["frequency"]
    xu, tu, txu = data["x_uniq"], data["t_uniq"], data["tx_uniq"]
    xc, tc, txc = _codes(data, "x"), _codes(data, "t"), _codes(data, "tx")
    wx = np.bincount(xc, weights=w, minlength=xu.size)
    w_t = np.bincount(tc, weights=w, minlength=tu.size)
    wxt = np.bincount(tc, weights=w * x, minlength=tu.size)
    xm = xu + m
    has2 = (xu > 0) | (m == 1)
    bxm = b + np.maximum(xm, 1.0) - 1.0
    with np.errstate(divide="ignore"):
        c_u = np.where(has2, np.log(a) - np.log(bxm), -np.inf)
    l_tu = np.log(alpha + tu)
    l_txu = np.log(alpha + txu)
    inv_tu = 1.0 / (alpha + tu)
    inv_txu = 1.0 / (alpha + txu)
    rx = r + x
    dd = l_tu[tc] - l_txu[txc]
    d = c_u[xc] + rx * dd
    s = special.expit(d)
    sp = np.logaddexp(0.0, d)
    ws = w * s
    wsum = float(w.sum())
    base_u = (
        special.gammaln(r + xu)
        - special.gammaln(r)
        + special.betaln(a, b + xm)
        - special.betaln(a, b)
    )
    total = r * np.log(alpha) * wsum + _dot(wx, base_u) - _dot(r * w_t + wxt, l_tu) + _dot(w, sp)
    psi_ab = special.digamma(a + b)
    psi_abx = special.digamma(a + b + xm)
    g_r = (
        _dot(wx, special.digamma(r + xu))
        - wsum * special.digamma(r)
        + wsum * np.log(alpha)
        - _dot(w_t, l_tu)
        + _dot(ws, dd)
    )
    g_alpha = (
        wsum * r / alpha - _dot(r * w_t + wxt, inv_tu) + _dot(ws * rx, inv_tu[tc] - inv_txu[txc])
    )
    ws_x = np.bincount(xc, weights=ws, minlength=xu.size)
    g_a = _dot(wx, psi_ab - psi_abx) + float(ws_x.sum()) / a
    g_b = _dot(wx, special.digamma(b + xm) - special.digamma(b) + psi_ab - psi_abx)
    g_b -= _dot(ws_x, np.where(has2, 1.0 / bxm, 0.0))
    return float(total), np.array([g_r, g_alpha, g_a, g_b])


def _spec(name: str, m: int) -> ModelSpec:
    return ModelSpec(
        name=name,
        param_names=("r", "alpha", "a", "b"),
        data_columns=("frequency", "recency", "T"),
        loglik_rows=lambda p, d: _loglik_rows(p, d, m),
        loglik_grad=lambda p, d, w: _loglik_grad(p, d, w, m),
        time_columns=("recency", "T"),
        scale_params=("alpha",),
        scale_column="T",
        prepare=_prepare,
        jacobian_order=_jacobian_order,
    )


def _as_t(t: float | ArrayLike, n: int, name: str = "t") -> FloatArray:
    arr = np.asarray(t, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != n):
        msg = (
            f"{name} must be a scalar or have one value per customer ({n}); got shape {arr.shape}."
        )
        raise ParameterError(msg)
    if not np.all(np.isfinite(arr) & (arr >= 0)):
        msg = f"{name} must be finite and >= 0; got {t!r}."
        raise ParameterError(msg)
    return np.broadcast_to(arr, (n,)).astype(np.float64)


def _scalar_t(t: float | ArrayLike, name: str = "t") -> float:
    try:
        v = float(t)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = float("nan")
    if not (np.isfinite(v) and v >= 0):
        msg = f"{name} must be finite and >= 0; got {t!r}."
        raise ParameterError(msg)
    return v


def _near_one(a: float) -> list[float]:
    """Evaluation points for the removable singularity of ``1/(a - 1)`` factors at ``a = 1``."""
    return [a] if abs(a - 1.0) > 1e-7 else [1.0 - 1e-7, 1.0 + 1e-7]


_BLOCK = 16_384  # rows per block of the per-customer kernels (buffers stay in cache)


def _inv_one_plus_exp(lo: FloatArray) -> None:
    """``lo <- 1 / (1 + exp(lo))`` in place.

    Where ``exp(lo)`` would overflow (``lo > 700``) the value is ``exp(-lo)`` to
    double precision, which keeps tiny probabilities down to the subnormal range.
    """
    big = np.flatnonzero(lo > 700.0)
    tail = np.exp(-lo[big])
    with np.errstate(over="ignore"):
        np.exp(lo, out=lo)
    lo += 1.0
    np.reciprocal(lo, out=lo)
    lo[big] = tail


def _log_odds_block(
    out: FloatArray,
    x: FloatArray,
    tx: FloatArray,
    t_obs: FloatArray,
    *,
    r: float,
    alpha: float,
    table: FloatArray | None,
    consts: tuple[float, float, int],
    xi: NDArray[np.int64],
    u: FloatArray,
    e: FloatArray,
) -> None:
    """``out <- log(a/(b+x+m-1)) + (r + x) log1p((T - t_x)/(α + t_x))`` for one block of rows.

    ``log(a/(b+x+m-1))`` (``-inf`` for ``x = 0`` when ``m = 0``) is gathered from
    ``table`` (indexed by ``x``), or computed when ``table`` is None (huge
    frequencies); ``consts`` is ``(a, b, m)``. ``xi``, ``u`` and ``e`` are scratch
    buffers of the block's length.
    ``log1p(y)`` is computed as ``log(u) + ((1 + y) - u)/u`` with ``u = fl(1 + y)``:
    the rounding error of ``u`` is recovered (exactly for ``u <= 2``, by Sterbenz's
    lemma) and its logarithm taken to first order, so the result is within about
    one ulp like ``numpy.log1p``, at less than half its cost.
    """
    np.subtract(t_obs, tx, out=out)
    np.add(tx, alpha, out=u)
    out /= u  # y = (T - t_x) / (alpha + t_x) >= 0
    np.add(out, 1.0, out=u)  # u = fl(1 + y)
    np.subtract(u, 1.0, out=e)
    np.subtract(out, e, out=e)  # e = (1 + y) - u
    e /= u
    np.log(u, out=u)
    u += e  # log1p(y)
    np.add(x, r, out=out)
    out *= u
    if table is not None:
        np.copyto(xi, x, casting="unsafe")
        np.take(table, xi, out=u)
    else:
        a, b, m = consts
        np.add(x, b + m - 1.0, out=u)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.log(u, out=u)
        np.subtract(np.log(a), u, out=u)
        if m == 0:
            u[x == 0] = -np.inf
    out += u


def _grid_codes(
    t_obs: FloatArray, scales: Sequence[float]
) -> tuple[NDArray[np.int64], FloatArray] | None:
    """Integer codes of ``T`` without hashing when every value is ``k / s`` for a whole ``k``.

    Tries each ``s`` of ``scales`` (e.g. ``T`` in weeks recorded to the day:
    ``s = 7``). The codes are ``rint(T s) - min``, accepted only if ``code / s``
    reproduces every ``T`` bit for bit (checked block by block), so that
    ``values[code] == T`` exactly; the code range must stay below ``4 n + 1024``.
    Returns ``(codes, values)`` or None when no scale fits.
    """
    n = t_obs.size
    head = t_obs[:256]
    for s in scales:
        if not np.array_equal(np.rint(head * s) / s, head):
            continue
        lo = float(np.floor(float(t_obs.min()) * s))
        hi = float(np.ceil(float(t_obs.max()) * s))
        if not hi - lo <= 4 * n + 1024:
            continue
        codes = np.empty(n, dtype=np.int64)
        buf = np.empty(min(_BLOCK, n))
        chk = np.empty_like(buf)
        for start in range(0, n, _BLOCK):
            sl = slice(start, start + _BLOCK)
            tb = t_obs[sl]
            b, c = buf[: tb.size], chk[: tb.size]
            np.multiply(tb, s, out=b)
            np.rint(b, out=b)
            np.divide(b, s, out=c)
            if not np.array_equal(c, tb):
                break
            b -= lo
            np.copyto(codes[sl], b, casting="unsafe")
        else:
            return codes, (np.arange(hi - lo + 1.0) + lo) / s
    return None


def _scale_by_xt_cells(
    out: FloatArray,
    x: FloatArray,
    t_obs: FloatArray,
    fn: Callable[[FloatArray, FloatArray], FloatArray],
    scales: Sequence[float] = (1.0,),
) -> None:
    """``out *= fn(x, T)`` per customer, with ``fn`` evaluated once per distinct ``(x, T)``.

    ``x`` holds validated non-negative integers. ``T`` gets integer codes from
    :func:`_grid_codes` (whole multiples of ``1/s``, ``s`` in ``scales``) or else
    hash codes (skipped when a sample of ~2,000 values shows that most values
    are distinct: then ``fn`` runs on every row); the pair key is
    ``code(T) * (max(x) + 1) + x``, built in place. For a moderate key range the
    distinct keys are found with a presence table and the values scattered into
    a lookup table indexed by key, otherwise the key is hashed once more.
    """
    n = x.size
    if n == 0:
        return
    grid = _grid_codes(t_obs, scales)
    if grid is not None:
        codes, t_uniq = grid
    else:
        if n > 4096:
            sample = t_obs[:: n // 2048]
            if np.unique(sample).size > sample.size // 2:
                out *= fn(x, t_obs)
                return
        codes, uniq = pd.factorize(t_obs, sort=False)
        t_uniq = np.asarray(uniq, dtype=np.float64)
    nx = int(x.max()) + 1
    if t_uniq.size * nx >= 2**53:  # the key would not be exact: generic pattern compression
        pats = compress({"x": x, "T": t_obs}, None)
        out *= fn(pats.columns["x"], pats.columns["T"])[pats.inverse]
        return
    key = codes.astype(np.int64, copy=False)
    key *= nx
    np.add(key, x, out=key, casting="unsafe")  # exact: integers below 2**53
    radix = t_uniq.size * nx
    if radix <= 4 * n + 1024:
        present = np.zeros(radix, dtype=bool)
        present[key] = True
        cells = np.flatnonzero(present)
        table = np.empty(radix, dtype=np.float64)
        table[cells] = fn((cells % nx).astype(np.float64), t_uniq[cells // nx])
    else:
        kcodes, ukeys = pd.factorize(key, sort=False)
        cells = np.asarray(ukeys, dtype=np.int64)
        table = fn((cells % nx).astype(np.float64), t_uniq[cells // nx])
        key = kcodes.astype(np.int64, copy=False)
    buf = np.empty(min(_BLOCK, n), dtype=np.float64)
    for start in range(0, n, _BLOCK):
        sl = slice(start, start + _BLOCK)
        k = out[sl]
        np.take(table, key[sl], out=buf[: k.size])
        k *= buf[: k.size]


class _BetaGeoMixin(ModelDisplay):
    """Shared BG/NBD (``_m = 0``) and MBG/NBD (``_m = 1``) mathematics."""

    _m: ClassVar[int] = 0
    r: float
    alpha: float
    a: float
    b: float
    period: TimeUnit | None

    # ------------------------------------------------------------------ helpers
    def _arr(self) -> FloatArray:
        return np.array([self.r, self.alpha, self.a, self.b])

    def _stats(self, summary: pd.DataFrame) -> tuple[FloatArray, FloatArray, FloatArray]:
        x, tx, t_obs, _ = check_btyd_summary(summary, f"{type(self).__name__}")
        return x, tx, t_obs

    def _grid_scales(self) -> tuple[float, ...]:
        """Candidate resolutions of ``T``: whole model units and, given a period, whole days."""
        if self.period is None or self.period.days == 1.0:
            return (1.0,)
        return (1.0, self.period.days)

    def _p_alive(self, x: FloatArray, tx: FloatArray, t_obs: FloatArray) -> FloatArray:
        """``P(alive) = 1 / (1 + exp(log_odds_dead))`` per customer (a fresh array).

        The log odds of being dead are ``log(a/(b+x+m-1)) + (r+x) log((α+T)/(α+t_x))``
        (``-inf`` for BG/NBD one-time buyers); ``log(a/(b+x+m-1))`` is tabulated
        over ``0..max(x)`` (frequencies are validated integers) and gathered. The
        rows are processed in blocks of ``_BLOCK`` rows with in-place operations on
        cache-resident scratch buffers: one output array, no per-step temporaries.
        """
        m = self._m
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        n = x.size
        n_grid = int(x.max()) + 1 if n else 1
        table: FloatArray | None = None
        if n_grid <= max(4 * n, 1 << 16):
            grid = np.arange(n_grid, dtype=np.float64)
            with np.errstate(divide="ignore"):
                table = np.where(
                    (grid > 0) | (m == 1),
                    np.log(a) - np.log(b + np.maximum(grid + m, 1.0) - 1.0),
                    -np.inf,
                )
        out = np.empty(n, dtype=np.float64)
        size = min(_BLOCK, n)
        u, e = np.empty(size), np.empty(size)
        xi = np.empty(size, dtype=np.int64)
        for start in range(0, n, _BLOCK):
            sl = slice(start, start + _BLOCK)
            o = out[sl]
            k = o.size
            _log_odds_block(
                o, x[sl], tx[sl], t_obs[sl], r=r, alpha=alpha, table=table,
                consts=(a, b, m), xi=xi[:k], u=u[:k], e=e[:k],
            )  # fmt: skip
            _inv_one_plus_exp(o)
        return out

    # ------------------------------------------------------------------ likelihood
    # ------------------------------------------------------------------ likelihood
    def loglik_contributions(self, summary: pd.DataFrame, /) -> pd.Series:
        """Log-likelihood of each row (not multiplied by ``weight``).

        Returns
        -------
        Series
            Named ``"loglik"``, indexed like ``summary``.
        """
        x, tx, t_obs = self._stats(summary)
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "T": t_obs}, self._m)
        return pd.Series(ll, index=summary.index, name="loglik")

    def loglik(self, summary: pd.DataFrame, /) -> float:
        """Total log-likelihood of ``summary`` (weighted by its ``weight`` column, if any).

        The value depends on the time unit of ``recency`` and ``T``: re-expressing
        data and model in a unit ``c`` times longer shifts it by ``sum(x) * log(c)``
        (the Jacobian of the purchase-time densities).
        """
        x, tx, t_obs, w = check_btyd_summary(summary, f"{type(self).__name__}.loglik")
        ll = _loglik_rows(self._arr(), {"frequency": x, "recency": tx, "T": t_obs}, self._m)
        return float(np.sum(w * ll))

    # ------------------------------------------------------------------ predictions
    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """Probability that each customer is still alive at ``T``.

        Returns
        -------
        Series
            Named ``"p_alive"``, indexed like ``summary``.
        """
        x, tx, t_obs = self._stats(summary)
        return pd.Series(self._p_alive(x, tx, t_obs), index=summary.index, name="p_alive")

    def _eval_points(self) -> list[tuple[float, float]]:
        """``(a, b)`` points whose average is evaluated near removable singularities.

        ``1/(a - 1)`` is singular at ``a = 1`` and ``2F1(.; c; z)`` at
        ``c = a + b + m - 1 = 0, -1, ...`` (one-time buyers with ``a + b <= 1``); the
        expressions have finite limits there, taken as the average at ``±1e-7``
        (error O(1e-14)).
        """
        pts: list[tuple[float, float]] = []
        for a in _near_one(self.a):
            c0 = a + self.b + self._m - 1.0
            if c0 < 0.5 and abs(c0 - round(c0)) < 1e-7:
                pts.extend([(a, self.b - 1e-7), (a, self.b + 1e-7)])
            else:
                pts.append((a, self.b))
        return pts

    def _cond_factor(self, x: FloatArray, t_obs: FloatArray, t: FloatArray) -> FloatArray:
        """``E[X(T, T+t) | alive at T]`` for each row (posterior Gamma x Beta)."""
        m = self._m
        r, alpha = self.r, self.alpha
        out = np.zeros_like(x)
        pts = self._eval_points()
        log1mz = -np.log1p(t / (alpha + t_obs))
        z = -np.expm1(log1mz)
        for a, b in pts:
            c = a + b + x + m - 1.0
            h = pow_hyp2f1(a - 1.0, a + b + m - 1.0 - r, a - 1.0, c, z, log1mz)
            out = out + c / (a - 1.0) * (1.0 - h)
        res: FloatArray = out / len(pts)
        return res

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float | ArrayLike) -> pd.Series:
        """Expected number of purchases in ``(T, T + t]`` given each customer's history.

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
        x, tx, t_obs = self._stats(summary)
        if np.ndim(t) == 0:
            h = _scalar_t(t)
            p_alive = self._p_alive(x, tx, t_obs)
            # the Gauss hypergeometric part depends on (x, T) only
            _scale_by_xt_cells(
                p_alive,
                x,
                t_obs,
                lambda xs, ts: self._cond_factor(xs, ts, np.full_like(ts, h)),
                self._grid_scales(),
            )
            return pd.Series(p_alive, index=summary.index, name="expected_purchases")
        tt = _as_t(t, x.size)
        p_alive = self._p_alive(x, tx, t_obs)
        pats = compress({"x": x, "T": t_obs, "t": tt}, None)
        f = self._cond_factor(pats.columns["x"], pats.columns["T"], pats.columns["t"])
        p_alive *= f[pats.inverse]
        return pd.Series(p_alive, index=summary.index, name="expected_purchases")

    def expected_purchases_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Expected repeat purchases of a new customer in ``(0, t]`` (FHL 2005 eq. 9).

        Parameters
        ----------
        t : float or array-like
            Time(s) since the first purchase.

        Returns
        -------
        ndarray
            Same shape as ``t``.
        """
        tt = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(tt) & (tt >= 0)):
            msg = f"t must be finite and >= 0; got {t!r}."
            raise ParameterError(msg)
        m, r, alpha = self._m, self.r, self.alpha
        out = np.zeros_like(tt)
        pts = self._eval_points()
        log1mz = -np.log1p(tt / alpha)
        z = -np.expm1(log1mz)
        for a, b in pts:
            c = a + b + m - 1.0
            pref = (a + b - 1.0) / (a - 1.0) - m
            h = pow_hyp2f1(a - 1.0, c - r, a - 1.0, c, z, log1mz)
            out = out + pref * (1.0 - h)
        res: FloatArray = out / len(pts)
        return res

    def probability_alive_new_customer(self, t: float | ArrayLike) -> FloatArray:
        """Probability that a new customer is still alive ``t`` after the first purchase.

        Times the cohort size, this is the expected number of customers alive.
        BG/NBD: ``2F1(r, a; a + b; -t/α)``; MBG/NBD: ``b/(a+b) 2F1(r, a; a + b + 1; -t/α)``.
        """
        tt = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(tt) & (tt >= 0)):
            msg = f"t must be finite and >= 0; got {t!r}."
            raise ParameterError(msg)
        m, r, alpha, a, b = self._m, self.r, self.alpha, self.a, self.b
        log1mz = -np.log1p(tt / alpha)
        z = -np.expm1(log1mz)
        c = a + b + m
        res: FloatArray = (b / (a + b)) ** m * pow_hyp2f1(a, c - r, a, c, z, log1mz)
        return res

    def purchase_count_pmf(self, n: int | ArrayLike, t: float) -> pd.Series:
        """Unconditional ``P(X(t) = n)`` for a new customer (FHL 2005 eq. 8).

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
        """
        nn = np.atleast_1d(np.asarray(n))
        if nn.ndim != 1 or not np.all((nn >= 0) & (nn == np.floor(nn))):
            msg = f"n must be non-negative integers; got {n!r}."
            raise ParameterError(msg)
        tt = _scalar_t(t)
        pmf = self._pmf_grid(nn.astype(np.float64), np.array([tt]))[0]
        return pd.Series(pmf, index=pd.Index(nn, name="n"), name="pmf")

    def _pmf_grid(self, nf: FloatArray, ts: FloatArray) -> FloatArray:
        """``P(X(t) = n)`` on the grid ``ts x nf`` (shape ``(len(ts), len(nf))``), vectorised."""
        m, r, alpha, a, b = self._m, self.r, self.alpha, self.a, self.b
        n2 = nf[None, :]
        t2 = ts[:, None]
        q = t2 / (alpha + t2)
        log_nb = (
            special.gammaln(r + n2)
            - special.gammaln(r)
            - special.gammaln(n2 + 1.0)
            + r * (np.log(alpha) - np.log(alpha + t2))
            + special.xlogy(n2, q)
        )
        first = np.exp(special.betaln(a, b + n2 + m) - special.betaln(a, b) + log_nb)
        has2 = (n2 > 0) | (m == 1)
        tail = np.where(n2 > 0, special.betainc(np.maximum(n2, 1.0), r, q), 1.0)
        coef = np.exp(
            special.betaln(a + 1.0, b + np.maximum(n2 + m, 1.0) - 1.0) - special.betaln(a, b)
        )
        out: FloatArray = first + np.where(has2, coef * tail, 0.0)
        return out

    def discounted_expected_transactions(
        self, summary: pd.DataFrame, /, *, discount_rate: float
    ) -> pd.Series:
        """Discounted expected residual transactions (DERT) with continuous discounting.

        ``DERT_i = ∫_0^∞ exp(-δ t) dE[X(T_i, T_i + t) | x_i, t_x_i, T_i]``, with ``δ``
        the continuous discount rate per model time unit. The conditional
        transaction rate is ``P(alive) * E[λ exp(-λ p t)]`` under the posterior
        ``λ ~ Gamma(r + x, α + T)``, ``p ~ Beta(a, b + x + m)``, i.e.
        ``P(alive) (r+x)/(α+T) 2F1(r+x+1, a; a+b+x+m; -t/(α+T))``; the Laplace
        transform is computed by an exponentially convergent trapezoid rule in
        ``log t`` (accurate to about 1e-10 relative).

        Parameters
        ----------
        summary : DataFrame
            ``frequency``, ``recency``, ``T``.
        discount_rate : float
            ``δ > 0`` per model time unit (for an annual rate ``d`` with weekly
            data use ``δ = log(1 + d) / 52.18``).

        Returns
        -------
        Series
            Named ``"dert"``, indexed like ``summary``.
        """
        delta = float(discount_rate)
        if not (np.isfinite(delta) and delta > 0):
            msg = f"discount_rate must be a finite float > 0; got {discount_rate!r}."
            raise ParameterError(msg)
        x, tx, t_obs = self._stats(summary)
        p_alive = self._p_alive(x, tx, t_obs)
        m, r, alpha, a, b = self._m, self.r, self.alpha, self.a, self.b

        def on_cells(xs: FloatArray, ts: FloatArray) -> FloatArray:
            big_r = r + xs
            big_a = alpha + ts
            c = a + b + xs + m

            def g(sl: slice, t: FloatArray) -> FloatArray:
                aa = big_a[sl, None]
                log1mw = -np.log1p(t / aa)
                w = -np.expm1(log1mw)
                out: FloatArray = (
                    big_r[sl, None]
                    / aa
                    * pow_hyp2f1(a, a + b + m - 1.0 - r, a, c[sl, None], w, log1mw)
                )
                return out

            return laplace_log_time(g, delta, big_a / (big_r + 1.0))

        _scale_by_xt_cells(p_alive, x, t_obs, on_cells, self._grid_scales())
        return pd.Series(p_alive, index=summary.index, name="dert")

    # ------------------------------------------------------------------ units
    def in_period(self, period: Period) -> Self:
        """The same model with time measured in ``period`` (``α`` rescales, shapes do not).

        Predictions for data expressed in the new unit equal the original
        predictions for the original data.

        Raises
        ------
        ParameterError
            The model's own period is unspecified.
        """
        if self.period is None:
            msg = (
                f"{type(self).__name__}.in_period needs the model's period; this model has "
                "period=None (pass period= to fit or to the constructor)."
            )
            raise ParameterError(msg)
        new = TimeUnit.parse(period)
        factor = new.days / self.period.days
        return attrs.evolve(self, alpha=self.alpha / factor, period=new)  # type: ignore[misc]


_B = TypeVar("_B", bound=_BetaGeoMixin)


@attrs.frozen(kw_only=True)
class BetaGeo(_BetaGeoMixin):
    r"""BG/NBD model with fixed parameters (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    r, alpha : float
        Shape and scale (in time units) of the gamma purchase-rate heterogeneity.
    a, b : float
        Beta parameters of the dropout probability after each repeat purchase.
    period : str, TimeUnit or None
        Time unit of ``alpha`` (and of the data the model is applied to);
        ``None`` when unspecified.

    Notes
    -----
    Individual likelihood (FHL 2005, eq. 6), computed in log space:

    .. math::

        L = \frac{B(a, b+x)}{B(a, b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}
            \left[(\alpha+T)^{-(r+x)} + \delta_{x>0}\frac{a}{b+x-1}(\alpha+t_x)^{-(r+x)}\right]

    One-time buyers have ``P(alive) = 1`` (FHL 2005, section 5); prefer
    :class:`~custrel.models.ModifiedBetaGeo` when their churn matters.

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers"
           the easy way. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")  # FHL (2005), CDNOW
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]},
    ...                  index=pd.Index([1, 2], name="customer_id"))
    >>> m.probability_alive(s).round(4).tolist()
    [1.0, 0.7266]
    >>> m.expected_purchases(s, t=39).round(3).tolist()
    [0.195, 1.226]
    >>> BetaGeo(r=-1.0, alpha=1.0, a=1.0, b=1.0)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: BetaGeo.r must be a finite float > 0; got -1.0.
    """

    _m: ClassVar[int] = 0
    r: float = attrs.field(validator=positive_param, converter=float)
    alpha: float = attrs.field(validator=positive_param, converter=float)
    a: float = attrs.field(validator=positive_param, converter=float)
    b: float = attrs.field(validator=positive_param, converter=float)
    period: TimeUnit | None = attrs.field(default=None, converter=parse_period)

    @classmethod
    def fit(
        cls,
        summary: pd.DataFrame,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = DEFAULT_FIT_CONFIG,
    ) -> FitResult[BetaGeo]:
        """Fit by maximum likelihood on ``frequency``, ``recency``, ``T`` (and ``weight``).

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
        FitResult[BetaGeo]

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
        >>> res = BetaGeo.fit(s, period="W")
        >>> res.params.round(3).tolist(), round(res.loglik, 4)
        ([0.243, 4.414, 0.793, 2.426], -9582.4292)
        """
        return _fit(cls, summary, period=period, config=config)


def _fit(
    cls: type[_B], summary: pd.DataFrame, *, period: Period | None, config: FitConfig
) -> FitResult[_B]:
    """Shared ``fit`` of BG/NBD and MBG/NBD."""
    name = cls.__name__
    x, tx, t_obs, w = check_btyd_summary(summary, f"{name}.fit")
    unit = parse_period(period)
    require_repeat_buyers(x, w, f"{name}.fit")
    tscale = float(np.max(t_obs)) if t_obs.size else 1.0
    tscale = tscale if tscale > 0 else 1.0
    mean_x = float(np.average(x, weights=w)) if w.sum() > 0 else 0.0
    starts = [
        {"r": 1.0, "alpha": tscale, "a": 1.0, "b": 1.0},
        {"r": 0.5, "alpha": tscale / max(mean_x, 0.1), "a": 0.5, "b": 2.0},
        {"r": 0.1, "alpha": 0.1 * tscale, "a": 0.1, "b": 0.1},
        {"r": 2.0, "alpha": 5.0 * tscale, "a": 2.0, "b": 5.0},
    ]

    def build(p: dict[str, float]) -> _B:
        return cls(**p, period=unit)  # type: ignore[call-arg]

    return fit_mle(
        _spec(name, cls._m),
        {"frequency": x, "recency": tx, "T": t_obs},
        w,
        config=config,
        starts=starts,
        build=build,
        period=unit,
    )
