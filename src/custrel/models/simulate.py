"""Seeded simulators that draw customer summaries (with ground truth) from a model.

Each simulator is vectorised (no loop over customers) and reproducible from its
``seed``. It returns a :class:`Simulation` whose ``summary`` can be passed to
the model's ``fit`` (parameter recovery) and whose ``truth`` holds the latent
per-customer quantities (purchase rate, dropout probability, alive at the end
of calibration) for checking predictions. An optional holdout window adds
``frequency_holdout`` / ``duration_holdout`` as produced by
:func:`custrel.calibration_holdout`, so :mod:`custrel.models.evaluate` can be
exercised on simulated data.

Examples
--------
>>> from custrel.models import BetaGeo
>>> from custrel.models.simulate import simulate_beta_geo
>>> sim = simulate_beta_geo(BetaGeo(r=0.25, alpha=4.0, a=0.8, b=2.5), 1000, T=52.0, seed=1)
>>> sim.summary.columns.tolist()
['frequency', 'recency', 'T']
>>> bool((sim.summary["recency"] <= sim.summary["T"]).all())
True
"""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from custrel.errors import ParameterError
from custrel.models._special import FloatArray
from custrel.models.beta_geo import BetaGeo, _BetaGeoMixin
from custrel.models.beta_geo_beta_binom import BetaGeoBetaBinom
from custrel.models.modified_beta_geo import ModifiedBetaGeo

__all__ = [
    "Simulation",
    "simulate_beta_geo",
    "simulate_beta_geo_beta_binom",
    "simulate_modified_beta_geo",
]


@attrs.frozen(eq=False)
class Simulation:
    """Simulated customer summaries and the latent truth behind them.

    Attributes
    ----------
    summary : DataFrame
        Indexed by ``customer_id`` (0..n-1): the model's sufficient statistics
        (``frequency``, ``recency``, ``T`` or ``n_periods``), plus
        ``frequency_holdout`` and ``duration_holdout`` when a holdout was simulated.
    truth : DataFrame
        Same index: latent quantities (e.g. ``lam``, ``p``, ``alive``).
    model : object
        The model that generated the data.
    seed : int
        The seed used.
    """

    summary: pd.DataFrame
    truth: pd.DataFrame
    model: object
    seed: int


def _check_n(n_customers: int) -> None:
    if not (isinstance(n_customers, int | np.integer) and n_customers >= 1):
        msg = f"n_customers must be an int >= 1; got {n_customers!r}."
        raise ParameterError(msg)


def _durations(value: float | ArrayLike, n: int, name: str) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != n):
        msg = f"{name} must be a scalar or one value per customer ({n}); got shape {arr.shape}."
        raise ParameterError(msg)
    if not np.all(np.isfinite(arr) & (arr > 0)):
        msg = f"{name} must be finite and > 0."
        raise ParameterError(msg)
    return np.broadcast_to(arr, (n,)).astype(np.float64)


