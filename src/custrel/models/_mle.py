"""The shared maximum-likelihood engine behind every custrel model.

How a model plugs in
--------------------
A model module (e.g. :mod:`custrel.models.beta_geo`) provides

1. a frozen attrs class with the paper's parameters as fields (validated with
   :func:`positive_param`) plus a ``period: TimeUnit | None`` field;
2. a :class:`ModelSpec` describing its likelihood to the engine:

   - ``param_names``: the natural parameters, in order;
   - ``data_columns``: the sufficient statistics the likelihood reads
     (e.g. ``("frequency", "recency", "T")``); identical rows are collapsed
     into weighted patterns over exactly these columns;
   - ``loglik_rows(params, data)``: per-pattern log-likelihood, where
     ``params`` is a float array of natural parameters and ``data`` a dict of
     float arrays (the pattern columns plus whatever ``prepare`` adds);
   - optionally ``loglik_grad(params, data, weights) -> (total, gradient)``:
     the weighted total log-likelihood and its gradient with respect to the
     natural parameters (without it the engine uses central differences);
   - ``time_columns`` / ``scale_params``: for conditioning the engine rescales
     the time columns so that ``max(T) == 1`` (as lifetimes does) and divides
     the ``scale_params`` (rate-scale parameters such as BG/NBD's ``alpha``) by
     the same factor afterwards;
   - ``prepare(data)``: optional precomputation on the (scaled) pattern
     columns, called once per fit (e.g. codes of the distinct frequencies);
3. a classmethod ``fit(summary, /, *, period=None, config=FitConfig())`` that
   validates the summary (:func:`check_btyd_summary` or its own check), calls
   :func:`fit_mle` with deterministic start points and a ``build`` callback
   turning a ``dict`` of natural parameters into the model, and returns the
   :class:`FitResult`.

The engine optimises the mean negative log-likelihood (plus the optional L2
penalty ``penalizer_coef * sum(theta**2)`` on the natural parameters in the
scaled time unit, exactly as lifetimes' ``penalizer_coef``) over
log-parameters with L-BFGS-B, tries every start point until one converges,
computes the Hessian of the total negative log-likelihood in log-parameters by
central differences of the gradient, and maps it to the natural parameters by
the delta method. The reported log-likelihood is recomputed on the
uncollapsed units of the data (time in the data's unit, no penalty).

Examples
--------
>>> from custrel.models._mle import compress
>>> p = compress({"x": np.array([1.0, 1.0, 2.0]), "t": np.array([3.0, 3.0, 4.0])}, None)
>>> sorted(zip(p.columns["x"].tolist(), p.weights.tolist()))
[(1.0, 2.0), (2.0, 1.0)]
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, stats

from custrel.data._time import Period, TimeUnit
from custrel.data._validate import ProblemList
from custrel.errors import (
    ConvergenceError,
    ConvergenceWarning,
    DataValidationError,
    ParameterError,
    SchemaError,
)
from custrel.models._special import FloatArray

__all__ = [
    "DEFAULT_FIT_CONFIG",
    "FitConfig",
    "FitResult",
    "ModelDisplay",
    "ModelSpec",
    "Patterns",
    "check_btyd_summary",
    "compress",
    "fit_mle",
    "parse_period",
    "positive_param",
    "require_repeat_buyers",
    "weights_of",
]

M = TypeVar("M")

IntArray = NDArray[np.int64]


# --------------------------------------------------------------------------- validation
def positive_param(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    """Attrs validator: a finite float > 0, with an sklearn-style message."""
    ok = isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) <= 0:
        msg = (
            f"{type(instance).__name__}.{attribute.name} must be a finite float > 0; got {value!r}."
        )
        raise ParameterError(msg)


def parse_period(value: Period | None) -> TimeUnit | None:
    """Attrs converter: ``None`` stays ``None``, anything else becomes a :class:`TimeUnit`."""
    return None if value is None else TimeUnit.parse(value)


def _require_columns(summary: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(summary, pd.DataFrame):
        msg = f"{what} expects a pandas DataFrame summary; got {type(summary).__name__}."
        raise SchemaError(msg)
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        msg = (
            f"{what}: the summary lacks column(s) {missing}; it needs {list(columns)} "
            "(custrel.summarize(...) produces them)."
        )
        raise SchemaError(msg)


def _numeric(summary: pd.DataFrame, column: str, what: str) -> FloatArray:
    try:
        return np.asarray(summary[column], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{what}: column {column!r} must be numeric; got dtype {summary[column].dtype}."
        raise SchemaError(msg) from exc


def require_repeat_buyers(x: FloatArray, w: FloatArray, name: str) -> None:
    """Raise when no weighted customer has a repeat purchase (the model is not identified).

    Without a single repeat purchase the purchase rate and the dropout process
    cannot be told apart: the likelihood is maximised at the boundary of the
    parameter space, and the "fit" would predict nothing useful.
    """
    if not np.any((x > 0) & (w > 0)):
        msg = (
            f"{name}: no customer with positive weight has a repeat purchase "
            "(frequency > 0); the purchase and dropout parameters are not identified."
        )
        raise DataValidationError(msg)


def weights_of(summary: pd.DataFrame, what: str, problems: ProblemList | None = None) -> FloatArray:
    """The optional ``weight`` column (customers per row), or ones.

    Weights must be finite and >= 0; problems are added to ``problems`` when
    given, else raised at once.
    """
    if "weight" not in summary.columns:
        return np.ones(len(summary), dtype=np.float64)
    w = _numeric(summary, "weight", what)
    own = problems is None
    plist = ProblemList(what) if problems is None else problems
    plist.check_rows(
        ~(np.isfinite(w) & (w >= 0)),
        column="weight",
        rule="must be finite and >= 0",
        index=summary.index,
        values=summary["weight"],
        label="customer",
    )
    if own:
        plist.raise_if_any()
    return w


def check_btyd_summary(
    summary: pd.DataFrame, what: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate a continuous-time summary and return ``(frequency, recency, T, weight)``.

    Rules (every violation reported at once, with counts and example ids):
    numeric finite values; ``frequency`` a non-negative integer; ``0 <= recency <= T``;
    ``recency == 0`` when ``frequency == 0``; ``weight`` finite and >= 0.

    Raises
    ------
    SchemaError
        A column is missing or not numeric.
    DataValidationError
        Any value rule is violated.

    Examples
    --------
    >>> s = pd.DataFrame({"frequency": [1, 0], "recency": [5.0, 2.0], "T": [4.0, 3.0]},
    ...                  index=pd.Index(["a", "b"], name="customer_id"))
    >>> check_btyd_summary(s, "BetaGeo.fit")
    Traceback (most recent call last):
    ...
    custrel.errors.DataValidationError: BetaGeo.fit: 2 problem(s) found:
      - column 'recency': must be <= T; 1 of 2 customers violate it (e.g. customer 'a' with values 5.0)
      - column 'recency': must be 0 when frequency is 0; 1 of 2 customers violate it (e.g. customer 'b' with values 2.0)
    """
    cols = ("frequency", "recency", "T")
    _require_columns(summary, cols, what)
    x, tx, t_obs = (_numeric(summary, c, what) for c in cols)
    # fast path: one combined test (NaN fails every comparison); details only on failure
    ok = (
        (x >= 0)
        & (x < 2.0**53)
        & (x == np.floor(x))
        & (tx >= 0)
        & (tx <= t_obs)
        & ((x > 0) | (tx == 0))
        & (t_obs < np.inf)
    )
    if bool(ok.all()) and "weight" not in summary.columns:
        return x, tx, t_obs, np.ones(x.size, dtype=np.float64)
    plist = ProblemList(what)
    idx = summary.index
    for name, arr in zip(cols, (x, tx, t_obs), strict=True):
        plist.check_rows(
            ~np.isfinite(arr),
            column=name,
            rule="must be finite (no NaN or inf)",
            index=idx,
            values=summary[name],
            label="customer",
        )
    fin = np.isfinite(x) & np.isfinite(tx) & np.isfinite(t_obs)
    plist.check_rows(
        fin & ((x < 0) | (x != np.floor(x))),
        column="frequency",
        rule="must be a non-negative integer",
        index=idx,
        values=summary["frequency"],
        label="customer",
    )
    plist.check_rows(
        fin & (tx < 0),
        column="recency",
        rule="must be >= 0",
        index=idx,
        values=summary["recency"],
        label="customer",
    )
    plist.check_rows(
        fin & (tx > t_obs),
        column="recency",
        rule="must be <= T",
        index=idx,
        values=summary["recency"],
        label="customer",
    )
    plist.check_rows(
        fin & (x == 0) & (tx != 0),
        column="recency",
        rule="must be 0 when frequency is 0",
        index=idx,
        values=summary["recency"],
        label="customer",
    )
    w = weights_of(summary, what, plist)
    plist.raise_if_any()
    return x, tx, t_obs, w


