"""Convert custrel models to and from the equivalent ``lifetimes`` fitters.

=====================  ===========================  ==========================
custrel                lifetimes                    parameters
=====================  ===========================  ==========================
``BetaGeo``            ``BetaGeoFitter``            r, alpha, a, b
``ModifiedBetaGeo``    ``ModifiedBetaGeoFitter``    r, alpha, a, b
``BetaGeoBetaBinom``   ``BetaGeoBetaBinomFitter``   alpha, beta, gamma, delta
``ParetoNBD``          ``ParetoNBDFitter``          r, alpha, s, beta
``GammaGamma``         ``GammaGammaFitter``         p, q, gamma (lifetimes: v)
=====================  ===========================  ==========================

:func:`to_lifetimes` returns a fitter whose ``params_`` (and, from a
:class:`~custrel.models.FitResult`, ``variance_matrix_``, ``standard_errors_``,
``confidence_intervals_`` and ``penalizer_coef``) are set, so lifetimes'
prediction methods and plots work on it; :func:`from_lifetimes` builds the
custrel model from a fitted lifetimes fitter. lifetimes has no notion of time
units: pass ``period=`` to record the unit of the data it was fitted on.

lifetimes changes the process-wide warning filters when it is imported; this
module imports it inside ``warnings.catch_warnings()``, so custrel leaves
your filters as they were.

Examples
--------
>>> from custrel.interop.lifetimes import from_lifetimes, to_lifetimes
>>> from custrel.models import BetaGeo
>>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
>>> fitter = to_lifetimes(m)
>>> type(fitter).__name__, fitter.params_.round(3).tolist()
('BetaGeoFitter', [0.243, 4.414, 0.793, 2.426])
>>> fitter.conditional_probability_alive(2, 30.43, 38.86).round(4).tolist()
[0.7266]
>>> from_lifetimes(fitter, period="W") == m
True
"""

from __future__ import annotations

import importlib
import warnings
from types import ModuleType
from typing import Any

import attrs
import numpy as np
import pandas as pd

from custrel.data._time import Period
from custrel.errors import ParameterError
from custrel.models._mle import FitResult

__all__ = ["from_lifetimes", "to_lifetimes"]

# custrel class name -> (lifetimes fitter name, ((custrel param, lifetimes param), ...))
_TABLE: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "BetaGeo": ("BetaGeoFitter", (("r", "r"), ("alpha", "alpha"), ("a", "a"), ("b", "b"))),
    "ModifiedBetaGeo": (
        "ModifiedBetaGeoFitter",
        (("r", "r"), ("alpha", "alpha"), ("a", "a"), ("b", "b")),
    ),
    "BetaGeoBetaBinom": (
        "BetaGeoBetaBinomFitter",
        (("alpha", "alpha"), ("beta", "beta"), ("gamma", "gamma"), ("delta", "delta")),
    ),
    "ParetoNBD": (
        "ParetoNBDFitter",
        (("r", "r"), ("alpha", "alpha"), ("s", "s"), ("beta", "beta")),
    ),
    "GammaGamma": ("GammaGammaFitter", (("p", "p"), ("q", "q"), ("gamma", "v"))),
}


def _lifetimes() -> ModuleType:
    with warnings.catch_warnings():  # lifetimes calls warnings.simplefilter at import
        return importlib.import_module("lifetimes")


