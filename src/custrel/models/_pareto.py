"""Numerically stable Pareto/NBD kernels (log-likelihood, gradient, predictions).

The Pareto/NBD likelihood of a customer with ``x`` repeat purchases, recency
``t_x`` and age ``T`` is (Fader & Hardie 2005, note 009, eq. 18)::

    L = Γ(r+x) α^r β^s / Γ(r) * [ (α+T)^-(r+x) (β+T)^-s  +  s * I(t_x, T) ]
    I(t_x, T) = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ = J(t_x) - J(T)

where ``J(y) = ∫_y^∞ ...`` is a Gauss hypergeometric function. With
``a = r + s + x``, ``J`` is evaluated in log space in two branches chosen so
that the argument ``z`` is in ``[0, 1)``, and Euler's transformation
(Abramowitz & Stegun 15.3.3) turns the ``2F1(a, b; a + 1; z)`` of the paper
into ``2F1(1, b'; a + 1; z)``, which never overflows::

    α >= β:  log J = -a log(α+y) - log a - s log((β+y)/(α+y))     + log 2F1(1, r+x; a+1; (α-β)/(α+y))
    α <  β:  log J = -a log(β+y) - log a + (1-r-x) log((α+y)/(β+y)) + log 2F1(1, s+1; a+1; (β-α)/(β+y))

The difference ``J(t_x) - J(T)`` is taken as ``log J(t_x) + log1mexp(log J(T) - log J(t_x))``,
which is exact (``-inf``) when ``t_x == T``: lifetimes' ``logsumexp`` of two
equal terms with opposite signs returns NaN there.

The 2F1 values (and their derivatives) only depend on the pair ``(x, y)`` with
``y`` one of ``t_x`` or ``T``, so they are computed once per distinct pair:
real logs recorded on calendar days have few distinct pairs even for
millions of customers. Where ``z <= 0.5`` (all pairs for parameters like
CDNOW's) ``log 2F1`` and its derivatives come from its power series, so the
gradient is exact; elsewhere scipy's ``hyp2f1`` is used with central
differences in the two parameters (the ``z`` derivative is analytic).

References
----------
.. [1] Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your
   customers: who are they and what will they do next? Management Science 33(1), 1-24.
.. [2] Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD
   model and related expressions. http://brucehardie.com/notes/009/ (eqs. 18-22).
.. [3] Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using
   iso-value curves for customer base analysis. J. Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from custrel.models._special import FloatArray

__all__ = [
    "conditional_expected",
    "dert",
    "expected_new",
    "log_components",
    "loglik_grad",
    "loglik_rows",
    "pair_index",
    "probability_alive",
    "purchase_count_pmf",
]


def _log_hyp(b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """``log 2F1(1, b; c; z)`` for ``z`` in ``[0, 1)``, ``c > 1``, ``c - b > 0``."""
    return np.asarray(np.log(special.hyp2f1(1.0, b, c, z)), dtype=np.float64)


def _log_hyp_parts_scipy(
    b: FloatArray, c: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``log F`` and its ``b``, ``c``, ``z`` derivatives with scipy's ``hyp2f1``.

    ``F = 2F1(1, b; c; z)``; ``d log F / dz = (b/c) 2F1(2, b+1; c+1; z) / F``
    exactly, the parameter derivatives by central differences (step 1e-5 times
    the scale on which ``F`` varies).
    """
    f_val = special.hyp2f1(1.0, b, c, z)
    f = np.log(f_val)
    f_z = (b / c) * special.hyp2f1(2.0, b + 1.0, c + 1.0, z) / f_val
    # F varies with b and c on the scale of min(b, c - b) (c - b can be small when b is large)
    hb = 1e-5 * np.minimum(1.0 + b, c - b)
    hc = 1e-5 * np.minimum(c, c - b)
    f_b = (_log_hyp(b + hb, c, z) - _log_hyp(b - hb, c, z)) / (2.0 * hb)
    f_c = (_log_hyp(b, c + hc, z) - _log_hyp(b, c - hc, z)) / (2.0 * hc)
    return f, f_b, f_c, f_z


# series limits: Horner with scalar coefficients (one frequency group) beats scipy's
# hyp2f1 plus finite differences up to z ~ 0.9, the per-element recursion up to ~ 0.75
_SERIES_ZMAX_GROUP = 0.9
_SERIES_ZMAX = 0.75
_SERIES_MIN_GROUP = 1024


