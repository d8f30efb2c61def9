"""Summary tables of a customer profile (domain.md §10.6): the numbers behind every plot.

Every function takes the one-row-per-customer profile of
:func:`custrel.report.crm_profile` (or the pieces it is made of) and returns
a small DataFrame or Series; the plots in :mod:`custrel.report.plots` draw
exactly these tables and compute nothing of their own.

Examples
--------
>>> prof = pd.DataFrame({"state": ["current", "current", "lost", "undetermined"],
...                      "stage": ["stability", "decline", "terminated", "undetermined"],
...                      "clv": [120.0, 30.0, 1.5, np.nan]},
...                     index=pd.Index(["a", "b", "c", "d"], name="customer_id"))
>>> headline_numbers(prof)
customers                        4.0
active                           2.0
at_risk                          1.0
lost                             1.0
state_undetermined               1.0
customer_equity                151.5
Name: value, dtype: float64
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.errors import SchemaError
from custrel.labels import UNDETERMINED

__all__ = [
    "RESOLVE_HINTS",
    "PurchaseModel",
    "TrackingModel",
    "crosstab_counts",
    "headline_numbers",
    "holdout_by_frequency",
    "label_table",
    "probability_alive_matrix",
    "tracking_table",
    "undetermined_summary",
    "upgrade_list",
    "value_quantiles",
    "win_back_list",
]

#: What data (or time) would resolve each ``undetermined`` reason.
RESOLVE_HINTS: Mapping[str, str] = {
    "no_valid_purchase": "nothing to collect: these customers have returns only",
    "p_alive_missing": "a fitted purchase model (P(alive)) for these customers",
    "p_alive_uninformative": "a model whose P(alive) is informative for one-time buyers "
    "(Pareto/NBD or MBG/NBD), or keep the hiatus fallback",
    "p_alive_ambiguous": "more purchase history (P(alive) falls in the undecided band)",
    "state_undetermined": "see the reasons of the customer-state scheme",
    "short_history": "more history: these customers are too new to judge",
    "non_positive_spend": "nothing to collect: net spend is not positive (returns cancel purchases)",
    "not_active_in_window": "a purchase in the tiering window (tiers are for active customers)",
    "value_missing": "a value (CLV or revenue) for these customers",
    "cost_missing": "a cost column or a gross margin rate",
    "potential_missing": "a potential-value estimate (e.g. predicted CLV)",
    "attitude_missing": "survey data: an attitude score (1-7) or the 'recommend' (0-10) item "
    "in the attributes file",
    "repeat_patronage_undetermined": "share of wallet (attributes) or a longer history",
    "price_vs_incentive_ambiguous": "separate discount and incentive columns instead of one "
    "generic promotion flag",
    "column_missing": "the missing column",
    "insufficient_occasions": "more purchases per customer (at least 3)",
    "low_posterior": "a longer history per customer",
    "ongoing": "time: the relationship is still developing",
    "driver_data_missing": "driver columns: n_alternatives or market_share, distance_km, "
    "discount and incentive flags",
    "carried_forward": "nothing: the previous label is kept until the new one is confirmed",
    "not_in_population": "nothing: the scheme does not apply to these customers",
}


class PurchaseModel(Protocol):
    """What the report needs from a fitted purchase model (BG/NBD, MBG/NBD, Pareto/NBD)."""

    def probability_alive(self, summary: pd.DataFrame, /) -> pd.Series:
        """P(alive) per customer of a ``frequency, recency, T`` summary."""
        ...

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
        """Conditional expected purchases in the next ``t`` periods."""
        ...


class TrackingModel(Protocol):
    """A purchase model that also predicts the repeat purchases of a brand-new customer."""

    def expected_purchases_new_customer(self, t: float | np.ndarray) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` after the first purchase."""
        ...


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = f"{what} needs column(s) {missing}; the profile has {list(frame.columns)[:12]}..."
        raise SchemaError(msg)


def headline_numbers(profile: pd.DataFrame, /) -> pd.Series:
    """Customers, active (current), at risk (stage decline), lost, undetermined, customer equity.

    Entries are left out when the profile lacks the column they need
    (``state``, ``stage``, ``clv``); ``customer_equity`` is the sum of the
    non-missing CLVs.
    """
    out: dict[str, float] = {"customers": float(len(profile))}
    if "state" in profile:
        state = profile["state"].astype("string")
        out["active"] = float((state == "current").sum())
        if "stage" in profile:
            out["at_risk"] = float((profile["stage"].astype("string") == "decline").sum())
        out["lost"] = float((state == "lost").sum())
        out["state_undetermined"] = float((state == UNDETERMINED).sum())
    if "clv" in profile:
        out["customer_equity"] = float(np.nansum(profile["clv"].to_numpy(dtype=np.float64)))
    return pd.Series(out, name="value", dtype=np.float64)


