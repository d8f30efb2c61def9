"""Dick & Basu (1994): relative attitude x repeat patronage -> true / latent / spurious / no loyalty."""

from __future__ import annotations

from typing import Final

import attrs
import numpy as np

from custrel.data import CustomerBase
from custrel.labels import Labels, Reason
from custrel.lifecycle import PAlive
from custrel.loyalty._common import (
    LEVELS,
    NO_REASON,
    REASONS,
    build_labels,
    category_codes,
    codes_text,
    instance_of,
    level_codes,
    reason_code,
)
from custrel.loyalty.attitude import AttitudeRules
from custrel.loyalty.repeat import RepeatPatronageRules, repeat_patronage

__all__ = ["DICK_BASU_TYPES", "DickBasu"]

#: The four Dick & Basu (1994) loyalty conditions, in the order of their 2x2 table.
DICK_BASU_TYPES: Final = ("true", "latent", "spurious", "none")

_UND: Final = 2
#: Candidate quadrants: by attitude when repeat patronage is undetermined (high, low,
#: unknown), then by repeat patronage when attitude is missing (high, low); last: none.
_CANDIDATES: Final = (
    "true|latent",
    "spurious|none",
    "true|latent|spurious|none",
    "true|spurious",
    "latent|none",
    None,
)


@attrs.frozen(kw_only=True)
class DickBasu:
    r"""Dick & Basu's (1994) loyalty conditions from relative attitude and repeat patronage.

    Dick & Basu define customer loyalty as "the strength of the relationship
    between an individual's relative attitude and repeat patronage" [1]_ and
    cross the two dimensions:

    ====================  ======================  =====================
    \                     high repeat patronage   low repeat patronage
    ====================  ======================  =====================
    high relative att.     true loyalty            latent loyalty
    low relative att.      spurious loyalty        no loyalty
    ====================  ======================  =====================

    Dick & Basu conceptualise the construct but do not operationalise it
    (Garland & Gendall 2004 [2]_); the dichotomisation of each dimension
    (:class:`RepeatPatronageRules`, :class:`AttitudeRules`) is a **custrel
    convention**. Transactions identify repeat patronage only: without survey
    data the quadrant is ``undetermined`` with reason ``attitude_missing``
    and the compatible quadrants as candidates (``"true|spurious"`` for high,
    ``"latent|none"`` for low repeat patronage), never a guess (domain.md P5).
    An undetermined repeat patronage gives reason
    ``repeat_patronage_undetermined`` (``no_valid_purchase`` is propagated
    as is) with the quadrants compatible with the attitude as candidates.

    The evidence keeps both dimensions (``rp``, ``ra``, ``rate``,
    ``threshold``, ``basis``, ``ra_basis``), because recommendation is
    predicted by attitude and retention by repeat patronage, and combinations
    predict no better (East, Sinclair & Gendall 2000 [3]_): analyse them on
    their own too.

    Attributes
    ----------
    repeat : RepeatPatronageRules
        The behavioural dimension.
    attitude : AttitudeRules
        The relative-attitude dimension (survey data).

    References
    ----------
    .. [1] Dick, A.S., Basu, K. (1994). Customer loyalty: toward an integrated
       conceptual framework. *JAMS* 22(2):99-113.
    .. [2] Garland, R., Gendall, P. (2004). Testing Dick and Basu's customer
       loyalty model. *Australasian Marketing Journal* 12(3).
    .. [3] East, R., Sinclair, J., Gendall, P. (2000). Loyalty: definition and
       explanation. ANZMAC 2000.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a"] * 12 + ["b"] * 12 + ["c"] * 2 + ["d"] * 2,
    ...     "date": [f"2024-{m:02d}-15" for m in range(1, 13)] * 2
    ...             + ["2024-01-01", "2024-09-01"] * 2,
    ...     "amount": 10.0})
    >>> survey = pd.DataFrame({"attitude": [6, 2, 7]},
    ...                       index=pd.Index(["a", "b", "c"], name="customer_id"))
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=survey)
    >>> db = DickBasu(repeat=RepeatPatronageRules(rate_high=1.0)).classify(base)
    >>> db.frame[["label", "reason", "candidates", "rp", "ra"]]
                    label            reason   candidates    rp            ra
    customer_id
    a                true               NaN         <NA>  high          high
    b            spurious               NaN         <NA>  high           low
    c              latent               NaN         <NA>   low          high
    d        undetermined  attitude_missing  latent|none   low  undetermined
    """

    repeat: RepeatPatronageRules = attrs.field(
        factory=RepeatPatronageRules,
        validator=instance_of(RepeatPatronageRules, "RepeatPatronageRules"),
    )
    attitude: AttitudeRules = attrs.field(
        factory=AttitudeRules, validator=instance_of(AttitudeRules, "AttitudeRules")
    )

    def classify(
        self,
        base: CustomerBase,
        /,
        *,
        p_alive: PAlive = None,
        states: Labels | None = None,
        repeat: Labels | None = None,
    ) -> Labels:
        """Label every customer true, latent, spurious, none or undetermined.

        Parameters
        ----------
        base : CustomerBase
            Transactions, features and the survey ``attributes``.
        p_alive : Series, model or None
            Passed to the state rules of :attr:`repeat`.
        states : Labels, optional
            Customer states already computed on ``base``, reused by
            :attr:`repeat` (see :meth:`RepeatPatronageRules.classify`).
        repeat : Labels, optional
            Repeat patronage already computed on ``base`` (scheme
            ``"repeat_patronage"``), used instead of running :attr:`repeat`;
            then ``p_alive`` and ``states`` must be omitted.

        Returns
        -------
        Labels
            Scheme ``"dick_basu"`` with ``candidates`` and the evidence
            ``rp``, ``ra``, ``rp_reason``, ``ra_reason``, ``state``, ``basis``,
            ``rate``, ``threshold``, ``ra_basis``.

        Raises
        ------
        DataValidationError
            Attitude scores outside their scale, share of wallet outside
            [0, 1], invalid P(alive); ``states`` or ``repeat`` at another
            as-of date or not covering every customer.
        ParameterError
            ``states`` or ``repeat`` of the wrong scheme, or ``repeat``
            together with ``p_alive`` or ``states``.

        Examples
        --------
        Repeat patronage computed once serves several classifiers:

        >>> from custrel.data import build_customer_base
        >>> tx = pd.DataFrame({"customer_id": ["a"] * 12 + ["b"] * 2,
        ...                    "date": [f"2024-{m:02d}-15" for m in range(1, 13)]
        ...                            + ["2024-01-01", "2024-09-01"], "amount": 10.0})
        >>> survey = pd.DataFrame({"attitude": [6, 7]},
        ...                       index=pd.Index(["a", "b"], name="customer_id"))
        >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=survey)
        >>> rules = DickBasu(repeat=RepeatPatronageRules(rate_high=1.0))
        >>> rp = rules.repeat.classify(base)
        >>> rules.classify(base, repeat=rp).label.tolist()
        ['true', 'latent']
        """
        rp, ra = self._dimensions(base, p_alive, states=states, repeat=repeat, owner="DickBasu")
        return quadrants(rp, ra, config=self)

    def _dimensions(
        self,
        base: CustomerBase,
        p_alive: PAlive,
        *,
        states: Labels | None = None,
        repeat: Labels | None = None,
        owner: str = "DickBasu",
    ) -> tuple[Labels, Labels]:
        """Repeat patronage (computed or reused) and relative attitude on the same population."""
        rp = repeat_patronage(
            self.repeat, base, owner=owner, p_alive=p_alive, states=states, repeat=repeat
        )
        ra = self.attitude.classify(base)
        return rp, ra


