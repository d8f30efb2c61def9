"""Sindell's seven loyalty types, by the reason a customer keeps buying."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from custrel.data import CustomerBase
from custrel.data._validate import ProblemList
from custrel.errors import SchemaError
from custrel.labels import Labels, Reason
from custrel.lifecycle import PAlive
from custrel.loyalty._common import (
    LEVELS,
    NO_REASON,
    REASONS,
    BoolArray,
    CodeArray,
    FloatArray,
    build_labels,
    category_codes,
    codes_text,
    finite,
    instance_of,
    int_ge,
    is_bool,
    is_str,
    level_codes,
    mask_categorical,
    mask_text,
    numeric_column,
    one_of,
    optional,
    reason_code,
)
from custrel.loyalty.dick_basu import DickBasu

__all__ = [
    "DRIVERS",
    "NO_LOYALTY",
    "SINDELL_TYPES",
    "SOURCES",
    "STATED_REASON_ALIASES",
    "SindellRules",
]

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
#: Where a label came from.
SOURCES: Final = ("behaviour", "survey")
_LABELS: Final = (*SINDELL_TYPES, NO_LOYALTY)
_CODE: Final = {t: i for i, t in enumerate(_LABELS)}  # the code is also the precedence rank
_UND: Final = len(_LABELS)
_HIGH, _LOW, _UNDET = 0, 1, 2  # codes of LEVELS
_NEEDS_HIGH_RP: Final = frozenset({"monopoly", "incentive", "convenience"})
#: Candidate sets of the behavioural rules (ordered by precedence).
_CANDIDATES: Final = (
    "incentive|price",
    "price|latent",
    "price|none",
    "price|latent|none",
    "premium|inertia",
    "premium|convenience",
    "latent|none",
)
_CAND: Final = {c: i for i, c in enumerate(_CANDIDATES)}
#: The lowest-ranked label of each candidate set, and which drivers each contains.
_CAND_WORST: Final = np.array([max(_CODE[t] for t in c.split("|")) for c in _CANDIDATES])
_CAND_HAS: Final = {d: np.array([d in c.split("|") for c in _CANDIDATES]) for d in DRIVERS}
#: Evidence columns read by :meth:`SindellRules.classify_evidence` (all optional but rp, ra).
_NUMERIC_EVIDENCE: Final = {
    "n_alternatives": (0.0, np.inf),
    "market_share": (0.0, 1.0),
    "distance_km": (0.0, np.inf),
    "discount_share": (0.0, 1.0),
    "incentive_share": (0.0, 1.0),
    "promo_share": (0.0, 1.0),
}


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

    def classify(
        self,
        base: CustomerBase,
        /,
        *,
        p_alive: PAlive = None,
        states: Labels | None = None,
        repeat: Labels | None = None,
    ) -> Labels:
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
        states : Labels, optional
            Customer states already computed on ``base``, reused by the
            repeat-patronage rules (see :meth:`RepeatPatronageRules.classify`).
        repeat : Labels, optional
            Repeat patronage already computed on ``base`` (scheme
            ``"repeat_patronage"``), used instead of running the rules of
            :attr:`dick_basu`; then ``p_alive`` and ``states`` must be omitted.

        Returns
        -------
        Labels
            Scheme ``"sindell"``; see :meth:`classify_evidence` for the columns.

        Raises
        ------
        DataValidationError
            Invalid survey scores, attributes or stated reasons; ``states`` or
            ``repeat`` at another as-of date or not covering every customer.
        ParameterError
            ``states`` or ``repeat`` of the wrong scheme, or ``repeat``
            together with ``p_alive`` or ``states``.

        Examples
        --------
        >>> from custrel.data import build_customer_base
        >>> from custrel.loyalty import DickBasu, RepeatPatronageRules
        >>> tx = pd.DataFrame({"customer_id": ["a"] * 12 + ["b"] * 2,
        ...                    "date": [f"2024-{m:02d}-15" for m in range(1, 13)]
        ...                            + ["2024-01-01", "2024-09-01"], "amount": 10.0})
        >>> survey = pd.DataFrame({"attitude": [6, 2]},
        ...                       index=pd.Index(["a", "b"], name="customer_id"))
        >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=survey)
        >>> rules = SindellRules(dick_basu=DickBasu(repeat=RepeatPatronageRules(rate_high=1.0)))
        >>> rp = rules.dick_basu.repeat.classify(base)
        >>> rules.classify(base, repeat=rp).label.tolist()
        ['premium', 'none']
        """
        rp, ra = self.dick_basu._dimensions(
            base, p_alive, states=states, repeat=repeat, owner="SindellRules"
        )
        index = rp.frame.index
        ev = pd.DataFrame(
            {
                "rp": codes_text(level_codes(rp, index), LEVELS),
                "rp_reason": rp.frame["reason"].array,
                "ra": codes_text(level_codes(ra, index), LEVELS),
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
        nvp = reason_code(Reason.NO_VALID_PURCHASE)
        if "rp_reason" in ev.columns:
            rp_nvp = category_codes(ev["rp_reason"], REASONS) == nvp
        else:
            rp_nvp = np.zeros(n, dtype=bool)

        flags, observed, ambiguous = self._flags(num, n)
        rh, rl, ru = rp == _HIGH, rp == _LOW, rp == _UNDET
        ah, al, au = ra == _HIGH, ra == _LOW, ra == _UNDET

        codes = np.full(n, _UND, dtype=np.int8)
        reasons = np.full(n, NO_REASON, dtype=np.int8)
        cands = np.full(n, -1, dtype=np.int8)
        todo = np.ones(n, dtype=bool)

        def decide(
            mask: BoolArray, code: int, why: int = NO_REASON, cand: int | NDArray[Any] = -1
        ) -> None:
            m = mask & todo
            codes[m] = code
            reasons[m] = why
            cands[m] = cand[m] if isinstance(cand, np.ndarray) else cand
            todo[m] = False

        decide(ru & rp_nvp, _UND, nvp)
        survey = np.zeros(n, dtype=bool)
        if self.use_stated_reason:
            survey = todo & (stated >= 0)
            codes[survey] = stated[survey]
            todo[survey] = False
        decide(ru, _UND, reason_code(Reason.REPEAT_UNDETERMINED))
        decide(rh & flags["monopoly"], _CODE["monopoly"])
        amb_rule = ambiguous & ~flags["price"] & ~(rh & flags["incentive"])
        amb = reason_code(Reason.PRICE_VS_INCENTIVE)
        low_cands = np.where(
            ah, _CAND["price|latent"], np.where(al, _CAND["price|none"], _CAND["price|latent|none"])
        )
        decide(amb_rule & rh, _UND, amb, _CAND["incentive|price"])
        decide(amb_rule & rl, _UND, amb, low_cands)
        decide(rh & flags["incentive"], _CODE["incentive"])
        decide(flags["price"], _CODE["price"])
        decide(rh & ah, _CODE["premium"])
        decide(rl & ah, _CODE["latent"])
        decide(rh & al & flags["convenience"], _CODE["convenience"])
        decide(rh & al, _CODE["inertia"])
        decide(rl & al, _CODE[NO_LOYALTY])
        missing = reason_code(Reason.ATTITUDE_MISSING)
        high_cands = np.where(
            flags["convenience"], _CAND["premium|convenience"], _CAND["premium|inertia"]
        )
        decide(rh & au, _UND, missing, high_cands)
        decide(rl & au, _UND, missing, _CAND["latent|none"])
        assert not todo.any()

        # flags set but not chosen, relative to the rule's label (before the strict mode)
        secondary = mask_categorical([(flags[d] & (codes != _CODE[d]), d) for d in DRIVERS], n)
        # candidates: a label or a candidate set first, then drivers that could overturn it
        first = np.where(cands >= 0, len(_LABELS) + cands.astype(np.int64), -1)
        parts: list[tuple[BoolArray, str]] = []
        if self.require_driver_data:
            parts = self._overturning(codes, cands, survey, rh, observed)
            flip = (codes != _UND) & np.logical_or.reduce([m for m, _ in parts])
            first = np.where(flip, codes.astype(np.int64), first)
            codes[flip] = _UND
            reasons[flip] = reason_code(Reason.DRIVER_DATA_MISSING)
        candidates = mask_text(parts, n, first=first, first_options=(*_LABELS, *_CANDIDATES))

        unobserved = mask_categorical([(~observed[d], d) for d in DRIVERS], n)
        with np.errstate(invalid="ignore"):
            conflict = survey & (
                (
                    (stated == _CODE["price"])
                    & (num["discount_share"] < self.conflict_max_discount_share)
                )
                | (((stated == _CODE["premium"]) | (stated == _CODE["latent"])) & al)
                | ((stated == _CODE["latent"]) & rh)
            )
        evidence: dict[str, object] = {
            "source": codes_text(survey.astype(np.int8), SOURCES),
            "rp": codes_text(rp, LEVELS),
            "ra": codes_text(ra, LEVELS),
            **{f"flag_{d}": flags[d] for d in DRIVERS},
            "flag_promo_ambiguous": ambiguous,
            "secondary": secondary,
            "unobserved_drivers": unobserved,
            "stated_reason": codes_text(stated, SINDELL_TYPES),
            "behaviour_conflict": conflict,
        }
        diag = dict(diagnostics)
        diag["survey_labels"] = int(survey.sum())
        diag["behaviour_conflicts"] = int(conflict.sum())
        return build_labels(
            scheme="sindell",
            as_of=as_of,
            config=self,
            index=index,
            codes=codes,
            categories=_LABELS,
            reasons=reasons,
            candidates=candidates,
            evidence=evidence,
            diagnostics=diag,
        )

    def _flags(
        self, num: Mapping[str, FloatArray], n: int
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
    def _overturning(
        codes: CodeArray,
        cands: CodeArray,
        survey: BoolArray,
        rp_high: BoolArray,
        observed: Mapping[str, BoolArray],
    ) -> list[tuple[BoolArray, str]]:
        """Strict mode: per driver, the rows whose label it could overturn if it were observed.

        A behavioural label can be overturned by an unobserved driver ranked
        ahead of it (precedence :data:`SINDELL_TYPES`); an undetermined label
        with candidates by one ranked ahead of its last candidate. Drivers
        that need high repeat patronage never apply to low-RP customers.
        """
        determined = (codes != _UND) & ~survey
        open_cands = cands >= 0
        safe = np.where(open_cands, cands, 0)
        worst = np.where(determined, codes, np.where(open_cands, _CAND_WORST[safe], -1))
        parts = []
        for d in DRIVERS:
            in_cands = open_cands & _CAND_HAS[d][safe]
            could = (
                ~observed[d]
                & (_CODE[d] < worst)
                & (rp_high | (d not in _NEEDS_HIGH_RP))
                & ~in_cands
                & (determined | open_cands)
            )
            parts.append((could, d))
        return parts

    @staticmethod
    def _level(ev: pd.DataFrame, column: str, index: pd.Index, problems: ProblemList) -> CodeArray:
        """``rp``/``ra`` codes 0 high, 1 low, 2 undetermined (missing = 2); others recorded."""
        raw = ev[column]
        codes = category_codes(raw, LEVELS)
        problems.check_rows(
            (codes < 0) & raw.notna().to_numpy(),
            column=column,
            rule="values must be 'high', 'low' or 'undetermined'",
            index=index,
            values=raw,
            label="customer",
        )
        return np.where(codes < 0, _UNDET, codes).astype(np.int8)

    def _stated(self, ev: pd.DataFrame, index: pd.Index, problems: ProblemList) -> CodeArray:
        """Stated reasons as codes into :data:`SINDELL_TYPES` (-1 = none); unknown ones recorded."""
        if "stated_reason" not in ev.columns:
            return np.full(len(index), -1, dtype=np.int8)
        raw = ev["stated_reason"]
        # normalise the distinct answers only (a survey has a handful), then map back by code
        keys, uniques = pd.factorize(raw, use_na_sentinel=True)
        norm = [str(u).strip().lower() for u in uniques]  # loops over distinct answers
        norm = [STATED_REASON_ALIASES.get(u, u) for u in norm]
        lookup = np.array(
            [SINDELL_TYPES.index(u) if u in SINDELL_TYPES else -2 if u else -1 for u in norm]
            + [-1],
            dtype=np.int64,
        )
        codes = lookup[keys]  # key -1 (missing) picks the trailing -1
        problems.check_rows(
            codes == -2,
            column=self.stated_reason_column,
            rule="stated reasons must be one of " + ", ".join(SINDELL_TYPES),
            index=index,
            values=raw,
            label="customer",
        )
        codes[codes == -2] = -1
        return codes.astype(np.int8)