def label_table(
    profile: pd.DataFrame,
    /,
    column: str,
    *,
    value: str | None = None,
) -> pd.DataFrame:
    """Customers (and share) per label of ``column``; with ``value``, its sum and share too.

    Every category of a categorical column appears, zeros included.

    Examples
    --------
    >>> prof = pd.DataFrame({"tier": pd.Categorical(["gold", "silver", "silver"],
    ...                                             categories=["gold", "silver"])})
    >>> label_table(prof, "tier")
            customers  share
    tier
    gold            1  0.333
    silver          2  0.667
    """
    _need(profile, [column] + ([value] if value else []), "label_table")
    lab = profile[column]
    counts = lab.value_counts(sort=False, dropna=False)
    if isinstance(lab.dtype, pd.CategoricalDtype):
        counts = counts.reindex(lab.cat.categories, fill_value=0)
    out = pd.DataFrame({"customers": counts.astype(np.int64)})
    total = max(int(out["customers"].sum()), 1)
    out["share"] = (out["customers"] / total).round(3)
    if value is not None:
        sums = profile.groupby(lab, observed=False, dropna=False)[value].sum(min_count=1)
        out[value] = sums.reindex(out.index)
        grand = float(np.nansum(profile[value].to_numpy(dtype=np.float64)))
        out[f"{value}_share"] = (out[value] / grand).round(3) if grand else np.nan
    out.index.name = column
    return out


def crosstab_counts(
    profile: pd.DataFrame, /, rows: str, columns: str, *, margins: bool = True
) -> pd.DataFrame:
    """Customers per (``rows`` label, ``columns`` label), e.g. state × tier.

    Examples
    --------
    >>> prof = pd.DataFrame({"state": ["current", "current", "lost"],
    ...                      "tier": ["gold", "silver", "undetermined"]})
    >>> crosstab_counts(prof, "state", "tier")
    tier     gold  silver  undetermined  total
    state
    current     1       1             0      2
    lost        0       0             1      1
    total       1       1             1      3
    """
    _need(profile, [rows, columns], "crosstab_counts")
    tab = pd.crosstab(profile[rows], profile[columns], dropna=False)
    if margins:
        tab["total"] = tab.sum(axis=1)
        tab.loc["total"] = tab.sum(axis=0)
    tab.columns.name = columns
    tab.index.name = rows
    return tab.astype(np.int64)