# --------------------------------------------------------------------------- patterns
@attrs.frozen(eq=False)
class Patterns:
    """Distinct rows of the sufficient statistics with their total weights.

    Attributes
    ----------
    columns : dict of str to FloatArray
        The distinct values of each column (one entry per pattern).
    weights : FloatArray
        Sum of the row weights of each pattern.
    inverse : IntArray
        Pattern of each input row (``columns[c][inverse]`` rebuilds the input).
    """

    columns: dict[str, FloatArray]
    weights: FloatArray
    inverse: IntArray

    @property
    def n_patterns(self) -> int:
        """Number of distinct patterns."""
        return int(self.weights.size)


def _column_codes(vals: FloatArray) -> tuple[IntArray, int]:
    """Dense integer codes of one column: direct offsets for small-range integers, else hashing."""
    n = vals.size
    head = vals[:64]
    if n and np.array_equal(head, np.floor(head)):
        lo, hi = float(vals.min()), float(vals.max())
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo <= 4 * n:
            shifted = vals - lo
            as_int = shifted.astype(np.int64)
            if np.array_equal(as_int, shifted):
                return as_int, int(hi - lo) + 1
    codes, uniq = pd.factorize(vals, sort=False)
    return codes.astype(np.int64), max(len(uniq), 1)


