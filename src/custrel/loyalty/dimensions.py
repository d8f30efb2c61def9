"""Three loyalty dimensions side by side: behavioural, emotional and conscious (intentional)."""

from __future__ import annotations

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.labels import Labels
from custrel.lifecycle import PAlive
from custrel.loyalty._common import instance_of, is_bool, level_codes
from custrel.loyalty.attitude import AttitudeRules
from custrel.loyalty.repeat import RepeatPatronageRules, repeat_patronage

__all__ = ["LoyaltyDimensions", "LoyaltyDimensionsResult"]

_HIGH, _UNDET = 0, 2  # level codes


def _emotional_default() -> AttitudeRules:
    return AttitudeRules(column="satisfaction", differentiation_column=None, recommend_column=None)


def _conscious_default() -> AttitudeRules:
    return AttitudeRules(
        column="repurchase_intent", differentiation_column=None, recommend_column="recommend"
    )


def _rename(labels: Labels, scheme: str) -> Labels:
    return attrs.evolve(labels, scheme=scheme)


@attrs.frozen(kw_only=True)
class LoyaltyDimensionsResult:
    """The three loyalty dimensions of each customer, and how many of them are high.

    Attributes
    ----------
    behavioural, emotional, conscious : Labels
        One high/low/undetermined label per customer and dimension (schemes
        ``"behavioural"``, ``"emotional"``, ``"conscious"``), on one index.
    depth : Series
        Number of high dimensions among the determined ones (float; NaN when
        none is determined, or when any is undetermined under ``strict``).
    n_determined : Series
        Number of determined dimensions (0-3).
    config : LoyaltyDimensions
        The rules that produced the result.
    """

    behavioural: Labels
    emotional: Labels
    conscious: Labels
    depth: pd.Series = attrs.field(eq=False, repr=False)
    n_determined: pd.Series = attrs.field(eq=False, repr=False)
    config: object = attrs.field(default=None, repr=False)

    @property
    def as_of(self) -> pd.Timestamp | None:
        """The as-of date of the behavioural dimension."""
        return self.behavioural.as_of

    def frame(self) -> pd.DataFrame:
        """One row per customer: each dimension with its reason, ``depth`` and ``n_determined``."""
        parts = [lab.to_frame() for lab in (self.behavioural, self.emotional, self.conscious)]
        out = pd.concat(parts, axis=1)
        out = out.drop(columns=[c for c in out.columns if c.endswith("_candidates")])
        out["depth"] = self.depth
        out["n_determined"] = self.n_determined
        return out


