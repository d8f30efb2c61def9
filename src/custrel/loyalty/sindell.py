"""Sindell's seven loyalty types, by the reason a customer keeps buying."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.data._validate import ProblemList
from custrel.errors import SchemaError
from custrel.labels import UNDETERMINED, Labels, Reason
from custrel.lifecycle import PAlive
from custrel.loyalty._common import (
    HIGH,
    LOW,
    BoolArray,
    finite,
    instance_of,
    int_ge,
    is_bool,
    is_str,
    join_parts,
    numeric_column,
    one_of,
    optional,
    pick,
)
from custrel.loyalty.dick_basu import DickBasu

__all__ = ["DRIVERS", "NO_LOYALTY", "SINDELL_TYPES", "STATED_REASON_ALIASES", "SindellRules"]

#: Sindell's seven types in custrel's precedence order (first match wins).
SINDELL_TYPES: Final = (
    "monopoly",
    "incentive",
    "price",
    "premium",
    "latent",
    "convenience",
    "inertia",
)
#: Low repeat patronage and low attitude: no loyalty (not one of Sindell's seven).
NO_LOYALTY: Final = "none"
#: External drivers that transactions and customer attributes can partly reveal.
DRIVERS: Final = ("monopoly", "incentive", "price", "convenience")
#: Accepted spellings of ``stated_reason`` besides the seven type names (case-insensitive).
STATED_REASON_ALIASES: Final[Mapping[str, str]] = {
    "super-value": "premium",
    "super_value": "premium",
    "super value": "premium",
    "supervalue": "premium",
}
_RANK: Final = {t: i for i, t in enumerate((*SINDELL_TYPES, NO_LOYALTY))}
_NEEDS_HIGH_RP: Final = frozenset({"monopoly", "incentive", "convenience"})
_RP_RA_VALUES: Final = (HIGH, LOW, UNDETERMINED)
#: Evidence columns read by :meth:`SindellRules.classify_evidence` (all optional but rp, ra).
_NUMERIC_EVIDENCE: Final = {
    "n_alternatives": (0.0, np.inf),
    "market_share": (0.0, 1.0),
    "distance_km": (0.0, np.inf),
    "discount_share": (0.0, 1.0),
    "incentive_share": (0.0, 1.0),
    "promo_share": (0.0, 1.0),
}


def _text(frame: pd.DataFrame, column: str, n: int) -> np.ndarray:
    if column not in frame.columns:
        return np.full(n, None, dtype=object)
    out = frame[column].astype(object).to_numpy()
    return pick(pd.isna(out), None, out)


@attrs.frozen(kw_only=True)
class SindellRules:
    """Sindell's loyalty types: monopoly, inertia, latent, convenience, price, incentive, premium.

    Sindell's typology [1]_ classifies loyalty by *why* the customer keeps
    buying. It is normally measured by survey; transactions reveal only the
    external drivers (monopoly, price, incentive, convenience), and attitude
    (premium, latent, inertia) needs survey data (domain.md P5). The
    operational rules are **custrel conventions** (domain.md §7.3):

    - **Survey first.** A valid ``stated_reason`` is the label (``source =
      "survey"``); ``behaviour_conflict`` flags a stated price reason with a
      discount share below ``conflict_max_discount_share``, a stated premium
      or latent reason with low relative attitude, and a stated latent reason
      with high repeat patronage.
    - **Driver flags**: monopoly (``n_alternatives <= monopoly_max_alternatives``
      or ``market_share >= monopoly_min_market_share``), incentive
      (``incentive_share >= incentive_min_share``), price (``discount_share >=
      price_min_share``), convenience (``distance_km <= convenience_max_km``).
      A generic ``promo`` flag is read when neither ``discount`` nor
      ``incentive`` is observed: ``promo_means`` says whether it means price,
      incentive, or is ambiguous.
    - **Rules**, first match wins, with repeat patronage (RP) and relative
      attitude (RA) from :attr:`dick_basu`: RP undetermined -> undetermined;
      RP high and monopoly -> monopoly; ambiguous promo without an explicit
      price (or, with high RP, incentive) flag -> undetermined
      (``price_vs_incentive_ambiguous``); RP high and incentive -> incentive;
      price -> price; RP high and RA high -> premium; RP low and RA high ->
      latent; RP high and RA low -> convenience (flag) else inertia; RP low and
      RA low -> ``"none"`` (no loyalty); RA unknown -> undetermined
      (``attitude_missing``) with candidates.

    An absent driver column leaves its flag False and is listed in
    ``unobserved_drivers``, so an ``inertia`` label is visibly a residual.
    ``require_driver_data=True`` turns every label that an unobserved driver
    ranked ahead of it could overturn into ``undetermined``
    (``driver_data_missing``, candidates: the label, then those drivers).
    Drivers that need high RP (monopoly, incentive, convenience) are never
    candidates for low-RP customers. The precedence is :data:`SINDELL_TYPES`.

    Attributes
    ----------
    dick_basu : DickBasu
        Repeat-patronage and attitude rules.
    monopoly_max_alternatives : int
        At most this many alternatives means monopoly (default 0).
    monopoly_min_market_share : float or None
        Market share in (0, 1] from which a supplier is a monopoly; None: unused.
    price_min_share, incentive_min_share, promo_min_share : float
        Share of occasions with a discount / incentive / promo line that sets
        the flag (each in (0, 1], default 0.5).
    convenience_max_km : float
        Distance up to which the customer is convenience-driven (default 2 km).
    promo_means : {"ambiguous", "price", "incentive"}
        How to read a generic promo flag (default ambiguous).
    use_stated_reason : bool
        Use the survey's ``stated_reason`` first (default True).
    stated_reason_column : str
        Attribute column with the stated reason (one of the seven types).
    require_driver_data : bool
        Strict mode (default False).
    conflict_max_discount_share : float
        Discount share below which a stated price reason conflicts with
        behaviour (default 0.2).

    Notes
    -----
    Seen through Dick & Basu, premium is true loyalty, latent is latent, and
    monopoly, inertia, convenience and incentive are kinds of spurious
    loyalty. The seven descriptions are as reproduced in Chinese CRM
    textbooks (垄断, 惰性, 潜在, 方便, 价格, 激励, 超值忠诚); the attachment x
    repeat profiles they attach are secondary-source material.

    References
    ----------
    .. [1] Sindell, K. (2000). *Loyalty Marketing for the Internet Age*.
       Dearborn Financial Publishing.
    .. [2] Dick, A.S., Basu, K. (1994). Customer loyalty: toward an integrated
       conceptual framework. *JAMS* 22(2):99-113.

    Examples
    --------
    Repeat patronage and attitude given directly (the rule core):

    >>> ev = pd.DataFrame(
    ...     {"rp": ["high", "high", "high", "low", "high"],
    ...      "ra": ["high", "low", "low", "high", "undetermined"],
    ...      "n_alternatives": [None, 0, None, None, None],
    ...      "distance_km": [1.2, None, 5.0, None, None]},
    ...     index=pd.Index(["S08", "S03", "S02", "S09", "S11"], name="customer_id"))
    >>> out = SindellRules().classify_evidence(ev)
    >>> out.frame[["label", "reason", "candidates", "secondary"]]
                        label            reason       candidates    secondary
    customer_id
    S08               premium               NaN             <NA>  convenience
    S03              monopoly               NaN             <NA>          NaN
    S02               inertia               NaN             <NA>          NaN
    S09                latent               NaN             <NA>          NaN
    S11          undetermined  attitude_missing  premium|inertia          NaN
    """

    dick_basu: DickBasu = attrs.field(factory=DickBasu, validator=instance_of(DickBasu, "DickBasu"))
    monopoly_max_alternatives: int = attrs.field(default=0, validator=int_ge(0))
    monopoly_min_market_share: float | None = attrs.field(
        default=None, validator=optional(finite(gt=0.0, le=1.0))
    )
    price_min_share: float = attrs.field(default=0.5, validator=finite(gt=0.0, le=1.0))
    incentive_min_share: float = attrs.field(default=0.5, validator=finite(gt=0.0, le=1.0))
    promo_min_share: float = attrs.field(default=0.5, validator=finite(gt=0.0, le=1.0))
    convenience_max_km: float = attrs.field(default=2.0, validator=finite(ge=0.0))
    promo_means: Literal["ambiguous", "price", "incentive"] = attrs.field(
        default="ambiguous", validator=one_of(("ambiguous", "price", "incentive"))
    )
    use_stated_reason: bool = attrs.field(default=True, validator=is_bool)
    stated_reason_column: str = attrs.field(default="stated_reason", validator=is_str)
    require_driver_data: bool = attrs.field(default=False, validator=is_bool)
    conflict_max_discount_share: float = attrs.field(default=0.2, validator=finite(ge=0.0, le=1.0))

    def classify(self, base: CustomerBase, /, *, p_alive: PAlive = None) -> Labels:
        """Label every customer with one of Sindell's types, ``none`` or ``undetermined``.

        Parameters
        ----------
        base : CustomerBase
            Features (``discount_share``, ``incentive_share``, ``promo_share``
            from the optional transaction columns) and ``attributes``
            (``n_alternatives``, ``market_share``, ``distance_km``, survey
            scores, ``stated_reason``).
        p_alive : Series, model or None
            Passed to the state rules of the repeat-patronage dimension.

        Returns
        -------
        Labels
            Scheme ``"sindell"``; see :meth:`classify_evidence` for the columns.

        Raises
        ------
        DataValidationError
            Invalid survey scores, attributes or stated reasons.
        """
        rp, ra = self.dick_basu._dimensions(base, p_alive)
        index = rp.frame.index
        ev = pd.DataFrame(
            {
                "rp": rp.frame["label"].astype(object),
                "rp_reason": rp.frame["reason"].astype(object),
                "ra": ra.frame["label"].reindex(index).astype(object),
            },
            index=index,
        )
        feats = base.features.reindex(index)
        for col in ("discount_share", "incentive_share", "promo_share"):
            ev[col] = feats[col].to_numpy(dtype=np.float64, na_value=np.nan)
        attrs_df = base.attributes
        if attrs_df is not None:
            for col in ("n_alternatives", "market_share", "distance_km"):
                if col in attrs_df.columns:
                    ev[col] = attrs_df[col].reindex(index)
            if self.stated_reason_column in attrs_df.columns:
                ev["stated_reason"] = attrs_df[self.stated_reason_column].reindex(index)
        return self._decide(ev, as_of=base.as_of, diagnostics=dict(rp.diagnostics))

    def classify_evidence(
        self, evidence: pd.DataFrame, /, *, as_of: pd.Timestamp | None = None
    ) -> Labels:
        """Apply the rules to repeat patronage, attitude and driver evidence given directly.

        Parameters
        ----------
        evidence : DataFrame
            Indexed by ``customer_id``. Required: ``rp`` and ``ra`` with values
            ``"high"``, ``"low"`` or ``"undetermined"`` (missing means
            undetermined). Optional: ``rp_reason`` (``"no_valid_purchase"`` is
            propagated), ``n_alternatives``, ``market_share``, ``distance_km``,
            ``discount_share``, ``incentive_share``, ``promo_share`` (shares in
            [0, 1]; NaN or an absent column = unobserved), ``stated_reason``.
        as_of : Timestamp, optional
            Recorded on the result.

        Returns
        -------
        Labels
            Scheme ``"sindell"``: ``label``, ``reason``, ``candidates`` and the
            evidence ``source`` (survey/behaviour), ``rp``, ``ra``,
            ``flag_monopoly``, ``flag_incentive``, ``flag_price``,
            ``flag_convenience``, ``flag_promo_ambiguous``, ``secondary``
            (flags set but not chosen), ``unobserved_drivers``,
            ``stated_reason``, ``behaviour_conflict``.

        Raises
        ------
        SchemaError
            ``rp`` or ``ra`` missing, or duplicated customer ids.
        DataValidationError
            Unknown rp/ra values or stated reasons, shares outside [0, 1],
            negative distances or alternatives.
        """
        if not isinstance(evidence, pd.DataFrame):
            msg = f"evidence must be a DataFrame indexed by customer_id; got {type(evidence).__name__}."
            raise SchemaError(msg)
        missing = [c for c in ("rp", "ra") if c not in evidence.columns]
        if missing:
            msg = f"evidence is missing column(s) {missing}; expected rp and ra (high/low/undetermined)."
            raise SchemaError(msg)
        if evidence.index.has_duplicates:
            dup = evidence.index[evidence.index.duplicated()].unique()
            msg = f"evidence rows must be unique per customer_id; {len(dup)} repeat (e.g. {list(dup[:5])})."
            raise SchemaError(msg)
        return self._decide(evidence, as_of=as_of, diagnostics={})

    def _decide(
        self, ev: pd.DataFrame, *, as_of: pd.Timestamp | None, diagnostics: Mapping[str, int]
    ) -> Labels:
        index = pd.Index(ev.index, name="customer_id")
        n = len(index)
        problems = ProblemList("invalid Sindell evidence")
        rp = self._level(ev, "rp", index, problems)
        ra = self._level(ev, "ra", index, problems)
        num = {
            c: numeric_column(ev, c, index, problems, low=lo, high=hi)
            for c, (lo, hi) in _NUMERIC_EVIDENCE.items()
        }
        stated = self._stated(ev, index, problems)
        problems.raise_if_any()
        rp_reason = _text(ev, "rp_reason", n)

        flags, observed, ambiguous = self._flags(num, n)
        rh, rl = rp == HIGH, rp == LOW
        ah, al = ra == HIGH, ra == LOW
        ru, au = ~(rh | rl), ~(ah | al)

        labels = np.full(n, UNDETERMINED, dtype=object)
        reasons = np.full(n, None, dtype=object)
        cands = np.full(n, None, dtype=object)
        source = np.full(n, "behaviour", dtype=object)
        todo = np.ones(n, dtype=bool)

        def decide(mask: BoolArray, label: Any, why: Any = None, cand: Any = None) -> None:
            m = mask & todo
            labels[m] = label
            reasons[m] = why
            cands[m] = cand[m] if isinstance(cand, np.ndarray) else cand
            todo[m] = False

        und = UNDETERMINED
        decide(
            ru & (rp_reason == Reason.NO_VALID_PURCHASE.value), und, Reason.NO_VALID_PURCHASE.value
        )
        survey = np.zeros(n, dtype=bool)
        if self.use_stated_reason:
            survey = todo & ~pd.isna(stated)
            labels[survey] = stated[survey]
            source[survey] = "survey"
            todo[survey] = False
        decide(ru, und, Reason.REPEAT_UNDETERMINED.value)
        decide(rh & flags["monopoly"], "monopoly")
        amb_rule = ambiguous & ~flags["price"] & ~(rh & flags["incentive"])
        residual_low = np.where(ah, "price|latent", np.where(al, "price|none", "price|latent|none"))
        decide(amb_rule & rh, und, Reason.PRICE_VS_INCENTIVE.value, "incentive|price")
        decide(amb_rule & rl, und, Reason.PRICE_VS_INCENTIVE.value, residual_low.astype(object))
        decide(rh & flags["incentive"], "incentive")
        decide(flags["price"], "price")
        decide(rh & ah, "premium")
        decide(rl & ah, "latent")
        decide(rh & al & flags["convenience"], "convenience")
        decide(rh & al, "inertia")
        decide(rl & al, NO_LOYALTY)
        high_cands = np.where(flags["convenience"], "premium|convenience", "premium|inertia")
        decide(rh & au, und, Reason.ATTITUDE_MISSING.value, high_cands.astype(object))
        decide(rl & au, und, Reason.ATTITUDE_MISSING.value, "latent|none")
        assert not todo.any()

        if self.require_driver_data:
            self._strict(labels, reasons, cands, survey, rh, observed)

        set_flags = [(flags[d] & (labels != d), d) for d in DRIVERS]
        secondary = join_parts(set_flags, n)
        unobserved = join_parts([(~observed[d], d) for d in DRIVERS], n)
        with np.errstate(invalid="ignore"):
            conflict = survey & (
                ((stated == "price") & (num["discount_share"] < self.conflict_max_discount_share))
                | (((stated == "premium") | (stated == "latent")) & al)
                | ((stated == "latent") & rh)
            )
        evidence: dict[str, object] = {
            "source": source,
            "rp": rp,
            "ra": ra,
            **{f"flag_{d}": flags[d] for d in DRIVERS},
            "flag_promo_ambiguous": ambiguous,
            "secondary": secondary,
            "unobserved_drivers": unobserved,
            "stated_reason": stated,
            "behaviour_conflict": conflict,
        }
        diag = dict(diagnostics)
        diag["survey_labels"] = int(survey.sum())
        diag["behaviour_conflicts"] = int(conflict.sum())
        return Labels.build(
            scheme="sindell",
            as_of=as_of,
            config=self,
            index=index,
            labels=labels,
            categories=(*SINDELL_TYPES, NO_LOYALTY),
            reasons=reasons,
            candidates=cands,
            evidence=evidence,
            diagnostics=diag,
        )

    def _flags(
        self, num: Mapping[str, np.ndarray], n: int
    ) -> tuple[dict[str, BoolArray], dict[str, BoolArray], BoolArray]:
        """Driver flags, which drivers are observed, and the ambiguous-promo flag."""
        nalt, share = num["n_alternatives"], num["market_share"]
        disc, inc, promo = num["discount_share"], num["incentive_share"], num["promo_share"]
        with np.errstate(invalid="ignore"):
            mono = nalt <= self.monopoly_max_alternatives
            obs_mono = ~np.isnan(nalt)
            if self.monopoly_min_market_share is not None:
                mono |= share >= self.monopoly_min_market_share
                obs_mono |= ~np.isnan(share)
            price = disc >= self.price_min_share
            incentive = inc >= self.incentive_min_share
            promo_hit = promo >= self.promo_min_share
            conv = num["distance_km"] <= self.convenience_max_km
        has_disc, has_inc, has_promo = ~np.isnan(disc), ~np.isnan(inc), ~np.isnan(promo)
        obs_price, obs_inc = has_disc.copy(), has_inc.copy()
        ambiguous = np.zeros(n, dtype=bool)
        if self.promo_means == "price":
            price |= ~has_disc & promo_hit
            obs_price |= has_promo
        elif self.promo_means == "incentive":
            incentive |= ~has_inc & promo_hit
            obs_inc |= has_promo
        else:
            only_promo = ~has_disc & ~has_inc & has_promo
            ambiguous = only_promo & promo_hit
            obs_price |= only_promo
            obs_inc |= only_promo
        flags = {"monopoly": mono, "incentive": incentive, "price": price, "convenience": conv}
        observed = {
            "monopoly": obs_mono,
            "incentive": obs_inc,
            "price": obs_price,
            "convenience": ~np.isnan(num["distance_km"]),
        }
        return flags, observed, ambiguous

    @staticmethod
    def _strict(
        labels: np.ndarray,
        reasons: np.ndarray,
        cands: np.ndarray,
        survey: BoolArray,
        rp_high: BoolArray,
        observed: Mapping[str, BoolArray],
    ) -> None:
        """Strict mode, in place: unobserved drivers ranked ahead could overturn the label."""
        n = labels.size
        determined = (labels != UNDETERMINED) & ~survey
        open_cands = (labels == UNDETERMINED) & ~pd.isna(cands)
        # the worst-ranked label still possible: the label itself, or the last candidate
        worst = np.full(n, -1, dtype=np.int64)
        for name, rank in _RANK.items():
            worst[determined & (labels == name)] = rank
        cand_s = pd.Series(cands, dtype="string")
        for name, rank in _RANK.items():
            has = cand_s.str.contains(name, regex=False).fillna(False).to_numpy(dtype=bool)
            worst[open_cands & has] = np.maximum(worst[open_cands & has], rank)
        parts = []
        for d in DRIVERS:
            in_cands = cand_s.str.contains(d, regex=False).fillna(False).to_numpy(dtype=bool)
            could = (
                ~observed[d]
                & (_RANK[d] < worst)
                & (rp_high | (d not in _NEEDS_HIGH_RP))
                & ~in_cands
                & (determined | open_cands)
            )
            parts.append((could, d))
        overturned = np.zeros(n, dtype=bool)
        for could, _ in parts:
            overturned |= could
        first = np.where(determined & overturned, labels, cands).astype(object)
        new_cands = join_parts(parts, n, first=first)
        flip = determined & overturned
        labels[flip] = UNDETERMINED
        reasons[flip] = Reason.DRIVER_DATA_MISSING.value
        touch = overturned
        cands[touch] = new_cands[touch]

    @staticmethod
    def _level(ev: pd.DataFrame, column: str, index: pd.Index, problems: ProblemList) -> np.ndarray:
        """``rp``/``ra`` as high/low/undetermined (missing = undetermined); others recorded."""
        raw = _text(ev, column, len(index))
        vals = pick(pd.isna(raw), UNDETERMINED, raw)
        ok = np.isin(vals, np.array(_RP_RA_VALUES, dtype=object))
        problems.check_rows(
            ~ok,
            column=column,
            rule="values must be 'high', 'low' or 'undetermined'",
            index=index,
            values=pd.Series(vals, index=index),
            label="customer",
        )
        return vals

    def _stated(self, ev: pd.DataFrame, index: pd.Index, problems: ProblemList) -> np.ndarray:
        """Normalised stated reasons (None where missing); unknown ones are recorded."""
        if "stated_reason" not in ev.columns:
            return np.full(len(index), None, dtype=object)
        raw = ev["stated_reason"]
        txt = raw.astype("string").str.strip().str.lower()
        txt = txt.replace(dict(STATED_REASON_ALIASES))
        txt = txt.mask(txt == "", pd.NA)
        valid = txt.isin(SINDELL_TYPES).to_numpy(dtype=bool)
        present = txt.notna().to_numpy(dtype=bool)
        problems.check_rows(
            present & ~valid,
            column=self.stated_reason_column,
            rule="stated reasons must be one of " + ", ".join(SINDELL_TYPES),
            index=index,
            values=raw,
            label="customer",
        )
        out = txt.astype(object).to_numpy()
        return pick(present & valid, out, None)
