"""RFM scores with the mid-rank tie rule and named segment rule sets (domain.md §8).

Scores are levels ``1..bins`` by the mid-rank rule of domain.md §1.5:
R ranks ``-days_since_last`` (5 = most recent), F the purchase occasions and M
the net revenue (both in the window by default). ``rfm_code`` is
``f"{R}{F}{M}"``. A :class:`RFMRuleSet` maps *every* possible code to exactly
one named segment; three are shipped in :data:`RFM_RULE_SETS`:

``"custrel"``
    custrel's own recency x frequency grid (M does not change the segment).
    Complete and disjoint by construction.
``"rfm_r"``
    The segment rules of the R package ``rfm`` (Hebbali, version 0.3.0,
    ``rfm_segment`` documentation example). Its ten ranges overlap and leave
    gaps; ``rfm_segment`` resolves an overlap by the first matching rule and
    labels a gap ``"Others"``. custrel makes both explicit: each code is
    mapped once by the first matching rule, and the gaps map to ``"Others"``
    (listed in :attr:`RFMRuleSet.default_codes`).
``"pymc_marketing"``
    PyMC-Marketing's quartile segments (``rfm_segments`` default
    ``segment_config``; 4 bins, 64 codes): 46 codes are listed, the other 18
    map explicitly to ``"Other"``.

These segment names are a **practitioner convention, not a literature
standard** (domain.md §8).

References
----------
.. [1] Hughes, A.M. (1994). *Strategic Database Marketing*. Probus (quintile RFM scoring).
.. [2] Hebbali, A. rfm: Recency, Frequency and Monetary Value Analysis. R package
   version 0.3.0, https://CRAN.R-project.org/package=rfm (``rfm_segment``).
.. [3] PyMC Labs. pymc-marketing, ``pymc_marketing.clv.utils.rfm_segments``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.errors import ParameterError
from custrel.labels import UNDETERMINED, Labels, Reason
from custrel.segment._build import REASON_CODE, categorical, labels_from_codes, reason_codes
from custrel.segment._checks import int_at_least, optional_positive
from custrel.segment._ranks import midrank_levels
from custrel.segment.tiers import _metric_column

__all__ = [
    "RFM_RULE_SETS",
    "RFM_SEGMENT_MAP",
    "RFMRuleSet",
    "RFMScores",
    "all_rfm_codes",
]

Range = tuple[int, int]


def all_rfm_codes(bins: int) -> tuple[str, ...]:
    """Every RFM code for ``bins`` levels, ``"111"`` first.

    Examples
    --------
    >>> len(all_rfm_codes(5)), all_rfm_codes(2)[:3]
    (125, ('111', '112', '121'))
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or not 2 <= bins <= 9:
        msg = f"RFM bins must be an integer in [2, 9]; got {bins!r}."
        raise ParameterError(msg)
    digits = [str(i) for i in range(1, bins + 1)]
    return tuple("".join(t) for t in itertools.product(digits, repeat=3))


def _list(codes: Iterable[str], limit: int = 30) -> str:
    codes = sorted(codes)
    head = ", ".join(codes[:limit])
    return head + (f", ... ({len(codes)} in all)" if len(codes) > limit else "")