def to_lifetimes(obj: Any, /) -> Any:
    """A lifetimes fitter carrying the parameters of a custrel model or fit result.

    Parameters
    ----------
    obj : model or FitResult
        ``BetaGeo``, ``ModifiedBetaGeo``, ``BetaGeoBetaBinom``, ``ParetoNBD`` or
        ``GammaGamma`` (or a fit result of one of them).

    Returns
    -------
    lifetimes fitter
        With ``params_`` set; from a fit result also the covariance
        (``variance_matrix_``), ``standard_errors_``, 95% ``confidence_intervals_``
        and ``penalizer_coef``.

    Raises
    ------
    ParameterError
        The model has no lifetimes equivalent.

    See Also
    --------
    from_lifetimes : The inverse.

    Examples
    --------
    The BG/NBD parameters of Fader, Hardie and Lee (2005) [1]_ give lifetimes' expected
    number of purchases in the next 39 weeks for a customer with x = 2,
    t_x = 30.43 and T = 38.86 weeks (1.226 in the paper):

    >>> from custrel.interop.lifetimes import to_lifetimes
    >>> from custrel.models import BetaGeo, GammaGamma, ShiftedBetaGeo
    >>> fitter = to_lifetimes(BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W"))
    >>> round(float(fitter.predict(39, 2, 30.43, 38.86)), 3)
    1.226
    >>> gg = to_lifetimes(GammaGamma(p=6.25, q=3.74, gamma=15.44))
    >>> type(gg).__name__, gg.params_.to_dict()
    ('GammaGammaFitter', {'p': 6.25, 'q': 3.74, 'v': 15.44})
    >>> to_lifetimes(ShiftedBetaGeo(alpha=0.7, beta=1.2))
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: to_lifetimes: ShiftedBetaGeo has no lifetimes equivalent; ...

    References
    ----------
    .. [1] Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your
       Customers" the Easy Way: An Alternative to the Pareto/NBD Model.
       *Marketing Science* 24(2), 275-284.
    """
    result = obj if isinstance(obj, FitResult) else None
    model = obj.model if result is not None else obj
    name = type(model).__name__
    if name not in _TABLE:
        msg = f"to_lifetimes: {name} has no lifetimes equivalent; supported: {sorted(_TABLE)}."
        raise ParameterError(msg)
    fitter_name, pairs = _TABLE[name]
    fitter = getattr(_lifetimes(), fitter_name)()
    index = pd.Index([lt for _, lt in pairs])
    fitter.params_ = pd.Series([float(getattr(model, c)) for c, _ in pairs], index=index)
    if hasattr(fitter, "conditional_expected_number_of_purchases_up_to_time"):
        fitter.predict = fitter.conditional_expected_number_of_purchases_up_to_time
    if result is not None:
        fitter.penalizer_coef = result.config.penalizer_coef
        if result.covariance is not None:
            order = [c for c, _ in pairs]
            cov = result.covariance.loc[order, order].to_numpy()
            fitter.variance_matrix_ = pd.DataFrame(cov, index=index, columns=index)
            se = pd.Series(np.sqrt(np.diag(cov)), index=index)
            fitter.standard_errors_ = se
            fitter.confidence_intervals_ = pd.DataFrame(
                {
                    "lower 95% bound": fitter.params_ - 1.96 * se,
                    "upper 95% bound": fitter.params_ + 1.96 * se,
                },
                index=index,
            )
    return fitter


def from_lifetimes(fitter: Any, /, *, period: Period | None = None) -> Any:
    """The custrel model equivalent to a fitted lifetimes fitter.

    Parameters
    ----------
    fitter : lifetimes fitter
        A fitted ``BetaGeoFitter``, ``ModifiedBetaGeoFitter``,
        ``BetaGeoBetaBinomFitter``, ``ParetoNBDFitter`` or ``GammaGammaFitter``.
    period : str, TimeUnit or None
        Time unit of the data the fitter was fitted on (lifetimes does not record it).

    Returns
    -------
    model
        The custrel model with the same parameters.

    Raises
    ------
    ParameterError
        Unsupported fitter, a fitter that was never fitted, or ``period`` for a
        model without a time unit (``GammaGamma``, ``BetaGeoBetaBinom``).

    See Also
    --------
    to_lifetimes : The inverse.

    Examples
    --------
    >>> from custrel.interop.lifetimes import from_lifetimes, to_lifetimes
    >>> from custrel.models import BetaGeo, GammaGamma
    >>> fitter = to_lifetimes(BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426))
    >>> from_lifetimes(fitter, period="W")
    BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period=TimeUnit(name='W', days=7.0))
    >>> from_lifetimes(to_lifetimes(GammaGamma(p=6.25, q=3.74, gamma=15.44)))
    GammaGamma(p=6.25, q=3.74, gamma=15.44)
    >>> from_lifetimes(type(fitter)())  # a fresh, unfitted BetaGeoFitter
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: from_lifetimes: the BetaGeoFitter has no params_; fit it first.
    """
    import custrel.models as models

    fname = type(fitter).__name__
    match = [(c, pairs) for c, (f, pairs) in _TABLE.items() if f == fname]
    if not match:
        supported = sorted(f for f, _ in _TABLE.values())
        msg = f"from_lifetimes: unsupported fitter {fname}; supported: {supported}."
        raise ParameterError(msg)
    cls_name, pairs = match[0]
    params = getattr(fitter, "params_", None)
    if params is None:
        msg = f"from_lifetimes: the {fname} has no params_; fit it first."
        raise ParameterError(msg)
    cls = getattr(models, cls_name, None)
    if cls is None:
        msg = f"from_lifetimes: custrel.models.{cls_name} is not available."
        raise ParameterError(msg)
    kwargs: dict[str, Any] = {c: float(params[lt]) for c, lt in pairs}
    if any(f.name == "period" for f in attrs.fields(cls)):
        kwargs["period"] = period
    elif period is not None:
        msg = f"from_lifetimes: {cls_name} has no time unit; do not pass period=."
        raise ParameterError(msg)
    return cls(**kwargs)
