"""Bundled datasets and a seeded simulator of CRM transaction logs.

Nothing is downloaded: CDNOW and the donations data are read from the files
shipped inside the installed ``lifetimes`` package (a declared dependency).
"""

from __future__ import annotations

import warnings
from importlib import resources
from pathlib import Path

import attrs
import numpy as np
import pandas as pd

from custrel.errors import ParameterError

__all__ = [
    "SimulatedLog",
    "cdnow_path",
    "load_cdnow",
    "load_donations",
    "simulate_transactions",
]


def _lifetimes_file(name: str) -> Path:
    # Importing lifetimes changes the process-wide warning filters (its fitters call
    # warnings.simplefilter at import) and emits deprecation warnings under current
    # pandas; catch_warnings restores the user's filters afterwards.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root = resources.files("lifetimes.datasets")
    return Path(str(root.joinpath(name)))


def cdnow_path(*, sample: bool = True) -> Path:
    """Path of the CDNOW file shipped with lifetimes (sample or master)."""
    return _lifetimes_file("CDNOW_sample.txt" if sample else "CDNOW_master.txt")


def load_cdnow(*, sample: bool = True) -> pd.DataFrame:
    """Load the CDNOW transaction log (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    sample : bool
        ``True`` (default): the standard 2,357-customer 1/10th sample used in
        the BTYD papers (6,919 rows). ``False``: the full 23,570-customer cohort
        (69,659 rows).

    Returns
    -------
    DataFrame
        Columns ``customer_id`` (int), ``date`` (datetime64), ``n_cds`` (int)
        and ``amount`` (dollars). Rows are as in the file: several rows of one
        customer on one day are merged into one occasion by :func:`custrel.summarize`.

    Examples
    --------
    >>> tx = load_cdnow()
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    >>> tx.head(2)
       customer_id       date  n_cds  amount
    0            1 1997-01-01      2   29.33
    1            1 1997-01-18      2   29.73
    """
    path = cdnow_path(sample=sample)
    if sample:
        names = ["master_id", "customer_id", "date", "n_cds", "amount"]
        raw = pd.read_csv(path, sep=r"\s+", header=None, names=names)
    else:
        names = ["customer_id", "date", "n_cds", "amount"]
        raw = pd.read_csv(path, sep=r"\s+", header=0, names=names)
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d").astype("datetime64[ns]")
    return raw.loc[:, ["customer_id", "date", "n_cds", "amount"]].reset_index(drop=True)


def load_donations() -> pd.DataFrame:
    """Load the donations data of Fader, Hardie & Shang (2010) as weighted patterns.

    11,104 first-time supporters of a non-profit in 1995, observed for six
    annual donation opportunities (1996-2001).

    Returns
    -------
    DataFrame
        ``frequency`` (repeat donations x), ``recency`` (t_x, the opportunity of
        the last donation, 0 if none), ``n_periods`` (n = 6) and ``weight``
        (number of donors with this pattern).

    Examples
    --------
    >>> don = load_donations()
    >>> int(don["weight"].sum()), len(don)
    (11104, 22)
    """
    raw = pd.read_csv(_lifetimes_file("donations.csv"))
    return pd.DataFrame(
        {
            "frequency": raw["frequency"].astype(np.int64),
            "recency": raw["recency"].astype(np.int64),
            "n_periods": raw["periods"].astype(np.int64),
            "weight": raw["weights"].astype(np.int64),
        }
    )


@attrs.frozen(eq=False)
class SimulatedLog:
    """A simulated transaction log and the ground truth that generated it.

    Attributes
    ----------
    transactions : DataFrame
        ``customer_id, date, amount, channel, category, discount, incentive, cost``.
    truth : DataFrame
        Per customer: ``lam`` (purchase rate per day), ``p`` (dropout
        probability after each repeat purchase), ``nu`` (spend scale),
        ``first_purchase``, ``alive`` at ``observation_end`` and ``n_repeat``
        (potential repeat purchases before dropout).
    params : dict
        Population parameters (BG/NBD ``r, alpha`` with alpha in days, ``a, b``;
        gamma-gamma ``p, q, gamma``).
    observation_end : Timestamp
        Last day of the simulated window.
    """

    transactions: pd.DataFrame
    truth: pd.DataFrame
    params: dict[str, float]
    observation_end: pd.Timestamp