@attrs.frozen(kw_only=True)
class RFMRuleSet:
    """A complete mapping from every RFM code to exactly one named segment.

    Build one with :meth:`from_codes` or :meth:`from_ranges`; both check that
    every code maps to exactly one segment and raise
    :class:`~custrel.errors.ParameterError` listing the codes otherwise
    (overlaps, gaps). Gaps can be mapped explicitly with ``default=``.

    Attributes
    ----------
    name : str
        Identifier of the rule set.
    bins : int
        Number of score levels the codes assume.
    segments : tuple of str
        Segment names in display order (the default segment last).
    mapping : Mapping[str, str]
        Code (``"543"``) to segment, for all ``bins**3`` codes.
    default_codes : tuple of str
        Codes that no rule matched and were mapped to the default segment.
    source : str
        Where the rules come from.

    Examples
    --------
    >>> rs = RFMRuleSet.from_codes("mine", 2, {"best": ["222", "221"]}, default="rest")
    >>> rs.mapping["222"], rs.mapping["111"], len(rs.default_codes)
    ('best', 'rest', 6)
    >>> RFMRuleSet.from_codes("bad", 2, {"a": ["222"], "b": ["222", "111"]})
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: RFM rule set 'bad': 1 code(s) map to more than one segment: 222 (a, b); 6 code(s) map to no segment: 112, 121, 122, 211, 212, 221. Pass default=... to map the gaps explicitly.
    """

    name: str
    bins: int = attrs.field(validator=int_at_least(2))
    segments: tuple[str, ...]
    mapping: Mapping[str, str] = attrs.field(hash=False, repr=False)
    default_codes: tuple[str, ...] = attrs.field(default=(), repr=False)
    source: str = ""

    def __attrs_post_init__(self) -> None:
        codes = set(all_rfm_codes(self.bins))
        keys = set(self.mapping)
        if keys != codes:
            msg = (
                f"RFM rule set {self.name!r}: mapping must cover exactly the {len(codes)} codes "
                f"of {self.bins} bins; missing {_list(codes - keys)}; unknown {_list(keys - codes)}."
            )
            raise ParameterError(msg)
        unknown = set(self.mapping.values()) - set(self.segments)
        if unknown or UNDETERMINED in self.segments:
            msg = (
                f"RFM rule set {self.name!r}: segments {sorted(unknown)} are not declared "
                f"(or 'undetermined' is used as a segment name)."
            )
            raise ParameterError(msg)

    @classmethod
    def from_codes(
        cls,
        name: str,
        bins: int,
        codes: Mapping[str, Iterable[str]],
        *,
        default: str | None = None,
        source: str = "user",
    ) -> RFMRuleSet:
        """Build from explicit code lists per segment.

        Raises
        ------
        ParameterError
            A code listed under two segments, a malformed code, or (without
            ``default``) codes listed under no segment; every offending code is listed.
        """
        valid = all_rfm_codes(bins)
        owners: dict[str, list[str]] = {}
        bad: list[str] = []
        for seg, seg_codes in codes.items():  # a handful of segments
            for c in seg_codes:
                if c not in valid:
                    bad.append(str(c))
                owners.setdefault(str(c), []).append(seg)
        if bad:
            msg = f"RFM rule set {name!r}: invalid code(s) for {bins} bins: {_list(bad)}."
            raise ParameterError(msg)
        return cls._finish(name, bins, list(codes), owners, default=default, source=source)

    @classmethod
    def from_ranges(
        cls,
        name: str,
        bins: int,
        rules: Sequence[tuple[str, Range, Range, Range]],
        *,
        default: str | None = None,
        overlap: Literal["error", "first"] = "error",
        source: str = "user",
    ) -> RFMRuleSet:
        """Build from inclusive score ranges ``(segment, (r_lo, r_hi), (f_lo, f_hi), (m_lo, m_hi))``.

        With ``overlap="first"`` a code matched by several rules goes to the
        first of them (the R ``rfm`` package's behaviour); with ``"error"``
        overlaps raise. Gaps raise unless ``default`` is given.

        Examples
        --------
        >>> rs = RFMRuleSet.from_ranges("rf", 2, [("active", (2, 2), (1, 2), (1, 2)),
        ...                                       ("lapsed", (1, 1), (1, 2), (1, 2))])
        >>> rs.mapping["211"], rs.mapping["122"]
        ('active', 'lapsed')
        """
        if overlap not in ("error", "first"):
            msg = f"overlap must be 'error' or 'first'; got {overlap!r}."
            raise ParameterError(msg)
        owners: dict[str, list[str]] = {}
        for seg, *ranges in rules:  # a handful of rules
            if len(ranges) != 3 or not all(
                len(r) == 2 and 1 <= r[0] <= r[1] <= bins for r in ranges
            ):
                msg = (
                    f"RFM rule set {name!r}: rule {seg!r} needs three inclusive ranges "
                    f"(lo, hi) with 1 <= lo <= hi <= {bins}; got {ranges!r}."
                )
                raise ParameterError(msg)
            (r0, r1), (f0, f1), (m0, m1) = ranges
            for r, f, m in itertools.product(
                range(r0, r1 + 1), range(f0, f1 + 1), range(m0, m1 + 1)
            ):
                owners.setdefault(f"{r}{f}{m}", []).append(seg)
        if overlap == "first":
            owners = {c: s[:1] for c, s in owners.items()}
        order = list(dict.fromkeys(seg for seg, *_ in rules))
        return cls._finish(name, bins, order, owners, default=default, source=source)

    @classmethod
    def _finish(
        cls,
        name: str,
        bins: int,
        order: list[str],
        owners: dict[str, list[str]],
        *,
        default: str | None,
        source: str,
    ) -> RFMRuleSet:
        valid = all_rfm_codes(bins)
        multi = {c: sorted(set(s)) for c, s in owners.items() if len(set(s)) > 1}
        gaps = [c for c in valid if c not in owners]
        problems = []
        if multi:
            detail = "; ".join(f"{c} ({', '.join(s)})" for c, s in sorted(multi.items())[:30])
            problems.append(f"{len(multi)} code(s) map to more than one segment: {detail}")
        if gaps and default is None:
            problems.append(
                f"{len(gaps)} code(s) map to no segment: {_list(gaps)}. "
                "Pass default=... to map the gaps explicitly"
            )
        if problems:
            msg = f"RFM rule set {name!r}: " + "; ".join(problems) + "."
            raise ParameterError(msg)
        mapping = {c: owners[c][0] for c in owners}
        segments = list(order)
        if gaps:
            assert default is not None
            mapping.update(dict.fromkeys(gaps, default))
            if default not in segments:
                segments.append(default)
        return cls(
            name=name,
            bins=bins,
            segments=tuple(segments),
            mapping=MappingProxyType(dict(sorted(mapping.items()))),
            default_codes=tuple(gaps),
            source=source,
        )

    def segment_of(self, codes: Iterable[str]) -> list[str]:
        """The segment of each code (convenience for tables).

        Examples
        --------
        >>> RFM_RULE_SETS["custrel"].segment_of(["555", "111"])
        ['champions', 'lost']
        """
        return [self.mapping[c] for c in codes]


