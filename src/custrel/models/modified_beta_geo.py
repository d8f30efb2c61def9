"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007).

Identical to the BG/NBD except that a customer may also drop out right after
the first purchase (at time 0), with the same probability ``p ~ Beta(a, b)``
as after every repeat purchase. One-time buyers therefore do not have
``P(alive) = 1``: their P(alive) falls with ``T``.

References
----------
.. [1] Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and
       comparison of models for customer base analysis. International Journal of
       Research in Marketing 24(3), 201-209.
.. [2] Hoppe, D. & Wagner, U. (2007). Customer base analysis: The case for a central
       variant of the Betageometric/NBD model. Marketing - Journal of Research and
       Management 3(2), 75-90 (the same model, "CBG/NBD").
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import pandas as pd

from custrel.data._time import Period, TimeUnit
from custrel.models._mle import (
    DEFAULT_FIT_CONFIG,
    FitConfig,
    FitResult,
    parse_period,
    positive_param,
)
from custrel.models.beta_geo import _BetaGeoMixin, _fit

__all__ = ["ModifiedBetaGeo"]


@attrs.frozen(kw_only=True)
class ModifiedBetaGeo(_BetaGeoMixin):
    r"""MBG/NBD model with fixed parameters (Batislam, Denizel & Filiztekin 2007).

    Parameters
    ----------
    r, alpha : float
        Shape and scale (in time units) of the gamma purchase-rate heterogeneity.
    a, b : float
        Beta parameters of the dropout probability at the first purchase and
        after each repeat purchase.
    period : str, TimeUnit or None
        Time unit of ``alpha``; ``None`` when unspecified.

    Notes
    -----
    Individual likelihood:

    .. math::

        L = \frac{B(a, b+x+1)}{B(a, b)} \frac{\Gamma(r+x)\alpha^r}{\Gamma(r)}
            \left[(\alpha+T)^{-(r+x)} + \frac{a}{b+x}(\alpha+t_x)^{-(r+x)}\right]

    and ``P(alive) = 1 / (1 + a/(b+x) ((α+T)/(α+t_x))^(r+x))`` for every customer.

    References
    ----------
    .. [1] Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). International Journal
           of Research in Marketing 24(3), 201-209.

    Examples
    --------
    >>> m = ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614, period="W")
    >>> s = pd.DataFrame({"frequency": [0, 2], "recency": [0.0, 30.43], "T": [38.86, 38.86]},
    ...                  index=pd.Index([1, 2], name="customer_id"))
    >>> m.probability_alive(s).round(3).tolist()
    [0.39, 0.706]
    """

    _m: ClassVar[int] = 1
    r: float = attrs.field(validator=positive_param, converter=float)
    alpha: float = attrs.field(validator=positive_param, converter=float)
    a: float = attrs.field(validator=positive_param, converter=float)
    b: float = attrs.field(validator=positive_param, converter=float)
    period: TimeUnit | None = attrs.field(default=None, converter=parse_period)

    @classmethod
    def fit(
        cls,
        summary: pd.DataFrame,
        /,
        *,
        period: Period | None = None,
        config: FitConfig = DEFAULT_FIT_CONFIG,
    ) -> FitResult[ModifiedBetaGeo]:
        """Fit by maximum likelihood on ``frequency``, ``recency``, ``T`` (and ``weight``).

        Parameters
        ----------
        summary : DataFrame
            One row per customer (or per pattern with a ``weight`` column).
        period : str, TimeUnit or None
            Time unit of ``recency`` and ``T``.
        config : FitConfig
            Penalty, iterations, start point, covariance.

        Returns
        -------
        FitResult[ModifiedBetaGeo]

        Raises
        ------
        SchemaError, DataValidationError
            Invalid summary.
        ConvergenceError
            No usable optimum.

        Examples
        --------
        >>> import custrel
        >>> from custrel.datasets import load_cdnow
        >>> s = custrel.calibration_holdout(load_cdnow(), calibration_end="1997-09-30",
        ...                                 observation_end="1998-06-30", period="W")
        >>> res = ModifiedBetaGeo.fit(s, period="W")
        >>> res.params.round(3).tolist(), round(res.loglik, 4)
        ([0.525, 6.183, 0.891, 1.614], -9582.1357)
        """
        return _fit(cls, summary, period=period, config=config)
