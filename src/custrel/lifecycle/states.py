"""Customer states: potential, target, current, lost; actions acquire, maintain, win back.

See :class:`StateRules` (domain.md §2) and :func:`prioritise_actions`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase, TimeUnit
from custrel.data._time import Period
from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, LabelHistory, Labels, Reason
from custrel.lifecycle._checks import finite, is_bool, one_of, optional, unit_open
from custrel.lifecycle._common import (
    Decider,
    PAlive,
    categorical,
    gather,
    positions,
    resolve_p_alive,
    sorted_union,
)

__all__ = [
    "ACTIONS",
    "BASES",
    "STATES",
    "StateRules",
    "prioritise_actions",
    "suggest_hiatus",
]

#: State labels in their natural order (``undetermined`` is appended by :class:`Labels`).
STATES: Final = ("potential", "target", "current", "lost")
#: Relationship actions; ``release`` comes from :func:`prioritise_actions`.
ACTIONS: Final = ("acquire", "maintain", "win_back", "release", "review")
#: What decided a state.
BASES: Final = ("prospect", "contract", "p_alive", "hiatus", "hiatus_fallback")

#: Action code of each state code (potential, target, current, lost, undetermined).
_ACTION_CODES: Final = np.array(
    [ACTIONS.index(a) for a in ("acquire", "acquire", "maintain", "win_back", "review")],
    dtype=np.int8,
)


def _check_band(inst: StateRules, attr: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    ok = (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and 0.0 <= float(value[0]) < float(value[1]) <= 1.0
    )
    if not ok:
        msg = f"StateRules.p_alive_band must be None or a pair (lo, hi) with 0 <= lo < hi <= 1; got {value!r}."
        raise ParameterError(msg)


def _check_period(inst: StateRules, attr: attrs.Attribute[Any], value: object) -> None:
    try:
        TimeUnit.parse(value)  # type: ignore[arg-type]
    except (ParameterError, ValueError, TypeError) as exc:
        msg = f"StateRules.period must be a time unit such as 'W' or 'D'; got {value!r}."
        raise ParameterError(msg) from exc


def _band_converter(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value


@attrs.frozen(kw_only=True)
class StateRules:
    """Classify customers as potential, target, current or lost (domain.md §2).

    The customer-state taxonomy of the Chinese CRM texts: *potential* customers
    (潜在客户) could buy but have not; *target* customers (目标客户) are
    potential customers the firm has selected; *current* customers (现实客户)
    buy; *lost* customers (流失客户) no longer buy. Each state maps to an
    action: acquire (potential, target), maintain (current), win back (lost);
    ``undetermined`` customers get ``review``.

    The population is every customer with transaction rows on or before
    ``as_of``, every prospect, and every contract holder whose contract started
    on or before ``as_of``. Rules, first match wins:

    1. Contracts (when ``contract_overrides``): a contract open at ``as_of`` gives
       *current*, only ended contracts give *lost* (basis ``contract``). Churn is
       observed here, so it overrides inference.
    2. No purchase occasion: prospects are *target* (``is_target`` true or
       ``target_score >= target_min_score``) or *potential*; customers with
       rows but no occasion (returns only) are undetermined
       (``no_valid_purchase``). Purchasers are never potential.
    3. ``method="p_alive"`` or ``"auto"`` with a usable P(alive): *lost* if
       ``p_alive < p_alive_lost`` else *current*; ``undetermined``
       (``p_alive_ambiguous``) inside ``p_alive_band``.
    4. Unusable P(alive): strict mode gives undetermined (``p_alive_missing``
       or ``p_alive_uninformative``), except that single-purchase customers fall
       through to the hiatus rule when ``single_purchase="hiatus"``; ``"auto"``
       falls through to the hiatus rule (basis ``hiatus_fallback``; basis
       ``hiatus`` when no P(alive) was supplied at all).
    5. Hiatus rule: *lost* if ``days_since_last > threshold``, else *current*,
       with ``threshold = hiatus_days``, or ``ipt_multiple x mean_ipt_days`` for
       repeat buyers when ``ipt_multiple`` is set.

    Parameters
    ----------
    method : {"auto", "p_alive", "hiatus"}
        ``"auto"`` uses P(alive) where usable and the hiatus rule elsewhere,
        ``"p_alive"`` is strict, ``"hiatus"`` ignores P(alive).
    p_alive_lost : float
        Lost below this P(alive); in (0, 1). Default 0.5 ("more likely dead
        than alive"), the cut-off commonly attributed to Reinartz & Kumar [4]_.
    p_alive_band : tuple of float, optional
        ``(lo, hi)``: P(alive) in ``[lo, hi)`` is undetermined (``p_alive_ambiguous``).
    hiatus_days : float
        Fixed hiatus in days (default 270, about nine months) [5]_.
    ipt_multiple : float, optional
        Customer-relative hiatus for repeat buyers: ``ipt_multiple x mean_ipt_days``
        (Abe's critique of fixed windows [6]_). Single-purchase customers keep
        ``hiatus_days``.
    single_purchase : {"hiatus", "undetermined"}
        What to do with single-purchase customers whose P(alive) is not usable
        (BG/NBD: always 1, see Notes). ``"undetermined"`` labels them
        ``p_alive_uninformative`` when a P(alive) was supplied.
    trust_p_alive_for_single_purchase : bool
        Treat P(alive) of one-time buyers as informative (Pareto/NBD, MBG/NBD).
    target_min_score : float, optional
        Prospects with ``target_score >=`` this are targets.
    period : str
        Time unit of :meth:`CustomerBase.btyd_summary` when ``p_alive`` is a
        model without its own ``period`` attribute (custrel models carry one).
    contract_overrides : bool
        Contract evidence overrides transaction inference (default). With
        ``False`` contracts decide only for customers without a purchase occasion.

    Notes
    -----
    **BG/NBD and one-time buyers.** The BG/NBD P(alive) is
    ``1 / (1 + δ(x>0) a/(b+x-1) ((α+T)/(α+t_x))^(r+x))`` (Fader, Hardie & Lee
    2005 [1]_, eq. 13): the indicator δ(x>0) makes P(alive) = 1 for every
    customer with ``frequency = 0``, however long ago the single purchase was,
    because the model lets customers drop out only after a repeat purchase.
    Reading that 1 as "alive" would keep every one-off buyer current forever,
    which is why ``single_purchase="hiatus"`` is the default: single-purchase
    customers are judged by the hiatus rule instead (basis ``hiatus_fallback``).
    Pareto/NBD [2]_ and MBG/NBD [3]_ do not have this artefact; with them set
    ``trust_p_alive_for_single_purchase=True``.

    **Literature versus custrel convention.** The four states and their actions
    are the CRM textbooks' taxonomy; P(alive) is the BTYD literature's answer
    to "lost" in non-contractual settings [1]_ [2]_. The rule order, the
    0.5 cut-off, the 270-day default hiatus, the IPT multiple and the
    ``undetermined`` band are custrel conventions with documented defaults.

    References
    ----------
    .. [1] Fader, P.S., Hardie, B.G.S., Lee, K.L. (2005). "Counting your
       customers" the easy way: an alternative to the Pareto/NBD model.
       *Marketing Science* 24(2):275-284.
    .. [2] Schmittlein, D.C., Morrison, D.G., Colombo, R. (1987). Counting your
       customers: who are they and what will they do next? *Management
       Science* 33(1):1-24.
    .. [3] Batislam, E.P., Denizel, M., Filiztekin, A. (2007). Empirical
       validation and comparison of models for customer base analysis. *IJRM* 24(3).
    .. [4] Reinartz, W., Kumar, V. (2000). On the profitability of long-life
       customers in a noncontractual setting. *Journal of Marketing* 64(4):17-35.
    .. [5] Wübben, M., Wangenheim, F.v. (2008). Instant customer base analysis:
       managerial heuristics often "get it right". *Journal of Marketing* 72(3):82-93.
    .. [6] Abe, M. (2009). "Counting your customers" one by one: a hierarchical
       Bayes extension to the Pareto/NBD model. *Marketing Science* 28(3):541-553.

    Examples
    --------
    Customer 2 bought three times (x = 2, t_x = 30.43, T = 38.86 weeks); with
    FHL's CDNOW parameters (r=0.243, α=4.414, a=0.793, b=2.426) the closed-form
    BG/NBD P(alive) is 0.7266 >= 0.5, so the customer is current. Customer 1
    bought once, 38.86 weeks ago: BG/NBD says P(alive) = 1, the default
    hiatus fallback says lost (272 days > 270).

    >>> from custrel.data import build_customer_base
    >>> tx = pd.DataFrame({"customer_id": [1, 2, 2, 2],
    ...                    "date": pd.Timestamp("2024-01-01") + pd.to_timedelta([0, 0, 100, 213], "D"),
    ...                    "amount": 10.0})
    >>> base = build_customer_base(tx, as_of=pd.Timestamp("2024-01-01") + pd.Timedelta(days=272))
    >>> from custrel.models import BetaGeo
    >>> bg = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
    >>> states = StateRules().classify(base, p_alive=bg)
    >>> states.frame[["label", "action", "basis", "p_alive"]].round(4)
                   label    action            basis  p_alive
    customer_id
    1               lost  win_back  hiatus_fallback   1.0000
    2            current  maintain          p_alive   0.7266

    A P(alive) Series works the same way (customers missing from it get NaN):

    >>> StateRules(method="p_alive").classify(base, p_alive=pd.Series({2: 0.3})).label.tolist()
    ['lost', 'lost']
    """

    method: Literal["auto", "p_alive", "hiatus"] = attrs.field(
        default="auto", validator=one_of(("auto", "p_alive", "hiatus"))
    )
    p_alive_lost: float = attrs.field(default=0.5, validator=unit_open)
    p_alive_band: tuple[float, float] | None = attrs.field(
        default=None, converter=_band_converter, validator=_check_band
    )
    hiatus_days: float = attrs.field(default=270.0, validator=finite(gt=0))
    ipt_multiple: float | None = attrs.field(default=None, validator=optional(finite(gt=0)))
    single_purchase: Literal["hiatus", "undetermined"] = attrs.field(
        default="hiatus", validator=one_of(("hiatus", "undetermined"))
    )
    trust_p_alive_for_single_purchase: bool = attrs.field(default=False, validator=is_bool)
    target_min_score: float | None = attrs.field(default=None, validator=optional(finite()))
    period: Period = attrs.field(default="W", validator=_check_period)
    contract_overrides: bool = attrs.field(default=True, validator=is_bool)

    def classify(self, base: CustomerBase, /, *, p_alive: PAlive = None) -> Labels:
        """Label every customer of ``base`` with one state.

        Parameters
        ----------
        base : CustomerBase
            Features at ``base.as_of`` (see :func:`custrel.data.build_customer_base`).
        p_alive : Series, model or None
            P(alive) indexed by ``customer_id`` (NaN = missing), or a model with
            ``probability_alive(summary)`` applied to
            ``base.btyd_summary(period=self.period)``. Values for ids that are
            not purchasers of ``base`` are ignored and counted in
            ``diagnostics["p_alive_ignored"]``.

        Returns
        -------
        Labels
            Scheme ``"state"``; columns ``label``, ``reason``, ``action``,
            ``basis``, ``p_alive``, ``days_since_last``, ``threshold_days``.

        Raises
        ------
        DataValidationError
            P(alive) values outside [0, 1], non-numeric or with duplicated ids.
        ParameterError
            ``p_alive`` of an unsupported type.
        """
        feats = base.features
        p_arr, n_ignored = (
            resolve_p_alive(base, p_alive, period=self.period)
            if self.method != "hiatus"
            else (None, 0)
        )
        as_of = base.as_of
        # --- contracts (start <= as_of) ------------------------------------------------
        con_ids = pd.Index([], name="customer_id")
        con_open = pd.Series(dtype=bool)
        n_future = 0
        if base.contracts is not None:
            con = base.contracts
            started = (con["start"] <= as_of).to_numpy()
            n_future = int((~started).sum())
            active = con.loc[started]
            open_now = (active["end"].isna() | (active["end"] > as_of)).to_numpy()
            con_open = pd.Series(open_now, index=pd.Index(active["customer_id"]))
            con_open = con_open.groupby(level=0).any()
            con_ids = pd.Index(con_open.index)
        pros = base.prospects
        pros_ids = pros.index if pros is not None else pd.Index([], name="customer_id")
        pop = sorted_union(feats.index, pros_ids, con_ids)
        n = len(pop)
        pos = positions(feats.index, pop)
        n_occ = gather(feats["n_occasions"].to_numpy(), pos, 0.0)
        freq = gather(feats["frequency"].to_numpy(), pos, np.nan)
        dsl = gather(feats["days_since_last"].to_numpy(), pos, np.nan)
        ipt = gather(feats["mean_ipt_days"].to_numpy(), pos, np.nan)
        p = gather(p_arr, pos, np.nan) if p_arr is not None else np.full(n, np.nan)
        purchaser = n_occ > 0

        d = Decider(n, (*STATES, UNDETERMINED), BASES)
        # 1. contracts
        if base.contracts is not None:
            has_con = pop.isin(con_ids)
            is_open = con_open.reindex(pop).fillna(False).to_numpy(dtype=bool)
            con_rule = has_con if self.contract_overrides else has_con & ~purchaser
            d.decide(con_rule & is_open, "current", basis="contract")
            d.decide(con_rule & ~is_open, "lost", basis="contract")
        # 2. no purchase occasion
        if pros is not None:
            is_pro = pop.isin(pros.index)
            target = np.zeros(n, dtype=bool)
            if "is_target" in pros.columns:
                target |= pros["is_target"].reindex(pop).fillna(False).to_numpy(dtype=bool)
            if self.target_min_score is not None and "target_score" in pros.columns:
                score = pros["target_score"].reindex(pop).to_numpy(dtype=np.float64)
                with np.errstate(invalid="ignore"):
                    target |= score >= self.target_min_score
            d.decide(~purchaser & is_pro & target, "target", basis="prospect")
            d.decide(~purchaser & is_pro, "potential", basis="prospect")
        d.decide(~purchaser, UNDETERMINED, reason=Reason.NO_VALID_PURCHASE)
        # 3./4. P(alive)
        single = freq == 0
        threshold = np.full(n, self.hiatus_days)
        if self.ipt_multiple is not None:
            threshold = np.where(freq >= 1, self.ipt_multiple * ipt, threshold)
        with np.errstate(invalid="ignore"):
            lost_by_hiatus = dsl > threshold
        if self.method != "hiatus":
            have = ~np.isnan(p)
            usable = have & (~single | self.trust_p_alive_for_single_purchase)
            if self.p_alive_band is not None:
                lo, hi = self.p_alive_band
                with np.errstate(invalid="ignore"):
                    amb = usable & (p >= lo) & (p < hi)
                d.decide(amb, UNDETERMINED, basis="p_alive", reason=Reason.P_ALIVE_AMBIGUOUS)
            with np.errstate(invalid="ignore"):
                d.decide(usable & (p < self.p_alive_lost), "lost", basis="p_alive")
            d.decide(usable, "current", basis="p_alive")
            if self.single_purchase == "undetermined" and p_arr is not None:
                d.decide(single & have, UNDETERMINED, reason=Reason.P_ALIVE_UNINFORMATIVE)
            if self.method == "p_alive":
                if self.single_purchase == "hiatus":
                    d.decide(single & lost_by_hiatus, "lost", basis="hiatus_fallback")
                    d.decide(single, "current", basis="hiatus_fallback")
                d.decide(~have, UNDETERMINED, reason=Reason.P_ALIVE_MISSING)
                d.decide(have, UNDETERMINED, reason=Reason.P_ALIVE_UNINFORMATIVE)
        # without any P(alive) input the hiatus rule is the method, not a fallback
        how = "hiatus_fallback" if p_arr is not None else "hiatus"
        # 5. hiatus rule
        d.decide(lost_by_hiatus, "lost", basis=how)
        d.decide(purchaser, "current", basis=how)
        assert not d.todo.any()
        diagnostics = dict(base.diagnostics)
        diagnostics["p_alive_ignored"] = n_ignored
        diagnostics["contracts_after_as_of"] = n_future
        by_hiatus = (d.basis == BASES.index("hiatus")) | (d.basis == BASES.index("hiatus_fallback"))
        return Labels.build(
            scheme="state",
            as_of=as_of,
            config=self,
            index=pop,
            labels=d.labels(),
            categories=STATES,
            reasons=d.reasons(),
            evidence={
                "action": categorical(_ACTION_CODES[d.codes], ACTIONS),
                "basis": d.bases(),
                "p_alive": p,
                "days_since_last": dsl,
                "threshold_days": np.where(by_hiatus, threshold, np.nan),
            },
            diagnostics=diagnostics,
        )


def _last_known_tier(tiers: Labels | LabelHistory, as_of: pd.Timestamp | None) -> pd.Series:
    if isinstance(tiers, Labels):
        lab = tiers.frame["label"].astype(object)
        return lab.where(lab != UNDETERMINED)
    if not isinstance(tiers, LabelHistory):
        msg = f"tiers must be Labels or a LabelHistory; got {type(tiers).__name__}."
        raise ParameterError(msg)
    last: pd.Series | None = None
    for ev in tiers.evaluations:  # a handful of evaluation dates, vectorised within each
        if as_of is not None and ev.as_of is not None and pd.Timestamp(ev.as_of) > as_of:
            continue
        lab = ev.frame["label"].astype(object)
        lab = lab.where(lab != UNDETERMINED)
        last = lab if last is None else lab.combine_first(last)
    if last is None:
        return pd.Series(dtype=object)
    return last


def prioritise_actions(
    states: Labels,
    tiers: Labels | LabelHistory,
    /,
    *,
    win_back_tiers: Collection[str] = ("diamond", "gold"),
) -> Labels:
    """Refine ``win_back`` by the last known value tier (differentiated management).

    Lost customers whose last known tier is in ``win_back_tiers`` keep
    ``win_back``; other lost customers with a known tier get ``release``
    (low-cost reactivation only). Lost customers without any known tier get
    ``review``: the data cannot say whether they are worth winning back. Other
    states keep their action.

    Parameters
    ----------
    states : Labels
        Output of :meth:`StateRules.classify`.
    tiers : Labels or LabelHistory
        Value tiers; with a history, the last determined tier on or before
        ``states.as_of`` is used (lost customers are rarely active in the
        current tiering window).
    win_back_tiers : collection of str
        Tiers worth an active win-back.

    Returns
    -------
    Labels
        ``states`` with the refined ``action`` and a ``last_tier`` column.

    Examples
    --------
    >>> idx = pd.Index(["a", "b", "c", "d"], name="customer_id")
    >>> st = Labels.build(scheme="state", as_of=None, config=None, index=idx,
    ...                   labels=["lost", "lost", "lost", "current"], categories=STATES)
    >>> st.frame["action"] = pd.Categorical(["win_back"] * 3 + ["maintain"], categories=ACTIONS)
    >>> tiers = Labels.build(scheme="tier", as_of=None, config=None, index=idx,
    ...                      labels=["gold", "silver", "undetermined", "silver"],
    ...                      categories=("diamond", "gold", "silver"))
    >>> prioritise_actions(st, tiers).frame["action"].tolist()
    ['win_back', 'release', 'review', 'maintain']
    """
    if "action" not in states.frame.columns:
        msg = "states must come from StateRules.classify (no 'action' column)."
        raise ParameterError(msg)
    as_of = None if states.as_of is None else pd.Timestamp(states.as_of)
    last = _last_known_tier(tiers, as_of).reindex(states.frame.index)
    lost = (states.frame["label"] == "lost").to_numpy()
    known = last.notna().to_numpy()
    keep = last.isin(list(win_back_tiers)).to_numpy()
    action = states.frame["action"].astype(object).to_numpy().copy()
    action[lost & known & ~keep] = "release"
    action[lost & ~known] = "review"
    frame = states.frame.copy()
    frame["action"] = pd.Categorical(action, categories=ACTIONS)
    frame["last_tier"] = last.to_numpy()
    return attrs.evolve(states, frame=frame)


def suggest_hiatus(base: CustomerBase, /, *, quantile: float = 0.9) -> float:
    """A data-driven hiatus: the ``quantile`` of all observed inter-purchase gaps (days).

    A calibration helper for :attr:`StateRules.hiatus_days` (domain.md §12.9):
    a customer silent for longer than, say, 90 % of all observed gaps is
    unusual. This is a custrel convention, not a published rule.

    Parameters
    ----------
    base : CustomerBase
        The customer base; gaps between consecutive occasions up to ``as_of``.
    quantile : float
        In (0, 1).

    Returns
    -------
    float
        Days; NaN when no customer has two occasions.

    Examples
    --------
    >>> from custrel.data import build_customer_base
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 1, 2, 2],
    ...                    "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-10",
    ...                                            "2024-01-01", "2024-01-21"]),
    ...                    "amount": 5.0})
    >>> suggest_hiatus(build_customer_base(tx, as_of="2024-03-01"), quantile=0.5)
    20.0
    """
    if not (isinstance(quantile, float | int) and 0.0 < quantile < 1.0):
        msg = f"quantile must be a float in (0, 1); got {quantile!r}."
        raise ParameterError(msg)
    rows = base._rows  # lifecycle owns CustomerBase
    same = rows.occ_cust[1:] == rows.occ_cust[:-1]
    gaps = np.diff(rows.occ_day)[same].astype(np.float64)
    if gaps.size == 0:
        return float("nan")
    return float(np.quantile(gaps, quantile))