# custrel's own grid on (R, F); M never changes the segment. Complete and disjoint.
_CUSTREL_RF: Final = (
    ("champions", (5, 5), (4, 5)),
    ("loyal", (3, 4), (4, 5)),
    ("potential_loyalists", (4, 5), (2, 3)),
    ("new_customers", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need_attention", (3, 3), (3, 3)),
    ("about_to_sleep", (3, 3), (1, 2)),
    ("cant_lose_them", (1, 2), (5, 5)),
    ("at_risk", (1, 2), (3, 4)),
    ("hibernating", (2, 2), (1, 2)),
    ("lost", (1, 1), (1, 2)),
)

#: R package rfm 0.3.0, ``rfm_segment`` documentation: name, R range, F range, M range.
_R_RFM_RULES: Final = (
    ("Champions", (5, 5), (5, 5), (5, 5)),
    ("Potential Loyalist", (3, 5), (3, 5), (2, 5)),
    ("Loyal Customers", (2, 4), (2, 4), (2, 4)),
    ("Promising", (3, 4), (1, 3), (3, 5)),
    ("New Customers", (4, 5), (1, 3), (1, 5)),
    ("Can't Lose Them", (1, 2), (3, 4), (4, 5)),
    ("At Risk", (1, 2), (2, 5), (4, 5)),
    ("Need Attention", (1, 3), (3, 5), (3, 5)),
    ("About To Sleep", (2, 3), (1, 3), (1, 4)),
    ("Lost", (1, 1), (1, 5), (1, 5)),
)

#: PyMC-Marketing ``rfm_segments`` default ``segment_config`` (quartiles, R reversed so 4 = recent).
_PYMC_CODES: Final = {
    "Premium Customer": ("334", "443", "444", "344", "434", "433", "343", "333"),
    "Repeat Customer": ("244", "234", "232", "332", "143", "233", "243"),
    "Top Spender": (
        "424",
        "414",
        "144",
        "314",
        "324",
        "124",
        "224",
        "423",
        "413",
        "133",
        "323",
        "313",
        "134",
    ),
    "At Risk Customer": (
        "422",
        "223",
        "212",
        "122",
        "222",
        "132",
        "322",
        "312",
        "412",
        "123",
        "214",
    ),
    "Inactive Customer": ("411", "111", "113", "114", "112", "211", "311"),
}

#: The shipped rule sets, each mapping every possible code to exactly one segment.
RFM_RULE_SETS: Final[Mapping[str, RFMRuleSet]] = MappingProxyType(
    {
        "custrel": RFMRuleSet.from_ranges(
            "custrel",
            5,
            [(name, r, f, (1, 5)) for name, r, f in _CUSTREL_RF],
            source="custrel convention: recency x frequency grid (practitioner-style segment names)",
        ),
        "rfm_r": RFMRuleSet.from_ranges(
            "rfm_r",
            5,
            list(_R_RFM_RULES),
            default="Others",
            overlap="first",
            source="R package rfm 0.3.0 (Hebbali), rfm_segment documentation example; "
            "first matching rule wins, gaps -> 'Others' as in rfm_segment",
        ),
        "pymc_marketing": RFMRuleSet.from_codes(
            "pymc_marketing",
            4,
            _PYMC_CODES,
            default="Other",
            source="PyMC-Marketing pymc_marketing.clv.utils.rfm_segments default segment_config; "
            "unlisted codes -> 'Other' as in rfm_segments",
        ),
    }
)

#: custrel's default code -> segment map (5 bins), a practitioner convention.
RFM_SEGMENT_MAP: Final[Mapping[str, str]] = RFM_RULE_SETS["custrel"].mapping


def _nullable_int(levels: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Levels as nullable integers, ``<NA>`` where the level is 0 (undetermined)."""
    out: pd.api.extensions.ExtensionArray = pd.arrays.IntegerArray(
        levels.astype(np.int64), levels == 0
    )
    return out


def _convert_rules(value: RFMRuleSet | str | None) -> RFMRuleSet | None:
    if value is None or isinstance(value, RFMRuleSet):
        return value
    if isinstance(value, str) and value in RFM_RULE_SETS:
        return RFM_RULE_SETS[value]
    msg = (
        f"RFMScores.rules must be an RFMRuleSet, one of {sorted(RFM_RULE_SETS)} or None; "
        f"got {value!r}."
    )
    raise ParameterError(msg)


def _check_choice(*choices: str) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            msg = f"RFMScores.{attribute.name} must be one of {list(choices)}; got {value!r}."
            raise ParameterError(msg)

    return check


@attrs.frozen(kw_only=True)
class RFMScores:
    """RFM scores (mid-rank levels) and named segments.

    Attributes
    ----------
    bins : int
        Levels per score (5 = quintile-style scores, 4 = quartiles). 2..9.
    window_days : float, optional
        Window of F and M; default the base's ``window_days`` (365).
    frequency_basis : {"window", "all"}
        F and M from the window (``occasions_window``, ``revenue_window``) or
        from the whole history (``n_occasions``, ``net_amount``).
    monetary : {"total", "mean"}
        M ranks total net revenue or revenue per occasion (0 without occasions).
    rules : RFMRuleSet, str or None
        A rule set or the name of a shipped one (:data:`RFM_RULE_SETS`;
        default ``"custrel"``). ``None`` labels each customer with its code.

    Notes
    -----
    The population is every customer with at least one purchase occasion;
    customers with rows but no occasion are ``undetermined``
    (``no_valid_purchase``). Scores use ``level = ceil(bins * midrank / n)``
    (domain.md §1.5), so tied customers always share a score and a customer
    who bought more recently never gets a lower R. Customers with no purchase
    in the window rank at the bottom of F and M (they have 0 occasions and 0
    revenue there), which is what lets RFM find lapsed customers.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("aabbc"),
    ...                    "date": ["2024-11-01", "2024-12-20", "2024-03-01", "2024-04-01",
    ...                             "2024-12-01"],
    ...                    "amount": [50.0, 50.0, 20.0, 20.0, 500.0]})
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31")
    >>> rfm = RFMScores(bins=3, rules=None).segment(base)
    >>> rfm.frame[["r_score", "f_score", "m_score", "rfm_code"]]
                 r_score  f_score  m_score rfm_code
    customer_id
    a                  3        3        2      332
    b                  1        3        1      131
    c                  2        1        3      213
    """

    bins: int = attrs.field(default=5, validator=int_at_least(2))
    window_days: float | None = attrs.field(default=None, validator=optional_positive)
    frequency_basis: Literal["window", "all"] = attrs.field(
        default="window", validator=_check_choice("window", "all")
    )
    monetary: Literal["total", "mean"] = attrs.field(
        default="total", validator=_check_choice("total", "mean")
    )
    rules: RFMRuleSet | None = attrs.field(
        default=RFM_RULE_SETS["custrel"], converter=_convert_rules
    )

    def __attrs_post_init__(self) -> None:
        if self.bins > 9:
            msg = f"RFMScores.bins must be an integer in [2, 9]; got {self.bins!r}."
            raise ParameterError(msg)
        if self.rules is not None and self.rules.bins != self.bins:
            msg = (
                f"RFMScores.rules {self.rules.name!r} is defined for {self.rules.bins} bins; "
                f"got bins={self.bins}. Pass bins={self.rules.bins} or another rule set."
            )
            raise ParameterError(msg)

    def segment(self, base: CustomerBase, /) -> Labels:
        """Score and segment every customer of ``base``.

        Returns
        -------
        Labels
            Scheme ``"rfm"``; evidence ``days_since_last``, ``frequency_value``,
            ``monetary_value``, ``r_score``, ``f_score``, ``m_score`` (nullable
            integers) and ``rfm_code``.
        """
        feats = base.features
        buyer = feats["n_occasions"].to_numpy() > 0
        dsl = feats["days_since_last"].to_numpy(dtype=np.float64)
        if self.frequency_basis == "all":
            freq = feats["n_occasions"].to_numpy(dtype=np.float64)
            total = feats["net_amount"].to_numpy(dtype=np.float64)
        else:
            freq = _metric_column(base, "occasions_window", self.window_days).to_numpy()
            total = _metric_column(base, "revenue_window", self.window_days).to_numpy()
        if self.monetary == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                money = np.where(freq > 0, total / np.where(freq > 0, freq, 1.0), 0.0)
        else:
            money = total
        k = self.bins
        r = midrank_levels(np.where(buyer, -dsl, np.nan), k)
        f = midrank_levels(np.where(buyer, freq, np.nan), k)
        m = midrank_levels(np.where(buyer, money, np.nan), k)
        all_codes = all_rfm_codes(k)
        pos = np.where(buyer, (r - 1) * k * k + (f - 1) * k + (m - 1), -1)
        if self.rules is None:
            categories: tuple[str, ...] = all_codes[::-1]
            seg = np.where(buyer, len(all_codes) - 1 - pos, -1)
        else:
            categories = self.rules.segments
            seg_of_code = np.array(
                [categories.index(self.rules.mapping[c]) for c in all_codes], dtype=np.int64
            )
            seg = np.where(buyer, seg_of_code[np.maximum(pos, 0)], -1)
        reasons = reason_codes(buyer.size)
        reasons[~buyer] = REASON_CODE[Reason.NO_VALID_PURCHASE]
        lab = labels_from_codes(
            scheme="rfm",
            as_of=base.as_of,
            config=self,
            index=feats.index,
            codes=seg,
            categories=categories,
            reasons=reasons,
        )
        fr = lab.frame
        fr["days_since_last"] = dsl
        fr["frequency_value"] = np.where(buyer, freq, np.nan)
        fr["monetary_value"] = np.where(buyer, money, np.nan)
        for name, lev in (("r_score", r), ("f_score", f), ("m_score", m)):
            fr[name] = _nullable_int(lev)
        fr["rfm_code"] = categorical(pos, all_codes)
        return lab