def simulate_transactions(
    n_customers: int = 1000,
    *,
    seed: int,
    start: str = "2022-01-01",
    days: int = 3 * 365,
    acquisition_days: int = 365,
    r: float = 0.75,
    alpha: float = 60.0,
    a: float = 0.8,
    b: float = 2.5,
    p: float = 6.0,
    q: float = 3.8,
    gamma: float = 150.0,
    return_rate: float = 0.03,
    discount_rate: float = 0.2,
    incentive_rate: float = 0.1,
    margin: float = 0.3,
) -> SimulatedLog:
    """Simulate a CRM transaction log from a BG/NBD purchase process with gamma-gamma spend.

    Each customer makes a first purchase uniformly within the first
    ``acquisition_days``; then purchases arrive as a Poisson process with rate
    ``lam ~ Gamma(r, scale=1/alpha)`` per day, and after each repeat purchase the
    customer drops out with probability ``p_i ~ Beta(a, b)`` (Fader, Hardie & Lee 2005).
    Each purchase spends ``z ~ Gamma(p, scale=1/nu)`` with ``nu ~ Gamma(q, scale=1/gamma)``
    (Fader, Hardie & Lee 2005, "RFM and CLV"). Channel and category follow a
    per-customer preference; a share of purchases carry a discount or an incentive
    flag; a share ``return_rate`` of purchases are followed by a partial return
    (a negative row) a few days later. Fully vectorised.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    seed : int
        Seed for :func:`numpy.random.default_rng` (required: results are reproducible).
    start : str
        First day of the window.
    days : int
        Length of the window in days.
    acquisition_days : int
        First purchases are spread uniformly over this many days.
    r, alpha, a, b : float
        BG/NBD parameters, ``alpha`` in days.
    p, q, gamma : float
        Gamma-gamma spend parameters.
    return_rate, discount_rate, incentive_rate : float
        Shares of purchases with a later partial return, a discount, an incentive.
    margin : float
        Gross margin; ``cost = (1 - margin) * amount`` on purchase rows.

    Returns
    -------
    SimulatedLog
        The log, per-customer truth and the parameters.

    Examples
    --------
    >>> sim = simulate_transactions(200, seed=1)
    >>> sim.transactions["customer_id"].nunique()
    200
    >>> sorted(sim.truth.columns)
    ['alive', 'first_purchase', 'lam', 'n_repeat', 'nu', 'p']
    """
    if n_customers < 1 or days < 1 or not 1 <= acquisition_days <= days:
        msg = "n_customers and days must be >= 1 and 1 <= acquisition_days <= days."
        raise ParameterError(msg)
    for name, val in {
        "r": r,
        "alpha": alpha,
        "a": a,
        "b": b,
        "p": p,
        "q": q,
        "gamma": gamma,
    }.items():
        if not val > 0:
            msg = f"simulate_transactions: {name} must be > 0; got {val!r}."
            raise ParameterError(msg)
    rng = np.random.default_rng(seed)
    n = n_customers
    lam = rng.gamma(r, 1.0 / alpha, n)
    pdrop = rng.beta(a, b, n)
    nu = rng.gamma(q, 1.0 / gamma, n)
    first = rng.integers(0, acquisition_days, n)
    exposure = (days - 1 - first).astype(np.float64)
    # potential repeat purchases before dropout: geometric on {1, 2, ...}
    k = rng.geometric(np.clip(pdrop, 1e-12, 1.0))
    n_events = rng.poisson(lam * exposure)
    n_repeat = np.minimum(n_events, k)
    alive = n_events < k
    # event times: the first n_repeat order statistics of n_events uniforms
    owner = np.repeat(np.arange(n), n_events)
    u = rng.random(owner.size) * exposure[owner]
    order = np.lexsort((u, owner))
    owner, u = owner[order], u[order]
    starts = np.concatenate(([0], np.cumsum(n_events)[:-1]))
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < n_repeat[owner]
    owner, u = owner[keep], u[keep]
    cust = np.concatenate((np.arange(n), owner))
    day = np.concatenate((first, first[owner] + np.floor(u).astype(np.int64) + 0))
    m = cust.size
    amount = np.round(rng.gamma(p, 1.0 / nu[cust]), 2)
    # per-customer preferences for channel and category
    channels = np.array(["store", "online", "app"])
    categories = np.array(["grocery", "fashion", "electronics", "home", "beauty"])
    fav_ch = rng.integers(0, channels.size, n)
    fav_cat = rng.integers(0, categories.size, n)
    ch = np.where(rng.random(m) < 0.7, fav_ch[cust], rng.integers(0, channels.size, m))
    cat = np.where(rng.random(m) < 0.6, fav_cat[cust], rng.integers(0, categories.size, m))
    disc = rng.random(m) < discount_rate
    inc = rng.random(m) < incentive_rate
    ret = rng.random(m) < return_rate
    ret_day = np.minimum(day[ret] + rng.integers(1, 15, int(ret.sum())), days - 1)
    ret_amt = -np.round(amount[ret] * rng.uniform(0.2, 1.0, int(ret.sum())), 2)
    all_cust = np.concatenate((cust, cust[ret]))
    all_day = np.concatenate((day, ret_day))
    all_amt = np.concatenate((amount, ret_amt))
    all_cost = np.concatenate((np.round((1 - margin) * amount, 2), np.zeros(int(ret.sum()))))
    all_ch = np.concatenate((ch, ch[ret]))
    all_cat = np.concatenate((cat, cat[ret]))
    all_disc = np.concatenate((disc, np.zeros(int(ret.sum()), dtype=bool)))
    all_inc = np.concatenate((inc, np.zeros(int(ret.sum()), dtype=bool)))
    order = np.lexsort((all_day, all_cust))
    t0 = np.datetime64(pd.Timestamp(start).date(), "D")
    tx = pd.DataFrame(
        {
            "customer_id": all_cust[order] + 1,
            "date": (t0 + all_day[order]).astype("datetime64[ns]"),
            "amount": all_amt[order],
            "channel": pd.Categorical.from_codes(all_ch[order], categories=pd.Index(channels)),
            "category": pd.Categorical.from_codes(all_cat[order], categories=pd.Index(categories)),
            "discount": all_disc[order],
            "incentive": all_inc[order],
            "cost": all_cost[order],
        }
    )
    truth = pd.DataFrame(
        {
            "lam": lam,
            "p": pdrop,
            "nu": nu,
            "first_purchase": (t0 + first).astype("datetime64[ns]"),
            "alive": alive,
            "n_repeat": n_repeat.astype(np.int64),
        },
        index=pd.Index(np.arange(1, n + 1), name="customer_id"),
    )
    params = {"r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q, "gamma": gamma}
    end = pd.Timestamp(t0 + np.timedelta64(days - 1, "D"))
    return SimulatedLog(transactions=tx, truth=truth, params=params, observation_end=end)
