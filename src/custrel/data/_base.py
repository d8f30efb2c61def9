"""CustomerBase: a normalised history plus per-customer features at one as-of date."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data._columns import TransactionColumns
from custrel.data._kernel import (
    customer_days,
    day_number,
    encode,
    group_ends,
    group_starts,
    occasion_mask,
)
from custrel.data._summary import _as_timestamp, _summary_frame
from custrel.data._time import Period, TimeUnit
from custrel.data._transactions import read_transactions
from custrel.data._validate import ProblemList
from custrel.errors import DataValidationError, ParameterError, SchemaError

__all__ = ["CustomerBase", "build_customer_base"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
ZeroNet = Literal["occasion", "not_occasion"]
_DEFAULT_COLUMNS = TransactionColumns()

#: Attribute columns with a known range: name -> (low, high, integer?)
_ATTRIBUTE_RANGES: Mapping[str, tuple[float, float, bool]] = {
    "share_of_wallet": (0.0, 1.0, False),
    "recommend": (0.0, 10.0, False),
    "n_alternatives": (0.0, np.inf, True),
    "market_share": (0.0, 1.0, False),
    "distance_km": (0.0, np.inf, False),
    "target_score": (-np.inf, np.inf, False),
    "acquisition_cost": (-np.inf, np.inf, False),
    "service_cost": (-np.inf, np.inf, False),
    "assets": (-np.inf, np.inf, False),
}
#: Survey scores whose scale the attitude rules check against their own configuration.
_SCORE_COLUMNS = ("attitude", "differentiation", "satisfaction", "repurchase_intent")


@attrs.frozen(eq=False)
class _Rows:
    """Rows up to ``as_of`` encoded against ``CustomerBase.features.index``."""

    codes: IntArray
    days: IntArray
    amounts: FloatArray
    costs: FloatArray | None
    occ_cust: IntArray
    occ_day: IntArray
    occ_net: FloatArray


@attrs.frozen(kw_only=True)
class CustomerBase:
    """A customer base at one as-of date: the full history and the features of domain.md §1.3.

    Build it with :func:`build_customer_base`; recut it at another date with
    :meth:`at`. Features use the same purchase-occasion rule as
    :func:`custrel.summarize`, so a BTYD model fitted on :meth:`btyd_summary`
    and the rule features describe the same customers.

    Attributes
    ----------
    transactions : DataFrame
        The full normalised history (all dates, also after ``as_of``).
    as_of : Timestamp
        Inclusive evaluation date.
    features : DataFrame
        One row per customer with rows on or before ``as_of`` (see Notes).
    attributes, prospects, contracts : DataFrame or None
        Validated optional inputs (survey/customer attributes indexed by
        ``customer_id``; prospects indexed by ``customer_id``; contracts with
        ``customer_id, start, end``).
    window_days : float
        Length of the trailing window of the ``*_window`` features.
    margin_rate : float or None
        Gross margin used for ``margin_window`` when there is no cost column.
    zero_net : {"occasion", "not_occasion"}
        Purchase-occasion rule for days netting exactly to zero.
    diagnostics : Mapping[str, int]
        ``rows_after_as_of``: rows dated after ``as_of`` (excluded from features),
        ``customers_after_as_of``: customers whose rows all lie after ``as_of``.

    Notes
    -----
    Feature columns: ``first_purchase``, ``last_purchase``, ``n_occasions``,
    ``frequency`` (n_occasions - 1), ``recency_days``, ``T_days``,
    ``days_since_last``, ``mean_ipt_days``, ``ipt_cv``, ``net_amount``,
    ``revenue_window``, ``occasions_window``, ``aov_window``, ``margin_window``,
    ``discount_share``, ``incentive_share``, ``promo_share``, ``top_channel``,
    ``top_channel_share``, ``top_category``, ``top_category_share``, ``n_categories``.
    Customers with rows but no purchase occasion (returns only) have
    ``n_occasions = 0``, ``frequency = 0`` and NaN/NaT occasion features.

    A purchase occasion is a customer-day whose net amount is >= 0 by default
    (``zero_net="occasion"``): the published CDNOW data contains $0 purchases
    that the BTYD literature counts. ``zero_net="not_occasion"`` gives the
    stricter net > 0 rule of the domain specification. Returns-only days are
    never occasions but still count in ``net_amount`` and the window sums.

    Examples
    --------
    Customer ``b`` buys and returns on the same day: the day nets to zero and
    counts as an occasion under the default rule.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
    ...                    "date": ["2024-01-05", "2024-03-10", "2024-11-20",
    ...                             "2024-02-01", "2024-02-01", "2024-12-01"],
    ...                    "amount": [40.0, 25.0, 30.0, 15.0, -15.0, 60.0]})
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> base.customers.tolist(), base.as_of_day
    (['a', 'b', 'c'], 20088)
    >>> base.features[["n_occasions", "frequency", "days_since_last", "revenue_window"]]
                 n_occasions  frequency  days_since_last  revenue_window
    customer_id
    a                      3          2             41.0            95.0
    b                      1          0            334.0             0.0
    c                      1          0             30.0            60.0
    >>> base.btyd_summary(period="W")["recency"].round(2).tolist()
    [45.71, 0.0, 0.0]
    >>> base.window_sum(90.0).tolist()  # net amount in the last 90 days
    [30.0, 0.0, 60.0]
    >>> base.at("2024-06-30").customers.tolist()  # c has not bought yet
    ['a', 'b']
    """

    transactions: pd.DataFrame = attrs.field(eq=False, repr=False)
    as_of: pd.Timestamp
    features: pd.DataFrame = attrs.field(eq=False, repr=False)
    attributes: pd.DataFrame | None = attrs.field(default=None, eq=False, repr=False)
    prospects: pd.DataFrame | None = attrs.field(default=None, eq=False, repr=False)
    contracts: pd.DataFrame | None = attrs.field(default=None, eq=False, repr=False)
    window_days: float = 365.0
    margin_rate: float | None = None
    zero_net: ZeroNet = "occasion"
    diagnostics: Mapping[str, int] = attrs.field(factory=dict, eq=False)
    _rows: _Rows = attrs.field(alias="rows", eq=False, repr=False)

    @property
    def customers(self) -> pd.Index:
        """Customers with rows on or before ``as_of`` (the index of ``features``)."""
        return self.features.index

    @property
    def as_of_day(self) -> int:
        """``as_of`` as an integer day number (days since 1970-01-01)."""
        return day_number(self.as_of)

    def at(self, as_of: object, /) -> CustomerBase:
        """Recut the same full history at another as-of date.

        Equivalent to calling :func:`build_customer_base` afresh at ``as_of``
        with the same inputs and settings (a property the test suite checks
        with Hypothesis); use it for periodic re-evaluation.

        Parameters
        ----------
        as_of : date-like
            The new inclusive evaluation date (earlier or later).

        Returns
        -------
        CustomerBase

        Raises
        ------
        DataValidationError
            ``as_of`` before the first transaction and no prospects or contracts.

        Examples
        --------
        >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
        ...                    "date": ["2024-01-01", "2024-06-01", "2024-09-01"],
        ...                    "amount": 10.0})
        >>> base = build_customer_base(tx, as_of="2024-12-31")
        >>> base.at("2024-06-30").features[["n_occasions", "days_since_last"]]
                     n_occasions  days_since_last
        customer_id
        a                      2             29.0
        """
        return _build(
            self.transactions,
            as_of=_as_timestamp(as_of, "as_of"),
            attributes=self.attributes,
            prospects=self.prospects,
            contracts=self.contracts,
            window_days=self.window_days,
            margin_rate=self.margin_rate,
            zero_net=self.zero_net,
        )

    def btyd_summary(self, *, period: Period = "W") -> pd.DataFrame:
        """The BTYD summary (``frequency, recency, T, monetary_value``, ...) at ``as_of``.

        Same occasions as the features (``frequency = n_occasions - 1``,
        ``recency = recency_days``, ``T = T_days``, converted to ``period``), so
        a P(alive) computed from it and the rule features describe the same
        customers. Customers without a purchase occasion are absent.

        Parameters
        ----------
        period : str, float or TimeUnit
            Time unit of ``recency`` and ``T`` (default weeks).

        Returns
        -------
        DataFrame
            Indexed by ``customer_id``, as :func:`custrel.summarize`.

        Examples
        --------
        >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
        ...                    "date": ["2024-01-01", "2024-01-15", "2024-01-08"],
        ...                    "amount": [10.0, 20.0, -5.0]})
        >>> build_customer_base(tx, as_of="2024-01-29").btyd_summary(period="W")[
        ...     ["frequency", "recency", "T"]]
                     frequency  recency    T
        customer_id
        a                    1      2.0  4.0
        """
        unit = TimeUnit.parse(period)
        tx = self.transactions
        summary, _, _, _ = _summary_frame(
            tx, unit=unit, end_day=self.as_of_day, zero_net=self.zero_net
        )
        return summary

    def window_sum(
        self,
        lower_days_before: float | pd.Series | FloatArray,
        upper_days_before: float | pd.Series | FloatArray = 0.0,
        *,
        what: Literal["amount", "occasions", "margin"] = "amount",
    ) -> pd.Series:
        """Per-customer sum over days ``d`` with ``as_of - lower < d <= as_of - upper``.

        Bounds may be scalars or per-customer values aligned with :attr:`customers`
        (Series are aligned by index). ``what="amount"`` sums net amounts (returns
        included), ``"occasions"`` counts purchase occasions, ``"margin"`` sums
        amount minus cost (or amount x ``margin_rate``; NaN when neither exists).
        Use ``lower = np.inf`` for "since the first purchase".

        Parameters
        ----------
        lower_days_before, upper_days_before : float, Series or ndarray
            Window bounds in days before ``as_of`` (per customer or scalar).
        what : {"amount", "occasions", "margin"}
            What to sum.

        Returns
        -------
        Series
            Indexed like :attr:`customers`, named after ``what``.

        Examples
        --------
        >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"],
        ...                    "date": ["2024-10-01", "2024-12-01", "2024-12-02"],
        ...                    "amount": [30.0, 20.0, -5.0]})
        >>> base = build_customer_base(tx, as_of="2024-12-31")
        >>> base.window_sum(30.0).tolist(), base.window_sum(np.inf, 30.0).tolist()
        ([-5.0], [50.0])
        >>> base.window_sum(92.0, what="occasions").tolist()  # 2024-12-02 nets < 0: no occasion
        [2.0]
        """
        n = len(self.features)
        lo = self._per_customer(lower_days_before, n)
        hi = self._per_customer(upper_days_before, n)
        r = self._rows
        end = self.as_of_day
        if what == "occasions":
            codes, days = r.occ_cust, r.occ_day
            weights: FloatArray | None = None
        else:
            codes, days = r.codes, r.days
            if what == "amount":
                weights = r.amounts
            elif r.costs is not None:
                weights = r.amounts - r.costs
            elif self.margin_rate is not None:
                weights = r.amounts * self.margin_rate
            else:
                return pd.Series(np.nan, index=self.features.index, name=what)
        age = (end - days).astype(np.float64)
        inside = (age < lo[codes]) & (age >= hi[codes])
        out = np.bincount(
            codes[inside], weights=None if weights is None else weights[inside], minlength=n
        ).astype(np.float64)
        return pd.Series(out, index=self.features.index, name=what)

    def _per_customer(self, value: float | pd.Series | FloatArray, n: int) -> FloatArray:
        if isinstance(value, pd.Series):
            arr = value.reindex(self.features.index).to_numpy(dtype=np.float64)
        else:
            arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
        return np.asarray(arr, dtype=np.float64)


def _validate_attributes(
    attributes: pd.DataFrame | None, problems: ProblemList
) -> pd.DataFrame | None:
    if attributes is None:
        return None
    if not isinstance(attributes, pd.DataFrame):
        msg = f"attributes must be a DataFrame indexed by customer_id; got {type(attributes).__name__}."
        raise SchemaError(msg)
    attrs_df = attributes
    if "customer_id" in attrs_df.columns:
        attrs_df = attrs_df.set_index("customer_id")
    if attrs_df.index.has_duplicates:
        dup = attrs_df.index[attrs_df.index.duplicated()]
        problems.check_rows(
            attrs_df.index.duplicated(),
            column="customer_id",
            rule="attribute rows must be unique per customer",
            index=attrs_df.index,
            label="customer",
        )
        del dup
    out = attrs_df.copy()
    for col in out.columns:
        if col in _ATTRIBUTE_RANGES or col in _SCORE_COLUMNS:
            raw = out[col]
            num = problems.numeric(raw, column=str(col), index=out.index)
            problems.check_rows(
                np.isinf(num.to_numpy()),
                column=str(col),
                rule="values must be finite",
                index=out.index,
                values=raw,
                label="customer",
            )
            if col in _ATTRIBUTE_RANGES:
                lo, hi, integer = _ATTRIBUTE_RANGES[col]
                arr = num.to_numpy()
                with np.errstate(invalid="ignore"):
                    bad = (arr < lo) | (arr > hi)
                    if integer:
                        bad |= np.isfinite(arr) & (arr != np.round(arr))
                rule = f"values must lie in [{lo:g}, {hi:g}]" + (
                    " and be whole numbers" if integer else ""
                )
                problems.check_rows(
                    bad, column=str(col), rule=rule, index=out.index, values=raw, label="customer"
                )
            out[col] = num
    out.index.name = "customer_id"
    return out


def _validate_prospects(
    prospects: pd.DataFrame | None, problems: ProblemList
) -> pd.DataFrame | None:
    if prospects is None:
        return None
    if not isinstance(prospects, pd.DataFrame):
        msg = (
            f"prospects must be a DataFrame indexed by customer_id; got {type(prospects).__name__}."
        )
        raise SchemaError(msg)
    pro = prospects.set_index("customer_id") if "customer_id" in prospects.columns else prospects
    pro = pro.copy()
    problems.check_rows(
        pro.index.duplicated(),
        column="customer_id",
        rule="prospects must be unique",
        index=pro.index,
        label="customer",
    )
    if "is_target" in pro.columns:
        raw = pro["is_target"]
        ok = raw.isna() | raw.isin([True, False, 0, 1])
        problems.check_rows(
            ~ok.to_numpy(),
            column="is_target",
            rule="values must be boolean",
            index=pro.index,
            values=raw,
            label="customer",
        )
        pro["is_target"] = raw.where(ok, False).fillna(False).astype(bool)
    if "target_score" in pro.columns:
        pro["target_score"] = problems.numeric(
            pro["target_score"], column="target_score", index=pro.index
        )
    pro.index.name = "customer_id"
    return pro


def _validate_contracts(
    contracts: pd.DataFrame | None, problems: ProblemList
) -> pd.DataFrame | None:
    if contracts is None:
        return None
    if not isinstance(contracts, pd.DataFrame):
        msg = f"contracts must be a DataFrame with customer_id, start, end; got {type(contracts).__name__}."
        raise SchemaError(msg)
    con = contracts.reset_index() if "customer_id" not in contracts.columns else contracts.copy()
    missing = [c for c in ("customer_id", "start", "end") if c not in con.columns]
    if missing:
        msg = f"contracts are missing column(s) {missing}; expected customer_id, start, end (end NaT = open)."
        raise SchemaError(msg)
    con = con.reset_index(drop=True)
    start = pd.to_datetime(con["start"], errors="coerce")
    end = pd.to_datetime(con["end"], errors="coerce")
    problems.check_rows(
        con["customer_id"].isna().to_numpy(),
        column="customer_id",
        rule="contract customer ids must not be missing",
        index=con.index,
    )
    problems.check_rows(
        start.isna().to_numpy(),
        column="start",
        rule="contract start dates must be valid dates",
        index=con.index,
        values=con["start"],
    )
    problems.check_rows(
        end.isna().to_numpy() & con["end"].notna().to_numpy(),
        column="end",
        rule="contract end dates must be valid dates or empty (open)",
        index=con.index,
        values=con["end"],
    )
    with np.errstate(invalid="ignore"):
        bad = (end < start).to_numpy(dtype=bool, na_value=False)
    problems.check_rows(
        bad,
        column="end",
        rule="a contract must not end before it starts",
        index=con.index,
        values=con["end"],
    )
    con["start"] = start.astype("datetime64[ns]").dt.normalize()
    con["end"] = end.astype("datetime64[ns]").dt.normalize()
    return con


def _top_share(codes: IntArray, cat: pd.Series, n: int) -> tuple[pd.Series, FloatArray, FloatArray]:
    """Most frequent category per customer (ties: first category), its row share, and #distinct."""
    cats = cat.astype("category")
    ccodes = cats.cat.codes.to_numpy().astype(np.int64)
    valid = ccodes >= 0
    k = max(len(cats.cat.categories), 1)
    pair = codes[valid] * k + ccodes[valid]
    counts = np.bincount(pair, minlength=n * k).reshape(n, k)
    total = counts.sum(axis=1)
    top = counts.argmax(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, counts[np.arange(n), top] / np.maximum(total, 1), np.nan)
    labels = pd.Categorical.from_codes(np.where(total > 0, top, -1), categories=cats.cat.categories)
    n_distinct = (counts > 0).sum(axis=1).astype(np.float64)
    n_distinct[total == 0] = np.nan
    return pd.Series(labels), share, n_distinct


