"""Value tiers (diamond / gold / silver), the customer pyramid, value scores and the value matrix.

Implements domain.md §5. Every strategy here follows the tie rules of §1.5:
the *strictly-above share* puts tied customers in the same tier, and the
composite value score uses *mid-rank percentiles*.

References
----------
.. [1] Zeithaml, V.A., Rust, R.T., Lemon, K.N. (2001). The customer pyramid:
   creating and serving profitable customers. *California Management Review*
   43(4):118-142.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.data._validate import examples
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError
from custrel.labels import Labels, Reason
from custrel.segment._build import REASON_CODE, categorical, labels_from_codes, reason_codes
from custrel.segment._checks import positive_number, share_cutoffs, unique_labels
from custrel.segment._ranks import (
    as_value_series,
    share_above,
    tier_index_by_share,
    value_share_above,
)

__all__ = [
    "ABC_STRATEGIES",
    "DEFAULT_TIER_STRATEGIES",
    "PYRAMID_STRATEGIES",
    "VALUE_MATRIX_STRATEGIES",
    "CustomerPyramid",
    "TierStrategy",
    "ValueTiers",
    "value_matrix",
    "value_score",
]


def _str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)  # type: ignore[attr-defined]


@attrs.frozen(kw_only=True)
class TierStrategy:
    """The service strategy attached to one tier or segment.

    Attributes
    ----------
    objective : str
        What the firm wants from the tier (``"retain"``, ``"develop"``, ...).
    actions : tuple of str
        Concrete service and marketing actions.
    description : str
        One sentence describing the customers of the tier.

    Examples
    --------
    >>> DEFAULT_TIER_STRATEGIES["gold"].objective
    'develop'
    >>> DEFAULT_TIER_STRATEGIES["gold"].text()
    'develop: cross-selling and up-selling; proactive outbound sales; personalised service'
    """

    objective: str
    actions: tuple[str, ...] = attrs.field(converter=_str_tuple, default=())
    description: str = ""

    def text(self) -> str:
        """``"objective: action; action; ..."`` for tables and reports."""
        return f"{self.objective}: {'; '.join(self.actions)}" if self.actions else self.objective


#: The bank-tiering service-strategy table of domain.md §5 (hexun.com bank-tiering explainers).
DEFAULT_TIER_STRATEGIES: Final[Mapping[str, TierStrategy]] = MappingProxyType(
    {
        "diamond": TierStrategy(
            objective="retain",
            actions=(
                "loyalty building",
                "strategic account management",
                "priority and personalised service",
            ),
            description="the most valuable customers (保持)",
        ),
        "gold": TierStrategy(
            objective="develop",
            actions=(
                "cross-selling and up-selling",
                "proactive outbound sales",
                "personalised service",
            ),
            description="valuable customers with room to grow (发展)",
        ),
        "silver": TierStrategy(
            objective="upgrade_or_abandon",
            actions=("targeted marketing", "automated channels", "automated service"),
            description="the remaining active customers (升级或放弃)",
        ),
    }
)

#: The same objectives for the practitioner ABC preset (A/B/C).
ABC_STRATEGIES: Final[Mapping[str, TierStrategy]] = MappingProxyType(
    {
        "A": attrs.evolve(DEFAULT_TIER_STRATEGIES["diamond"], description="top 20% of customers"),
        "B": attrs.evolve(DEFAULT_TIER_STRATEGIES["gold"], description="next 30% of customers"),
        "C": attrs.evolve(DEFAULT_TIER_STRATEGIES["silver"], description="bottom 50% of customers"),
    }
)

#: Zeithaml, Rust & Lemon (2001) customer-pyramid strategies.
PYRAMID_STRATEGIES: Final[Mapping[str, TierStrategy]] = MappingProxyType(
    {
        "platinum": TierStrategy(
            objective="pamper_and_retain",
            actions=("reward and recognise", "priority service", "protect against competitors"),
            description="most profitable: heavy users, not overly price sensitive, highly committed",
        ),
        "gold": TierStrategy(
            objective="move_up",
            actions=("bundles", "service guarantees", "build commitment"),
            description="lower profitability and commitment, though often heavy users",
        ),
        "iron": TierStrategy(
            objective="serve_at_low_cost",
            actions=("low-cost channels", "move up where possible"),
            description="provide the volume that uses the firm's capacity",
        ),
        "lead": TierStrategy(
            objective="make_profitable_or_disengage",
            actions=("fees or price increases", "lower cost-to-serve", "disengage"),
            description="customers who cost the company money",
        ),
    }
)

#: Current x potential value matrix strategies (custrel convention after Chinese CRM texts).
VALUE_MATRIX_STRATEGIES: Final[Mapping[str, TierStrategy]] = MappingProxyType(
    {
        "key_retain": TierStrategy(
            objective="retain", actions=("key account care", "priority service")
        ),
        "maintain": TierStrategy(
            objective="maintain", actions=("keep service level", "efficiency")
        ),
        "develop": TierStrategy(
            objective="develop", actions=("cross-selling and up-selling", "proactive contact")
        ),
        "reduce": TierStrategy(objective="reduce", actions=("automated low-cost service",)),
    }
)

_VALUE_MATRIX_LABELS: Final = ("key_retain", "maintain", "develop", "reduce")
_SILVER_ACTIONS: Final = ("upgrade", "abandon", "upgrade_or_abandon")


def _strategy_columns(
    codes: np.ndarray, labels: Sequence[str], strategies: Mapping[str, TierStrategy]
) -> tuple[pd.Categorical[str], pd.Categorical[str]]:
    """Objective and action text per customer from tier codes (-1 = none); a loop over tiers."""
    obj_cats = list(dict.fromkeys(s.objective for s in strategies.values()))
    act_cats = list(dict.fromkeys("; ".join(s.actions) for s in strategies.values()))
    obj_of = np.full(len(labels) + 1, -1, dtype=np.int64)  # last slot: code -1
    act_of = np.full(len(labels) + 1, -1, dtype=np.int64)
    for i, lab in enumerate(labels):
        if lab in strategies:
            obj_of[i] = obj_cats.index(strategies[lab].objective)
            act_of[i] = act_cats.index("; ".join(strategies[lab].actions))
    c = np.where(np.asarray(codes) < 0, len(labels), codes)
    return categorical(obj_of[c], obj_cats), categorical(act_of[c], act_cats)


def _align_bool(flag: object, index: pd.Index, *, what: str) -> np.ndarray:
    """Align a per-customer boolean Series with ``index``; raise on missing or non-boolean."""
    if not isinstance(flag, pd.Series):
        msg = f"{what} must be a boolean Series indexed by customer_id; got {type(flag).__name__}."
        raise ParameterError(msg)
    if flag.index.has_duplicates:
        msg = f"{what} must have one value per customer; its index has duplicates."
        raise DataValidationError(msg)
    ok = flag.isin([True, False, 0, 1])
    if not ok.all():
        bad = flag.index[~ok.to_numpy()]
        msg = (
            f"{what} must be boolean; {bad.size} of {flag.size} values are not "
            f"(e.g. customer_id {examples(bad)})."
        )
        raise DataValidationError(msg)
    aligned = flag.reindex(index)
    missing = aligned.isna().to_numpy()
    if missing.any():
        msg = (
            f"{what} has no entry for {int(missing.sum())} of {index.size} customers "
            f"(e.g. customer_id {examples(index[missing])}); pass one flag per customer."
        )
        raise DataValidationError(msg)
    return aligned.astype(bool).to_numpy()


def _nullable_bool(flag: np.ndarray, known: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A nullable boolean column: ``flag`` where ``known``, else <NA>."""
    out = pd.Series(flag.astype(bool), dtype="boolean")
    out[~known] = pd.NA
    arr: pd.api.extensions.ExtensionArray = out.array
    return arr