def compress(columns: Mapping[str, FloatArray], weights: FloatArray | None) -> Patterns:
    """Collapse identical rows into weighted patterns with a packed-key unique.

    Each column gets dense integer codes on its own (offsets for small-range
    integer columns such as ``frequency``, hash factorisation otherwise, both
    O(n)); the codes are packed into one int64 key (mixed radix, re-densified
    when the radix product would overflow) and the key is densified once more,
    with a lookup table when the key range is small and hashing otherwise. This is
    much cheaper than ``np.unique(axis=0)``, which sorts rows lexicographically.
    Pattern order is deterministic but unspecified. ``-0.0`` and ``0.0`` are the
    same value.
    """
    names = list(columns)
    n = len(next(iter(columns.values()))) if names else 0
    w = np.ones(n, dtype=np.float64) if weights is None else np.asarray(weights, np.float64)
    key: IntArray = np.zeros(n, dtype=np.int64)
    radix = 1
    for name in names:
        vals = np.asarray(columns[name], dtype=np.float64) + 0.0  # -0.0 -> 0.0
        codes, k = _column_codes(vals)
        if radix * k >= 2**62:
            key, radix = _densify(key, radix)
        key = key * k + codes
        radix *= k
    inverse, n_pat = _densify(key, radix)
    # any row of a pattern represents it (all its rows are identical)
    rep = np.zeros(n_pat, dtype=np.int64)
    rep[inverse] = np.arange(n, dtype=np.int64)
    out = {c: np.asarray(columns[c], dtype=np.float64)[rep] + 0.0 for c in names}
    wsum = np.bincount(inverse, weights=w, minlength=n_pat)
    return Patterns(columns=out, weights=wsum.astype(np.float64), inverse=inverse)


def _densify(key: IntArray, radix: int) -> tuple[IntArray, int]:
    """Map keys to 0..m-1 (m distinct keys): a lookup table for small radix, else hashing."""
    if key.size == 0:
        return key, 0
    if radix <= 4 * key.size + 1024:
        present = np.zeros(radix, dtype=np.int64)
        present[key] = 1
        table = np.cumsum(present) - 1
        return table[key], int(table[-1]) + 1
    codes, uniq = pd.factorize(key, sort=False)
    return codes.astype(np.int64), len(uniq)


# --------------------------------------------------------------------------- spec, config
LoglikRows = Callable[[FloatArray, Mapping[str, FloatArray]], FloatArray]
LoglikGrad = Callable[[FloatArray, Mapping[str, FloatArray], FloatArray], tuple[float, FloatArray]]


def _identity(data: dict[str, FloatArray]) -> dict[str, FloatArray]:
    return data


