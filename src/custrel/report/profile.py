"""The CRM profile: one row per customer joining summary, model outputs and every classification.

:func:`crm_profile` is what a retail CRM analyst gets (domain.md §10.6): for
each customer the BTYD summary, P(alive), expected purchases, CLV, and the
label (with a ``*_reason`` column) of every scheme — customer state and
action, lifecycle stage, value tier and its service strategy, RFM segment,
Dick & Basu loyalty condition, Sindell loyalty type and the three loyalty
dimensions. :func:`crm_labels` returns the underlying
:class:`~custrel.labels.Labels` and :func:`assemble_profile` joins any set
of scores and labels into the documented column layout
(:data:`PROFILE_COLUMNS`).

Examples
--------
>>> from custrel.data import build_customer_base
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
...                    "date": ["2024-01-05", "2024-11-20", "2023-02-01", "2024-06-01"],
...                    "amount": [40.0, 60.0, 25.0, -5.0]})
>>> base = build_customer_base(tx, as_of="2024-12-31")
>>> prof = assemble_profile(base)
>>> prof[["frequency", "recency", "T", "n_occasions", "days_since_last"]].round(2)
             frequency  recency      T  n_occasions  days_since_last
customer_id
a                  1.0    45.71  51.57            2             41.0
b                  0.0     0.00  99.86            1            699.0
c                  NaN      NaN    NaN            0              NaN
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase, TimeUnit
from custrel.errors import ParameterError
from custrel.labels import LabelHistory, Labels
from custrel.lifecycle import LifecycleRules, StateRules, prioritise_actions
from custrel.loyalty import DickBasu, LoyaltyDimensions, RepeatPatronageRules, SindellRules
from custrel.segment import RFMScores, ValueTiers

__all__ = [
    "PROFILE_COLUMNS",
    "SCHEME_COLUMNS",
    "CRMConfig",
    "assemble_profile",
    "crm_labels",
    "crm_profile",
]

#: Every column the profile can hold, in order, with its meaning. Columns of
#: schemes that could not be computed (e.g. no model, no survey data) are
#: present with missing values, so the layout is stable.
PROFILE_COLUMNS: Final[Mapping[str, str]] = {
    "first_purchase": "date of the first purchase occasion",
    "last_purchase": "date of the last purchase occasion on or before as_of",
    "n_occasions": "number of purchase occasions (days with net amount >= 0)",
    "frequency": "BTYD x: repeat purchase occasions (n_occasions - 1)",
    "recency": "BTYD t_x: first to last occasion, in the profile's time unit",
    "T": "BTYD T: first occasion to as_of, in the profile's time unit",
    "monetary_value": "mean net amount of the repeat occasions (first excluded)",
    "days_since_last": "days from the last occasion to as_of (the RFM recency)",
    "net_amount": "all net amounts up to as_of, returns included",
    "revenue_window": "net amount in the trailing window (default 365 days)",
    "occasions_window": "purchase occasions in the trailing window",
    "p_alive": "model probability that the customer is still active at as_of",
    "expected_purchases": "model expected purchases over the horizon",
    "expected_spend": "expected spend per purchase (Gamma-Gamma)",
    "clv": "customer lifetime value over the horizon, discounted",
    "state": "customer state: potential, target, current, lost or undetermined",
    "state_reason": "why the state is undetermined",
    "state_basis": "what decided the state (p_alive, hiatus, hiatus_fallback, contract, ...)",
    "action": "relationship action: acquire, maintain, win_back, release or review",
    "last_tier": "last known value tier (decides win_back vs release for lost customers)",
    "stage": "lifecycle stage: exploration, formation, stability, decline, terminated",
    "stage_reason": "why the stage is undetermined",
    "customer_type": "potential, new, loyal, at_risk or lost (from the stage)",
    "chen_stage": "the stage in Chen's four-stage model (Chinese names)",
    "tier": "value tier (diamond, gold, silver) by trailing revenue",
    "tier_reason": "why the tier is undetermined (e.g. not active in the window)",
    "tier_objective": "service objective of the tier (retain, develop, upgrade_or_abandon)",
    "silver_action": "for silver customers: upgrade or abandon, by potential (CLV)",
    "rfm_code": "RFM code, e.g. '545' (recency, frequency, monetary levels)",
    "rfm_segment": "named RFM segment (practitioner convention)",
    "rfm_segment_reason": "why the RFM segment is undetermined",
    "rp": "repeat patronage: high, low or undetermined",
    "ra": "relative attitude: high, low or undetermined (survey data)",
    "dick_basu": "Dick & Basu loyalty condition: true, latent, spurious, none",
    "dick_basu_reason": "why the Dick & Basu condition is undetermined",
    "dick_basu_candidates": "conditions still possible when undetermined",
    "sindell": "Sindell loyalty type (monopoly, inertia, latent, convenience, price, ...)",
    "sindell_reason": "why the Sindell type is undetermined",
    "sindell_candidates": "types still possible when undetermined",
    "behavioural": "behavioural loyalty (repeat purchase): high or low",
    "behavioural_reason": "why behavioural loyalty is undetermined",
    "emotional": "emotional loyalty (satisfaction): high or low",
    "emotional_reason": "why emotional loyalty is undetermined",
    "emotional_candidates": "emotional loyalty levels still possible when undetermined (high|low)",
    "conscious": "conscious loyalty (intention to buy again): high or low",
    "conscious_reason": "why conscious loyalty is undetermined",
    "conscious_candidates": "conscious loyalty levels still possible when undetermined (high|low)",
}

#: For each profile scheme: the evidence columns of its Labels copied into the
#: profile (Labels column -> profile column).
SCHEME_COLUMNS: Final[Mapping[str, Mapping[str, str]]] = {
    "state": {"basis": "state_basis", "action": "action", "last_tier": "last_tier"},
    "stage": {"customer_type": "customer_type", "chen_stage": "chen_stage"},
    "tier": {"objective": "tier_objective", "silver_action": "silver_action"},
    "rfm_segment": {"rfm_code": "rfm_code"},
    "dick_basu": {"rp": "rp", "ra": "ra"},
    "sindell": {},
    "behavioural": {},
    "emotional": {},
    "conscious": {},
}

_FEATURES: Final = (
    "first_purchase",
    "last_purchase",
    "n_occasions",
    "days_since_last",
    "net_amount",
    "revenue_window",
    "occasions_window",
)
_SUMMARY: Final = ("frequency", "recency", "T", "monetary_value")
_SCORES: Final = ("p_alive", "expected_purchases", "expected_spend", "clv")


def _positive(_inst: object, attr: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
        msg = f"CRMConfig.{attr.name} must be a finite float > 0; got {value!r}."
        raise ParameterError(msg)


def _rate(_inst: object, attr: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and np.isfinite(value) and 0 <= value < 1):
        msg = f"CRMConfig.{attr.name} must be a float in [0, 1); got {value!r}."
        raise ParameterError(msg)


def _period(_inst: object, _attr: attrs.Attribute[str], value: str) -> None:
    TimeUnit.parse(value)


def _optional_period(_inst: object, _attr: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None:
        TimeUnit.parse(value)


def _cutoffs(_inst: object, _attr: object, value: tuple[float, float]) -> None:
    ValueTiers(cutoffs=tuple(value))  # raises ParameterError with the rule


def _bins(_inst: object, _attr: object, value: int) -> None:
    RFMScores(bins=value)


def _min_population(_inst: object, attr: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"CRMConfig.{attr.name} must be an int >= 1; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class CRMConfig:
    """Settings of the CRM profile; every threshold is a documented default of its scheme.

    Parameters
    ----------
    period : str
        Time unit of ``recency``, ``T`` and the model (default ``"W"``, weeks).
    horizon : float
        Horizon of ``expected_purchases`` and ``clv`` (default 52).
    horizon_period : str, optional
        Unit of ``horizon``; default ``period``.
    discount_rate : float
        Annual discount rate of the CLV (default 0.10), in [0, 1).
    p_alive_lost : float
        P(alive) below which a customer is lost (default 0.5).
    hiatus_days : float
        Hiatus rule for customers whose P(alive) is unusable (default 270).
    tier_cutoffs : tuple of float
        Top shares of the diamond and gold tiers (default 5% and 20%).
    rfm_bins : int
        RFM levels per score (default 5).
    min_population : int
        Median-split rules warn below this many eligible customers (default 30).

    Examples
    --------
    >>> cfg = CRMConfig(period="W", horizon=12, horizon_period="M")
    >>> round(cfg.horizon_in_periods, 2)  # 12 months in weeks
    52.18
    >>> CRMConfig(discount_rate=1.5)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: CRMConfig.discount_rate must be a float in [0, 1); got 1.5.
    """

    period: str = attrs.field(default="W", validator=_period)
    horizon: float = attrs.field(default=52.0, validator=_positive)
    horizon_period: str | None = attrs.field(default=None, validator=_optional_period)
    discount_rate: float = attrs.field(default=0.10, validator=_rate)
    p_alive_lost: float = attrs.field(default=0.5, validator=_rate)
    hiatus_days: float = attrs.field(default=270.0, validator=_positive)
    tier_cutoffs: tuple[float, float] = attrs.field(default=(0.05, 0.20), validator=_cutoffs)
    rfm_bins: int = attrs.field(default=5, validator=_bins)
    min_population: int = attrs.field(default=30, validator=_min_population)

    @property
    def horizon_in_periods(self) -> float:
        """The horizon in ``period`` units (``expected_purchases`` uses it as ``t``)."""
        unit = self.period if self.horizon_period is None else self.horizon_period
        return self.horizon * TimeUnit.parse(unit).days / TimeUnit.parse(self.period).days


def _labels_frame(name: str, lab: Labels) -> pd.DataFrame:
    f = lab.frame
    out = pd.DataFrame(index=f.index)
    out[name] = f["label"]
    out[f"{name}_reason"] = f["reason"]
    if "candidates" in f.columns:
        out[f"{name}_candidates"] = f["candidates"]
    for src, dst in SCHEME_COLUMNS.get(name, {}).items():
        if src in f.columns:
            out[dst] = f[src]
    return out


def assemble_profile(
    base: CustomerBase,
    /,
    *,
    summary: pd.DataFrame | None = None,
    scores: Mapping[str, pd.Series] | None = None,
    labels: Mapping[str, Labels] | None = None,
    period: str = "W",
) -> pd.DataFrame:
    """Join features, BTYD summary, scores and labels into one row per customer.

    Parameters
    ----------
    base : CustomerBase
        The customer base; every customer of ``base.features`` gets a row, and
        so does every customer that only a scheme knows (e.g. prospects).
    summary : DataFrame, optional
        BTYD summary; default ``base.btyd_summary(period=period)``.
    scores : mapping of str to Series, optional
        Per-customer numbers (``p_alive``, ``expected_purchases``, ``clv``, ...).
    labels : mapping of str to Labels, optional
        Profile scheme name (``state``, ``stage``, ``tier``, ``rfm_segment``,
        ``dick_basu``, ``sindell``, ...) to its labels; each adds the label,
        ``<name>_reason``, ``<name>_candidates`` when present, and the
        evidence columns of :data:`SCHEME_COLUMNS`.
    period : str
        Time unit of the default summary.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; the columns of :data:`PROFILE_COLUMNS`
        in that order (missing ones filled with NA), then any other score or
        evidence columns.
    """
    summ = base.btyd_summary(period=period) if summary is None else summary
    labels = dict(labels or {})
    index = base.features.index
    for lab in labels.values():
        extra = lab.frame.index.difference(index)
        if len(extra):
            index = index.append(extra)
    index = pd.Index(index, name="customer_id")
    parts = [
        base.features.loc[:, list(_FEATURES)],
        summ.loc[:, [c for c in _SUMMARY if c in summ.columns]],
    ]
    for name, series in (scores or {}).items():
        parts.append(pd.Series(series, name=name).to_frame())
    parts.extend(_labels_frame(name, lab) for name, lab in labels.items())
    out = pd.concat([p.reindex(index) for p in parts], axis=1)
    out = out.loc[:, ~out.columns.duplicated()]
    for col in PROFILE_COLUMNS:
        if col not in out.columns:
            out[col] = pd.NA if col not in _SUMMARY + _SCORES else np.nan
    ordered = list(PROFILE_COLUMNS) + [c for c in out.columns if c not in PROFILE_COLUMNS]
    result = out.loc[:, ordered]
    result.index.name = "customer_id"
    return result


def crm_labels(
    base: CustomerBase,
    /,
    *,
    p_alive: pd.Series | None = None,
    potential: pd.Series | None = None,
    trust_p_alive_for_single_purchase: bool = False,
    previous_tiers: Labels | None = None,
    config: CRMConfig = CRMConfig(),
) -> dict[str, Labels]:
    """Every classification of the profile, as :class:`~custrel.labels.Labels` by scheme name.

    Parameters
    ----------
    base : CustomerBase
        The customer base.
    p_alive : Series, optional
        P(alive) per customer (from a fitted model); without it customer
        states use the hiatus rule.
    potential : Series, optional
        Potential value per customer (e.g. CLV) for the silver upgrade/abandon decision.
    trust_p_alive_for_single_purchase : bool
        True for models whose P(alive) is informative for one-time buyers
        (Pareto/NBD, MBG/NBD); False for BG/NBD.
    previous_tiers : Labels, optional
        Value tiers at an earlier evaluation date. Lost customers rarely have a
        current tier (no purchase in the window); with this their last known
        tier decides between ``win_back`` and ``release``.
    config : CRMConfig
        Thresholds.

    Returns
    -------
    dict of str to Labels
        Keys ``stage``, ``tier``, ``state`` (with the win-back action refined by
        the last known tier, :func:`custrel.lifecycle.prioritise_actions`),
        ``rfm_segment``, ``dick_basu``, ``sindell``, ``behavioural``,
        ``emotional`` and ``conscious``.
    """
    out: dict[str, Labels] = {}
    states_rules = StateRules(
        method="auto",
        p_alive_lost=config.p_alive_lost,
        hiatus_days=config.hiatus_days,
        trust_p_alive_for_single_purchase=trust_p_alive_for_single_purchase,
        period=config.period,
    )
    states = states_rules.classify(base, p_alive=p_alive)
    out["stage"] = LifecycleRules(states=states_rules).classify(base, states=states)
    out["tier"] = ValueTiers(cutoffs=tuple(config.tier_cutoffs)).segment(base, potential=potential)
    tiers: Labels | LabelHistory = out["tier"]
    if previous_tiers is not None:
        tiers = LabelHistory.from_labels([previous_tiers, out["tier"]])
    out["state"] = prioritise_actions(states, tiers)
    out["rfm_segment"] = RFMScores(bins=config.rfm_bins).segment(base)
    repeat = RepeatPatronageRules(min_population=config.min_population, states=states_rules)
    # states once, repeat patronage once: the loyalty classifiers reuse them (and the
    # median-split warning of repeat patronage is emitted once)
    rp = repeat.classify(base, states=states)
    dick_basu = DickBasu(repeat=repeat)
    out["dick_basu"] = dick_basu.classify(base, repeat=rp)
    out["sindell"] = SindellRules(dick_basu=dick_basu).classify(base, repeat=rp)
    dims = LoyaltyDimensions(repeat=repeat).classify(base, repeat=rp)
    out["behavioural"] = dims.behavioural
    out["emotional"] = dims.emotional
    out["conscious"] = dims.conscious
    return out


def crm_profile(
    base: CustomerBase,
    /,
    *,
    p_alive: pd.Series | None = None,
    expected_purchases: pd.Series | None = None,
    clv: pd.Series | None = None,
    trust_p_alive_for_single_purchase: bool = False,
    config: CRMConfig = CRMConfig(),
) -> pd.DataFrame:
    """One row per customer: summary, model outputs and every classification (domain.md §10.6).

    Parameters
    ----------
    base : CustomerBase
        The customer base at its as-of date.
    p_alive, expected_purchases, clv : Series, optional
        Model outputs per customer (see :mod:`custrel.models` and
        :func:`custrel.value.clv`); CLV is also the potential value of the
        silver upgrade/abandon decision.
    trust_p_alive_for_single_purchase : bool
        See :func:`crm_labels`.
    config : CRMConfig
        Time unit, horizon and thresholds.

    Returns
    -------
    DataFrame
        The columns of :data:`PROFILE_COLUMNS`, indexed by ``customer_id``.

    Examples
    --------
    Without a purchase model, customer states follow the hiatus rule (270
    days); without survey data the Dick & Basu condition stays undetermined.

    >>> from custrel.data import build_customer_base
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c"],
    ...                    "date": ["2024-01-05", "2024-06-10", "2024-11-20",
    ...                             "2023-02-01", "2024-06-01"],
    ...                    "amount": [40.0, 55.0, 60.0, 25.0, 30.0]})
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> prof = crm_profile(base, config=CRMConfig(min_population=1))
    >>> prof[["state", "action", "stage", "tier", "dick_basu"]]
                   state    action        stage          tier     dick_basu
    customer_id
    a            current  maintain    formation       diamond  undetermined
    b               lost    review   terminated  undetermined  undetermined
    c            current  maintain  exploration        silver  undetermined
    >>> prof.loc["b", "tier_reason"], prof.loc["a", "dick_basu_reason"]
    ('not_active_in_window', 'attitude_missing')
    """
    scores: dict[str, pd.Series] = {}
    if p_alive is not None:
        scores["p_alive"] = p_alive
    if expected_purchases is not None:
        scores["expected_purchases"] = expected_purchases
    if clv is not None:
        scores["clv"] = clv
    labels = crm_labels(
        base,
        p_alive=p_alive,
        potential=clv,
        trust_p_alive_for_single_purchase=trust_p_alive_for_single_purchase,
        config=config,
    )
    return assemble_profile(base, scores=scores, labels=labels, period=config.period)