def _n_terms(zmax: float) -> int:
    """Terms of ``Σ u_k z^k`` (``u_k <= 1``) after which ``z^K`` is below ``1e-17 (1 - z)^2``.

    That bounds the tails of the series (``z^K / (1 - z)``) and of its
    ``z`` derivative (``K z^(K-1) / (1 - z)^2``) by about ``K * 1e-17``.
    """
    if zmax <= 0.0:
        return 1
    return int(np.ceil(np.log(1e-17 * (1.0 - zmax) ** 2) / np.log(zmax))) + 1


def _series_group(
    bg: float, cg: float, zg: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Power series with scalar ``b``, ``c`` evaluated by Horner's rule (one frequency)."""
    n_terms = _n_terms(float(zg.max()))
    k = np.arange(n_terms + 1, dtype=np.float64)
    u = np.concatenate([[1.0], np.cumprod((bg + k[:-1]) / (cg + k[:-1]))])
    sb = np.concatenate([[0.0], np.cumsum(1.0 / (bg + k[:-1]))])
    sc = np.concatenate([[0.0], np.cumsum(1.0 / (cg + k[:-1]))])
    # Horner's rule for the four polynomials at once, in place
    big_f = np.full_like(zg, u[-1])
    p_b = np.full_like(zg, u[-1] * sb[-1])
    p_c = np.full_like(zg, u[-1] * sc[-1])
    p_z = np.full_like(zg, n_terms * u[-1])
    for j in range(n_terms - 1, -1, -1):
        big_f *= zg
        big_f += u[j]
        p_b *= zg
        p_b += u[j] * sb[j]
        p_c *= zg
        p_c += u[j] * sc[j]
        if j:
            p_z *= zg
            p_z += j * u[j]
    np.divide(p_b, big_f, out=p_b)
    np.divide(p_c, big_f, out=p_c)
    np.negative(p_c, out=p_c)
    np.divide(p_z, big_f, out=p_z)
    return np.log(big_f), p_b, p_c, p_z


def _series_rows(
    b: FloatArray, c: FloatArray, z: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The same power series with per-element ``b``, ``c``, all elements at once.

    The term recursion ``t_{k+1} = t_k z (b+k)/(c+k)`` runs over whole arrays,
    so many small frequency groups cost one pass per term instead of a Python
    iteration per group.
    """
    n_terms = _n_terms(float(z.max()))
    term = np.ones_like(z)
    big_f = np.ones_like(z)
    s_b = np.zeros_like(z)
    s_c = np.zeros_like(z)
    acc_b = np.zeros_like(z)
    acc_c = np.zeros_like(z)
    acc_z = np.zeros_like(z)
    bk = b.copy()
    inv_c = np.empty_like(z)
    tmp = np.empty_like(z)
    for k in range(1, n_terms + 1):
        np.divide(1.0, c + (k - 1), out=inv_c)
        s_c += inv_c
        np.divide(1.0, bk, out=tmp)
        s_b += tmp
        term *= bk
        term *= inv_c
        term *= z
        big_f += term
        np.multiply(term, s_b, out=tmp)
        acc_b += tmp
        np.multiply(term, s_c, out=tmp)
        acc_c += tmp
        acc_z += k * term
        bk += 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        f_z = np.where(z > 0.0, acc_z / np.where(z > 0.0, z, 1.0), b / c)
    return np.log(big_f), acc_b / big_f, -acc_c / big_f, f_z / big_f


def _log_hyp_parts(
    b: FloatArray, c: FloatArray, z: FloatArray, x: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """``log F``, ``d log F / db``, ``d log F / dc``, ``d log F / dz`` for ``F = 2F1(1, b; c; z)``.

    ``F = Σ_k u_k z^k`` with ``u_k = (b)_k / (c)_k`` is a power series of
    positive terms (no cancellation) whose exact derivatives are
    ``∂u_k/∂b = u_k Σ_{j<k} 1/(b+j)`` and ``∂u_k/∂c = -u_k Σ_{j<k} 1/(c+j)``;
    it is truncated by :func:`_n_terms` (the terms decrease at least like
    ``z^k`` because ``b < c``). ``b`` and ``c`` depend on the frequency ``x``
    only: in large frequency groups the elements with ``z <= 0.9`` use Horner's
    rule with scalar coefficients, the remaining elements with ``z <= 0.75``
    one vectorised term recursion (for CDNOW-like parameters ``z`` stays below
    0.1). Other elements use scipy (see :func:`_log_hyp_parts_scipy`).
    """
    n = x.size
    f = np.empty(n)
    f_b = np.empty(n)
    f_c = np.empty(n)
    f_z = np.empty(n)
    done = np.zeros(n, dtype=bool)
    if n:
        order = None if bool(np.all(x[1:] >= x[:-1])) else np.argsort(x, kind="stable")
        xs = x if order is None else x[order]
        cuts = np.flatnonzero(xs[1:] != xs[:-1]) + 1
        starts = np.concatenate([[0], cuts])
        ends = np.concatenate([cuts, [n]])
        big = np.flatnonzero(ends - starts >= _SERIES_MIN_GROUP)
        for lo, hi in zip(starts[big].tolist(), ends[big].tolist(), strict=True):
            idx: slice | NDArray[np.intp] = slice(lo, hi) if order is None else order[lo:hi]
            zg = z[idx]
            if float(zg.max()) > _SERIES_ZMAX_GROUP:
                sel = zg <= _SERIES_ZMAX_GROUP
                if not sel.any():
                    continue
                idx = (np.arange(lo, hi) if order is None else order[lo:hi])[sel]
                zg = zg[sel]
            i0 = lo if order is None else int(order[lo])
            parts = _series_group(float(b[i0]), float(c[i0]), zg)
            for out, part in zip((f, f_b, f_c, f_z), parts, strict=True):
                out[idx] = part
            done[idx] = True
        small = ~done & (z <= _SERIES_ZMAX)
        if small.any():
            parts = _series_rows(b[small], c[small], z[small])
            for out, part in zip((f, f_b, f_c, f_z), parts, strict=True):
                out[small] = part
            done |= small
    if not done.all():
        rest = ~done
        parts = _log_hyp_parts_scipy(b[rest], c[rest], z[rest])
        for out, part in zip((f, f_b, f_c, f_z), parts, strict=True):
            out[rest] = part
    return f, f_b, f_c, f_z


def _branch(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Common pieces of ``log J``: ``(a, log_m, l1z, b, z, m)`` for the active branch."""
    a = r + s + x
    if alpha >= beta:
        m = alpha + y
        z = (alpha - beta) / m
        l1z = np.log(beta + y) - np.log(m)
        b = r + x
    else:
        m = beta + y
        z = (beta - alpha) / m
        l1z = np.log(alpha + y) - np.log(m)
        b = np.full_like(x, s + 1.0)
    return a, np.log(m), l1z, b, z, m


def log_j(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> FloatArray:
    """``log J(y) = log ∫_y^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ`` (vectorised)."""
    a, log_m, l1z, b, z, _ = _branch(r, alpha, s, beta, x, y)
    pre = -s * l1z if alpha >= beta else (1.0 - r - x) * l1z
    return -a * log_m - np.log(a) + pre + _log_hyp(b, a + 1.0, z)


def _log_j_grad(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``log J`` and its gradient (shape ``(4, n)``) in ``(r, alpha, s, beta)``."""
    a, log_m, l1z, b, z, m = _branch(r, alpha, s, beta, x, y)
    c = a + 1.0
    f, f_b, f_c, f_z = _log_hyp_parts(b, c, z, x)
    g = np.empty((4, x.size))
    if alpha >= beta:
        val = -a * log_m - np.log(a) - s * l1z + f
        g[0] = -log_m - 1.0 / a + f_b + f_c
        g[1] = -a / m + s / m + f_z * (beta + y) / (m * m)
        g[2] = -log_m - 1.0 / a - l1z + f_c
        g[3] = -s / (beta + y) - f_z / m
    else:
        val = -a * log_m - np.log(a) + (1.0 - r - x) * l1z + f
        g[0] = -log_m - 1.0 / a - l1z + f_c
        g[1] = (1.0 - r - x) / (alpha + y) - f_z / m
        g[2] = -log_m - 1.0 / a + f_b + f_c
        g[3] = -(s + 1.0) / m + f_z * (alpha + y) / (m * m)
    return val, g


def pair_index(x: FloatArray, t_x: FloatArray, t_obs: FloatArray) -> dict[str, FloatArray]:
    """Distinct ``(x, y)`` pairs over ``y in (t_x, T)`` and each row's codes.

    Returns ``px``, ``py`` (the distinct pairs), ``i1`` (code of ``(x, t_x)``),
    ``i2`` (code of ``(x, T)``), and the distinct frequencies ``xu`` / ages ``tu``
    with the row codes ``xc`` / ``tc`` (integer arrays).
    """
    n = x.size
    keys = np.concatenate([x + 1j * (t_x + 0.0), x + 1j * (t_obs + 0.0)])
    codes, uniq = pd.factorize(keys, sort=False)
    uniq = np.asarray(uniq, dtype=np.complex128)
    # pairs ordered by frequency: the hypergeometric series works on contiguous x-groups
    perm = np.argsort(uniq.real, kind="stable")
    rank = np.empty_like(perm)
    rank[perm] = np.arange(perm.size)
    uniq = uniq[perm]
    codes = rank[codes]
    xc, xu = pd.factorize(x, sort=False)
    tc, tu = pd.factorize(t_obs + 0.0, sort=False)
    # the integer codes travel in the engine's float-typed data dict unconverted
    # (they are only ever used as indices), which saves a conversion per evaluation
    return {
        "px": uniq.real.copy(),
        "py": uniq.imag.copy(),
        "i1": cast("FloatArray", codes[:n].astype(np.intp)),
        "i2": cast("FloatArray", codes[n:].astype(np.intp)),
        "xu": np.asarray(xu, dtype=np.float64),
        "xc": cast("FloatArray", xc.astype(np.intp)),
        "tu": np.asarray(tu, dtype=np.float64),
        "tc": cast("FloatArray", tc.astype(np.intp)),
    }


def _pairs(data: Mapping[str, FloatArray]) -> dict[str, FloatArray]:
    if "px" in data:
        return dict(data)
    out = dict(data)
    out.update(pair_index(data["frequency"], data["recency"], data["T"]))
    return out


def _codes(arr: FloatArray) -> NDArray[np.intp]:
    """Integer view of a code array stored in the data dict (no copy when already ints)."""
    return np.asarray(arr).astype(np.intp, copy=False)


def _dot(a: NDArray[Any], b: NDArray[Any]) -> float:
    """``a · b`` without BLAS.

    A multithreaded BLAS ``ddot`` on long vectors leaves its worker threads
    spinning between the many short evaluations of a fit; on a busy machine
    they compete with the main thread and slow the whole fit several-fold.
    ``einsum`` (without ``optimize``) reduces in a single thread.
    """
    return float(np.einsum("i,i->", a, b))


def _log1mexp(d: FloatArray) -> FloatArray:
    """``log(1 - exp(d))`` for ``d <= 0`` to absolute accuracy (``-inf`` at 0)."""
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(-np.expm1(d)), dtype=np.float64)


def log_components(
    params: FloatArray | tuple[float, float, float, float],
    x: FloatArray,
    t_x: FloatArray,
    t_obs: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(A1, B, C)`` with ``log L = A1 + logaddexp(B, C)`` per customer.

    ``B`` is the log of the "alive at T" term, ``C = log s + log(J(t_x) - J(T))``
    the log of the "died in (t_x, T]" term (``-inf`` when ``t_x == T``).
    """
    r, alpha, s, beta = (float(v) for v in params)
    d = pair_index(x, t_x, t_obs)
    d["frequency"] = x
    return _assemble(r, alpha, s, beta, d)


def _assemble(
    r: float, alpha: float, s: float, beta: float, d: Mapping[str, FloatArray]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    lj = log_j(r, alpha, s, beta, d["px"], d["py"])
    g1 = lj[_codes(d["i1"])]
    g2 = lj[_codes(d["i2"])]
    xu, tu = d["xu"], d["tu"]
    xc, tc = _codes(d["xc"]), _codes(d["tc"])
    a1u = special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    x = d["frequency"]
    b = -(r + x) * np.log(alpha + tu)[tc] - (s * np.log(beta + tu))[tc]
    c = np.log(s) + g1 + _log1mexp(np.minimum(g2 - g1, 0.0))
    return np.asarray(a1u, dtype=np.float64)[xc], b, c


def loglik_rows(params: FloatArray, data: Mapping[str, FloatArray]) -> FloatArray:
    """Per-row Pareto/NBD log-likelihood (engine interface)."""
    d = _pairs(data)
    r, alpha, s, beta = (float(v) for v in params)
    a1, b, c = _assemble(r, alpha, s, beta, d)
    return a1 + np.logaddexp(b, c)


def loglik_grad(
    params: FloatArray, data: Mapping[str, FloatArray], weights: FloatArray
) -> tuple[float, FloatArray]:
    """Weighted total log-likelihood and its gradient in ``(r, alpha, s, beta)``.

    Per-row work is kept to a few passes: terms that depend on ``x`` only or on
    ``T`` only are evaluated on the distinct values, and the weights of the
    ``log J`` derivatives are accumulated back onto the distinct pairs with
    ``bincount`` before the dot products.
    """
    d = _pairs(data)
    r, alpha, s, beta = (float(v) for v in params)
    x = d["frequency"]
    xu, tu = d["xu"], d["tu"]
    xc, tc = _codes(d["xc"]), _codes(d["tc"])
    i1, i2 = _codes(d["i1"]), _codes(d["i2"])
    npair = d["px"].size
    lj, dlj = _log_j_grad(r, alpha, s, beta, d["px"], d["py"])
    g1 = lj[i1]
    diff = lj[i2]
    diff -= g1
    np.minimum(diff, 0.0, out=diff)
    la_u = np.log(alpha + tu)
    lb_u = np.log(beta + tu)
    rx = r + x
    b = rx * la_u[tc]
    b += (s * lb_u)[tc]
    np.negative(b, out=b)
    one_m_q = -np.expm1(diff)
    with np.errstate(divide="ignore"):
        c = np.log(one_m_q)
    c += g1
    c += np.log(s)
    # logaddexp(b, c) and the weight of c, sharing one exponential
    dd = c - b
    e = np.exp(-np.abs(dd))
    inv = 1.0 / (1.0 + e)
    ll = np.maximum(b, c)
    ll += np.log1p(e)
    w_c = np.where(dd >= 0, inv, e * inv)
    wx = np.bincount(xc, weights=weights, minlength=xu.size)
    a1u = special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    total = _dot(weights, ll) + _dot(wx, a1u)
    # weights of the log J derivatives at (x, t_x) and (x, T); where t_x == T the
    # "dead" term is exactly 0 (w_c == 0), so the guard on 1 - q changes nothing
    ww_c = weights * w_c
    coef1 = ww_c / np.maximum(one_m_q, 1e-300)
    coef2 = coef1 * (1.0 - one_m_q)
    pair_w = np.bincount(i1, weights=coef1, minlength=npair)
    pair_w -= np.bincount(i2, weights=coef2, minlength=npair)
    grad = np.einsum("ij,j->i", dlj, pair_w)
    # A1 (per distinct x) and B (per distinct T) terms
    wsum = float(weights.sum())
    ww_b = weights - ww_c
    wb_t = np.bincount(tc, weights=ww_b, minlength=tu.size)
    wbrx_t = np.bincount(tc, weights=ww_b * rx, minlength=tu.size)
    grad[0] += float(
        _dot(wx, special.digamma(r + xu)) - wsum * (special.digamma(r) - np.log(alpha))
    )
    grad[0] -= _dot(wb_t, la_u)
    grad[1] += wsum * r / alpha - _dot(wbrx_t, 1.0 / (alpha + tu))
    grad[2] += wsum * np.log(beta) - _dot(wb_t, lb_u) + float(ww_c.sum()) / s
    grad[3] += wsum * s / beta - _dot(wb_t, s / (beta + tu))
    return total, grad


def probability_alive(
    params: tuple[float, float, float, float], x: FloatArray, t_x: FloatArray, t_obs: FloatArray
) -> FloatArray:
    """``P(alive at T | x, t_x, T) = e^B / (e^B + e^C)`` (note 009 eq. 29), in ``[0, 1]``."""
    _, b, c = log_components(params, x, t_x, t_obs)
    return np.asarray(special.expit(b - c), dtype=np.float64)


def _phi(eps: float, log_ratio: FloatArray) -> FloatArray:
    """``(1 - exp(-eps * L)) / eps``, equal to ``L`` at ``eps == 0``."""
    if eps == 0.0:
        return log_ratio
    return np.asarray(-np.expm1(-eps * log_ratio) / eps, dtype=np.float64)


def conditional_expected(
    params: tuple[float, float, float, float],
    x: FloatArray,
    t_x: FloatArray,
    t_obs: FloatArray,
    t: FloatArray | float,
) -> FloatArray:
    """``E[Y(t) | x, t_x, T]`` (note 009 eq. 41), finite for ``s == 1``."""
    r, alpha, s, beta = params
    p = probability_alive(params, x, t_x, t_obs)
    lr = np.log1p(t / (beta + t_obs))
    return p * (r + x) / (alpha + t_obs) * (beta + t_obs) * _phi(s - 1.0, lr)


def expected_new(params: tuple[float, float, float, float], t: FloatArray) -> FloatArray:
    """``E[X(t)]`` for a new customer (note 009 eq. 31): ``rβ/α * (1 - (β/(β+t))^(s-1)) / (s-1)``."""
    r, alpha, s, beta = params
    t = np.asarray(t, dtype=np.float64)
    return r / alpha * beta * _phi(s - 1.0, np.log1p(t / beta))


def _nbd_logpmf(n: int, r: float, alpha: float, tau: FloatArray) -> FloatArray:
    """``log P(NBD count = n)`` of a Poisson-gamma process observed for ``tau``."""
    out = (
        special.gammaln(r + n)
        - special.gammaln(r)
        - special.gammaln(n + 1.0)
        + r * np.log(alpha / (alpha + tau))
        + special.xlogy(n, tau / (alpha + tau))
    )
    return np.asarray(out, dtype=np.float64)


def purchase_count_pmf(params: tuple[float, float, float, float], n: int, t: float) -> float:
    """Unconditional ``P(X(t) = n)`` for a new customer.

    ``P = NBD(n; t) (β/(β+t))^s + ∫_0^t NBD(n; τ) s β^s (β+τ)^-(s+1) dτ``: alive
    throughout, or dead at ``τ`` after ``n`` purchases. The second term is
    integrated with adaptive Gauss-Kronrod quadrature (``scipy.integrate.quad``).
    """
    from scipy import integrate

    r, alpha, s, beta = params
    if t <= 0:
        return 1.0 if n == 0 else 0.0
    alive = float(np.exp(_nbd_logpmf(n, r, alpha, np.array(t)) + s * np.log(beta / (beta + t))))

    def integrand(tau: float) -> float:
        lp = _nbd_logpmf(n, r, alpha, np.array(tau))
        return float(np.exp(lp + np.log(s) + s * np.log(beta) - (s + 1.0) * np.log(beta + tau)))

    # the NBD(n) weight peaks near tau = alpha * n / r; give quad that point as a hint
    peak = min(max(alpha * n / max(r, 1e-12), 0.0), t)
    pts = [peak] if 0.0 < peak < t else None
    dead, _ = integrate.quad(integrand, 0.0, t, points=pts, epsabs=0.0, epsrel=1e-11, limit=200)
    return alive + float(dead)


def dert(
    params: tuple[float, float, float, float],
    x: FloatArray,
    t_x: FloatArray,
    t_obs: FloatArray,
    delta: float,
) -> FloatArray:
    """Discounted expected residual transactions with continuous rate ``delta``.

    FHL (2005, "RFM and CLV", eq. 2)::

        DERT = P(alive) * (r+x)/(α+T) * (β+T)^s δ^(s-1) U(s, s; δ(β+T))

    i.e. ``P(alive) * E[λ | alive] * E[1/(μ+δ) | alive]`` with ``U`` the
    confluent hypergeometric function of the second kind.
    """
    r, alpha, s, beta = params
    p = probability_alive(params, x, t_x, t_obs)
    w = delta * (beta + t_obs)
    # (β+T)^s δ^(s-1) U(s,s,w) = exp(s log(β+T) + (s-1) log δ) U(s,s,w)
    e_inv = np.exp(s * np.log(beta + t_obs) + (s - 1.0) * np.log(delta)) * special.hyperu(s, s, w)
    return np.asarray(p * (r + x) / (alpha + t_obs) * e_inv, dtype=np.float64)
