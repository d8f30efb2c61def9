"""custrel <-> lifetimes conversion: round trips, predictions, covariance, warning filters."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from custrel.errors import ParameterError
from custrel.interop.lifetimes import from_lifetimes, to_lifetimes
from custrel.models import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo

MODELS = [
    BetaGeo(r=0.243, alpha=4.414, a=0.793, b=2.426, period="W"),
    ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614, period="W"),
    BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783),
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_model_round_trip_through_lifetimes(model: object) -> None:
    fitter = to_lifetimes(model)
    period = getattr(model, "period", None)
    back = from_lifetimes(fitter, period=period) if period is not None else from_lifetimes(fitter)
    assert back == model


@pytest.mark.oracle
def test_converted_fitter_predicts_like_custrel(cdnow_summary: pd.DataFrame) -> None:
    for model in MODELS[:2]:
        fitter = to_lifetimes(model)
        s = cdnow_summary
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = fitter.predict(39.0, s["frequency"], s["recency"], s["T"])
        np.testing.assert_allclose(
            model.expected_purchases(s, t=39.0).to_numpy(), np.asarray(theirs), rtol=1e-6
        )


@pytest.mark.oracle
def test_fit_result_carries_covariance_and_penalizer(cdnow_summary: pd.DataFrame) -> None:
    res = BetaGeo.fit(cdnow_summary, period="W")
    fitter = to_lifetimes(res)
    assert fitter.penalizer_coef == 0.0
    np.testing.assert_allclose(fitter.standard_errors_.to_numpy(), res.standard_errors.to_numpy())
    summary = fitter.summary
    assert summary.index.tolist() == ["r", "alpha", "a", "b"]
    np.testing.assert_allclose(summary["coef"].to_numpy(), res.params.to_numpy())


@pytest.mark.oracle
def test_lifetimes_fit_converts_to_the_custrel_mle(cdnow_summary: pd.DataFrame) -> None:
    from lifetimes import BetaGeoFitter

    f = BetaGeoFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    m = from_lifetimes(f, period="W")
    res = BetaGeo.fit(cdnow_summary, period="W")
    assert m.loglik(cdnow_summary) == pytest.approx(res.loglik, abs=1e-4)


def test_import_does_not_change_warning_filters() -> None:
    before = list(warnings.filters)
    to_lifetimes(MODELS[0])
    assert list(warnings.filters) == before


def test_unsupported_objects_raise_parameter_error() -> None:
    with pytest.raises(ParameterError, match="no lifetimes equivalent"):
        to_lifetimes(pd.Series([1.0]))
    with pytest.raises(ParameterError, match="unsupported fitter"):
        from_lifetimes(object())
    from lifetimes import BetaGeoFitter

    with pytest.raises(ParameterError, match="fit it first"):
        from_lifetimes(BetaGeoFitter())
    from custrel.models import GammaGamma

    gg = GammaGamma(p=6.25, q=3.74, gamma=15.44)
    assert from_lifetimes(to_lifetimes(gg)) == gg
    with pytest.raises(ParameterError, match="no time unit"):
        from_lifetimes(to_lifetimes(gg), period="W")