def undetermined_summary(
    profile: pd.DataFrame, /, schemes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Undetermined customers per scheme and reason, with the data that would resolve them.

    ``schemes`` defaults to every column ``X`` that has an ``X_reason`` companion.

    Examples
    --------
    >>> prof = pd.DataFrame({"dick_basu": ["true", "undetermined", "undetermined"],
    ...                      "dick_basu_reason": [None, "attitude_missing", "attitude_missing"]})
    >>> undetermined_summary(prof)[["scheme", "reason", "customers"]]
          scheme            reason  customers
    0  dick_basu  attitude_missing          2
    """
    if schemes is None:
        schemes = [c for c in profile.columns if f"{c}_reason" in profile.columns]
    rows: list[dict[str, object]] = []
    for scheme in schemes:  # a handful of schemes, not customers
        _need(profile, [scheme, f"{scheme}_reason"], "undetermined_summary")
        und = profile[scheme].astype("string") == UNDETERMINED
        reasons = profile.loc[und.fillna(False).to_numpy(), f"{scheme}_reason"]
        counts = reasons.astype("string").fillna("<none>").value_counts()
        for reason, n in counts.items():
            rows.append(
                {
                    "scheme": scheme,
                    "reason": reason,
                    "customers": int(n),
                    "would_resolve": RESOLVE_HINTS.get(str(reason), ""),
                }
            )
    cols = ["scheme", "reason", "customers", "would_resolve"]
    return pd.DataFrame(rows, columns=cols)


def _ranked(frame: pd.DataFrame, by: Sequence[str], n: int | None) -> pd.DataFrame:
    keys = [c for c in by if c in frame.columns]
    out = frame.sort_values(keys, ascending=False, kind="stable") if keys else frame
    return out if n is None else out.head(n)


_LIST_COLUMNS = (
    "state",
    "action",
    "last_tier",
    "stage",
    "tier",
    "silver_action",
    "p_alive",
    "expected_purchases",
    "clv",
    "days_since_last",
    "net_amount",
    "rfm_segment",
)


def win_back_list(profile: pd.DataFrame, /, *, n: int | None = 50) -> pd.DataFrame:
    """Lost customers to win back, most valuable first.

    Lost customers whose action is ``win_back`` (or every lost customer when
    there is no ``action`` column), sorted by historical value (``net_amount``),
    then by CLV.
    """
    _need(profile, ["state"], "win_back_list")
    lost = profile["state"].astype("string") == "lost"
    if "action" in profile:
        lost &= profile["action"].astype("string") == "win_back"
    sub = profile.loc[lost.fillna(False).to_numpy()]
    cols = [c for c in _LIST_COLUMNS if c in sub.columns]
    return _ranked(sub, ["net_amount", "clv"], n).loc[:, cols]


def upgrade_list(profile: pd.DataFrame, /, *, n: int | None = 50) -> pd.DataFrame:
    """Silver customers with the potential to move up (``silver_action == "upgrade"``), by CLV."""
    _need(profile, ["silver_action"], "upgrade_list")
    up = profile["silver_action"].astype("string") == "upgrade"
    sub = profile.loc[up.fillna(False).to_numpy()]
    cols = [c for c in _LIST_COLUMNS if c in sub.columns]
    return _ranked(sub, ["clv", "expected_purchases"], n).loc[:, cols]


def value_quantiles(
    values: pd.Series, /, q: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)
) -> pd.Series:
    """Quantiles, mean and total of a value column (NaN ignored; their count reported).

    Examples
    --------
    >>> value_quantiles(pd.Series([1.0, 2.0, 3.0, np.nan]), q=(0.5,)).to_dict()
    {'q50': 2.0, 'mean': 2.0, 'total': 6.0, 'missing': 1.0}
    """
    v = values.astype(np.float64)
    out = {f"q{round(100 * p):d}": float(v.quantile(p)) for p in q}
    out["mean"] = float(v.mean())
    out["total"] = float(v.sum())
    out["missing"] = float(v.isna().sum())
    return pd.Series(out, name=values.name)


def probability_alive_matrix(
    model: PurchaseModel,
    /,
    *,
    T: float,
    max_frequency: int,
    n_recency: int = 20,
) -> pd.DataFrame:
    """P(alive) over a grid of frequency (rows) × recency (columns) at tenure ``T``.

    This is the heat map of Fader, Hardie & Lee (2005, Figure 5 style): how
    the chance that a customer is still active depends on how often (frequency)
    and how recently (recency) they bought. Cells with ``frequency = 0`` and
    positive recency are impossible and left NaN.

    Parameters
    ----------
    model : PurchaseModel
        A fitted model with ``probability_alive(summary)``.
    T : float
        Tenure (time since first purchase) in the model's time unit.
    max_frequency : int
        Largest frequency (repeat purchases) shown.
    n_recency : int
        Number of recency columns, evenly spaced in ``[0, T]``.
    """
    freq = np.arange(max_frequency + 1, dtype=np.float64)
    rec = np.linspace(0.0, float(T), n_recency)
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    grid = pd.DataFrame(
        {"frequency": ff.ravel(), "recency": rr.ravel(), "T": np.full(ff.size, float(T))}
    )
    valid = (grid["frequency"] > 0) | (grid["recency"] == 0)
    grid = grid.loc[valid.to_numpy()].reset_index(drop=True)
    grid.index.name = "customer_id"
    p = np.asarray(model.probability_alive(grid), dtype=np.float64)
    out = np.full(ff.shape, np.nan)
    fi = grid["frequency"].to_numpy().astype(np.int64)
    ri = np.searchsorted(rec, grid["recency"].to_numpy())
    out[fi, ri] = p
    frame = pd.DataFrame(out, index=pd.Index(freq.astype(np.int64), name="frequency"))
    frame.columns = pd.Index(np.round(rec, 3), name="recency")
    return frame


def holdout_by_frequency(
    summary: pd.DataFrame,
    /,
    predicted: pd.Series,
    *,
    max_frequency: int = 7,
) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases by calibration frequency (capped).

    The calibration-vs-holdout check of Fader, Hardie & Lee (2005, Figure 4):
    customers are grouped by their calibration frequency (``max_frequency``
    and above pooled), and the mean observed ``frequency_holdout`` is compared
    with the mean model prediction.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [0, 0, 1, 9], "frequency_holdout": [0, 1, 2, 5]})
    >>> holdout_by_frequency(s, pd.Series([0.2, 0.2, 1.5, 4.0]), max_frequency=2)
               customers  actual  predicted
    frequency
    0                  2     0.5        0.2
    1                  1     2.0        1.5
    2+                 1     5.0        4.0
    """
    _need(summary, ["frequency", "frequency_holdout"], "holdout_by_frequency")
    f = np.minimum(summary["frequency"].to_numpy(dtype=np.int64), max_frequency)
    df = pd.DataFrame(
        {
            "group": f,
            "actual": summary["frequency_holdout"].to_numpy(dtype=np.float64),
            "predicted": np.asarray(predicted, dtype=np.float64),
        }
    )
    g = df.groupby("group")
    out = pd.DataFrame(
        {
            "customers": g.size().astype(np.int64),
            "actual": g["actual"].mean(),
            "predicted": g["predicted"].mean(),
        }
    )
    labels = [str(i) if i < max_frequency else f"{max_frequency}+" for i in out.index]
    out.index = pd.Index(labels, name="frequency")
    return out


def tracking_table(
    transactions: pd.DataFrame,
    model: TrackingModel,
    /,
    *,
    calibration_end: object,
    observation_end: object,
    period: str | float = "W",
) -> pd.DataFrame:
    """Cumulative repeat purchases of the calibration cohort, actual vs model, period by period.

    The tracking plot of Fader, Hardie & Lee (2005, Figure 2): the cohort is
    every customer whose first purchase occasion is on or before
    ``calibration_end``; a customer who first bought on day ``d`` is expected
    to have made ``E[X(t - d)]`` repeat purchases by time ``t``
    (``model.expected_purchases_new_customer``), and the model's curve is the
    sum over the cohort. Purchase occasions follow :func:`custrel.summarize`
    (same-day rows summed; a day is an occasion when its net amount is >= 0).

    Parameters
    ----------
    transactions : DataFrame
        Normalised log with ``customer_id``, ``date``, ``amount`` (e.g.
        :func:`custrel.read_transactions` or ``CustomerBase.transactions``).
    model : TrackingModel
        A model fitted on the calibration period, in the time unit ``period``.
    calibration_end, observation_end : date-like
        End of the calibration period and of the tracked span.
    period : str or float
        Time unit of the model and of the rows of the table.

    Returns
    -------
    DataFrame
        Indexed by ``period_end`` (date): ``actual`` and ``expected`` cumulative
        repeat purchases, and ``holdout`` (True after ``calibration_end``).

    Examples
    --------
    >>> class Steady:  # one repeat purchase per period, for everybody
    ...     def expected_purchases_new_customer(self, t):
    ...         return np.asarray(t, dtype=float)
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "amount": [5.0, 5.0, 5.0],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-03"])})
    >>> tracking_table(tx, Steady(), calibration_end="2024-01-03",
    ...                observation_end="2024-01-07", period="D")
                actual  expected  holdout
    period_end
    2024-01-02       0       1.0    False
    2024-01-03       0       2.0    False
    2024-01-04       0       4.0     True
    2024-01-05       1       6.0     True
    2024-01-06       1       8.0     True
    2024-01-07       1      10.0     True
    """
    from custrel.data import TimeUnit

    unit = TimeUnit.parse(period)
    cal = pd.Timestamp(calibration_end).normalize()  # type: ignore[arg-type]
    end = pd.Timestamp(observation_end).normalize()  # type: ignore[arg-type]
    _need(transactions, ["customer_id", "date", "amount"], "tracking_table")
    day_net = transactions.groupby(["customer_id", "date"], sort=True, observed=True)[
        "amount"
    ].sum()
    occ = day_net[day_net >= 0].reset_index()
    first = occ.groupby("customer_id", observed=True)["date"].transform("min")
    in_cohort = first <= cal
    repeat_days = occ.loc[in_cohort & (occ["date"] > first) & (occ["date"] <= end), "date"]
    firsts = first[in_cohort].groupby(occ.loc[in_cohort, "customer_id"], observed=True).first()
    start = firsts.min()
    epoch = np.datetime64("1970-01-01", "D")

    def to_days(dates: object) -> NDArray[np.float64]:
        arr = np.asarray(dates, dtype="datetime64[D]") - epoch
        return np.asarray(arr.astype(np.float64), dtype=np.float64)

    n_steps = int(np.floor((to_days(end) - to_days(start)) / unit.days))
    edges = to_days(start) + unit.days * np.arange(1, n_steps + 1)
    actual = np.searchsorted(np.sort(to_days(repeat_days.to_numpy())), edges, side="right")
    first_days, counts = np.unique(to_days(firsts.to_numpy()), return_counts=True)
    age = np.maximum(edges[None, :] - first_days[:, None], 0.0) / unit.days
    expected_each = np.asarray(model.expected_purchases_new_customer(age.ravel()), dtype=np.float64)
    expected = counts @ expected_each.reshape(age.shape)
    index = pd.DatetimeIndex((epoch + np.floor(edges).astype("timedelta64[D]")), name="period_end")
    return pd.DataFrame(
        {"actual": actual.astype(np.int64), "expected": expected, "holdout": index > cal},
        index=index,
    )