def _simulate_bg(
    model: _BetaGeoMixin,
    n_customers: int,
    t_obs: float | ArrayLike,
    seed: int,
    holdout: float | None,
) -> Simulation:
    _check_n(n_customers)
    n = int(n_customers)
    big_t = _durations(t_obs, n, "T")
    rng = np.random.default_rng(seed)
    lam = rng.gamma(model.r, 1.0 / model.alpha, size=n)
    p = rng.beta(model.a, model.b, size=n)
    p = np.clip(p, 1e-300, 1.0)
    # MBG/NBD: a dropout opportunity at the first purchase
    dead0 = rng.random(n) < p if model._m == 1 else np.zeros(n, dtype=bool)
    k_drop = rng.geometric(p)  # repeat purchase after which the customer drops out
    n_pot = rng.poisson(lam * big_t)  # potential repeat purchases in (0, T]
    x = np.where(dead0, 0, np.minimum(n_pot, k_drop))
    alive = ~dead0 & (n_pot < k_drop)
    # the x-th of n_pot uniform event times on (0, T]: T * Beta(x, n_pot - x + 1)
    xs = np.maximum(x, 1)
    u = rng.beta(xs, np.maximum(n_pot - xs + 1, 1))
    recency = np.where(x > 0, big_t * u, 0.0)
    summary = pd.DataFrame(
        {"frequency": x.astype(np.int64), "recency": recency, "T": big_t},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    if holdout is not None:
        h = float(holdout)
        if not (np.isfinite(h) and h > 0):
            msg = f"holdout must be a finite float > 0; got {holdout!r}."
            raise ParameterError(msg)
        n_h = rng.poisson(lam * h)
        x_h = np.where(alive, np.minimum(n_h, k_drop - n_pot), 0)
        summary["frequency_holdout"] = x_h.astype(np.int64)
        summary["duration_holdout"] = h
    truth = pd.DataFrame({"lam": lam, "p": p, "alive": alive}, index=summary.index)
    return Simulation(summary=summary, truth=truth, model=model, seed=seed)


def simulate_beta_geo(
    model: BetaGeo,
    n_customers: int,
    *,
    T: float | ArrayLike,
    seed: int,
    holdout: float | None = None,
) -> Simulation:
    """Simulate BG/NBD customers observed for ``T`` time units after their first purchase.

    Per customer ``λ ~ Gamma(r, α)``, ``p ~ Beta(a, b)``; repeat purchases form a
    Poisson(λ) process; after each the customer drops out with probability
    ``p``. The number of potential purchases in ``(0, T]`` is Poisson(λT) and
    the purchase after which the customer drops is Geometric(p); the last
    purchase time is the corresponding order statistic of uniform times.

    Parameters
    ----------
    model : BetaGeo
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

    Returns
    -------
    Simulation
        ``truth`` has ``lam``, ``p`` and ``alive`` (alive at ``T``).

    Examples
    --------
    >>> sim = simulate_beta_geo(BetaGeo(r=0.25, alpha=4.0, a=0.8, b=2.5), 5, T=52.0, seed=3)
    >>> sim.summary["frequency"].tolist()
    [0, 4, 0, 0, 0]
    """
    return _simulate_bg(model, n_customers, T, seed, holdout)


def simulate_modified_beta_geo(
    model: ModifiedBetaGeo,
    n_customers: int,
    *,
    T: float | ArrayLike,
    seed: int,
    holdout: float | None = None,
) -> Simulation:
    """Simulate MBG/NBD customers (BG/NBD plus a dropout chance at the first purchase).

    Parameters and return value as in :func:`simulate_beta_geo`.

    Examples
    --------
    >>> m = ModifiedBetaGeo(r=0.5, alpha=6.0, a=0.9, b=1.6)
    >>> sim = simulate_modified_beta_geo(m, 2000, T=39.0, seed=2)
    >>> bool(sim.truth.loc[sim.summary["frequency"] == 0, "alive"].mean() < 1)
    True
    """
    return _simulate_bg(model, n_customers, T, seed, holdout)


def simulate_beta_geo_beta_binom(
    model: BetaGeoBetaBinom,
    n_customers: int,
    *,
    n_periods: int,
    seed: int,
    holdout: int | None = None,
) -> Simulation:
    """Simulate BG/BB customers over ``n_periods`` discrete transaction opportunities.

    Per customer ``p ~ Beta(α, β)`` (transaction probability while alive) and
    ``θ ~ Beta(γ, δ)`` (dropout probability at the start of each opportunity).
    The number of opportunities the customer is alive for is
    ``Geometric(θ) - 1``; the number of transactions ``x`` is binomial over the
    alive opportunities, and the last transaction opportunity ``t_x`` is the
    maximum of a uniformly random ``x``-subset of them (drawn exactly by inverting
    its distribution function ``C(k, x) / C(m, x)`` with a vectorised bisection).

    Parameters
    ----------
    model : BetaGeoBetaBinom
        Population parameters.
    n_customers : int
        Number of customers.
    n_periods : int
        Transaction opportunities after the first purchase (>= 1).
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    holdout : int, optional
        Further opportunities; adds ``frequency_holdout`` and ``duration_holdout``.

    Returns
    -------
    Simulation
        ``summary`` has ``frequency``, ``recency``, ``n_periods``; ``truth`` has
        ``p``, ``theta``, ``alive`` (alive at opportunity ``n_periods``).

    Examples
    --------
    >>> m = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    >>> sim = simulate_beta_geo_beta_binom(m, 1000, n_periods=6, seed=4)
    >>> int(sim.summary["frequency"].max()) <= 6
    True
    """
    from scipy import special

    _check_n(n_customers)
    if not (isinstance(n_periods, int | np.integer) and n_periods >= 1):
        msg = f"n_periods must be an int >= 1; got {n_periods!r}."
        raise ParameterError(msg)
    n = int(n_customers)
    rng = np.random.default_rng(seed)
    p = rng.beta(model.alpha, model.beta, size=n)
    theta = np.clip(rng.beta(model.gamma, model.delta, size=n), 1e-300, 1.0)
    life = rng.geometric(theta) - 1  # opportunities survived
    m_alive = np.minimum(life, n_periods)
    x = rng.binomial(m_alive, p)
    # t_x = max of a random x-subset of {1..m}: smallest k with C(k,x)/C(m,x) >= u
    u = rng.random(n)
    log_u = np.log(u)

    def log_cdf(k: FloatArray) -> FloatArray:
        out: FloatArray = (
            special.gammaln(k + 1)
            - special.gammaln(k - x + 1)
            - (special.gammaln(m_alive + 1) - special.gammaln(m_alive - x + 1))
        )
        return out

    lo = x.astype(np.float64) - 1.0  # cdf(lo) == 0 < u
    hi = m_alive.astype(np.float64)  # cdf(hi) == 1 >= u
    for _ in range(int(np.ceil(np.log2(n_periods + 2))) + 1):
        mid = np.floor((lo + hi) / 2)
        busy = hi - lo > 1
        go = log_cdf(np.maximum(mid, x)) >= log_u
        hi = np.where(busy & go, mid, hi)
        lo = np.where(busy & ~go, mid, lo)
    recency = np.where(x > 0, hi, 0.0).astype(np.int64)
    summary = pd.DataFrame(
        {
            "frequency": x.astype(np.int64),
            "recency": recency,
            "n_periods": np.full(n, n_periods, dtype=np.int64),
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )
    alive = life >= n_periods
    if holdout is not None:
        if not (isinstance(holdout, int | np.integer) and holdout >= 1):
            msg = f"holdout must be an int >= 1; got {holdout!r}."
            raise ParameterError(msg)
        more = np.clip(life - n_periods, 0, int(holdout))
        summary["frequency_holdout"] = rng.binomial(more, p).astype(np.int64)
        summary["duration_holdout"] = int(holdout)
    truth = pd.DataFrame({"p": p, "theta": theta, "alive": alive}, index=summary.index)
    return Simulation(summary=summary, truth=truth, model=model, seed=seed)
