"""JSON persistence of models and fit results (no pickle).

A model is stored as its class name, its attrs fields and its period; a
:class:`~custrel.models.FitResult` adds the fit statistics, the covariance
matrix and the :class:`~custrel.models.FitConfig`. Floats are written with
``repr`` precision, so a round trip is exact.

Model classes are found in a registry: every class exported by
:mod:`custrel.models` is known automatically, and other (user-defined) frozen
attrs models can be added with :func:`register_model`.

Examples
--------
>>> from custrel.models import BetaGeo, from_json, to_json
>>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
>>> text = to_json(m)
>>> text
'{"format": "custrel.model", "version": 1, "type": "BetaGeo", "params": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "period": {"name": "W", "days": 7.0}}'
>>> from_json(text) == m
True
"""

from __future__ import annotations

import json
import math
from typing import Any, TypeVar

import attrs
import numpy as np
import pandas as pd

from custrel.data._time import TimeUnit
from custrel.errors import ParameterError
from custrel.models._mle import FitConfig, FitResult

__all__ = ["from_json", "model_from_dict", "model_to_dict", "register_model", "to_json"]

_REGISTRY: dict[str, type[Any]] = {}
_VERSION = 1

C = TypeVar("C", bound=type[Any])


def register_model(cls: C) -> C:
    """Register a frozen attrs model class for :func:`from_json` (usable as a decorator).

    Classes exported by :mod:`custrel.models` are known without registration;
    register your own models so that :func:`from_json` can rebuild them. The
    class is registered under its ``__name__``.

    Parameters
    ----------
    cls : type
        An attrs class whose fields are JSON-storable (numbers, strings,
        booleans, ``None``, lists/tuples of these, and an optional ``period``).

    Returns
    -------
    type
        ``cls`` itself, unchanged.

    Raises
    ------
    ParameterError
        ``cls`` is not an attrs class.

    Examples
    --------
    >>> import attrs
    >>> from custrel.models import from_json, register_model, to_json
    >>> @register_model
    ... @attrs.frozen(kw_only=True)
    ... class Flat:
    ...     rate: float
    >>> from_json(to_json(Flat(rate=0.5)))
    Flat(rate=0.5)
    >>> register_model(dict)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: register_model expects an attrs class; got <class 'dict'>.
    """
    is_attrs = bool(attrs.has(cls))
    if not is_attrs:
        msg = f"register_model expects an attrs class; got {cls!r}."
        raise ParameterError(msg)
    _REGISTRY[cls.__name__] = cls
    return cls


def _lookup(name: str) -> type[Any]:
    if name in _REGISTRY:
        return _REGISTRY[name]
    import custrel.models as models

    cls = getattr(models, name, None)
    if isinstance(cls, type) and attrs.has(cls):
        return cls
    msg = (
        f"unknown model type {name!r} in JSON; known: {sorted(set(_REGISTRY) | _exported())}. "
        "Register custom models with custrel.models.register_model."
    )
    raise ParameterError(msg)


def _exported() -> set[str]:
    import custrel.models as models

    return {n for n in models.__all__ if isinstance(getattr(models, n), type)}


def _period_to_dict(period: TimeUnit | None) -> dict[str, Any] | None:
    return None if period is None else {"name": period.name, "days": period.days}


def _period_from_dict(d: Any) -> TimeUnit | None:
    if d is None:
        return None
    return TimeUnit(name=str(d["name"]), days=float(d["days"]))


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        if not math.isfinite(v):
            msg = f"{where} is not finite ({v}); it cannot be stored as JSON."
            raise ParameterError(msg)
        return v
    if isinstance(value, tuple | list):
        return [_plain(v, where) for v in value]
    msg = f"{where} has type {type(value).__name__}, which custrel cannot store as JSON."
    raise ParameterError(msg)


