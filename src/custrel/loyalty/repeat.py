"""Repeat patronage: the behavioural dimension of loyalty, from transactions (and share of wallet)."""

from __future__ import annotations

from typing import Final

import attrs
import numpy as np
import pandas as pd

from custrel.data import DAYS_PER_MONTH, CustomerBase
from custrel.data._validate import ProblemList
from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, Labels, Reason
from custrel.lifecycle import STATES, PAlive, StateRules
from custrel.loyalty._common import (
    HIGH_LOW,
    LEVELS,
    NO_REASON,
    BoolArray,
    build_labels,
    category_codes,
    codes_text,
    finite,
    instance_of,
    int_ge,
    is_str,
    median_threshold,
    numeric_column,
    optional,
    population,
    reason_code,
    reused_labels,
)

__all__ = ["RP_BASES", "RepeatPatronageRules", "repeat_patronage"]

#: How a repeat-patronage label was decided.
RP_BASES: Final = ("lost", "share_of_wallet", "rate")
_STATES: Final = (*STATES, UNDETERMINED)
_HIGH, _LOW, _UND = 0, 1, 2


@attrs.frozen(kw_only=True)
class RepeatPatronageRules:
    """Repeat patronage (high / low / undetermined) at ``base.as_of``.

    Dick & Basu's behavioural dimension [1]_. The literature measures it as
    share of category purchases or wallet ("the ultimate measure of loyalty",
    Jones & Sasser 1995 [2]_; Garland & Gendall 2004 [3]_); a retailer sees
    only its own transactions, so without a ``share_of_wallet`` attribute the
    purchase rate stands in for it. Rules, first match wins (domain.md §7.2;
    the thresholds are **custrel conventions**):

    1. no purchase occasion: ``undetermined`` (``no_valid_purchase``);
    2. state ``lost`` (from :attr:`states`): ``low`` (basis ``"lost"``);
       a purchaser whose state is undetermined: ``undetermined``
       (``state_undetermined``);
    3. ``share_of_wallet`` present: ``high`` iff ``>= sow_high``
       (basis ``"share_of_wallet"``);
    4. ``T_days < min_history_days``: ``undetermined`` (``short_history``);
    5. ``rate`` = occasions in the last ``rate_window_days`` divided by the
       exposure in 30.4375-day months, exposure = ``min(rate_window_days,
       T_days)``: ``high`` iff ``n_occasions >= min_occasions_high`` and
       ``rate >= rate_high`` (basis ``"rate"``). ``rate_high=None`` uses the
       median rate of the customers assessed in this step (inclusive), with a
       :class:`~custrel.errors.DataWarning` when they are fewer than
       ``min_population``.

    Attributes
    ----------
    sow_high : float
        Share-of-wallet cut-off in (0, 1] (default 0.5).
    sow_column : str
        Attribute column holding the share of wallet (0-1).
    rate_window_days : float
        Trailing window of the purchase rate (default 365).
    rate_high : float or None
        Occasions per month for ``high``; ``None``: the median (default).
    min_history_days : float
        Tenure ``T_days`` needed for a rate (default 90, > 0).
    min_occasions_high : int
        Occasions needed for ``high`` by rate (default 2: one purchase is no repeat).
    min_population : int
        Eligible customers below which a median split warns (default 30).
    states : StateRules
        Customer states; lost customers have low repeat patronage.

    References
    ----------
    .. [1] Dick, A.S., Basu, K. (1994). Customer loyalty: toward an integrated
       conceptual framework. *JAMS* 22(2):99-113.
    .. [2] Jones, T.O., Sasser, W.E. (1995). Why satisfied customers defect.
       *Harvard Business Review* 73(6), as quoted by Cooil et al. (2007),
       *Journal of Marketing* 71(1):67-83.
    .. [3] Garland, R., Gendall, P. (2004). Testing Dick and Basu's customer
       loyalty model. *Australasian Marketing Journal* 12(3).

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a"] * 12 + ["b"] * 3 + ["c"] * 2,
    ...     "date": [f"2024-{m:02d}-15" for m in range(1, 13)]
    ...             + ["2024-02-01", "2024-06-01", "2024-10-01"] + ["2022-01-01", "2022-02-01"],
    ...     "amount": 10.0})
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> rp = RepeatPatronageRules(rate_high=1.0).classify(base)
    >>> rp.frame[["label", "basis", "rate", "state"]].round(3)
                label basis   rate    state
    customer_id
    a            high  rate  1.041  current
    b             low  rate  0.273  current
    c             low  lost  0.000     lost
    """

    sow_high: float = attrs.field(default=0.5, validator=finite(gt=0.0, le=1.0))
    sow_column: str = attrs.field(default="share_of_wallet", validator=is_str)
    rate_window_days: float = attrs.field(default=365.0, validator=finite(gt=0.0))
    rate_high: float | None = attrs.field(default=None, validator=optional(finite(ge=0.0)))
    min_history_days: float = attrs.field(default=90.0, validator=finite(gt=0.0))
    min_occasions_high: int = attrs.field(default=2, validator=int_ge(1))
    min_population: int = attrs.field(default=30, validator=int_ge(1))
    states: StateRules = attrs.field(
        factory=StateRules, validator=instance_of(StateRules, "StateRules")
    )

    def classify(
        self, base: CustomerBase, /, *, p_alive: PAlive = None, states: Labels | None = None
    ) -> Labels:
        """Label every customer's repeat patronage ``high``, ``low`` or ``undetermined``.

        Parameters
        ----------
        base : CustomerBase
            Features at ``base.as_of``; ``share_of_wallet`` is read from
            ``base.attributes`` when present.
        p_alive : Series, model or None
            Passed to :meth:`StateRules.classify` (lost customers are low).
        states : Labels, optional
            Customer states already computed on ``base`` (scheme ``"state"``,
            e.g. from :meth:`StateRules.classify` or
            :func:`~custrel.lifecycle.prioritise_actions`): used instead of
            running :attr:`states` again. They decide the ``lost`` rule, so
            the result equals the recomputing path when they come from the
            same rules; ``p_alive`` must then be omitted (it only feeds the
            state rules).

        Returns
        -------
        Labels
            Scheme ``"repeat_patronage"``; evidence ``state``, ``basis``,
            ``rate`` (occasions per 30.4375-day month), ``threshold`` (the
            cut-off applied to the rate or the share of wallet),
            ``share_of_wallet``, ``occasions_window``, ``exposure_days``.
            ``diagnostics["assessed_by_rate"]`` is the median-split population.

        Raises
        ------
        DataValidationError
            Share of wallet outside [0, 1], invalid P(alive), or ``states``
            at another as-of date or not covering every customer.
        ParameterError
            ``states`` not state labels, or given together with ``p_alive``.

        Examples
        --------
        Reuse states that were computed anyway (the same labels, no second run
        of the state rules):

        >>> from custrel.data import build_customer_base
        >>> from custrel.lifecycle import StateRules
        >>> tx = pd.DataFrame({"customer_id": ["a"] * 4 + ["b"] * 2,
        ...                    "date": ["2024-03-01", "2024-06-01", "2024-09-01", "2024-12-01",
        ...                             "2023-01-01", "2023-03-01"], "amount": 10.0})
        >>> base = build_customer_base(tx, as_of="2024-12-31")
        >>> states = StateRules().classify(base)
        >>> rules = RepeatPatronageRules(rate_high=0.3)
        >>> rp = rules.classify(base, states=states)
        >>> rp.frame[["label", "basis", "state"]]
                    label basis    state
        customer_id
        a            high  rate  current
        b             low  lost     lost
        >>> rp.frame.equals(rules.classify(base).frame)
        True
        """
        pop = population(base)
        if states is None:
            states = self.states.classify(base, p_alive=p_alive)
        else:
            if p_alive is not None:
                msg = (
                    "RepeatPatronageRules.classify takes p_alive or precomputed states, not "
                    "both: p_alive only feeds the state rules; pass it to StateRules.classify."
                )
                raise ParameterError(msg)
            states = reused_labels(
                states, name="states", schemes=("state",), categories=_STATES, base=base, index=pop
            )
        return self._classify(base, states, pop)

    def _classify(self, base: CustomerBase, states: Labels, pop: pd.Index) -> Labels:
        n = len(pop)
        feats = base.features.reindex(pop)
        n_occ = feats["n_occasions"].fillna(0).to_numpy(dtype=np.float64)
        t_days = feats["T_days"].to_numpy(dtype=np.float64, na_value=np.nan)
        state = states.frame["label"].reindex(pop)
        st_codes = category_codes(state, _STATES)
        problems = ProblemList("invalid customer attributes")
        sow = numeric_column(base.attributes, self.sow_column, pop, problems, low=0.0, high=1.0)
        problems.raise_if_any()
        occ_w = (
            base.window_sum(self.rate_window_days, what="occasions")
            .reindex(pop)
            .to_numpy(dtype=np.float64, na_value=np.nan)
        )
        # domain.md §1.2: a window at least as long as the tenure covers every occasion
        # (also the first purchase exactly rate_window_days before as_of) over exposure T_days
        with np.errstate(invalid="ignore"):
            occ_w = np.where(t_days <= self.rate_window_days, n_occ, occ_w)
        exposure = np.minimum(self.rate_window_days, t_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(exposure > 0, occ_w / (exposure / DAYS_PER_MONTH), np.nan)

        codes = np.full(n, _UND, dtype=np.int8)
        reasons = np.full(n, NO_REASON, dtype=np.int8)
        basis = np.full(n, -1, dtype=np.int8)
        threshold = np.full(n, np.nan)
        todo = np.ones(n, dtype=bool)

        def decide(mask: BoolArray, code: int, how: int = -1, why: int = NO_REASON) -> None:
            m = mask & todo
            codes[m] = code
            basis[m] = how
            reasons[m] = why
            todo[m] = False

        decide(n_occ == 0, _UND, why=reason_code(Reason.NO_VALID_PURCHASE))
        decide(st_codes == _STATES.index("lost"), _LOW, RP_BASES.index("lost"))
        decide(st_codes < 0, _UND, why=reason_code(Reason.STATE_UNDETERMINED))
        decide(
            st_codes == _STATES.index(UNDETERMINED),
            _UND,
            why=reason_code(Reason.STATE_UNDETERMINED),
        )
        has_sow = todo & ~np.isnan(sow)
        threshold[has_sow] = self.sow_high
        by_sow = RP_BASES.index("share_of_wallet")
        with np.errstate(invalid="ignore"):
            decide(has_sow & (sow >= self.sow_high), _HIGH, by_sow)
        decide(has_sow, _LOW, by_sow)
        with np.errstate(invalid="ignore"):
            short = ~(t_days >= self.min_history_days)
        decide(short, _UND, why=reason_code(Reason.SHORT_HISTORY))
        by_rate = todo.copy()
        if self.rate_high is None:
            thr = median_threshold(
                rate[by_rate], what="RepeatPatronageRules rate", min_population=self.min_population
            )
        else:
            thr = float(self.rate_high)
        threshold[by_rate] = thr
        rate_basis = RP_BASES.index("rate")
        with np.errstate(invalid="ignore"):
            high = by_rate & (n_occ >= self.min_occasions_high) & (rate >= thr)
        decide(high, _HIGH, rate_basis)
        decide(by_rate, _LOW, rate_basis)
        assert not todo.any()
        n_attr_out = 0
        if base.attributes is not None:
            n_attr_out = int((~base.attributes.index.isin(pop)).sum())
        return build_labels(
            scheme="repeat_patronage",
            as_of=base.as_of,
            config=self,
            index=pop,
            codes=codes,
            categories=HIGH_LOW,
            reasons=reasons,
            evidence={
                "state": codes_text(np.where(st_codes < 0, len(_STATES) - 1, st_codes), _STATES),
                "basis": codes_text(basis, RP_BASES),
                "rate": np.where(n_occ > 0, rate, np.nan),
                "threshold": threshold,
                "share_of_wallet": sow,
                "occasions_window": occ_w,
                "exposure_days": np.where(n_occ > 0, exposure, np.nan),
            },
            diagnostics={
                "assessed_by_rate": int(by_rate.sum()),
                "assessed_by_share_of_wallet": int(has_sow.sum()),
                "attribute_rows_not_in_base": n_attr_out,
            },
        )


def repeat_patronage(
    rules: RepeatPatronageRules,
    base: CustomerBase,
    *,
    owner: str,
    p_alive: PAlive,
    states: Labels | None,
    repeat: Labels | None,
) -> Labels:
    """Repeat patronage for ``owner.classify``: ``repeat`` checked and aligned, or computed.

    ``repeat`` (scheme ``"repeat_patronage"``, or ``"behavioural"`` from
    :class:`~custrel.loyalty.LoyaltyDimensions`) must be at ``base.as_of`` and
    cover the population; with it, ``p_alive`` and ``states`` would be unused
    and are refused. Otherwise ``rules`` classify ``base`` (reusing ``states``).
    """
    if repeat is None:
        return rules.classify(base, p_alive=p_alive, states=states)
    if p_alive is not None or states is not None:
        given = " and ".join(
            n for n, v in (("p_alive", p_alive), ("states", states)) if v is not None
        )
        msg = (
            f"{owner}.classify takes precomputed repeat labels or the inputs to compute them, "
            f"not both; got repeat and {given}."
        )
        raise ParameterError(msg)
    return reused_labels(
        repeat,
        name="repeat",
        schemes=("repeat_patronage", "behavioural"),
        categories=LEVELS,
        base=base,
        index=population(base),
    )