def _check_thresholds(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    ok = (
        isinstance(value, tuple)
        and len(value) >= 1
        and all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
            for x in value
        )
        and all(a > b for a, b in itertools.pairwise(value))
    )
    if not ok:
        msg = (
            f"{type(inst).__name__}.{attribute.name} must be None or a tuple of strictly "
            f"decreasing finite values (top tier first); got {value!r}."
        )
        raise ParameterError(msg)


def _check_basis(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ("customers", "value_share"):
        msg = f"ValueTiers.basis must be 'customers' or 'value_share'; got {value!r}."
        raise ParameterError(msg)


def _check_strategies(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, TierStrategy) for k, v in value.items()
    ):
        msg = (
            f"{type(inst).__name__}.{attribute.name} must map label names to TierStrategy; "
            f"got {value!r}."
        )
        raise ParameterError(msg)


def _optional_window(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        positive_number(inst, attribute, value)


def _metric_column(base: CustomerBase, metric: str, window_days: float | None) -> pd.Series:
    """A per-customer metric from the features, recomputed for another window, or from attributes."""
    feats = base.features
    if window_days is not None and window_days != base.window_days:
        what: dict[str, Literal["amount", "occasions", "margin"]] = {
            "revenue_window": "amount",
            "occasions_window": "occasions",
            "margin_window": "margin",
        }
        if metric in what:
            return base.window_sum(window_days, what=what[metric]).rename(metric)
    if metric in feats.columns:
        return feats[metric].astype("float64")
    if base.attributes is not None and metric in base.attributes.columns:
        return base.attributes[metric].reindex(feats.index).astype("float64")
    msg = (
        f"value metric {metric!r} is neither a CustomerBase feature nor an attribute column; "
        f"features include {sorted(c for c in feats.columns if c.endswith('_window'))}."
    )
    raise SchemaError(msg)


@attrs.frozen(kw_only=True)
class ValueTiers:
    """Diamond / gold / silver value tiers with service strategies (domain.md §5).

    Customers are ranked by a value measure (turnover, margin, assets, CLV or
    a composite :func:`value_score`). With ``basis="customers"`` (default) a
    customer is in the first tier whose cumulative cutoff exceeds its
    *strictly-above share* ``#{j : v_j > v_i} / n``, so tied customers are
    always in the same tier. ``basis="value_share"`` uses the share of total
    value held by customers with strictly larger value instead. With
    ``thresholds`` (absolute mode, bank style) a customer is in the first tier
    whose threshold its value reaches (``>=``).

    Attributes
    ----------
    cutoffs : tuple of float
        Cumulative shares of the top tiers, strictly increasing in (0, 1];
        ``len(labels) - 1`` of them. Default ``(0.05, 0.20)``: top 5% diamond,
        next 15% gold, the rest silver.
    labels : tuple of str
        Tier names from best to worst.
    thresholds : tuple of float, optional
        Absolute lower bounds of the top tiers (strictly decreasing); replaces ``cutoffs``.
    basis : {"customers", "value_share"}
        What the cutoffs are shares of.
    strategies : Mapping[str, TierStrategy]
        Service strategy per tier (:data:`DEFAULT_TIER_STRATEGIES`).
    metric : str
        Feature or attribute column used by :meth:`segment` (default ``"revenue_window"``).
    window_days : float, optional
        Activity window of :meth:`segment`; default the base's ``window_days``.

    Notes
    -----
    The population is the *active* customers (at least one purchase occasion in
    the window) with a non-NaN value; others are ``undetermined`` with reason
    ``not_active_in_window`` or ``value_missing``. The bottom tier's
    ``silver_action`` comes from a ``potential`` Series (e.g. predicted CLV):
    customers whose potential would place them in a higher tier (same cutoffs,
    ranked over every customer with a non-NaN potential) get ``upgrade``, the
    others ``abandon``; without potential it is ``upgrade_or_abandon`` with
    ``silver_action_reason = "potential_missing"``.

    The 5% / 20% cutoffs are custrel defaults. The tier names and the
    service-strategy table follow Chinese retail-bank tiering (assets,
    transaction turnover and fees).

    Examples
    --------
    >>> v = pd.Series(np.arange(1.0, 21.0), index=pd.Index([f"V{i:02d}" for i in range(1, 21)],
    ...                                                     name="customer_id"))
    >>> tiers = ValueTiers().assign(v)
    >>> tiers.counts().to_dict()
    {'diamond': 1, 'gold': 3, 'silver': 16, 'undetermined': 0}
    >>> tiers.frame.loc[["V20", "V18", "V16"], ["label", "share_above", "objective"]]
                   label  share_above objective
    customer_id
    V20          diamond         0.00    retain
    V18             gold         0.10   develop
    V16           silver         0.20  upgrade_or_abandon
    """

    cutoffs: tuple[float, ...] = attrs.field(default=(0.05, 0.20), validator=share_cutoffs)
    labels: tuple[str, ...] = attrs.field(
        default=("diamond", "gold", "silver"), validator=unique_labels
    )
    thresholds: tuple[float, ...] | None = attrs.field(default=None, validator=_check_thresholds)
    basis: Literal["customers", "value_share"] = attrs.field(
        default="customers", validator=_check_basis
    )
    strategies: Mapping[str, TierStrategy] = attrs.field(
        default=DEFAULT_TIER_STRATEGIES, validator=_check_strategies, hash=False
    )
    metric: str = "revenue_window"
    window_days: float | None = attrs.field(default=None, validator=_optional_window)

    def __attrs_post_init__(self) -> None:
        if self.thresholds is None and len(self.cutoffs) != len(self.labels) - 1:
            msg = (
                f"ValueTiers needs len(labels) - 1 cutoffs; got {len(self.cutoffs)} cutoffs "
                f"for labels {self.labels!r}."
            )
            raise ParameterError(msg)
        if self.thresholds is not None and len(self.thresholds) != len(self.labels) - 1:
            msg = (
                f"ValueTiers needs len(labels) - 1 thresholds; got {self.thresholds!r} "
                f"for labels {self.labels!r}."
            )
            raise ParameterError(msg)

    @classmethod
    def abc(cls) -> ValueTiers:
        """The practitioner ABC preset: top 20% A, next 30% B, bottom 50% C.

        Examples
        --------
        >>> ValueTiers.abc().cutoffs, ValueTiers.abc().labels
        ((0.2, 0.5), ('A', 'B', 'C'))
        """
        return cls(cutoffs=(0.20, 0.50), labels=("A", "B", "C"), strategies=ABC_STRATEGIES)

    def _tier_index(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Tier index (-1 for NaN) and the share used to rank."""
        rank = value_share_above if self.basis == "value_share" else share_above
        shares = rank(values)
        if self.thresholds is None:
            return tier_index_by_share(shares, self.cutoffs), shares
        idx = np.full(values.size, len(self.thresholds), dtype=np.int64)
        for i in range(len(self.thresholds) - 1, -1, -1):  # few tiers
            with np.errstate(invalid="ignore"):
                idx[values >= self.thresholds[i]] = i
        idx[np.isnan(values)] = -1
        return idx, shares

    def assign(
        self,
        value: pd.Series,
        /,
        *,
        potential: pd.Series | None = None,
        active: pd.Series | None = None,
        as_of: pd.Timestamp | None = None,
    ) -> Labels:
        """Tier every customer of ``value``.

        Parameters
        ----------
        value : Series
            Value measure indexed by ``customer_id`` (NaN allowed: ``value_missing``).
        potential : Series, optional
            Potential value (e.g. predicted CLV) for the bottom tier's upgrade/abandon decision.
        active : Series of bool, optional
            Active flag for every customer of ``value``; inactive customers are
            ``undetermined`` (``not_active_in_window``).
        as_of : Timestamp, optional
            Recorded on the result.

        Returns
        -------
        Labels
            Scheme ``"value_tier"``; frame columns ``label``, ``reason``,
            ``value``, ``share_above``, ``objective``, ``actions``,
            ``silver_action``, ``silver_action_reason``, ``potential``, ``potential_tier``.

        Raises
        ------
        DataValidationError
            Duplicated customers, non-numeric or infinite values, an ``active``
            flag missing for some customers, or a non-positive total with
            ``basis="value_share"``.
        """
        v = as_value_series(value, name="value", what="ValueTiers value")
        idx = v.index
        arr = v.to_numpy()
        n = arr.size
        reasons = reason_codes(n)
        eligible = ~np.isnan(arr)
        if active is not None:
            act = _align_bool(active, idx, what="active")
            reasons[~act] = REASON_CODE[Reason.NOT_ACTIVE_IN_WINDOW]
            eligible &= act
        reasons[(reasons < 0) & np.isnan(arr)] = REASON_CODE[Reason.VALUE_MISSING]
        work = np.where(eligible, arr, np.nan)
        tier_idx, shares = self._tier_index(work)
        objective, actions = _strategy_columns(tier_idx, self.labels, self.strategies)
        last = len(self.labels) - 1
        bottom = tier_idx == last
        silver_action = np.full(n, -1, dtype=np.int64)  # codes into _SILVER_ACTIONS
        pot_arr = np.full(n, np.nan)
        pot_tier = np.full(n, -1, dtype=np.int64)
        if potential is not None:
            pot = as_value_series(potential, name="potential", what="ValueTiers potential")
            p_idx, _ = self._tier_index(pot.to_numpy())
            where = pot.index.get_indexer(idx)
            found = where >= 0
            pot_arr[found] = pot.to_numpy()[where[found]]
            pot_tier[found] = p_idx[where[found]]
            has_pot = pot_tier >= 0
            silver_action[bottom & has_pot & (pot_tier < last)] = 0  # upgrade
            silver_action[bottom & has_pot & (pot_tier == last)] = 1  # abandon
            missing = bottom & ~has_pot
        else:
            missing = bottom
        silver_action[missing] = 2  # upgrade_or_abandon
        lab = labels_from_codes(
            scheme="value_tier",
            as_of=as_of,
            config=self,
            index=idx,
            codes=tier_idx,
            categories=self.labels,
            reasons=reasons,
        )
        fr = lab.frame
        fr["value"] = arr
        fr["share_above"] = np.where(eligible, shares, np.nan)
        fr["objective"] = objective
        fr["actions"] = actions
        fr["silver_action"] = categorical(silver_action, _SILVER_ACTIONS)
        fr["silver_action_reason"] = categorical(
            np.where(missing, 0, -1), [Reason.POTENTIAL_MISSING.value]
        )
        fr["potential"] = pot_arr
        fr["potential_tier"] = categorical(pot_tier, self.labels)
        return lab

    def segment(self, base: CustomerBase, /, *, potential: pd.Series | None = None) -> Labels:
        """Tier the customers of ``base`` by :attr:`metric`, active ones only.

        Parameters
        ----------
        base : CustomerBase
            Source of the value metric and of the activity flag (an occasion in the window).
        potential : Series, optional
            As in :meth:`assign`.

        Returns
        -------
        Labels
            As :meth:`assign`, one row per customer of ``base.features``.

        Examples
        --------
        >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "c"],
        ...                    "date": ["2024-06-01", "2024-07-01", "2022-01-01", "2024-08-01"],
        ...                    "amount": [10.0, 20.0, 5.0, 30.0]})
        >>> from custrel.data import build_customer_base
        >>> base = build_customer_base(tx, as_of="2024-12-31")
        >>> ValueTiers(cutoffs=(0.3, 0.6)).segment(base).label.astype(str).to_dict()
        {'a': 'silver', 'b': 'gold', 'c': 'diamond'}
        """
        value = _metric_column(base, self.metric, self.window_days)
        occ = _metric_column(base, "occasions_window", self.window_days)
        active = occ > 0
        return self.assign(value, potential=potential, active=active, as_of=base.as_of)


@attrs.frozen(kw_only=True)
class CustomerPyramid:
    """The customer pyramid by profit: platinum / gold / iron / lead [1]_.

    ``lead`` iff profit < 0 (customers who cost the company money). Customers
    with profit >= 0 are ranked by the strictly-above share *among the
    non-negative customers*: the first cutoff gives platinum, the second gold,
    the rest iron. Profit exactly 0 is iron, not lead. NaN profit is
    ``undetermined`` (``cost_missing``).

    Attributes
    ----------
    cutoffs : tuple of float
        Cumulative shares of platinum and gold (custrel defaults 5% / 20%;
        Zeithaml et al. define the tiers by profitability, not fixed shares).
    labels : tuple of str
        Names from the most profitable tier to the loss-making one (4 labels).
    strategies : Mapping[str, TierStrategy]
        :data:`PYRAMID_STRATEGIES`.

    Notes
    -----
    Compute profit with ``custrel.value.customer_profit`` (revenue - COGS -
    cost per order/return - attribute costs) or pass any profit Series.

    References
    ----------
    .. [1] Zeithaml, V.A., Rust, R.T., Lemon, K.N. (2001). The customer pyramid:
       creating and serving profitable customers. *California Management
       Review* 43(4):118-142.

    Examples
    --------
    >>> profit = pd.Series([50.0, 10.0, 0.0, -3.0, np.nan],
    ...                    index=pd.Index(list("abcde"), name="customer_id"))
    >>> CustomerPyramid(cutoffs=(0.25, 0.5)).assign(profit).label.astype(str).to_dict()
    {'a': 'platinum', 'b': 'gold', 'c': 'iron', 'd': 'lead', 'e': 'undetermined'}
    """

    cutoffs: tuple[float, ...] = attrs.field(default=(0.05, 0.20), validator=share_cutoffs)
    labels: tuple[str, ...] = attrs.field(
        default=("platinum", "gold", "iron", "lead"), validator=unique_labels
    )
    strategies: Mapping[str, TierStrategy] = attrs.field(
        default=PYRAMID_STRATEGIES, validator=_check_strategies, hash=False
    )

    def __attrs_post_init__(self) -> None:
        if len(self.labels) != len(self.cutoffs) + 2:
            msg = (
                f"CustomerPyramid needs len(cutoffs) + 2 labels (the last is the loss-making "
                f"tier); got {self.labels!r} for cutoffs {self.cutoffs!r}."
            )
            raise ParameterError(msg)

    def assign(self, profit: pd.Series, /, *, as_of: pd.Timestamp | None = None) -> Labels:
        """Place every customer of ``profit`` in the pyramid.

        Parameters
        ----------
        profit : Series
            Profit per customer, indexed by ``customer_id``.
        as_of : Timestamp, optional
            Recorded on the result.

        Returns
        -------
        Labels
            Scheme ``"pyramid"``; columns ``label``, ``reason``, ``profit``,
            ``share_above`` (among non-negative customers), ``objective``, ``actions``.
        """
        p = as_value_series(profit, name="profit", what="CustomerPyramid profit")
        arr = p.to_numpy()
        n = arr.size
        nonneg = np.where(arr >= 0, arr, np.nan)
        shares = share_above(nonneg)
        tier = tier_index_by_share(shares, self.cutoffs)  # -1 for negative and NaN profit
        tier[arr < 0] = len(self.labels) - 1
        reasons = reason_codes(n)
        reasons[np.isnan(arr)] = REASON_CODE[Reason.COST_MISSING]
        objective, actions = _strategy_columns(tier, self.labels, self.strategies)
        lab = labels_from_codes(
            scheme="pyramid",
            as_of=as_of,
            config=self,
            index=p.index,
            codes=tier,
            categories=self.labels,
            reasons=reasons,
        )
        lab.frame["profit"] = arr
        lab.frame["share_above"] = shares
        lab.frame["objective"] = objective
        lab.frame["actions"] = actions
        return lab


_DEFAULT_SCORE_METRICS: Final = ("revenue_window", "margin_window", "assets")


def value_score(
    base: CustomerBase,
    /,
    *,
    metrics: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    extra: Mapping[str, pd.Series] | None = None,
) -> pd.Series:
    """Composite value score: weighted mean of the metrics' mid-rank percentiles.

    Each metric is turned into its mid-rank percentile ``midrank / n`` over the
    customers with a non-NaN value (domain.md §1.5), so metrics on different
    scales (turnover, margin, bank assets, CLV) can be combined. A customer's
    score is the weighted mean over the metrics it has (weights renormalised
    per customer); a customer with none of them gets NaN, which
    :class:`ValueTiers` reports as ``value_missing``.

    Parameters
    ----------
    base : CustomerBase
        Source of feature and attribute columns.
    metrics : sequence of str, optional
        Feature names, attribute names, or keys of ``extra``. Default
        ``("revenue_window", "margin_window", "assets")`` restricted to the
        available ones (present and not all NaN); explicitly named metrics must exist.
    weights : sequence of float, optional
        Positive weights aligned with ``metrics`` (default equal).
    extra : Mapping[str, Series], optional
        Additional per-customer measures, e.g. ``{"clv": clv}``.

    Returns
    -------
    Series
        ``value_score`` in (0, 1], indexed like ``base.features``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "date": ["2024-06-01"] * 3,
    ...                    "amount": [10.0, 20.0, 30.0]})
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> clv = pd.Series([90.0, 10.0, 50.0], index=pd.Index(list("abc"), name="customer_id"))
    >>> value_score(base, metrics=("revenue_window", "clv"), extra={"clv": clv}).round(3).tolist()
    [0.667, 0.5, 0.833]
    """
    idx = base.features.index
    extra = dict(extra or {})
    explicit = metrics is not None
    names = tuple(metrics) if metrics is not None else _DEFAULT_SCORE_METRICS
    if not names:
        msg = "value_score needs at least one metric."
        raise ParameterError(msg)
    w = (1.0,) * len(names) if weights is None else tuple(float(x) for x in weights)
    if len(w) != len(names) or not all(math.isfinite(x) and x > 0 for x in w):
        msg = f"value_score weights must be {len(names)} finite floats > 0; got {weights!r}."
        raise ParameterError(msg)
    cols: list[np.ndarray] = []
    used_w: list[float] = []
    missing: list[str] = []
    for name, wt in zip(names, w, strict=True):  # few metrics
        if name in extra:
            s = as_value_series(extra[name], name=name, what=f"value_score extra {name!r}")
            col = s.reindex(idx).to_numpy()
        elif name in base.features.columns:
            col = base.features[name].to_numpy(dtype=np.float64)
        elif base.attributes is not None and name in base.attributes.columns:
            col = base.attributes[name].reindex(idx).to_numpy(dtype=np.float64)
        else:
            missing.append(name)
            continue
        if np.isnan(col).all():
            if explicit:
                missing.append(name)
            continue
        cols.append(col)
        used_w.append(wt)
    if explicit and missing:
        msg = f"value_score metrics {missing} are missing or entirely NaN for this customer base."
        raise SchemaError(msg)
    if not cols:
        msg = f"none of the value_score metrics {list(names)} is available."
        raise SchemaError(msg)
    num = np.zeros(idx.size)
    den = np.zeros(idx.size)
    for col, wt in zip(cols, used_w, strict=True):
        ok = ~np.isnan(col)
        n_ok = int(ok.sum())
        ranks = np.zeros(idx.size)
        ranks[ok] = pd.Series(col[ok]).rank(method="average").to_numpy() / n_ok
        num += np.where(ok, wt * ranks, 0.0)
        den += np.where(ok, wt, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    return pd.Series(score, index=idx, name="value_score")


def value_matrix(
    current: pd.Series,
    potential: pd.Series,
    /,
    *,
    min_population: int = 30,
    as_of: pd.Timestamp | None = None,
) -> Labels:
    """Current x potential value matrix from two median splits.

    high current & high potential: ``key_retain``; high current & low
    potential: ``maintain``; low current & high potential: ``develop``;
    low & low: ``reduce``. "High" means ``>=`` the median
    (``pandas.Series.median``) over the customers with both values. The matrix
    follows the current-value x potential-value segmentation of Chinese CRM
    texts (custrel convention; see the segmentation concepts page).

    Parameters
    ----------
    current, potential : Series
        Indexed by ``customer_id``; the population is ``current``'s index.
    min_population : int
        Below this many eligible customers a :class:`~custrel.errors.DataWarning` is emitted.
    as_of : Timestamp, optional
        Recorded on the result.

    Returns
    -------
    Labels
        Scheme ``"value_matrix"``; evidence ``current``, ``potential``,
        ``current_high``, ``potential_high``, ``objective``, ``actions``.
        NaN current is ``value_missing``, NaN or absent potential ``potential_missing``.

    Examples
    --------
    >>> idx = pd.Index(list("abcd"), name="customer_id")
    >>> cur = pd.Series([10.0, 9.0, 1.0, 2.0], index=idx)
    >>> pot = pd.Series([5.0, 1.0, 8.0, 0.5], index=idx)
    >>> value_matrix(cur, pot, min_population=1).label.astype(str).tolist()
    ['key_retain', 'maintain', 'develop', 'reduce']
    """
    if isinstance(min_population, bool) or not isinstance(min_population, int):
        msg = f"value_matrix min_population must be an integer >= 1; got {min_population!r}."
        raise ParameterError(msg)
    cur = as_value_series(current, name="current", what="value_matrix current")
    pot = as_value_series(potential, name="potential", what="value_matrix potential")
    idx = cur.index
    c = cur.to_numpy()
    p = pot.reindex(idx).to_numpy()
    ok = ~np.isnan(c) & ~np.isnan(p)
    n_ok = int(ok.sum())
    if n_ok < min_population:
        warnings.warn(
            f"value_matrix median splits over {n_ok} customers (< min_population="
            f"{min_population}); the medians are unstable.",
            DataWarning,
            stacklevel=2,
        )
    c_med = float(np.median(c[ok])) if n_ok else np.nan
    p_med = float(np.median(p[ok])) if n_ok else np.nan
    hi_c = ok & (c >= c_med)
    hi_p = ok & (p >= p_med)
    codes = np.full(idx.size, -1, dtype=np.int64)  # order of _VALUE_MATRIX_LABELS
    codes[hi_c & hi_p] = 0
    codes[hi_c & ~hi_p & ok] = 1
    codes[~hi_c & hi_p & ok] = 2
    codes[~hi_c & ~hi_p & ok] = 3
    reasons = reason_codes(idx.size)
    reasons[np.isnan(p)] = REASON_CODE[Reason.POTENTIAL_MISSING]
    reasons[np.isnan(c)] = REASON_CODE[Reason.VALUE_MISSING]
    objective, actions = _strategy_columns(codes, _VALUE_MATRIX_LABELS, VALUE_MATRIX_STRATEGIES)
    lab = labels_from_codes(
        scheme="value_matrix",
        as_of=as_of,
        config={
            "min_population": min_population,
            "current_median": c_med,
            "potential_median": p_med,
        },
        index=idx,
        codes=codes,
        categories=_VALUE_MATRIX_LABELS,
        reasons=reasons,
    )
    fr = lab.frame
    fr["current"] = c
    fr["potential"] = p
    fr["current_high"] = _nullable_bool(hi_c, ok)
    fr["potential_high"] = _nullable_bool(hi_p, ok)
    fr["objective"] = objective
    fr["actions"] = actions
    return lab