@attrs.frozen(kw_only=True)
class ModelSpec:
    """What the engine needs to know about a model's likelihood (see the module docstring).

    Attributes
    ----------
    name : str
        Model class name, used in messages.
    param_names : tuple of str
        Natural parameters in optimisation order.
    data_columns : tuple of str
        Sufficient statistics the likelihood reads.
    loglik_rows : callable
        ``(params, data) -> per-row log-likelihood``.
    loglik_grad : callable or None
        ``(params, data, weights) -> (weighted total, gradient)`` on natural parameters.
    time_columns : tuple of str
        Columns measured in time units (rescaled for conditioning).
    scale_params : tuple of str
        Parameters measured in time units (divided by the scale afterwards).
    scale_column : str or None
        Column whose maximum defines the scale (``max == 1`` after scaling).
    prepare : callable
        Precomputation on the scaled pattern columns.
    jacobian_order : callable or None
        ``(data, weights) -> J`` with ``LL(data unit) = LL(scaled) + J * log(scale)``
        (e.g. ``sum(weights * frequency)`` for models with one density per purchase
        time). Without it the engine recomputes the log-likelihood on the unscaled
        patterns with ``loglik_rows``.
    """

    name: str
    param_names: tuple[str, ...]
    data_columns: tuple[str, ...]
    loglik_rows: LoglikRows
    loglik_grad: LoglikGrad | None = None
    time_columns: tuple[str, ...] = ()
    scale_params: tuple[str, ...] = ()
    scale_column: str | None = None
    prepare: Callable[[dict[str, FloatArray]], dict[str, FloatArray]] = _identity
    jacobian_order: Callable[[Mapping[str, FloatArray], FloatArray], float] | None = None