@attrs.frozen(kw_only=True)
class LoyaltyDimensions:
    """Behavioural, emotional and conscious loyalty, each high / low / undetermined.

    The Chinese CRM texts distinguish behavioural loyalty (行为忠诚, repeated
    purchase), emotional loyalty (情感忠诚, identification with and affection
    for the firm) and conscious or intentional loyalty (意识忠诚, the
    intention to buy again); they correspond to Oliver's (1999) action,
    affective and conative loyalty [1]_ (Uncles, Dowling & Hammond 2003 [2]_
    classify such conceptualisations). Recommendation is predicted by attitude
    and retention by repeat patronage, and combination measures predict no
    better (East, Sinclair & Gendall 2000 [3]_), so custrel reports the
    dimensions separately and does not fuse them into one score:

    - **behavioural**: :class:`RepeatPatronageRules` on transactions;
    - **emotional**: :class:`AttitudeRules` on ``satisfaction`` (no
      recommend fallback: recommending is an intention);
    - **conscious**: :class:`AttitudeRules` on ``repurchase_intent`` with the
      0-10 ``recommend`` item as a fallback.

    A survey dimension without data is ``undetermined`` (``attitude_missing``),
    never inferred from behaviour. The column choices are **custrel
    conventions**.

    Attributes
    ----------
    repeat : RepeatPatronageRules
        Behavioural dimension.
    emotional : AttitudeRules
        Emotional dimension (default: ``satisfaction`` on 1-7, high from 5).
    conscious : AttitudeRules
        Conscious dimension (default: ``repurchase_intent`` on 1-7, high from
        5, else ``recommend`` >= 9).
    strict : bool
        ``depth`` is NaN when any dimension is undetermined (default False).

    References
    ----------
    .. [1] Oliver, R.L. (1999). Whence consumer loyalty? *Journal of
       Marketing* 63 (special issue):33-44.
    .. [2] Uncles, M.D., Dowling, G.R., Hammond, K. (2003). Customer loyalty
       and customer loyalty programs. *Journal of Consumer Marketing*
       20(4):294-316.
    .. [3] East, R., Sinclair, J., Gendall, P. (2000). Loyalty: definition and
       explanation. ANZMAC 2000.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a"] * 12 + ["b"] * 2,
    ...                    "date": [f"2024-{m:02d}-15" for m in range(1, 13)]
    ...                            + ["2024-01-01", "2024-09-01"],
    ...                    "amount": 10.0})
    >>> survey = pd.DataFrame({"satisfaction": [6, 3], "repurchase_intent": [6, None]},
    ...                       index=pd.Index(["a", "b"], name="customer_id"))
    >>> from custrel.data import build_customer_base
    >>> base = build_customer_base(tx, as_of="2024-12-31", attributes=survey)
    >>> dims = LoyaltyDimensions(repeat=RepeatPatronageRules(rate_high=1.0)).classify(base)
    >>> dims.frame()[["behavioural", "emotional", "conscious", "depth"]]
                behavioural emotional     conscious  depth
    customer_id
    a                  high      high          high    3.0
    b                   low       low  undetermined    0.0
    """

    repeat: RepeatPatronageRules = attrs.field(
        factory=RepeatPatronageRules,
        validator=instance_of(RepeatPatronageRules, "RepeatPatronageRules"),
    )
    emotional: AttitudeRules = attrs.field(
        factory=_emotional_default, validator=instance_of(AttitudeRules, "AttitudeRules")
    )
    conscious: AttitudeRules = attrs.field(
        factory=_conscious_default, validator=instance_of(AttitudeRules, "AttitudeRules")
    )
    strict: bool = attrs.field(default=False, validator=is_bool)

    def classify(
        self,
        base: CustomerBase,
        /,
        *,
        p_alive: PAlive = None,
        states: Labels | None = None,
        repeat: Labels | None = None,
    ) -> LoyaltyDimensionsResult:
        """Label the three dimensions for every customer.

        Parameters
        ----------
        base : CustomerBase
            Transactions and survey ``attributes``.
        p_alive : Series, model or None
            Passed to the state rules of the behavioural dimension.
        states : Labels, optional
            Customer states already computed on ``base``, reused by
            :attr:`repeat` (see :meth:`RepeatPatronageRules.classify`).
        repeat : Labels, optional
            Repeat patronage already computed on ``base`` (scheme
            ``"repeat_patronage"``): the behavioural dimension, used instead of
            running :attr:`repeat`; then ``p_alive`` and ``states`` must be omitted.

        Returns
        -------
        LoyaltyDimensionsResult

        Raises
        ------
        DataValidationError
            Survey scores outside their scale, share of wallet outside [0, 1];
            ``states`` or ``repeat`` at another as-of date or not covering
            every customer.
        ParameterError
            ``states`` or ``repeat`` of the wrong scheme, or ``repeat``
            together with ``p_alive`` or ``states``.

        Examples
        --------
        >>> from custrel.data import build_customer_base
        >>> tx = pd.DataFrame({"customer_id": ["a"] * 12 + ["b"] * 2,
        ...                    "date": [f"2024-{m:02d}-15" for m in range(1, 13)]
        ...                            + ["2024-01-01", "2024-09-01"], "amount": 10.0})
        >>> base = build_customer_base(tx, as_of="2024-12-31")
        >>> rules = LoyaltyDimensions(repeat=RepeatPatronageRules(rate_high=1.0))
        >>> rp = rules.repeat.classify(base)
        >>> rules.classify(base, repeat=rp).behavioural.label.tolist()
        ['high', 'low']
        """
        rp = repeat_patronage(
            self.repeat,
            base,
            owner="LoyaltyDimensions",
            p_alive=p_alive,
            states=states,
            repeat=repeat,
        )
        beh = _rename(rp, "behavioural")
        index = beh.frame.index
        emo = _rename(self.emotional.classify(base), "emotional")
        con = _rename(self.conscious.classify(base), "conscious")
        determined = np.zeros(len(index), dtype=np.int64)
        high = np.zeros(len(index), dtype=np.int64)
        for lab in (beh, emo, con):
            codes = level_codes(lab, index)
            determined += codes != _UNDET
            high += codes == _HIGH
        depth = np.where(determined > 0, high, np.nan).astype(np.float64)
        if self.strict:
            depth[determined < 3] = np.nan
        return LoyaltyDimensionsResult(
            behavioural=beh,
            emotional=emo,
            conscious=con,
            depth=pd.Series(depth, index=index, name="depth"),
            n_determined=pd.Series(determined, index=index, name="n_determined"),
            config=self,
        )
