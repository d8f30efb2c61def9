"""JSON persistence: exact round trips of models and fit results, registry, errors."""

from __future__ import annotations

import json

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.errors import ParameterError
from custrel.models import (
    BetaGeo,
    BetaGeoBetaBinom,
    FitConfig,
    ModifiedBetaGeo,
    from_json,
    register_model,
    to_json,
)

positive = st.floats(1e-6, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(
    p=st.tuples(positive, positive, positive, positive),
    kind=st.sampled_from([BetaGeo, ModifiedBetaGeo, BetaGeoBetaBinom]),
    period=st.sampled_from([None, "D", "W", "M", 3.5]),
)
def test_model_json_round_trip_is_exact(p: tuple[float, ...], kind: type, period: object) -> None:
    names = [f.name for f in attrs.fields(kind) if f.name != "period"]
    m = kind(**dict(zip(names, p, strict=True)), period=period)
    back = from_json(to_json(m))
    assert back == m
    assert type(back) is kind


def test_fit_result_json_round_trip(cdnow_summary: pd.DataFrame) -> None:
    res = BetaGeo.fit(cdnow_summary, period="W", config=FitConfig(penalizer_coef=0.0))
    text = to_json(res, indent=2)
    assert "pickle" not in text
    back = from_json(text)
    assert back.model == res.model
    assert back.loglik == res.loglik
    assert back.n_customers == res.n_customers
    assert back.n_patterns == res.n_patterns
    assert back.period == res.period
    assert back.config == res.config
    assert back.iterations == res.iterations
    pd.testing.assert_frame_equal(back.covariance, res.covariance)
    pd.testing.assert_frame_equal(back.summary(), res.summary())


def test_donations_fit_round_trip_without_covariance(donations: pd.DataFrame) -> None:
    res = BetaGeoBetaBinom.fit(donations, config=FitConfig(covariance=False))
    back = from_json(to_json(res))
    assert back.covariance is None
    assert back.model == res.model


def test_registry_for_user_models() -> None:
    @register_model
    @attrs.frozen(kw_only=True)
    class Toy:
        rate: float
        label: str = "x"

    m = Toy(rate=2.5)
    assert from_json(to_json(m)) == m
    with pytest.raises(ParameterError, match="expects an attrs class"):
        register_model(dict)  # type: ignore[arg-type]


def test_invalid_documents_raise_parameter_error() -> None:
    with pytest.raises(ParameterError, match=r"custrel\.models\.to_json"):
        from_json("not json")
    with pytest.raises(ParameterError, match="unknown document format"):
        from_json(json.dumps({"format": "other"}))
    doc = json.loads(to_json(BetaGeo(r=1.0, alpha=1.0, a=1.0, b=1.0)))
    doc["type"] = "NoSuchModel"
    with pytest.raises(ParameterError, match="unknown model type 'NoSuchModel'"):
        from_json(json.dumps(doc))
    doc["type"] = "BetaGeo"
    doc["params"]["r"] = -1.0
    with pytest.raises(ParameterError, match=r"BetaGeo\.r must be a finite float > 0"):
        from_json(json.dumps(doc))
    with pytest.raises(ParameterError, match="expects a custrel model"):
        to_json(np.array([1.0]))
