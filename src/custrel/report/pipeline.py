"""The main job: from a transaction log to the profile, model report, segments and HTML report.

:func:`run_report` composes the public API — validate the log, choose and fit
a purchase model (BG/NBD, MBG/NBD or Pareto/NBD, compared on a holdout
period), fit the Gamma-Gamma spend model, value every customer (CLV),
classify every customer (state, stage, tier, RFM, loyalty), compare two
evaluation dates (migration) — and returns a :class:`CRMReport` that writes
``customers.csv``, ``models.json``, ``segments.csv`` and ``report.html``.
The ``custrel report`` and ``custrel demo`` commands are thin wrappers.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import numpy as np
import pandas as pd

from custrel.data import (
    CustomerBase,
    TimeUnit,
    TransactionColumns,
    build_customer_base,
    read_transactions,
)
from custrel.data._summary import summarize_report
from custrel.errors import CustrelWarning, DataValidationError, DataWarning, ParameterError
from custrel.labels import Labels
from custrel.migration import migration_matrix
from custrel.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from custrel.report.privacy import Pseudonymizer
from custrel.report.profile import CRMConfig, assemble_profile, crm_labels
from custrel.report.tables import tracking_table
from custrel.segment import segment_profiles
from custrel.value import clv as clv_value

__all__ = [
    "MODEL_KEYS",
    "CRMReport",
    "ModelCandidate",
    "ReportSettings",
    "run_report",
]

#: Purchase models the report can choose from: key -> (class name in custrel.models, label).
MODEL_KEYS: Final[Mapping[str, tuple[str, str]]] = {
    "bgnbd": ("BetaGeo", "BG/NBD"),
    "mbgnbd": ("ModifiedBetaGeo", "MBG/NBD"),
    "paretonbd": ("ParetoNBD", "Pareto/NBD"),
}
_TRUSTS_SINGLE: Final = {"bgnbd": False, "mbgnbd": True, "paretonbd": True}

ModelKey = Literal["auto", "bgnbd", "mbgnbd", "paretonbd"]
Progress = Callable[[str], None]


class _Notes:
    """Collect custrel and numerical warnings of a block as report notes; re-issue the others.

    The report lists them in its data notes and in ``models.json``, so a
    numerical problem of one candidate model is visible without stopping the run.
    """

    def __init__(self, notes: list[str], prefix: str = "") -> None:
        self.notes = notes
        self.prefix = prefix
        self._ctx = warnings.catch_warnings(record=True)
        self._caught: list[warnings.WarningMessage] = []

    def __enter__(self) -> _Notes:
        self._caught = self._ctx.__enter__()
        warnings.simplefilter("always", CustrelWarning)
        warnings.simplefilter("always", RuntimeWarning)
        return self

    def __exit__(self, *exc: object) -> None:
        self._ctx.__exit__(None, None, None)
        seen = set()
        for w in self._caught:  # a handful of warnings, not customers
            text = f"{self.prefix}{w.message}"
            if issubclass(w.category, CustrelWarning | RuntimeWarning):
                if text not in seen:
                    self.notes.append(text)
                    seen.add(text)
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _no_progress(_step: str) -> None:
    return None


def _ts_or_none(value: object, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be a date like 2024-12-31; got {value!r}."
        raise ParameterError(msg) from exc
    if pd.isna(ts):
        msg = f"{name} must be a date like 2024-12-31; got {value!r}."
        raise ParameterError(msg)
    return ts.normalize()


def _as_of(value: object) -> pd.Timestamp | None:
    return _ts_or_none(value, "as_of")


def _calibration_end(value: object) -> pd.Timestamp | None:
    return _ts_or_none(value, "calibration_end")


def _positive_int(_inst: object, attr: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"ReportSettings.{attr.name} must be an int >= 1; got {value!r}."
        raise ParameterError(msg)


def _model_key(_inst: object, _attr: object, value: str) -> None:
    if value != "auto" and value not in MODEL_KEYS:
        msg = f"ReportSettings.model must be one of auto, {', '.join(MODEL_KEYS)}; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class ReportSettings:
    """What the report computes.

    Parameters
    ----------
    title : str
        Title of the HTML report.
    as_of : date-like, optional
        Evaluation date (inclusive); default the last transaction date.
    calibration_end : date-like, optional
        End of the calibration period of the model comparison; the holdout
        runs from the day after to ``as_of``. Default: two thirds into the
        data span, when the holdout is at least 8 periods long; otherwise no
        holdout (models are then compared by log-likelihood).
    model : {"auto", "bgnbd", "mbgnbd", "paretonbd"}
        Purchase model; ``"auto"`` chooses by holdout error (see :func:`run_report`).
    crm : CRMConfig
        Time unit, horizon, discount rate and classification thresholds.
    top_n : int
        Rows of the win-back and upgrade lists in the HTML report.
    migration : bool
        Compare stages and tiers between two evaluation dates when the data allow.

    Examples
    --------
    >>> s = ReportSettings(as_of="2024-12-31", model="bgnbd", top_n=20)
    >>> s.as_of, s.model, s.progress_steps
    (Timestamp('2024-12-31 00:00:00'), 'bgnbd', 8)
    >>> ReportSettings(top_n=0)
    Traceback (most recent call last):
    ...
    custrel.errors.ParameterError: ReportSettings.top_n must be an int >= 1; got 0.
    """

    title: str = "Customer relationship report"
    as_of: pd.Timestamp | None = attrs.field(default=None, converter=_as_of)
    calibration_end: pd.Timestamp | None = attrs.field(default=None, converter=_calibration_end)
    model: ModelKey = attrs.field(default="auto", validator=_model_key)
    crm: CRMConfig = attrs.field(factory=CRMConfig)
    top_n: int = attrs.field(default=50, validator=_positive_int)
    migration: bool = True

    @property
    def progress_steps(self) -> int:
        """How many times :func:`run_report` and :meth:`CRMReport.write` call ``progress``.

        Reading, one fit per compared model, the final fit, scoring, the
        migration (when asked, also when the data turn out too short for it),
        classifying, segment profiles and writing the report.
        """
        n_models = len(MODEL_KEYS) if self.model == "auto" else 1
        return n_models + 6 + int(self.migration)


@attrs.frozen(kw_only=True, eq=False)
class ModelCandidate:
    """One purchase model of the comparison.

    Attributes
    ----------
    key : str
        ``bgnbd``, ``mbgnbd`` or ``paretonbd``.
    label : str
        Display name (``BG/NBD``, ...).
    fit : object or None
        The FitResult on the calibration summary (``None`` when the fit failed).
    holdout : Mapping[str, float]
        Holdout metrics (empty without a holdout).
    error : str or None
        Why the model could not be fitted.
    """

    key: str
    label: str
    fit: Any = None
    holdout: Mapping[str, float] = attrs.field(factory=dict)
    error: str | None = None

    @property
    def loglik(self) -> float:
        """Calibration log-likelihood (NaN when not fitted)."""
        return float(getattr(self.fit, "loglik", math.nan))


def _fit_json(fit: Any) -> dict[str, Any]:
    """JSON-able description of a FitResult (parameters, standard errors, log-likelihood)."""
    params = getattr(fit, "params", None)
    out: dict[str, Any] = {"model": type(fit.model).__name__}
    if isinstance(params, pd.Series):
        out["params"] = {str(k): float(v) for k, v in params.items()}
    try:
        se = fit.standard_errors
    except Exception:
        se = None
    if isinstance(se, pd.Series):
        out["standard_errors"] = {str(k): _num(v) for k, v in se.items()}
    for name in ("loglik", "n_customers", "n_patterns", "converged", "iterations", "aic", "bic"):
        val = getattr(fit, name, None)
        if val is None:
            continue
        if isinstance(val, bool | np.bool_):
            out[name] = bool(val)
        elif name in _COUNTS:
            out[name] = _count(val)
        else:
            out[name] = _num(val)
    period = getattr(fit, "period", None)
    if period is not None:
        out["period"] = getattr(period, "name", str(period))
    return out


_COUNTS: Final = frozenset({"n_customers", "n_patterns", "iterations"})


def _count(value: object) -> int | float | None:
    """A count as an int (JSON ``2357``, not ``2357.0``); non-integral values stay floats."""
    f = _num(value)
    return int(f) if f is not None and f.is_integer() else f


def _num(value: object) -> float | None:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _holdout_metrics(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """RMSE, MAE and totals of the holdout predictions (``customers`` is an int count)."""
    err = predicted - actual
    total_a, total_p = float(actual.sum()), float(predicted.sum())
    return {
        "customers": int(actual.size),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "actual_total": int(total_a) if total_a.is_integer() else total_a,
        "predicted_total": total_p,
        "total_error_pct": float(100.0 * (total_p - total_a) / total_a) if total_a else math.nan,
    }


_MODEL_CLASSES: Final[Mapping[str, type[BetaGeo] | type[ModifiedBetaGeo] | type[ParetoNBD]]] = {
    "bgnbd": BetaGeo,
    "mbgnbd": ModifiedBetaGeo,
    "paretonbd": ParetoNBD,
}


def _fit_model(key: str, summary: pd.DataFrame, period: str) -> Any:
    """Fit the purchase model ``key`` on ``frequency, recency, T``; returns its FitResult."""
    return _MODEL_CLASSES[key].fit(summary.loc[:, ["frequency", "recency", "T"]], period=period)


@attrs.frozen(kw_only=True, eq=False)
class CRMReport:
    """Everything the main job computed; :meth:`write` saves the four output files.

    Attributes
    ----------
    profile : DataFrame
        One row per customer (:func:`custrel.report.assemble_profile` layout).
    segments : DataFrame
        Segment profiles: one row per (scheme, segment) with customers, revenue and CLV.
    models : dict
        JSON-able model report: candidates, choice and reason, fitted parameters,
        standard errors, log-likelihoods, holdout metrics, spend model, CLV settings.
    labels : Mapping[str, Labels]
        The classifications by profile scheme name.
    base : CustomerBase
        The validated customer base at ``as_of``.
    settings : ReportSettings
        What was asked for.
    model : object or None
        The chosen purchase model fitted on all data up to ``as_of``.
    holdout : DataFrame or None
        Calibration summary with ``frequency_holdout`` and the chosen model's
        ``predicted_holdout`` (when a holdout exists).
    tracking : DataFrame or None
        :func:`custrel.report.tables.tracking_table` of the chosen model's
        calibration fit over calibration and holdout (when a holdout exists).
    migration : Mapping[str, DataFrame]
        Migration matrices by scheme between ``migration_dates``.
    migration_dates : tuple of Timestamp
        The two evaluation dates of the migration (empty when not computed).
    notes : tuple of str
        Plain-language notes: data exclusions, skipped capabilities, choices made.
    """

    profile: pd.DataFrame = attrs.field(repr=False)
    segments: pd.DataFrame = attrs.field(repr=False)
    models: dict[str, Any] = attrs.field(repr=False)
    labels: Mapping[str, Labels] = attrs.field(repr=False)
    base: CustomerBase = attrs.field(repr=False)
    settings: ReportSettings = attrs.field(repr=False)
    model: Any = attrs.field(default=None, repr=False)
    holdout: pd.DataFrame | None = attrs.field(default=None, repr=False)
    tracking: pd.DataFrame | None = attrs.field(default=None, repr=False)
    migration: Mapping[str, pd.DataFrame] = attrs.field(factory=dict, repr=False)
    migration_dates: tuple[pd.Timestamp, ...] = attrs.field(default=(), repr=False)
    notes: tuple[str, ...] = attrs.field(default=(), repr=False)

    def __repr__(self) -> str:
        choice = self.models.get("choice", {}).get("label", "?")
        return (
            f"CRMReport(customers={len(self.profile)}, as_of={self.base.as_of.date()}, "
            f"model={choice}, schemes={sorted(self.labels)})"
        )

    def _repr_html_(self) -> str:
        from custrel.report.html import escape, headline_html, table_html
        from custrel.report.tables import headline_numbers

        h = headline_numbers(self.profile)
        cards = {str(k).replace("_", " "): f"{v:,.0f}" for k, v in h.items()}
        reason = escape(self.models.get("choice", {}).get("reason", ""))
        states = table_html(self.labels["state"].counts()) if "state" in self.labels else ""
        return (
            f"<div><strong>CRMReport</strong> on {self.base.as_of.date()}"
            f"{headline_html(cards)}<p>{reason}</p>{states}</div>"
        )

    def to_html(self, *, pseudonymizer: Pseudonymizer | None = None) -> str:
        """The self-contained HTML report (customer ids pseudonymised when asked)."""
        from custrel.report.html import build_report_html

        return build_report_html(self, pseudonymizer=pseudonymizer)

    def write(
        self,
        out_dir: str | Path,
        /,
        *,
        pseudonymizer: Pseudonymizer | None = None,
        progress: Progress = _no_progress,
    ) -> dict[str, Path]:
        """Write ``customers.csv``, ``models.json``, ``segments.csv`` and ``report.html``.

        With ``pseudonymizer`` every customer id in every file is replaced by
        its keyed hash; the key itself is never written here.

        Returns
        -------
        dict of str to Path
            The four paths by short name.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "customers": out / "customers.csv",
            "models": out / "models.json",
            "segments": out / "segments.csv",
            "report": out / "report.html",
        }
        profile = self.profile if pseudonymizer is None else pseudonymizer.frame(self.profile)
        profile.to_csv(paths["customers"], date_format="%Y-%m-%d", float_format=_CSV_FLOAT)
        models = dict(self.models)
        models["pseudonymized"] = pseudonymizer is not None
        if pseudonymizer is not None:
            ids = set(self.profile.index.astype(str))

            def scrub(value: object) -> object:
                return pseudonymizer.scrub(value, ids) if isinstance(value, str) else value

            models["notes"] = [scrub(n) for n in models.get("notes", [])]
            models["choice"] = {k: scrub(v) for k, v in models["choice"].items()}
            models["candidates"] = [{**c, "error": scrub(c["error"])} for c in models["candidates"]]
        paths["models"].write_text(
            json.dumps(models, indent=2, ensure_ascii=False, default=_json_default) + "\n",
            encoding="utf-8",
        )
        self.segments.to_csv(paths["segments"], index=False)
        progress("drawing plots and writing report.html")
        paths["report"].write_text(self.to_html(pseudonymizer=pseudonymizer), encoding="utf-8")
        return paths