def model_to_dict(model: object) -> dict[str, Any]:
    """A JSON-ready dict of a frozen attrs model (class name, fields, period).

    The dict form of :func:`to_json` for a model, for embedding a model in a
    larger JSON document.

    Parameters
    ----------
    model : attrs instance
        A custrel model (or a registered user model).

    Returns
    -------
    dict
        Keys ``format``, ``version``, ``type``, ``params`` and ``period``
        (``None`` for models without a time unit).

    Raises
    ------
    ParameterError
        ``model`` is not an attrs instance, or holds a value JSON cannot store
        (e.g. a non-finite float).

    Examples
    --------
    >>> from custrel.models._persist import model_to_dict
    >>> from custrel.models import BetaGeo
    >>> d = model_to_dict(BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W"))
    >>> d["type"], d["params"], d["period"]
    ('BetaGeo', {'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}, {'name': 'W', 'days': 7.0})
    """
    cls = type(model)
    if not attrs.has(cls):
        msg = f"to_json expects a custrel model or FitResult; got {cls.__name__}."
        raise ParameterError(msg)
    params: dict[str, Any] = {}
    period: dict[str, Any] | None = None
    for f in attrs.fields(cls):
        value = getattr(model, f.name)
        if f.name == "period":
            period = _period_to_dict(value)
        else:
            params[f.name] = _plain(value, f"{cls.__name__}.{f.name}")
    return {
        "format": "custrel.model",
        "version": _VERSION,
        "type": cls.__name__,
        "params": params,
        "period": period,
    }


def model_from_dict(d: dict[str, Any]) -> Any:
    """Rebuild a model from :func:`model_to_dict` output (validates its parameters).

    Parameters
    ----------
    d : dict
        A dict written by :func:`model_to_dict` (``type``, ``params`` and
        optionally ``period``).

    Returns
    -------
    model
        A new instance of the named class; its validators run as usual.

    Raises
    ------
    ParameterError
        Unknown model type, or parameters the model rejects.

    Examples
    --------
    >>> from custrel.models._persist import model_from_dict, model_to_dict
    >>> from custrel.models import BetaGeo
    >>> m = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
    >>> model_from_dict(model_to_dict(m)) == m
    True
    >>> model_from_dict({"type": "Nope", "params": {}})
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: unknown model type 'Nope' in JSON; ...
    """
    cls = _lookup(str(d["type"]))
    kwargs = dict(d["params"])
    if any(f.name == "period" for f in attrs.fields(cls)):
        kwargs["period"] = _period_from_dict(d.get("period"))
    return cls(**kwargs)


def _config_to_dict(config: FitConfig) -> dict[str, Any]:
    return {
        "penalizer_coef": config.penalizer_coef,
        "max_iter": config.max_iter,
        "gtol": config.gtol,
        "initial": config.initial_dict(),
        "covariance": config.covariance,
        "warm_start_patterns": config.warm_start_patterns,
    }


def _fit_to_dict(res: FitResult[Any]) -> dict[str, Any]:
    cov = None if res.covariance is None else res.covariance.to_numpy().tolist()
    return {
        "format": "custrel.fit_result",
        "version": _VERSION,
        "model": model_to_dict(res.model),
        "param_names": list(res.param_names),
        "loglik": res.loglik,
        "n_customers": res.n_customers,
        "n_patterns": res.n_patterns,
        "converged": res.converged,
        "iterations": res.iterations,
        "message": res.message,
        "covariance": cov,
        "period": _period_to_dict(res.period),
        "config": _config_to_dict(res.config),
        "seconds": res.seconds,
    }