def _build(
    tx: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    attributes: pd.DataFrame | None,
    prospects: pd.DataFrame | None,
    contracts: pd.DataFrame | None,
    window_days: float,
    margin_rate: float | None,
    zero_net: ZeroNet,
) -> CustomerBase:
    if tx["date"].min() > as_of and prospects is None and contracts is None:
        msg = f"as_of {as_of.date()} is before the first transaction ({tx['date'].min().date()})."
        raise DataValidationError(msg)
    end = day_number(as_of)
    keep = (tx["date"] <= as_of).to_numpy()
    n_after = int((~keep).sum())
    past = tx.loc[keep] if n_after else tx
    all_ids = pd.Index(tx["customer_id"].unique())
    enc = encode(past)
    n = len(enc.customers)
    codes, days, amounts = enc.codes, enc.days, enc.amounts
    costs = past["cost"].to_numpy(dtype=np.float64) if "cost" in past.columns else None
    flags = tuple(
        past[c].to_numpy(dtype=np.float64)
        for c in ("discount", "incentive", "promo")
        if c in past.columns
    )
    flag_names = [c for c in ("discount", "incentive", "promo") if c in past.columns]
    cd = customer_days(codes, days, amounts, extra=flags)
    occ = occasion_mask(cd.net, zero_net)
    oc, od, onet = cd.cust[occ], cd.day[occ], cd.net[occ]
    starts = group_starts(oc)
    ends = group_ends(starts, oc.size)
    who = oc[starts]
    n_occ = np.zeros(n, dtype=np.int64)
    n_occ[who] = ends - starts + 1
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    first[who] = od[starts]
    last[who] = od[ends]
    # inter-occasion gaps within customers
    gaps = np.diff(od).astype(np.float64)
    same = oc[1:] == oc[:-1]
    g_c, g = oc[1:][same], gaps[same]
    g_sum = np.bincount(g_c, weights=g, minlength=n)
    g_sq = np.bincount(g_c, weights=g * g, minlength=n)
    g_n = np.bincount(g_c, minlength=n).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = g_sum / g_n
        var_gap = np.maximum(g_sq / g_n - mean_gap**2, 0.0)
        ipt_cv = np.where(n_occ >= 3, np.sqrt(var_gap) / mean_gap, np.nan)
    freq = n_occ - 1
    recency = last - first
    t_days = end - first
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ipt = np.where(freq >= 1, recency / np.maximum(freq, 1), np.nan)
    net_amount = np.bincount(codes, weights=amounts, minlength=n)
    # domain.md §1.2: the window is (as_of - L, as_of], except that a window at least
    # as long as the customer's tenure (L >= T_days) covers every occasion.
    covers_all = t_days <= window_days
    age = end - days
    in_win = (age < window_days) | (covers_all[codes] & (age <= t_days[codes]))
    rev_w = np.bincount(codes[in_win], weights=amounts[in_win], minlength=n)
    occ_in_win = ((end - od) < window_days) | covers_all[oc]
    occ_w = np.bincount(oc[occ_in_win], minlength=n).astype(np.float64)
    if costs is not None:
        margin_w = np.asarray(
            rev_w - np.bincount(codes[in_win], weights=costs[in_win], minlength=n), dtype=np.float64
        )
    elif margin_rate is not None:
        margin_w = np.asarray(rev_w * margin_rate, dtype=np.float64)
    else:
        margin_w = np.full(n, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        aov_w = np.where(occ_w > 0, rev_w / np.maximum(occ_w, 1), np.nan)
    epoch = np.datetime64("1970-01-01", "D")

    def _date(x: FloatArray) -> pd.Series:
        out = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        ok = np.isfinite(x)
        out[ok] = (epoch + x[ok].astype(np.int64)).astype("datetime64[ns]")
        return out

    feats: dict[str, object] = {
        "first_purchase": _date(first).to_numpy(),
        "last_purchase": _date(last).to_numpy(),
        "n_occasions": n_occ,
        "frequency": np.where(n_occ > 0, freq, -1).astype(np.int64),
        "recency_days": recency,
        "T_days": t_days,
        "days_since_last": end - last,
        "mean_ipt_days": mean_ipt,
        "ipt_cv": ipt_cv,
        "net_amount": net_amount,
        "revenue_window": rev_w,
        "occasions_window": occ_w,
        "aov_window": aov_w,
        "margin_window": margin_w,
    }
    n_occ_f = n_occ.astype(np.float64)
    for name in ("discount", "incentive", "promo"):
        if name in flag_names:
            flagged = cd.extra[flag_names.index(name)][occ] > 0
            cnt = np.bincount(oc[flagged], minlength=n).astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                feats[f"{name}_share"] = np.where(n_occ > 0, cnt / np.maximum(n_occ_f, 1), np.nan)
        else:
            feats[f"{name}_share"] = np.full(n, np.nan)
    for name in ("channel", "category"):
        if name in past.columns:
            top, share, n_distinct = _top_share(codes, past[name], n)
            feats[f"top_{name}"] = top.to_numpy()
            feats[f"top_{name}_share"] = share
            if name == "category":
                feats["n_categories"] = n_distinct
        else:
            feats[f"top_{name}"] = np.full(n, None, dtype=object)
            feats[f"top_{name}_share"] = np.full(n, np.nan)
            if name == "category":
                feats["n_categories"] = np.full(n, np.nan)
    features = pd.DataFrame(feats, index=enc.customers)
    features["frequency"] = features["frequency"].where(n_occ > 0, 0)
    features.index.name = "customer_id"
    rows = _Rows(
        codes=codes, days=days, amounts=amounts, costs=costs, occ_cust=oc, occ_day=od, occ_net=onet
    )
    diagnostics = {
        "rows_after_as_of": n_after,
        "customers_after_as_of": int(len(all_ids) - n),
        "customers_without_occasion": int((n_occ == 0).sum()),
    }
    return CustomerBase(
        transactions=tx,
        as_of=as_of,
        features=features,
        attributes=attributes,
        prospects=prospects,
        contracts=contracts,
        window_days=window_days,
        margin_rate=margin_rate,
        zero_net=zero_net,
        diagnostics=diagnostics,
        rows=rows,
    )


def build_customer_base(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    as_of: object,
    columns: TransactionColumns = _DEFAULT_COLUMNS,
    attributes: pd.DataFrame | None = None,
    prospects: pd.DataFrame | None = None,
    contracts: pd.DataFrame | None = None,
    window_days: float = 365.0,
    margin_rate: float | None = None,
    zero_net: ZeroNet = "occasion",
) -> CustomerBase:
    """Validate a transaction log (and optional customer data) and compute features at ``as_of``.

    Parameters
    ----------
    transactions : DataFrame or path
        Raw log (see :func:`custrel.read_transactions`).
    as_of : date-like
        Inclusive evaluation date. Later rows are kept in ``transactions`` (for
        :meth:`CustomerBase.at`) but excluded from the features and counted in
        ``diagnostics["rows_after_as_of"]``.
    columns : TransactionColumns
        The user's column names.
    attributes : DataFrame, optional
        Customer attributes indexed by ``customer_id`` (survey scores, share of
        wallet, costs, ...; see domain.md §1.1). Known columns are checked for
        numeric values and ranges.
    prospects : DataFrame, optional
        Known non-buyers indexed by ``customer_id``, optionally with
        ``is_target`` (bool) or ``target_score``.
    contracts : DataFrame, optional
        ``customer_id, start, end`` (end NaT = open).
    window_days : float
        Trailing window of the ``*_window`` features (default 365).
    margin_rate : float, optional
        Gross margin for ``margin_window`` when there is no cost column.
    zero_net : {"occasion", "not_occasion"}
        Occasion rule, as in :func:`custrel.summarize`.

    Returns
    -------
    CustomerBase

    Raises
    ------
    SchemaError
        Missing columns.
    DataValidationError
        Every invalid value at once: transactions, attributes out of range,
        contracts ending before they start.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "date": ["2024-01-01", "2024-03-01", "2024-02-01", "2025-01-05"],
    ...                    "amount": [10.0, 20.0, -5.0, 7.0]})
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> base.features[["n_occasions", "T_days", "days_since_last", "net_amount"]]
                 n_occasions  T_days  days_since_last  net_amount
    customer_id
    a                      2   365.0            305.0        30.0
    b                      0     NaN              NaN        -5.0
    >>> base.diagnostics["rows_after_as_of"]
    1
    """
    if not (isinstance(window_days, int | float) and np.isfinite(window_days) and window_days > 0):
        msg = f"window_days must be a positive number of days; got {window_days!r}."
        raise ParameterError(msg)
    if margin_rate is not None and not 0 <= margin_rate <= 1:
        msg = f"margin_rate must lie in [0, 1]; got {margin_rate!r}."
        raise ParameterError(msg)
    if zero_net not in ("occasion", "not_occasion"):
        msg = f"zero_net must be 'occasion' or 'not_occasion'; got {zero_net!r}."
        raise ParameterError(msg)
    ts = _as_timestamp(as_of, "as_of")
    tx = read_transactions(transactions, columns=columns)
    problems = ProblemList("invalid customer data")
    attrs_df = _validate_attributes(attributes, problems)
    pros = _validate_prospects(prospects, problems)
    cons = _validate_contracts(contracts, problems)
    problems.raise_if_any()
    return _build(
        tx,
        as_of=ts,
        attributes=attrs_df,
        prospects=pros,
        contracts=cons,
        window_days=float(window_days),
        margin_rate=margin_rate,
        zero_net=zero_net,
    )