def _nonneg(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        msg = f"FitConfig.{attribute.name} must be a finite float >= 0; got {value!r}."
        raise ParameterError(msg)


def _posint(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        msg = f"FitConfig.{attribute.name} must be an int >= 1; got {value!r}."
        raise ParameterError(msg)


def _check_initial(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[tuple[str, float], ...] | None
) -> None:
    if value is None:
        return
    for k, v in value:
        if not (math.isfinite(v) and v > 0):
            msg = f"FitConfig.initial[{k!r}] must be a finite float > 0; got {v!r}."
            raise ParameterError(msg)


def _freeze_initial(value: Mapping[str, float] | None) -> tuple[tuple[str, float], ...] | None:
    if value is None:
        return None
    try:
        return tuple((str(k), float(v)) for k, v in dict(value).items())
    except (TypeError, ValueError) as exc:
        msg = f"FitConfig.initial must map parameter names to floats; got {value!r}."
        raise ParameterError(msg) from exc


@attrs.frozen(kw_only=True)
class FitConfig:
    """Settings of a maximum-likelihood fit.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty ``penalizer_coef * sum(theta**2)`` added to the mean negative
        log-likelihood, on the natural parameters with time scaled so that
        ``max(T) == 1`` (identical to lifetimes' ``penalizer_coef``). Default 0.
    max_iter : int
        Maximum L-BFGS-B iterations per start point.
    gtol : float
        Convergence tolerance on the projected gradient of the mean objective.
    initial : mapping of str to float, optional
        Start point in natural parameters (data time unit); tried first.
    covariance : bool
        Compute the Hessian-based covariance matrix (default ``True``).
    warm_start_patterns : int
        With more than twice this many distinct patterns (and no ``initial``), the
        optimiser is first run on an evenly strided subsample of this many patterns
        and the full fit starts from that estimate (0 disables). The result is the
        full-data maximum either way; this only saves iterations.

    Examples
    --------
    >>> FitConfig(penalizer_coef=0.01).penalizer_coef
    0.01
    >>> FitConfig(max_iter=0)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: FitConfig.max_iter must be an int >= 1; got 0.
    """

    penalizer_coef: float = attrs.field(default=0.0, validator=_nonneg)
    max_iter: int = attrs.field(default=2000, validator=_posint)
    gtol: float = attrs.field(default=1e-9, validator=_nonneg)
    initial: tuple[tuple[str, float], ...] | None = attrs.field(
        default=None, converter=_freeze_initial, validator=_check_initial
    )
    covariance: bool = True
    warm_start_patterns: int = attrs.field(default=20_000, validator=attrs.validators.ge(0))

    def initial_dict(self) -> dict[str, float] | None:
        """The start point as a dict, or ``None``."""
        return None if self.initial is None else dict(self.initial)


DEFAULT_FIT_CONFIG = FitConfig()
"""The default :class:`FitConfig` (use it as the ``config=`` default of ``fit`` methods)."""


# --------------------------------------------------------------------------- result
def _period_name(period: TimeUnit | None) -> str:
    return "unspecified" if period is None else period.name


class ModelDisplay:
    """Notebook display shared by every model: ``_repr_html_`` lists the parameters.

    Examples
    --------
    >>> from custrel.models import BetaGeo
    >>> html = BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426)._repr_html_()
    >>> "<td>alpha</td><td>4.414</td>" in html
    True
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{field.name}</td><td>{getattr(self, field.name):.6g}</td></tr>"
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
            if field.name != "period"
        )
        period = _period_name(getattr(self, "period", None))
        return (
            f"<div><b>{type(self).__name__}</b> (time unit: {period})"
            f"<table><tr><th>parameter</th><th>value</th></tr>{rows}</table></div>"
        )


@attrs.frozen(kw_only=True, eq=False)
class FitResult(Generic[M]):
    """An immutable maximum-likelihood fit.

    Attributes
    ----------
    model : model
        The fitted model (a frozen value, e.g. :class:`~custrel.models.BetaGeo`).
    param_names : tuple of str
        Natural parameters, in the model's order.
    loglik : float
        Total log-likelihood of the data in the data's time unit (no penalty).
    n_customers : float
        Sum of the weights (number of customers).
    n_patterns : int
        Distinct rows of sufficient statistics the likelihood was evaluated on.
    converged : bool
        Whether the optimiser reported convergence.
    iterations : int
        Optimiser iterations of the accepted run.
    message : str
        Optimiser message.
    covariance : DataFrame or None
        Asymptotic covariance of the natural parameters (delta method from the
        Hessian in log-parameters); ``None`` when not requested or not available.
    period : TimeUnit or None
        Time unit of the data.
    config : FitConfig
        The fit settings.
    seconds : float
        Wall-clock fit time.
    """

    model: M
    param_names: tuple[str, ...]
    loglik: float
    n_customers: float
    n_patterns: int
    converged: bool
    iterations: int
    message: str
    covariance: pd.DataFrame | None
    period: TimeUnit | None
    config: FitConfig
    seconds: float = 0.0

    @property
    def params(self) -> pd.Series:
        """Point estimates as a Series indexed by parameter name."""
        vals = [float(getattr(self.model, n)) for n in self.param_names]
        return pd.Series(vals, index=pd.Index(self.param_names), name="estimate")

    @property
    def n_params(self) -> int:
        """Number of estimated parameters."""
        return len(self.param_names)

    @property
    def standard_errors(self) -> pd.Series:
        """Standard errors (square roots of the covariance diagonal); NaN without covariance."""
        if self.covariance is None:
            return pd.Series(np.nan, index=pd.Index(self.param_names), name="std_err")
        return pd.Series(
            np.sqrt(np.diag(self.covariance.to_numpy())),
            index=pd.Index(self.param_names),
            name="std_err",
        )

    @property
    def aic(self) -> float:
        """Akaike information criterion ``2k - 2 LL``."""
        return 2.0 * self.n_params - 2.0 * self.loglik

    @property
    def bic(self) -> float:
        """Bayesian information criterion ``k ln(n) - 2 LL`` with n the number of customers."""
        return self.n_params * math.log(max(self.n_customers, 1.0)) - 2.0 * self.loglik

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """Estimates, standard errors and Wald confidence intervals.

        Parameters
        ----------
        alpha : float
            1 - confidence level (default 0.05 for 95% intervals).

        Returns
        -------
        DataFrame
            Index: parameter names; columns ``estimate``, ``std_err``, ``lower``, ``upper``.
            The interval is computed on the log scale (``estimate * exp(±z se/estimate)``),
            so it stays positive.
        """
        if not 0 < alpha < 1:
            msg = f"alpha must be in (0, 1); got {alpha!r}."
            raise ParameterError(msg)
        est = self.params
        se = self.standard_errors
        z = float(stats.norm.ppf(1 - alpha / 2))
        factor = np.exp(z * se / est)
        return pd.DataFrame(
            {
                "estimate": est,
                "std_err": se,
                "lower": est / factor,
                "upper": est * factor,
            }
        )

    def __repr__(self) -> str:
        params = ", ".join(f"{n}={getattr(self.model, n):.4g}" for n in self.param_names)
        return (
            f"FitResult({type(self.model).__name__}({params}), loglik={self.loglik:.4f}, "
            f"n_customers={self.n_customers:g}, n_patterns={self.n_patterns}, "
            f"converged={self.converged}, period={_period_name(self.period)})"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{type(self.model).__name__}</b> fit: log-likelihood {self.loglik:.4f}, "
            f"{self.n_customers:g} customers ({self.n_patterns} patterns), AIC {self.aic:.2f}, "
            f"converged {self.converged}, period {_period_name(self.period)}</p>"
        )
        return head + self.summary().to_html(float_format=lambda v: f"{v:.4g}")


# --------------------------------------------------------------------------- engine
def _numeric_grad(rows: LoglikRows) -> LoglikGrad:
    def grad(
        params: FloatArray, data: Mapping[str, FloatArray], w: FloatArray
    ) -> tuple[float, FloatArray]:
        total = float(np.sum(w * rows(params, data)))
        g = np.empty_like(params)
        for k in range(params.size):
            h = 1e-6 * params[k]
            up, dn = params.copy(), params.copy()
            up[k] += h
            dn[k] -= h
            g[k] = (np.sum(w * rows(up, data)) - np.sum(w * rows(dn, data))) / (2 * h)
        return total, g

    return grad


def fit_mle(
    spec: ModelSpec,
    columns: Mapping[str, FloatArray],
    weights: FloatArray,
    *,
    config: FitConfig,
    starts: Sequence[Mapping[str, float]],
    build: Callable[[dict[str, float]], M],
    period: TimeUnit | None,
) -> FitResult[M]:
    """Fit a model by maximum likelihood (see the module docstring).

    Parameters
    ----------
    spec : ModelSpec
        The model's likelihood.
    columns : mapping of str to FloatArray
        Validated sufficient statistics, one entry per customer (or row).
    weights : FloatArray
        Customers per row.
    config : FitConfig
        Fit settings.
    starts : sequence of mappings
        Deterministic start points in natural parameters and the data's time
        unit, tried in order after ``config.initial``.
    build : callable
        Turns a dict of natural parameters (data time unit) into the model.
    period : TimeUnit or None
        Time unit of the data, recorded on the result.

    Returns
    -------
    FitResult

    Raises
    ------
    ConvergenceError
        No start point reached a usable optimum.
    """
    t0 = time.perf_counter()
    keep = weights > 0
    cols = {c: np.asarray(columns[c], dtype=np.float64)[keep] for c in spec.data_columns}
    pats = compress(cols, weights[keep])
    n_customers = float(pats.weights.sum())
    if n_customers <= 0:
        msg = f"{spec.name}.fit needs at least one customer with positive weight."
        raise ParameterError(msg)
    scale = 1.0
    if spec.scale_column is not None:
        tmax = float(pats.columns[spec.scale_column].max())
        scale = 1.0 / tmax if tmax > 0 else 1.0
    scaled = {c: (v * scale if c in spec.time_columns else v) for c, v in pats.columns.items()}
    data = spec.prepare(scaled)
    wts = pats.weights
    grad_fn = spec.loglik_grad or _numeric_grad(spec.loglik_rows)
    k = len(spec.param_names)
    scale_mask = np.array([n in spec.scale_params for n in spec.param_names])
    pen = config.penalizer_coef

    def to_log(natural: Mapping[str, float]) -> FloatArray:
        v = np.array([float(natural[n]) for n in spec.param_names])
        v = np.where(scale_mask, v * scale, v)
        out: FloatArray = np.log(v)
        return out

    def make_objective(
        dat: Mapping[str, FloatArray], w: FloatArray
    ) -> Callable[[FloatArray], tuple[float, FloatArray]]:
        def objective(theta: FloatArray) -> tuple[float, FloatArray]:
            p = np.exp(theta)
            # trial points may overflow; a non-finite value is rejected just below
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                total, g = grad_fn(p, dat, w)
            f = -total / n_customers + pen * float(np.sum(p * p))
            gl = -(g * p) / n_customers + pen * 2.0 * p * p
            if not (np.isfinite(f) and np.all(np.isfinite(gl))):
                return 1e300, np.zeros_like(theta)
            return f, gl

        return objective

    objective = make_objective(data, wts)
    candidates: list[FloatArray] = []
    init = config.initial_dict()
    if init is not None:
        missing = [n for n in spec.param_names if n not in init]
        if missing:
            msg = f"FitConfig.initial lacks {missing} for {spec.name}; it needs {list(spec.param_names)}."
            raise ParameterError(msg)
        candidates.append(to_log(init))
    candidates.extend(to_log(s) for s in starts)
    bounds = [(-25.0, 25.0)] * k

    def run(
        cands: Sequence[FloatArray],
        obj: Callable[[FloatArray], tuple[float, FloatArray]],
        gtol: float,
        attempts: list[dict[str, Any]],
    ) -> Any:
        best: Any = None
        for x0 in cands:
            res = optimize.minimize(
                obj,
                x0,
                jac=True,
                method="L-BFGS-B",
                bounds=bounds,
                options={"maxiter": config.max_iter, "gtol": gtol, "ftol": 1e-15},
            )
            finite = bool(np.isfinite(res.fun) and res.fun < 1e300)
            gnorm = float(np.max(np.abs(res.jac))) if finite else np.inf
            attempts.append(
                {
                    "start": np.exp(x0).tolist(),
                    "x": np.exp(res.x).tolist(),
                    "fun": float(res.fun),
                    "message": str(res.message) if finite else "log-likelihood not finite",
                    "nit": int(res.nit),
                    "grad_max": gnorm,
                }
            )
            if finite and (best is None or res.fun < best.fun):
                best = res
            if gnorm < 1e-6 and not np.any(np.abs(res.x) >= 24.9):
                break
        return best

    attempts: list[dict[str, Any]] = []
    best: Any = None
    n_sub = config.warm_start_patterns
    if init is None and n_sub > 0 and pats.n_patterns > 2 * n_sub:
        # warm start: fit an evenly strided subsample of the patterns first
        idx = np.arange(0, pats.n_patterns, pats.n_patterns // n_sub)
        sub_w = wts[idx] * (n_customers / float(wts[idx].sum()))
        sub_data = spec.prepare({c: v[idx] for c, v in scaled.items()})
        sub_obj = make_objective(sub_data, sub_w)
        warm = run(candidates, sub_obj, 1e-7, [])
        if warm is not None and not np.any(np.abs(warm.x) >= 24.9):
            best = _polish(objective, sub_obj, warm, config, attempts)
    if best is None:
        best = run(candidates, objective, config.gtol, attempts)
    if best is None:
        msg = f"{spec.name}.fit: the log-likelihood is not finite at any start point."
        raise ConvergenceError(msg, diagnostics={"attempts": attempts})
    gmax = float(np.max(np.abs(best.jac)))
    at_bound = bool(np.any(np.abs(best.x) >= 24.9))
    theta = best.x
    if at_bound or gmax > 1e-3:
        msg = (
            f"{spec.name}.fit did not converge: {best.message} (max |gradient| {gmax:.3g}"
            f"{', a parameter hit its bound' if at_bound else ''}). Try FitConfig(penalizer_coef=...) "
            "or another FitConfig(initial=...)."
        )
        raise ConvergenceError(msg, diagnostics={"attempts": attempts, "x": np.exp(theta).tolist()})
    converged = gmax < 1e-6
    if not converged:
        warnings.warn(
            f"{spec.name}.fit: optimiser reported {best.message!s} with max |gradient| "
            f"{gmax:.3g}; the estimate is usable but check it.",
            ConvergenceWarning,
            stacklevel=3,
        )
    p_scaled = np.exp(theta)
    natural = np.where(scale_mask, p_scaled / scale, p_scaled)
    params = {n: float(v) for n, v in zip(spec.param_names, natural, strict=True)}
    model = build(params)
    # log-likelihood in the data's unit (no penalty)
    if spec.jacobian_order is not None and not at_bound:
        ll_scaled = -(float(best.fun) - pen * float(np.sum(p_scaled * p_scaled))) * n_customers
        ll = ll_scaled + spec.jacobian_order(data, wts) * math.log(scale)
    else:
        ll = float(np.sum(wts * spec.loglik_rows(natural, pats.columns)))
    cov: pd.DataFrame | None = None
    if config.covariance:
        cov_log = _covariance(objective, theta, np.asarray(best.jac), n_customers, spec)
        if cov_log is not None:
            cov = pd.DataFrame(
                cov_log * np.outer(natural, natural),
                index=pd.Index(spec.param_names),
                columns=pd.Index(spec.param_names),
            )
    return FitResult(
        model=model,
        param_names=spec.param_names,
        loglik=ll,
        n_customers=n_customers,
        n_patterns=pats.n_patterns,
        converged=converged,
        iterations=int(best.nit),
        message=str(best.message),
        covariance=cov,
        period=period,
        config=config,
        seconds=time.perf_counter() - t0,
    )


class _StopPolishError(Exception):
    """Raised inside :func:`_polish` to stop BFGS at a point meeting ``gtol``."""


def _polish(
    objective: Callable[[FloatArray], tuple[float, FloatArray]],
    sub_objective: Callable[[FloatArray], tuple[float, FloatArray]],
    warm: Any,
    config: FitConfig,
    attempts: list[dict[str, Any]],
) -> Any:
    """BFGS on the full data from a subsample optimum, seeded with the subsample's Hessian.

    Returns the optimiser result when it converged, else ``None`` (the caller
    then runs the regular start points).
    """
    k = warm.x.size
    h = 1e-6
    hess = np.empty((k, k))
    g0 = np.asarray(warm.jac)
    for j in range(k):
        up = warm.x.copy()
        up[j] += h
        hess[:, j] = (sub_objective(up)[1] - g0) / h
    hess = 0.5 * (hess + hess.T)
    try:
        inv_chol = np.linalg.inv(np.linalg.cholesky(hess))
    except np.linalg.LinAlgError:
        return None
    h_inv = inv_chol.T @ inv_chol
    h_inv = 0.5 * (h_inv + h_inv.T)
    if np.min(np.linalg.eigvalsh(h_inv)) <= 0:
        return None
    gtol = max(config.gtol, 1e-8)
    evals: list[tuple[float, FloatArray, FloatArray]] = []

    def watched(theta: FloatArray) -> tuple[float, FloatArray]:
        # With very many customers the mean log-likelihood cannot resolve the
        # decrease that a line search near the optimum asks for, and BFGS would
        # spend dozens of evaluations failing it: stop at the first evaluated
        # point that meets ``gtol`` and is no worse than the best one so far.
        f, g = objective(theta)
        best_f = min((e[0] for e in evals), default=np.inf)
        evals.append((f, theta.copy(), g))
        if f < 1e300 and f <= best_f + 1e-13 * max(1.0, abs(f)) and np.max(np.abs(g)) <= gtol:
            raise _StopPolishError
        return f, g

    try:
        res = optimize.minimize(
            watched,
            warm.x,
            jac=True,
            method="BFGS",
            options={"maxiter": config.max_iter, "gtol": gtol, "hess_inv0": h_inv},
        )
    except _StopPolishError:
        f_hit, x_hit, g_hit = evals[-1]
        res = optimize.OptimizeResult(
            x=x_hit,
            fun=f_hit,
            jac=g_hit,
            nit=len(evals),
            success=True,
            message="Optimization terminated successfully (gradient below gtol).",
        )
    finite = bool(np.isfinite(res.fun) and res.fun < 1e300)
    gnorm = float(np.max(np.abs(res.jac))) if finite else np.inf
    attempts.append(
        {
            "start": np.exp(warm.x).tolist(),
            "x": np.exp(res.x).tolist(),
            "fun": float(res.fun),
            "message": "warm start (BFGS): " + str(res.message),
            "nit": int(res.nit),
            "grad_max": gnorm,
        }
    )
    # "precision loss" at a tiny gradient is convergence in all but name
    if finite and gnorm < 1e-6 and not np.any(np.abs(res.x) >= 24.9):
        return res
    return None


def _covariance(
    objective: Callable[[FloatArray], tuple[float, FloatArray]],
    theta: FloatArray,
    grad0: FloatArray,
    n: float,
    spec: ModelSpec,
) -> FloatArray | None:
    """Inverse Hessian of the total negative log-likelihood in log-parameters.

    The Hessian is forward differences (step 1e-6) of the analytic gradient from
    the optimum's gradient ``grad0``, symmetrised: ``k`` gradient evaluations.
    Time scaling shifts the scale parameters' logs by a constant, so the
    covariance of the log-parameters does not depend on it.
    """
    k = theta.size
    h = 1e-6
    hess = np.empty((k, k))
    for j in range(k):
        up = theta.copy()
        up[j] += h
        hess[:, j] = (objective(up)[1] - grad0) / h
    hess = 0.5 * (hess + hess.T) * n
    try:
        chol = np.linalg.cholesky(hess)
    except np.linalg.LinAlgError:
        warnings.warn(
            f"{spec.name}.fit: the Hessian is not positive definite at the optimum; "
            "standard errors are not available (covariance is None).",
            ConvergenceWarning,
            stacklevel=4,
        )
        return None
    inv_chol = np.linalg.inv(chol)
    cov: FloatArray = inv_chol.T @ inv_chol
    return cov
