"""Customer lifecycle stages: exploration, formation, stability, decline, terminated.

See :class:`LifecycleRules` (domain.md §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import UNDETERMINED, Labels, Reason
from custrel.lifecycle._checks import finite, int_in, one_of, unit_open
from custrel.lifecycle._common import Decider, PAlive, categorical, gather, positions
from custrel.lifecycle.states import StateRules

__all__ = [
    "CHEN_STAGE",
    "CUSTOMER_TYPE",
    "DWYER_PHASE",
    "EMERGENCE_ALIAS",
    "STAGES",
    "STAGE_STRATEGIES",
    "LifecycleRules",
]

#: Stage labels in order (``undetermined`` is appended by :class:`Labels`).
STAGES: Final = ("exploration", "formation", "stability", "decline", "terminated")
#: Customer type of each stage (the source documents' potential/new/loyal/lost mapping).
CUSTOMER_TYPE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "exploration": "potential",
        "formation": "new",
        "stability": "loyal",
        "decline": "at_risk",
        "terminated": "lost",
    }
)
#: Chen Mingliang's four stages (terminated folds into 退化期).
CHEN_STAGE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "exploration": "考察期",
        "formation": "形成期",
        "stability": "稳定期",
        "decline": "退化期",
        "terminated": "退化期",
    }
)
#: Dwyer, Schurr & Oh's (1987) relationship phases.
DWYER_PHASE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "exploration": "exploration",
        "formation": "expansion",
        "stability": "commitment",
        "decline": "dissolution_onset",
        "terminated": "dissolution",
    }
)
#: The emergence/development/maturity/decline phrasing (孕育/成长/成熟/衰退).
EMERGENCE_ALIAS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "exploration": "emergence",
        "formation": "development",
        "stability": "maturity",
        "decline": "decline",
        "terminated": "terminated",
    }
)
#: Recommended strategy per stage; override with ``LifecycleRules(strategies=...)``.
STAGE_STRATEGIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "exploration": "reduce perceived risk, onboarding, second-purchase incentive",
        "formation": "build trust, cross-sell, personalise",
        "stability": "reward and deepen, lower cost-to-serve",
        "decline": "diagnose the cause and retain",
        "terminated": "win back if valuable, else release",
    }
)


def _check_strategies(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    ok = isinstance(value, Mapping) and all(isinstance(value.get(s), str) for s in STAGES)
    if not ok:
        msg = (
            f"LifecycleRules.strategies must map every stage {list(STAGES)} to a string; "
            f"got {value!r}."
        )
        raise ParameterError(msg)


def _freeze_mapping(value: Any) -> Any:
    if isinstance(value, Mapping) and not isinstance(value, MappingProxyType):
        return MappingProxyType(dict(value))
    return value


def _check_states(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, StateRules):
        msg = f"LifecycleRules.states must be a StateRules; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class LifecycleRules:
    """Classify purchasers into lifecycle stages (domain.md §3).

    Customer relationship lifecycle theory (客户关系生命周期理论) describes how
    the level of a relationship develops from its start to its termination in
    four stages (Chen Mingliang [1]_, adapting Dwyer, Schurr & Oh [2]_):
    exploration (考察期: both sides test each other, low and uncertain
    volume), formation (形成期: the relationship develops fast, volume rises),
    stability (稳定期: the highest, stable level) and decline (退化期: the
    level reverses). custrel adds *terminated* (Dwyer's dissolution) for
    customers whose state is lost; ``chen_stage`` folds it into 退化期.

    Each customer gets an adaptive trend window
    ``w = max(window_days, ipt_windows x mean_ipt_days)``, and the trend ratio
    ``ρ = recent_rate / prior_rate`` compares the relationship level (net
    spend by default) per day in ``(as_of - w, as_of]`` with that in
    ``[first, as_of - w]``; ``ρ = +inf`` if only the recent level is positive.
    Rules, first match wins:

    1. state undetermined (from :attr:`states`) → undetermined, reason propagated;
    2. state lost → *terminated*;
    3. ``n_occasions <= exploration_max_occasions`` → *exploration*;
    4. ``T_days < 2 w`` (too young for a trend) → *formation*;
    5. both levels ≤ 0 → undetermined (``non_positive_spend``); ``ρ < decline_ratio`` → *decline*;
    6. ``T_days < stability_min_days`` or ``n_occasions < stability_min_occasions`` → *formation*;
    7. otherwise *stability*.

    Prospects (potential and target customers) have no stage and are left out;
    contract holders without any purchase occasion are undetermined
    (``no_valid_purchase``): they have no transaction level to assess.

    Parameters
    ----------
    states : StateRules
        Decides lost (→ terminated) and undetermined customers.
    window_days : float
        Minimum trend window in days (default 90); > 0.
    ipt_windows : float
        Window in mean inter-purchase times (default 2); >= 0. ``0`` gives a
        fixed window, which flags infrequent buyers as declining between purchases.
    decline_ratio : float
        Decline when ``ρ`` is below this (default 0.5); in (0, 1).
    stability_min_days : float
        Minimum tenure for stability (default 365); >= 0.
    stability_min_occasions : int
        Minimum occasions for stability (default 4).
    exploration_max_occasions : int
        Up to this many occasions is exploration (default 1: trial);
        ``1 <= exploration_max_occasions < stability_min_occasions``.
    level_metric : {"amount", "occasions", "margin"}
        Relationship level: net amount, purchase occasions, or margin (needs a
        cost column or ``margin_rate``; otherwise customers reaching the trend
        rule are undetermined with ``cost_missing``).
    alias : {"chen", "emergence"}
        ``"emergence"`` relabels the stages emergence / development / maturity /
        decline / terminated.
    strategies : Mapping[str, str]
        Recommended strategy per stage (default :data:`STAGE_STRATEGIES`).

    Notes
    -----
    Chen's operational indicator of relationship level is transaction volume
    or amount over time; no published rule turns it into stage cut-offs for
    individual retail customers. The window, the ratio, the tenure and
    occasion thresholds and the *terminated* stage are custrel conventions
    (domain.md P6). Dwyer et al. name trust and commitment as the driver of the
    phases; report survey measures of them alongside the stage rather than
    mixing them into it.

    Output evidence: ``state``, ``window_days`` (w), ``recent_rate``,
    ``prior_rate``, ``trend_ratio``, ``customer_type``, ``chen_stage``,
    ``dwyer_phase``, ``strategy``.

    References
    ----------
    .. [1] Chen Mingliang 陈明亮 (2003). 客户关系生命周期模式研究.
       浙江大学学报(人文社会科学版).
    .. [2] Dwyer, F.R., Schurr, P.H., Oh, S. (1987). Developing buyer-seller
       relationships. *Journal of Marketing* 51(2):11-27.

    Examples
    --------
    >>> from custrel.data import build_customer_base
    >>> days = pd.to_timedelta([0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330,
    ...                         360, 390, 420, 450, 480], "D")
    >>> tx = pd.DataFrame({"customer_id": ["steady"] * 17 + ["new"],
    ...                    "date": list(pd.Timestamp("2023-01-01") + days) + [pd.Timestamp("2024-05-01")],
    ...                    "amount": 25.0})
    >>> base = build_customer_base(tx, as_of="2024-05-10")
    >>> stages = LifecycleRules().classify(base)
    >>> stages.frame[["label", "customer_type", "chen_stage", "trend_ratio"]].round(3)
                       label customer_type chen_stage  trend_ratio
    customer_id
    new          exploration     potential        考察期          NaN
    steady         stability         loyal        稳定期        0.964
    """

    states: StateRules = attrs.field(factory=StateRules, validator=_check_states)
    window_days: float = attrs.field(default=90.0, validator=finite(gt=0))
    ipt_windows: float = attrs.field(default=2.0, validator=finite(ge=0))
    decline_ratio: float = attrs.field(default=0.5, validator=unit_open)
    stability_min_days: float = attrs.field(default=365.0, validator=finite(ge=0))
    stability_min_occasions: int = attrs.field(default=4, validator=int_in(ge=2))
    exploration_max_occasions: int = attrs.field(default=1, validator=int_in(ge=1))
    level_metric: Literal["amount", "occasions", "margin"] = attrs.field(
        default="amount", validator=one_of(("amount", "occasions", "margin"))
    )
    alias: Literal["chen", "emergence"] = attrs.field(
        default="chen", validator=one_of(("chen", "emergence"))
    )
    strategies: Mapping[str, str] = attrs.field(
        default=STAGE_STRATEGIES,
        converter=_freeze_mapping,
        validator=_check_strategies,
        hash=False,
    )

    def __attrs_post_init__(self) -> None:
        if not self.exploration_max_occasions < self.stability_min_occasions:
            msg = (
                "LifecycleRules.exploration_max_occasions must be < stability_min_occasions; "
                f"got {self.exploration_max_occasions!r} and {self.stability_min_occasions!r}."
            )
            raise ParameterError(msg)

    @property
    def categories(self) -> tuple[str, ...]:
        """Stage labels in order, after the alias."""
        if self.alias == "emergence":
            return tuple(EMERGENCE_ALIAS[s] for s in STAGES)
        return STAGES

    def _states(self, base: CustomerBase, p_alive: PAlive, states: Labels | None) -> Labels:
        """The states of ``base``: computed, or precomputed ones checked for reuse."""
        if states is None:
            return self.states.classify(base, p_alive=p_alive)
        if p_alive is not None:
            msg = "pass either states= or p_alive= to LifecycleRules.classify, not both."
            raise ParameterError(msg)
        if not isinstance(states, Labels) or states.scheme != "state":
            got = states.scheme if isinstance(states, Labels) else type(states).__name__
            msg = f"states must be Labels of scheme 'state' from StateRules; got {got!r}."
            raise ParameterError(msg)
        if states.as_of is None or pd.Timestamp(states.as_of) != base.as_of:
            msg = (
                f"states were classified at as_of={states.as_of}, the customer base is at "
                f"as_of={base.as_of}; classify the states of the same base."
            )
            raise DataValidationError(msg)
        missing = base.features.index.difference(states.frame.index)
        if len(missing):
            msg = (
                f"states lack {len(missing)} customer(s) of the base "
                f"(e.g. customer_id {', '.join(map(str, missing[:5]))})."
            )
            raise DataValidationError(msg)
        return states

    def classify(
        self, base: CustomerBase, /, *, p_alive: PAlive = None, states: Labels | None = None
    ) -> Labels:
        """Label every customer with transaction rows (and every contract holder) with a stage.

        Parameters
        ----------
        base : CustomerBase
            Features at ``base.as_of``.
        p_alive : Series, model or None
            Passed to :meth:`StateRules.classify` of :attr:`states`.
        states : Labels, optional
            Customer states already classified for this base (scheme ``"state"``,
            same ``as_of``), reused instead of running :attr:`states` again; then
            ``p_alive`` must be None (it was used when the states were made).

        Returns
        -------
        Labels
            Scheme ``"stage"``, ordered exploration < formation < stability <
            decline < terminated < undetermined, with the evidence columns listed
            in the class Notes.
        """
        states = self._states(base, p_alive, states)
        sf = states.frame
        state_codes = sf["label"].cat.codes.to_numpy()
        state_cats = list(sf["label"].cat.categories)
        is_prospect = np.isin(
            state_codes, [state_cats.index("potential"), state_cats.index("target")]
        )
        keep = ~is_prospect
        if is_prospect.any():
            sf = sf.loc[keep]
            state_codes = state_codes[keep]
        pop = sf.index
        n = len(pop)
        feats = base.features
        pos = positions(feats.index, pop)
        n_occ = gather(feats["n_occasions"].to_numpy(), pos, 0.0)
        t_days = gather(feats["T_days"].to_numpy(), pos, np.nan)
        ipt = gather(feats["mean_ipt_days"].to_numpy(), pos, np.nan)

        w = np.full(n, self.window_days)
        if self.ipt_windows > 0:
            w = np.fmax(w, self.ipt_windows * ipt)
        recent, prior = self._levels(base, pos, w, t_days)
        with np.errstate(invalid="ignore", divide="ignore"):
            recent_rate = recent / w
            prior_rate = prior / (t_days - w)
            prior_rate[~(t_days > w)] = np.nan
            rho = np.where(
                prior_rate > 0,
                recent_rate / prior_rate,
                np.where(recent_rate > 0, np.inf, np.nan),
            )
            rho[np.isnan(prior_rate)] = np.nan  # no prior period (T <= w): no trend
        no_occ = n_occ == 0
        for arr in (recent_rate, prior_rate, rho):
            arr[no_occ] = np.nan

        d = Decider(n, (*STAGES, UNDETERMINED))
        und = state_codes == state_cats.index(UNDETERMINED)
        d.set(
            und,
            np.full(n, len(STAGES), dtype=np.int8),
            sf["reason"].cat.codes.to_numpy(),  # the state's reason, propagated
        )
        d.decide(state_codes == state_cats.index("lost"), "terminated")
        d.decide(no_occ, UNDETERMINED, reason=Reason.NO_VALID_PURCHASE)
        d.decide(n_occ <= self.exploration_max_occasions, "exploration")
        with np.errstate(invalid="ignore"):
            d.decide(t_days < 2.0 * w, "formation")
            missing_level = np.isnan(recent) | np.isnan(prior)
            d.decide(missing_level, UNDETERMINED, reason=Reason.COST_MISSING)
            d.decide((recent <= 0) & (prior <= 0), UNDETERMINED, reason=Reason.NON_POSITIVE_SPEND)
            d.decide(rho < self.decline_ratio, "decline")
            young = (t_days < self.stability_min_days) | (n_occ < self.stability_min_occasions)
        d.decide(young, "formation")
        d.decide(d.todo, "stability")
        stage = d.codes  # 0..4 stages, 5 undetermined

        def mapped(table: Mapping[str, str]) -> pd.Categorical:
            cats = list(dict.fromkeys(table[s] for s in STAGES))
            lookup = np.array([cats.index(table[s]) for s in STAGES] + [-1], dtype=np.int8)
            return categorical(lookup[stage], cats)

        return Labels.build(
            scheme="stage",
            as_of=base.as_of,
            config=self,
            index=pop,
            labels=d.labels((*self.categories, UNDETERMINED)),
            categories=self.categories,
            reasons=d.reasons(),
            evidence={
                "state": sf["label"].array,
                "window_days": w,
                "recent_rate": recent_rate,
                "prior_rate": prior_rate,
                "trend_ratio": rho,
                "customer_type": mapped(CUSTOMER_TYPE),
                "chen_stage": mapped(CHEN_STAGE),
                "dwyer_phase": mapped(DWYER_PHASE),
                "strategy": mapped(self.strategies),
            },
            diagnostics={
                **states.diagnostics,
                "prospects_without_stage": int(is_prospect.sum()),
            },
        )

    def _levels(
        self, base: CustomerBase, pos: np.ndarray, w: np.ndarray, t_days: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Recent and prior relationship level per customer of ``pos`` (-1: not in features)."""
        feats = base.features
        n_f = len(feats)
        w_f = np.full(n_f, np.nan)
        t_f = np.full(n_f, np.nan)
        ok = pos >= 0
        w_f[pos[ok]] = w[ok]
        t_f[pos[ok]] = t_days[ok]
        what = self.level_metric
        # rows before the first occasion (a return) are not part of the relationship level
        since_first = np.where(np.isnan(t_f), 0.0, t_f + 1.0)
        recent_f = base.window_sum(np.nan_to_num(w_f), 0.0, what=what).to_numpy()
        prior_f = base.window_sum(since_first, np.nan_to_num(w_f), what=what).to_numpy()
        return gather(recent_f, pos, np.nan), gather(prior_f, pos, np.nan)