def quadrants(rp: Labels, ra: Labels, *, config: object) -> Labels:
    """Cross repeat-patronage and attitude labels into Dick & Basu quadrants (on ``rp``'s index)."""
    index = rp.frame.index
    rpc = level_codes(rp, index).astype(np.int64)
    rac = level_codes(ra, index).astype(np.int64)
    rp_und, ra_und = rpc == _UND, rac == _UND
    # (ra, rp) = (high, high) true, (high, low) latent, (low, high) spurious, (low, low) none
    codes = np.where(rp_und | ra_und, len(DICK_BASU_TYPES), 2 * rac + rpc)
    rp_reason = rp.frame["reason"]
    no_purchase = rp_und & (
        category_codes(rp_reason, REASONS) == reason_code(Reason.NO_VALID_PURCHASE)
    )
    reasons = np.select(
        [no_purchase, rp_und, ra_und],
        [
            reason_code(Reason.NO_VALID_PURCHASE),
            reason_code(Reason.REPEAT_UNDETERMINED),
            reason_code(Reason.ATTITUDE_MISSING),
        ],
        default=NO_REASON,
    )
    cand = np.select(
        [no_purchase, rp_und, ra_und],
        [-1, rac, 3 + rpc],  # by attitude: 0 high, 1 low, 2 unknown; by rp: 3 high, 4 low
        default=-1,
    )
    rpf = rp.frame
    evidence: dict[str, object] = {
        "rp": codes_text(rpc, LEVELS),
        "ra": codes_text(rac, LEVELS),
        "rp_reason": rp_reason,
        "ra_reason": ra.frame["reason"].reindex(index),
    }
    for col in ("state", "basis", "rate", "threshold"):
        if col in rpf:
            evidence[col] = rpf[col]
    if "basis" in ra.frame:
        evidence["ra_basis"] = ra.frame["basis"].reindex(index)
    diagnostics = {
        **dict(rp.diagnostics),
        **{f"attitude_{k}": v for k, v in ra.diagnostics.items()},
    }
    return build_labels(
        scheme="dick_basu",
        as_of=rp.as_of,
        config=config,
        index=index,
        codes=codes,
        categories=DICK_BASU_TYPES,
        reasons=reasons,
        candidates=np.asarray(_CANDIDATES, dtype=object)[cand],
        evidence=evidence,
        diagnostics=diagnostics,
    )