def _fit_from_dict(d: dict[str, Any]) -> FitResult[Any]:
    names = tuple(str(n) for n in d["param_names"])
    cov = d.get("covariance")
    covariance = (
        None
        if cov is None
        else pd.DataFrame(
            np.asarray(cov, dtype=np.float64),
            index=pd.Index(names),
            columns=pd.Index(names),
        )
    )
    cfg = d["config"]
    return FitResult(
        model=model_from_dict(d["model"]),
        param_names=names,
        loglik=float(d["loglik"]),
        n_customers=float(d["n_customers"]),
        n_patterns=int(d["n_patterns"]),
        converged=bool(d["converged"]),
        iterations=int(d["iterations"]),
        message=str(d["message"]),
        covariance=covariance,
        period=_period_from_dict(d.get("period")),
        config=FitConfig(
            penalizer_coef=float(cfg["penalizer_coef"]),
            max_iter=int(cfg["max_iter"]),
            gtol=float(cfg["gtol"]),
            initial=cfg.get("initial"),
            covariance=bool(cfg["covariance"]),
            warm_start_patterns=int(cfg.get("warm_start_patterns", 20_000)),
        ),
        seconds=float(d.get("seconds", 0.0)),
    )


def to_json(obj: object, *, indent: int | None = None) -> str:
    """Serialise a model or a :class:`~custrel.models.FitResult` to a JSON string.

    Floats are written with ``repr`` precision, so :func:`from_json` gives back
    an equal model. A fit result also stores its fit statistics, covariance
    matrix, time unit and :class:`~custrel.models.FitConfig`.

    Parameters
    ----------
    obj : model or FitResult
        A custrel model (or a model registered with :func:`register_model`), or
        a fit result.
    indent : int, optional
        Indentation passed to ``json.dumps``; ``None`` (default) writes one line.

    Returns
    -------
    str
        The JSON document (``"format"`` is ``"custrel.model"`` or
        ``"custrel.fit_result"``).

    Raises
    ------
    ParameterError
        ``obj`` is neither a model nor a fit result, or holds a value JSON cannot store.

    See Also
    --------
    from_json : The inverse.

    Examples
    --------
    >>> from custrel.models import BetaGeo, to_json
    >>> print(to_json(BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W"), indent=1))
    {
     "format": "custrel.model",
     "version": 1,
     "type": "BetaGeo",
     "params": {
      "r": 0.243,
      "alpha": 4.414,
      "a": 0.793,
      "b": 2.426
     },
     "period": {
      "name": "W",
      "days": 7.0
     }
    }
    >>> to_json(3.0)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: to_json expects a custrel model or FitResult; got float.
    """
    d = _fit_to_dict(obj) if isinstance(obj, FitResult) else model_to_dict(obj)
    return json.dumps(d, indent=indent, allow_nan=False)


def from_json(text: str) -> Any:
    """Rebuild a model or a :class:`~custrel.models.FitResult` written by :func:`to_json`.

    Parameters
    ----------
    text : str
        A JSON document written by :func:`to_json`.

    Returns
    -------
    model or FitResult
        Equal to the object that was written (parameters are validated again).

    Raises
    ------
    ParameterError
        The text is not a custrel JSON document or names an unknown model.

    See Also
    --------
    to_json : The inverse.

    Examples
    --------
    A fit result survives the round trip with its model, fit statistics and
    covariance (here a fit to 1,000 customers simulated from the published
    CDNOW parameters):

    >>> from custrel.models import BetaGeo, from_json, to_json
    >>> from custrel.models.simulate import simulate_beta_geo
    >>> truth = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W")
    >>> res = BetaGeo.fit(simulate_beta_geo(truth, 1000, T=39.0, seed=1).summary, period="W")
    >>> back = from_json(to_json(res))
    >>> back.model == res.model, back.loglik == res.loglik, back.covariance.equals(res.covariance)
    (True, True, True)
    >>> from_json('{"not": "custrel"}')
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: from_json expects text written by custrel.models.to_json.
    """
    try:
        d = json.loads(text)
        kind = d["format"]
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        msg = "from_json expects text written by custrel.models.to_json."
        raise ParameterError(msg) from exc
    try:
        if kind == "custrel.model":
            return model_from_dict(d)
        if kind == "custrel.fit_result":
            return _fit_from_dict(d)
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ParameterError):
            raise
        msg = f"from_json: malformed {kind!r} document ({exc!r})."
        raise ParameterError(msg) from exc
    msg = f"from_json: unknown document format {kind!r}."
    raise ParameterError(msg)