#: customers.csv writes floats with 12 significant digits: ``100.50000000000001`` is
#: written ``100.5`` while amounts, probabilities and CLVs keep far more precision
#: than the data and the models carry.
_CSV_FLOAT: Final = "%.12g"


def _json_default(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return str(value.date())
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _choose_calibration_end(
    first: pd.Timestamp, as_of: pd.Timestamp, unit: TimeUnit
) -> pd.Timestamp | None:
    span = (as_of - first).days
    cal = first + pd.Timedelta(days=round(span * 2 / 3))
    if (as_of - cal).days < 8 * unit.days or (cal - first).days < 8 * unit.days:
        return None
    return cal


def _compare_models(
    tx: pd.DataFrame,
    full_summary: pd.DataFrame,
    *,
    settings: ReportSettings,
    first: pd.Timestamp,
    as_of: pd.Timestamp,
    notes: list[str],
    progress: Progress,
) -> tuple[list[ModelCandidate], str, str, pd.DataFrame | None, pd.Timestamp | None]:
    """Fit the candidates on a calibration period; return them, the choice and the reason.

    Without a holdout the candidates are fitted on ``full_summary`` and compared
    by log-likelihood (they all have four parameters, so AIC and BIC agree).
    """
    period = settings.crm.period
    unit = TimeUnit.parse(period)
    keys = list(MODEL_KEYS) if settings.model == "auto" else [settings.model]
    cal_end = settings.calibration_end
    if cal_end is None:
        cal_end = _choose_calibration_end(first, as_of, unit)
    elif not first <= cal_end < as_of:
        msg = (
            f"calibration_end {cal_end.date()} must lie on or after the first transaction "
            f"({first.date()}) and before as_of ({as_of.date()})."
        )
        raise ParameterError(msg)
    summary: pd.DataFrame | None = None
    if cal_end is not None:
        cal = _calibration_holdout(tx, cal_end, as_of, period)
        summary = cal
    candidates: list[ModelCandidate] = []
    for key in keys:  # at most three models
        label = MODEL_KEYS[key][1]
        progress(f"fitting {label}")
        data = full_summary if summary is None else summary
        try:
            with _Notes(notes, f"{label} ({'all data' if summary is None else 'calibration'}): "):
                fit = _fit_model(key, data, period)
        except (ParameterError, DataValidationError, RuntimeError) as exc:
            candidates.append(ModelCandidate(key=key, label=label, error=str(exc).splitlines()[0]))
            continue
        if summary is None:
            candidates.append(ModelCandidate(key=key, label=label, fit=fit))
            continue
        duration = float(summary["duration_holdout"].iloc[0])
        pred = fit.model.expected_purchases(summary, t=duration).to_numpy(dtype=np.float64)
        metrics = _holdout_metrics(summary["frequency_holdout"].to_numpy(dtype=np.float64), pred)
        candidates.append(ModelCandidate(key=key, label=label, fit=fit, holdout=metrics))
    usable = [c for c in candidates if c.fit is not None]
    notes.extend(f"{c.label} was not compared: {c.error}" for c in candidates if c.fit is None)
    if not usable:
        errors = "; ".join(f"{c.label}: {c.error}" for c in candidates)
        msg = f"no purchase model could be fitted ({errors})."
        raise DataValidationError(msg)
    if settings.model != "auto":
        c = usable[0]
        reason = f"{c.label} was requested (--model {c.key})."
        return candidates, c.key, reason, summary, cal_end
    if summary is None or cal_end is None:
        best = max(usable, key=lambda c: c.loglik)
        others = ", ".join(f"{c.label} {c.loglik:,.2f}" for c in usable if c is not best)
        reason = (
            f"{best.label} was chosen by log-likelihood on all data ({best.loglik:,.2f}"
            + (f" vs {others}" if others else "")
            + f"): the data span is too short for a holdout check (it needs at least 8 "
            f"{unit.name}-periods on each side of the split)."
        )
        return candidates, best.key, reason, None, None
    best = min(usable, key=lambda c: (c.holdout["rmse"], -c.loglik))
    others = ", ".join(f"{c.label} {c.holdout['rmse']:.4f}" for c in usable if c is not best)
    reason = (
        f"{best.label} was chosen: it predicts the holdout period "
        f"({cal_end.date()} to {as_of.date()}) best, with a root-mean-square error of "
        f"{best.holdout['rmse']:.4f} purchases per customer"
        + (f" (vs {others})" if others else "")
        + f"; its calibration log-likelihood is {best.loglik:,.2f}."
    )
    return candidates, best.key, reason, summary, cal_end


def _calibration_holdout(
    tx: pd.DataFrame, cal_end: pd.Timestamp, as_of: pd.Timestamp, period: str
) -> pd.DataFrame:
    from custrel.data import calibration_holdout

    with warnings.catch_warnings():
        # customers first seen in the holdout are expected here and not part of the check
        warnings.simplefilter("ignore", DataWarning)
        return calibration_holdout(
            tx.loc[:, ["customer_id", "date", "amount"]],
            calibration_end=cal_end,
            observation_end=as_of,
            period=period,
        )


def _spend(
    summary: pd.DataFrame, base: CustomerBase, notes: list[str]
) -> tuple[Any, dict[str, Any]]:
    """Spend per purchase: Gamma-Gamma when available and fittable, else observed means."""
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) >= 10:
        try:
            with _Notes(notes, "Gamma-Gamma: "):
                fit = GammaGamma.fit(repeat.loc[:, ["frequency", "monetary_value"]])
            return fit.model, _fit_json(fit)
        except (ParameterError, DataValidationError, RuntimeError) as exc:
            notes.append(f"Gamma-Gamma spend model not used: {str(exc).splitlines()[0]}")
    feats = base.features.reindex(summary.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_spend = feats["net_amount"] / feats["n_occasions"]
    spend = mean_spend.clip(lower=0.0).fillna(0.0).rename("expected_spend")
    notes.append(
        "Spend per purchase is each customer's observed mean spend per purchase "
        "(too few repeat buyers with positive spend for the Gamma-Gamma model)."
    )
    return spend, {"model": "observed mean spend per purchase"}


_CLV_METHOD: Final = "discrete"


def _clv(model: Any, spend: Any, summary: pd.DataFrame, cfg: CRMConfig) -> pd.Series:
    out: pd.Series = clv_value(
        model,
        spend,
        summary,
        horizon=cfg.horizon,
        horizon_period=cfg.horizon_period or cfg.period,
        discount_rate=cfg.discount_rate,
        discount_period="Y",
        method=_CLV_METHOD,
        step=cfg.horizon_period or cfg.period,
    )
    return out.rename("clv")


_SEGMENT_SCHEMES: Final = ("state", "stage", "tier", "rfm_segment", "dick_basu", "sindell")


def _segments(
    labels: Mapping[str, Labels],
    *,
    base: CustomerBase,
    clv: pd.Series | None,
    p_alive: pd.Series,
) -> pd.DataFrame:
    """segments.csv: :func:`custrel.segment.segment_profiles` of every scheme, stacked."""
    parts = []
    for scheme in _SEGMENT_SCHEMES:  # a handful of schemes
        if scheme not in labels:
            continue
        prof = segment_profiles(labels[scheme], base=base, clv=clv, p_alive=p_alive)
        prof = prof.rename_axis("segment").reset_index()
        prof["segment"] = prof["segment"].astype(str)
        prof.insert(0, "scheme", scheme)
        parts.append(prof)
    return pd.concat(parts, ignore_index=True)


def _migration(
    base: CustomerBase,
    *,
    chosen: str,
    full_model: Any,
    settings: ReportSettings,
    first: pd.Timestamp,
    notes: list[str],
    progress: Progress,
) -> tuple[dict[str, Labels], tuple[pd.Timestamp, ...]]:
    """Stage and tier migration between an earlier evaluation date and as_of."""
    as_of = base.as_of
    span = (as_of - first).days
    gap = min(365, span // 2)
    if gap < 90:
        progress("skipping the migration (data span too short)")
        notes.append(
            f"Migration not shown: the data span ({span} days) is too short for two "
            "evaluations at least 90 days apart."
        )
        return {}, ()
    t0 = (as_of - pd.Timedelta(days=int(gap))).normalize()
    progress(f"re-evaluating customers at {t0.date()} for the migration")
    base0 = base.at(t0)
    summ0 = base0.btyd_summary(period=settings.crm.period)
    p_alive0: pd.Series | None = None
    if full_model is not None and len(summ0) >= 20:
        try:
            with _Notes([], ""):
                fit0 = _fit_model(chosen, summ0, settings.crm.period)
            p_alive0 = fit0.model.probability_alive(summ0)
        except (ParameterError, DataValidationError, RuntimeError) as exc:
            notes.append(
                f"Migration at {t0.date()} uses the hiatus rule only: {str(exc).splitlines()[0]}"
            )
    with _Notes([], ""):  # the as_of evaluation already reports the same caveats
        before = crm_labels(
            base0,
            p_alive=p_alive0,
            trust_p_alive_for_single_purchase=_TRUSTS_SINGLE[chosen],
            config=settings.crm,
        )
    return before, (t0, as_of)


def run_report(
    transactions: pd.DataFrame | str | Path,
    /,
    *,
    columns: TransactionColumns = TransactionColumns(),
    attributes: pd.DataFrame | None = None,
    settings: ReportSettings = ReportSettings(),
    progress: Progress = _no_progress,
) -> CRMReport:
    """Run the whole analysis on a transaction log.

    Model choice (``settings.model == "auto"``): BG/NBD, MBG/NBD and
    Pareto/NBD are fitted on a calibration period and each predicts every
    customer's purchases in the holdout period that follows; the model with
    the smallest root-mean-square error per customer is chosen (ties broken
    by calibration log-likelihood) and refitted on all data up to ``as_of``.
    Without a long enough holdout (8 periods on each side of the split) they
    are fitted on all data and compared by log-likelihood. The choice and the
    reason are recorded in ``models["choice"]``.

    Parameters
    ----------
    transactions : DataFrame or path
        The log (CSV, TSV or Parquet path, or a DataFrame).
    columns : TransactionColumns
        The user's column names.
    attributes : DataFrame, optional
        Customer attributes (survey scores, share of wallet, ...) indexed by customer id.
    settings : ReportSettings
        Dates, model choice, horizon and thresholds.
    progress : callable, optional
        Called with a short description before each long step.

    Returns
    -------
    CRMReport

    Raises
    ------
    SchemaError, DataValidationError
        Invalid input (missing columns, unparseable dates, non-numeric amounts, ...).
    ParameterError
        Invalid settings.

    Examples
    --------
    >>> from custrel.datasets import simulate_transactions
    >>> tx = simulate_transactions(150, seed=3).transactions[["customer_id", "date", "amount"]]
    >>> rep = run_report(tx, settings=ReportSettings(migration=False))
    >>> rep.models["choice"]["label"], rep.models["clv"]["method"], len(rep.profile)
    ('MBG/NBD', 'discrete', 150)
    >>> rep.profile["state"].value_counts().loc[["current", "lost"]].tolist()
    [53, 97]
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     sorted(p.name for p in rep.write(out).values())
    ['customers.csv', 'models.json', 'report.html', 'segments.csv']
    """
    notes: list[str] = []
    cfg = settings.crm
    progress("reading and validating transactions")
    tx = read_transactions(transactions, columns=columns)
    first, last = tx["date"].min(), tx["date"].max()
    as_of = settings.as_of if settings.as_of is not None else last
    if as_of < first:
        msg = f"as_of {as_of.date()} is before the first transaction ({first.date()})."
        raise ParameterError(msg)
    base = build_customer_base(tx, as_of=as_of, attributes=attributes)
    rep = summarize_report(
        tx.loc[:, ["customer_id", "date", "amount"]], period=cfg.period, observation_end=as_of
    )
    if rep.exclusions:
        notes.append(f"Data notes: {rep.exclusions.describe()}.")
    summary = base.btyd_summary(period=cfg.period)
    candidates, chosen, reason, cal_summary, cal_end = _compare_models(
        tx,
        summary,
        settings=settings,
        first=first,
        as_of=as_of,
        notes=notes,
        progress=progress,
    )
    progress(f"fitting {MODEL_KEYS[chosen][1]} on all data up to {as_of.date()}")
    if cal_end is None and any(c.key == chosen and c.fit is not None for c in candidates):
        full_fit = next(c.fit for c in candidates if c.key == chosen)  # fitted on all data
    else:
        with _Notes(notes, f"{MODEL_KEYS[chosen][1]}: "):
            full_fit = _fit_model(chosen, summary, cfg.period)
    model = full_fit.model
    progress("scoring customers (P(alive), expected purchases, spend, CLV)")
    p_alive = model.probability_alive(summary).rename("p_alive")
    expected = model.expected_purchases(summary, t=cfg.horizon_in_periods).rename(
        "expected_purchases"
    )
    spend, spend_json = _spend(summary, base, notes)
    clv = _clv(model, spend, summary, cfg)
    expected_spend = (
        spend.expected_spend(summary) if hasattr(spend, "expected_spend") else spend
    ).rename("expected_spend")
    before: dict[str, Labels] = {}
    dates: tuple[pd.Timestamp, ...] = ()
    if settings.migration:
        before, dates = _migration(
            base,
            chosen=chosen,
            full_model=model,
            settings=settings,
            first=first,
            notes=notes,
            progress=progress,
        )
    progress("classifying customers (state, stage, tier, RFM, loyalty)")
    with _Notes(notes, "Note: "):
        labels = crm_labels(
            base,
            p_alive=p_alive,
            potential=clv,
            trust_p_alive_for_single_purchase=_TRUSTS_SINGLE[chosen],
            previous_tiers=before.get("tier"),
            config=cfg,
        )
    migration: dict[str, pd.DataFrame] = {
        scheme: migration_matrix(before[scheme], labels[scheme])
        for scheme in ("state", "stage", "tier")
        if scheme in before
    }
    scores = {"p_alive": p_alive, "expected_purchases": expected, "expected_spend": expected_spend}
    if clv is not None:
        scores["clv"] = clv
    profile = assemble_profile(
        base, summary=summary, scores=scores, labels=labels, period=cfg.period
    )
    holdout = None
    tracking = None
    if cal_summary is not None and cal_end is not None:
        best = next(c for c in candidates if c.key == chosen)
        if best.fit is not None:
            holdout = cal_summary.copy()
            holdout["predicted_holdout"] = best.fit.model.expected_purchases(
                cal_summary, t=float(cal_summary["duration_holdout"].iloc[0])
            )
            tracking = tracking_table(
                tx,
                best.fit.model,
                calibration_end=cal_end,
                observation_end=as_of,
                period=cfg.period,
            )
    progress("building segment profiles")
    segments = _segments(labels, base=base, clv=clv, p_alive=p_alive)
    models_json: dict[str, Any] = {
        "as_of": str(as_of.date()),
        "period": TimeUnit.parse(cfg.period).name,
        "calibration_end": None if cal_end is None else str(cal_end.date()),
        "holdout_end": None if cal_end is None else str(as_of.date()),
        "choice": {"model": chosen, "label": MODEL_KEYS[chosen][1], "reason": reason},
        "candidates": [
            {
                "key": c.key,
                "label": c.label,
                "fit": None if c.fit is None else _fit_json(c.fit),
                "holdout": dict(c.holdout),
                "error": c.error,
            }
            for c in candidates
        ],
        "purchase_model": _fit_json(full_fit),
        "spend_model": spend_json,
        "clv": {
            "horizon": cfg.horizon,
            "horizon_period": TimeUnit.parse(cfg.horizon_period or cfg.period).name,
            "discount_rate": cfg.discount_rate,
            "discount_period": "Y",
            "method": _CLV_METHOD,
            "step": TimeUnit.parse(cfg.horizon_period or cfg.period).name,
        },
        "data_exclusions": {
            "rows": {str(k): int(v) for k, v in rep.exclusions.rows.items()},
            "customers": {str(k): int(v) for k, v in rep.exclusions.customers.items()},
        },
        "customers": len(profile),
        "notes": list(notes),
    }
    return CRMReport(
        profile=profile,
        segments=segments,
        models=models_json,
        labels=labels,
        base=base,
        settings=settings,
        model=model,
        holdout=holdout,
        tracking=tracking,
        migration=migration,
        migration_dates=dates,
        notes=tuple(notes),
    )
