"""Behaviour profile over purchasing power, activity, preference, behaviour and contribution (domain.md §8).

The five dimensions of "big-data" customer segmentation (购买力, 活跃度, 偏好,
行为, 贡献度). Four are levelled with the mid-rank rule of domain.md §1.5;
preference is descriptive (top category/channel and their shares, breadth,
discount and promotion shares). The profile code ``P{p}A{a}B{b}C{c}`` uses
``?`` for an undetermined level.

References
----------
.. [1] Li, D.-C., Dai, W.-L., Tseng, W.-T. (2011). A two-stage clustering method
   to analyze customer characteristics to build discriminative customer
   management: a case of textile manufacturing business. *Expert Systems with
   Applications* 38:7186-7191 (LRFM).
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.errors import ParameterError
from custrel.labels import Labels, Reason
from custrel.segment._build import REASON_CODE, categorical, labels_from_codes, reason_codes
from custrel.segment._checks import int_at_least, optional_positive
from custrel.segment._ranks import as_value_series, midrank_levels
from custrel.segment.rfm import _nullable_int
from custrel.segment.tiers import _metric_column

if TYPE_CHECKING:
    from custrel.segment.cluster import ClusterResult

__all__ = ["PROFILE_DIMENSIONS", "BehaviourProfile"]

#: The levelled dimensions, in profile-code order.
PROFILE_DIMENSIONS: Final = ("purchasing_power", "activity", "behaviour", "contribution")
_LETTERS: Final = ("P", "A", "B", "C")
_REASON_NAMES: Final = tuple(r.value for r in Reason)
_PREFERENCE_COLUMNS: Final = {
    "category": ("top_category", "top_category_share", "n_categories"),
    "channel": ("top_channel", "top_channel_share"),
    "discount": ("discount_share",),
    "incentive": ("incentive_share",),
    "promo": ("promo_share",),
}


def _check_activity(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ("occasions", "p_alive"):
        msg = f"BehaviourProfile.activity must be 'occasions' or 'p_alive'; got {value!r}."
        raise ParameterError(msg)


def profile_codes(levels: int) -> tuple[str, ...]:
    """All profile codes for ``levels`` levels; digit position 0 of each dimension is ``?``."""
    digits = ["?", *(str(i) for i in range(1, levels + 1))]
    return tuple(
        "".join(f"{letter}{d}" for letter, d in zip(_LETTERS, combo, strict=True))
        for combo in itertools.product(digits, repeat=4)
    )


@attrs.frozen(kw_only=True)
class BehaviourProfile:
    """Five-dimension behaviour profile with levelled dimensions.

    Attributes
    ----------
    levels : int
        Levels per dimension (default 3: low / mid / high), 2..9.
    window_days : float, optional
        Window of the ``*_window`` features; default the base's.
    activity : {"occasions", "p_alive"}
        Activity ranks occasions in the window, or a P(alive) Series passed to :meth:`segment`.

    Notes
    -----
    ==================  ==========================================  =====================================
    dimension           feature                                     level needs
    ==================  ==========================================  =====================================
    purchasing power    ``aov_window``                              an occasion in the window
    activity            ``occasions_window`` (or P(alive))          an occasion in the window
    preference          descriptors only (top category/channel,     the optional column
                        shares, breadth, discount/promo shares)     (else ``column_missing``)
    behaviour           regularity = ``-ipt_cv``                    >= 3 occasions (``insufficient_occasions``)
    contribution        ``margin_window``, else ``revenue_window``  an occasion in the window
    ==================  ==========================================  =====================================

    Customers with no occasion in the window are undetermined on every
    levelled dimension (``not_active_in_window``; ``no_valid_purchase`` for
    customers without any occasion); their label is ``undetermined``. Any
    other customer is labelled with its profile code, ``?`` marking an
    undetermined dimension whose reason is in ``<dimension>_reason``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("aaabbc"),
    ...                    "date": ["2024-01-01", "2024-02-01", "2024-03-01",
    ...                             "2024-05-01", "2024-11-01", "2024-12-01"],
    ...                    "amount": [10.0, 10.0, 10.0, 50.0, 70.0, 20.0]})
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31")  # a's tenure is 365 days: all in window
    >>> prof = BehaviourProfile(levels=3).segment(base)
    >>> prof.frame[["label", "behaviour_reason"]]
                    label        behaviour_reason
    customer_id
    a            P1A3B3C2                     NaN
    b            P3A2B?C3  insufficient_occasions
    c            P2A1B?C1  insufficient_occasions
    """

    levels: int = attrs.field(default=3, validator=int_at_least(2))
    window_days: float | None = attrs.field(default=None, validator=optional_positive)
    activity: Literal["occasions", "p_alive"] = attrs.field(
        default="occasions", validator=_check_activity
    )

    def __attrs_post_init__(self) -> None:
        if self.levels > 9:
            msg = f"BehaviourProfile.levels must be an integer in [2, 9]; got {self.levels!r}."
            raise ParameterError(msg)

    def segment(self, base: CustomerBase, /, *, p_alive: pd.Series | None = None) -> Labels:
        """Profile every customer of ``base``.

        Parameters
        ----------
        base : CustomerBase
            Customers and features.
        p_alive : Series, optional
            Required with ``activity="p_alive"``; customers missing from it are
            undetermined on activity (``p_alive_missing``).

        Returns
        -------
        Labels
            Scheme ``"behaviour_profile"``; evidence: the four levels (nullable
            integers) and their ``*_reason`` columns, the underlying values
            (``aov_window``, ``activity_value``, ``regularity``,
            ``contribution_value``, ``contribution_basis``), and the preference
            descriptors with ``<descriptor>_reason = column_missing`` when the
            transaction log lacks the column.
        """
        feats = base.features
        n = len(feats)
        k = self.levels
        n_occ = feats["n_occasions"].to_numpy()
        occ = _metric_column(base, "occasions_window", self.window_days).to_numpy()
        rev = _metric_column(base, "revenue_window", self.window_days).to_numpy()
        margin = _metric_column(base, "margin_window", self.window_days).to_numpy()
        active = occ > 0
        inactive_reason = np.where(
            n_occ > 0,
            REASON_CODE[Reason.NOT_ACTIVE_IN_WINDOW],
            REASON_CODE[Reason.NO_VALID_PURCHASE],
        ).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            aov = np.where(active, rev / np.where(active, occ, 1.0), np.nan)
        if self.activity == "p_alive":
            if p_alive is None:
                msg = "BehaviourProfile(activity='p_alive').segment needs a p_alive Series."
                raise ParameterError(msg)
            pa = as_value_series(p_alive, name="p_alive", what="p_alive")
            act_value = pa.reindex(feats.index).to_numpy()
        else:
            act_value = occ.astype(np.float64)
        regularity = -feats["ipt_cv"].to_numpy(dtype=np.float64)
        use_margin = bool(np.isfinite(margin).any())
        contribution = margin if use_margin else rev
        values = {
            "purchasing_power": aov,
            "activity": act_value,
            "behaviour": regularity,
            "contribution": contribution,
        }
        missing_reason = {
            "purchasing_power": REASON_CODE[Reason.VALUE_MISSING],
            "activity": REASON_CODE[Reason.P_ALIVE_MISSING],
            "behaviour": REASON_CODE[Reason.INSUFFICIENT_OCCASIONS],
            "contribution": REASON_CODE[Reason.VALUE_MISSING],
        }
        levels: dict[str, np.ndarray] = {}
        reasons: dict[str, np.ndarray] = {}
        for dim, val in values.items():  # four dimensions
            eligible = active & ~np.isnan(val)
            levels[dim] = midrank_levels(np.where(eligible, val, np.nan), k)
            r = reason_codes(n)
            r[active & np.isnan(val)] = missing_reason[dim]
            r[~active] = inactive_reason[~active]
            reasons[dim] = r
        base_k = k + 1
        code_pos = np.zeros(n, dtype=np.int64)
        for dim in PROFILE_DIMENSIONS:
            code_pos = code_pos * base_k + levels[dim]
        all_codes = profile_codes(k)
        # categories: every code but "P?A?B?C?" (position 0), in reverse order
        categories = all_codes[:0:-1]
        codes = np.where(active, len(all_codes) - 1 - code_pos, -1)
        lab_reason = reason_codes(n)
        lab_reason[~active] = inactive_reason[~active]
        lab = labels_from_codes(
            scheme="behaviour_profile",
            as_of=base.as_of,
            config=self,
            index=feats.index,
            codes=codes,
            categories=categories,
            reasons=lab_reason,
        )
        fr = lab.frame
        for dim in PROFILE_DIMENSIONS:
            fr[dim] = _nullable_int(levels[dim])
            fr[f"{dim}_reason"] = categorical(reasons[dim], _REASON_NAMES)
        fr["aov_window"] = aov
        fr["activity_value"] = act_value
        fr["regularity"] = regularity
        fr["contribution_value"] = contribution
        fr["contribution_basis"] = "margin_window" if use_margin else "revenue_window"
        present = set(base.transactions.columns)
        for source, cols in _PREFERENCE_COLUMNS.items():  # a few optional columns
            code = -1 if source in present else REASON_CODE[Reason.COLUMN_MISSING]
            for col in cols:
                fr[col] = feats[col].to_numpy()
                fr[f"{col}_reason"] = categorical(np.full(n, code), _REASON_NAMES)
        return lab

    def cluster(
        self,
        base: CustomerBase,
        /,
        *,
        k: int | None = None,
        seed: int = 0,
        p_alive: pd.Series | None = None,
    ) -> ClusterResult:
        """k-means on the four standardised levels (customers with all four determined).

        A thin wrapper over :class:`~custrel.segment.KMeansSegmentation`
        with ``transform="none"``; see there for the choice of ``k``.

        Examples
        --------
        >>> from custrel.datasets import simulate_transactions
        >>> from custrel.data import build_customer_base
        >>> sim = simulate_transactions(300, seed=3)
        >>> base = build_customer_base(sim.transactions, as_of="2024-12-31")
        >>> res = BehaviourProfile().cluster(base, k=3, seed=1)
        >>> res.k, int(res.labels.counts().sum()) == len(base.features)
        (3, True)
        """
        from custrel.segment.cluster import KMeansSegmentation

        prof = self.segment(base, p_alive=p_alive)
        frame = prof.frame[list(PROFILE_DIMENSIONS)].astype("Float64").astype("float64")
        km = KMeansSegmentation(
            features=PROFILE_DIMENSIONS,
            k=k,
            seed=seed,
            transform="none",
            order_by="contribution",
        )
        return km.fit_frame(frame, as_of=base.as_of)
