"""Relative attitude from survey data (Dick & Basu 1994; custrel's operationalisation).

Transaction data cannot reveal attitude (domain.md P5): every attitude label
comes from a survey column of ``CustomerBase.attributes`` (or a survey frame),
and a customer without survey data is ``undetermined`` with the reason
``attitude_missing``, never inferred from behaviour.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pandas as pd

from custrel.data import CustomerBase
from custrel.data._validate import ProblemList
from custrel.errors import SchemaError
from custrel.labels import Labels, Reason
from custrel.loyalty._common import (
    HIGH,
    HIGH_LOW,
    LOW,
    NO_REASON,
    CodeArray,
    FloatArray,
    build_labels,
    codes_text,
    fail,
    finite,
    is_str,
    numeric_column,
    optional,
    pick,
    population,
    reason_code,
)

__all__ = ["ATTITUDE_BASES", "RECOMMEND_SCALE", "AttitudeRules"]

#: What an attitude label was decided on.
ATTITUDE_BASES = ("attitude+differentiation", "attitude", "recommend")

#: The 0-10 "would you recommend us" item (the NPS question).
RECOMMEND_SCALE = (0.0, 10.0)


def _scale(value: object) -> tuple[float, float]:
    if isinstance(value, tuple | list) and len(value) == 2:
        try:
            return (float(value[0]), float(value[1]))
        except (TypeError, ValueError):
            pass
    return value  # type: ignore[return-value]  # rejected by the validator with a clear message


def _check_scale(inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    ok = (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, float) and np.isfinite(v) for v in value)
        and value[0] < value[1]
    )
    if not ok:
        fail(inst, attr, "a (low, high) pair of finite floats with low < high", value)


def survey_frame(data: CustomerBase | pd.DataFrame) -> tuple[pd.DataFrame | None, pd.Index]:
    """The survey/attribute frame and the population it is evaluated for."""
    if isinstance(data, CustomerBase):
        return data.attributes, population(data)
    if isinstance(data, pd.DataFrame):
        frame = data.set_index("customer_id") if "customer_id" in data.columns else data
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()].unique()
            msg = (
                f"survey rows must be unique per customer_id; {len(dup)} id(s) repeat "
                f"(e.g. {list(dup[:5])})."
            )
            raise SchemaError(msg)
        index = frame.index.copy()
        index.name = "customer_id"
        return frame, index
    msg = f"expected a CustomerBase or a survey DataFrame; got {type(data).__name__}."
    raise SchemaError(msg)


@attrs.frozen(kw_only=True)
class AttitudeRules:
    """Relative attitude (high / low / undetermined) from survey scores.

    Dick & Basu (1994) define relative attitude as attitude strength combined
    with attitudinal differentiation from the alternatives [1]_. They do not
    operationalise it (Garland & Gendall 2004 [2]_), so the cut-offs below are
    **custrel conventions**, evaluated per customer in this order:

    1. ``column`` (e.g. ``attitude`` on ``scale=(1, 7)``) present: ``high`` iff
       ``>= high_at``; if ``differentiation_column`` exists and the customer has
       a value there, it must also be ``>= differentiation_high_at``
       (basis ``"attitude+differentiation"``, else ``"attitude"``).
    2. ``column`` missing and ``recommend_column`` (0-10) present: ``high`` iff
       ``>= recommend_high_at`` (9, an NPS promoter; basis ``"recommend"``).
    3. Neither: ``undetermined`` with reason ``attitude_missing`` and
       candidates ``"high|low"`` (domain.md P5: never inferred from behaviour).

    Attributes
    ----------
    column : str
        The attitude score column.
    scale : tuple of float
        Declared (low, high) scale of ``column`` and ``differentiation_column``.
    high_at : float
        Inclusive cut-off for a high attitude (inside ``scale``).
    differentiation_column : str or None
        "Better than the alternatives" score on the same scale; ``None`` ignores it.
    differentiation_high_at : float
        Inclusive cut-off for high differentiation (inside ``scale``).
    recommend_column : str or None
        0-10 recommendation item used when the attitude score is missing.
    recommend_high_at : float
        Inclusive cut-off on the recommendation item (inside [0, 10]).

    Notes
    -----
    Scores outside the declared scale (``recommend`` outside [0, 10]) raise
    :class:`~custrel.errors.DataValidationError` listing every offending
    column with counts and example ids (domain.md P1). All rows of the survey
    frame are checked, also those of customers outside the population.

    References
    ----------
    .. [1] Dick, A.S., Basu, K. (1994). Customer loyalty: toward an integrated
       conceptual framework. *Journal of the Academy of Marketing Science*
       22(2):99-113.
    .. [2] Garland, R., Gendall, P. (2004). Testing Dick and Basu's customer
       loyalty model. *Australasian Marketing Journal* 12(3).

    Examples
    --------
    >>> survey = pd.DataFrame(
    ...     {"attitude": [6, 6, 4, None, None, None],
    ...      "differentiation": [None, 3, None, None, None, None],
    ...      "recommend": [None, None, None, 9, 7, None]},
    ...     index=pd.Index(list("abcdef"), name="customer_id"))
    >>> ra = AttitudeRules().classify(survey)
    >>> ra.frame[["label", "reason", "basis"]]
                        label            reason                     basis
    customer_id
    a                    high               NaN                  attitude
    b                     low               NaN  attitude+differentiation
    c                     low               NaN                  attitude
    d                    high               NaN                 recommend
    e                     low               NaN                 recommend
    f            undetermined  attitude_missing                       NaN
    """

    column: str = attrs.field(default="attitude", validator=is_str)
    scale: tuple[float, float] = attrs.field(
        default=(1.0, 7.0), converter=_scale, validator=_check_scale
    )
    high_at: float = attrs.field(default=5.0, validator=finite())
    differentiation_column: str | None = attrs.field(
        default="differentiation", validator=optional(is_str)
    )
    differentiation_high_at: float = attrs.field(default=5.0, validator=finite())
    recommend_column: str | None = attrs.field(default="recommend", validator=optional(is_str))
    recommend_high_at: float = attrs.field(
        default=9.0, validator=finite(ge=RECOMMEND_SCALE[0], le=RECOMMEND_SCALE[1])
    )

    def __attrs_post_init__(self) -> None:
        lo, hi = self.scale
        for name in ("high_at", "differentiation_high_at"):
            value = getattr(self, name)
            if not lo <= value <= hi:
                fail(
                    self,
                    attrs.fields_dict(AttitudeRules)[name],
                    f"inside scale {self.scale}",
                    value,
                )

    def classify(self, data: CustomerBase | pd.DataFrame, /) -> Labels:
        """Label each customer's relative attitude ``high``, ``low`` or ``undetermined``.

        Parameters
        ----------
        data : CustomerBase or DataFrame
            A customer base (population: its customers; scores from
            ``attributes``) or a survey frame indexed by ``customer_id``
            (population: its rows).

        Returns
        -------
        Labels
            Scheme ``"attitude"``; evidence ``score``, ``differentiation``,
            ``recommend``, ``basis``.

        Raises
        ------
        DataValidationError
            A score outside its declared scale, or a non-numeric score.
        """
        frame, index = survey_frame(data)
        as_of = data.as_of if isinstance(data, CustomerBase) else None
        codes, evidence = self._evaluate(frame, index)
        n_outside = 0
        if frame is not None and isinstance(data, CustomerBase):
            n_outside = int((~frame.index.isin(index)).sum())
        und = codes == 2
        return build_labels(
            scheme="attitude",
            as_of=as_of,
            config=self,
            index=index,
            codes=codes,
            categories=HIGH_LOW,
            reasons=np.where(und, reason_code(Reason.ATTITUDE_MISSING), NO_REASON),
            candidates=pick(und, f"{HIGH}|{LOW}", None),
            evidence=evidence,
            diagnostics={"survey_rows_not_in_base": n_outside},
        )

    def _evaluate(
        self, frame: pd.DataFrame | None, index: pd.Index
    ) -> tuple[CodeArray, dict[str, object]]:
        """Level codes (0 high, 1 low, 2 undetermined) and evidence on ``index`` (validates)."""
        problems = ProblemList("invalid survey data")
        lo, hi = self.scale
        score = numeric_column(frame, self.column, index, problems, low=lo, high=hi)
        diff: FloatArray = numeric_column(
            frame, self.differentiation_column, index, problems, low=lo, high=hi
        )
        rec = numeric_column(
            frame,
            self.recommend_column,
            index,
            problems,
            low=RECOMMEND_SCALE[0],
            high=RECOMMEND_SCALE[1],
        )
        problems.raise_if_any()
        has_score = ~np.isnan(score)
        has_diff = has_score & ~np.isnan(diff)
        use_rec = ~has_score & ~np.isnan(rec)
        with np.errstate(invalid="ignore"):
            high = np.where(
                has_score,
                (score >= self.high_at) & (~has_diff | (diff >= self.differentiation_high_at)),
                rec >= self.recommend_high_at,
            )
        known = has_score | use_rec
        codes = np.where(known, np.where(high, 0, 1), 2).astype(np.int8)
        basis = np.select([has_diff, has_score, use_rec], [0, 1, 2], default=-1)
        evidence: dict[str, object] = {
            "score": score,
            "differentiation": diff,
            "recommend": rec,
            "basis": codes_text(basis, ATTITUDE_BASES),
        }
        return codes, evidence
