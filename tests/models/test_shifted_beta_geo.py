"""Shifted-beta-geometric: FH (2007) cohorts, FH (2010) DERL table, identities, fits, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.reference import sbg_fader_hardie as ref

from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.models.shifted_beta_geo import ShiftedBetaGeo, simulate_shifted_beta_geo


@pytest.mark.parametrize(
    ("counts", "params", "loglik"),
    [
        (ref.HIGH_END, ref.HIGH_END_PARAMS, ref.HIGH_END_LOGLIK),
        (ref.REGULAR, ref.REGULAR_PARAMS, ref.REGULAR_LOGLIK),
    ],
    ids=["high_end", "regular"],
)
def test_sbg_fit_matches_fader_hardie_2007(
    counts: tuple[int, ...], params: dict[str, float], loglik: float
) -> None:
    res = ShiftedBetaGeo.fit_survival(counts, period="Y")
    assert res.converged
    assert res.model.alpha == pytest.approx(params["alpha"], abs=ref.PARAMS_ATOL)
    assert res.model.beta == pytest.approx(params["beta"], abs=ref.PARAMS_ATOL)
    assert res.loglik == pytest.approx(loglik, abs=ref.LOGLIK_ATOL)
    assert res.n_customers == 1000
    assert res.model.loglik_survival(counts) == pytest.approx(res.loglik, abs=1e-9)
    assert res.model.period is not None
    assert res.model.period.name == "Y"


def test_derl_matches_fader_hardie_2010_table_3() -> None:
    m = ShiftedBetaGeo(**ref.DERL_PARAMS)
    got = m.derl(discount_rate=ref.DERL_DISCOUNT, renewals=list(ref.DERL_RENEWALS))
    np.testing.assert_allclose(np.round(got, 2), ref.DERL_TABLE3, atol=1e-12)
    assert isinstance(m.derl(discount_rate=0.1, renewals=2), float)


@given(st.floats(0.05, 10.0), st.floats(0.05, 20.0), st.floats(0.01, 0.5), st.integers(0, 20))
@settings(max_examples=50, deadline=None)
def test_property_del_and_derl_equal_their_defining_sums(
    alpha: float, beta: float, d: float, n: int
) -> None:
    m = ShiftedBetaGeo(alpha=alpha, beta=beta)
    t = np.arange(0, 6000)
    surv = m.survival(t)
    disc = (1.0 + d) ** -t.astype(float)
    assert m.discounted_expected_lifetime(discount_rate=d) == pytest.approx(
        float(np.sum(surv * disc)), rel=1e-8
    )
    # DERL after n renewals: sum over t > n of S(t)/S(n) / (1+d)^(t-n-1)
    tail = surv[n + 1 :] / surv[n] * (1.0 + d) ** -np.arange(0, t.size - n - 1, dtype=float)
    assert m.derl(discount_rate=d, renewals=n) == pytest.approx(float(np.sum(tail)), rel=1e-8)
    # DEL = 1 + DERL(0) / (1 + d): the first payment is certain
    assert m.discounted_expected_lifetime(discount_rate=d) == pytest.approx(
        1.0 + m.derl(discount_rate=d, renewals=0) / (1.0 + d), rel=1e-12
    )


def test_survival_churn_and_retention_are_consistent() -> None:
    m = ShiftedBetaGeo(**ref.REGULAR_PARAMS)
    t = np.arange(1, 30)
    s_prev, s_now = m.survival(t - 1), m.survival(t)
    np.testing.assert_allclose(s_prev - s_now, m.churn_probability(t), rtol=1e-10)
    np.testing.assert_allclose(s_now / s_prev, m.retention_rate(t), rtol=1e-12)
    assert bool(np.all(np.diff(m.retention_rate(t)) > 0))  # the sorting effect
    assert m.survival(0)[()] == 1.0
    assert ShiftedBetaGeo(alpha=3.0, beta=4.0).expected_lifetime() == pytest.approx(3.0)
    assert ShiftedBetaGeo(alpha=0.7, beta=4.0).expected_lifetime() == float("inf")


def test_individual_fit_equals_survival_count_fit() -> None:
    counts = np.array(ref.REGULAR)
    lost = counts[:-1] - counts[1:]
    tenure = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(counts[-1], 7)])
    churned = np.concatenate([np.ones(lost.sum(), bool), np.zeros(counts[-1], bool)])
    rows = pd.DataFrame({"tenure": tenure, "churned": churned})
    a = ShiftedBetaGeo.fit(rows)
    b = ShiftedBetaGeo.fit_survival(counts)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-9)
    assert a.model.alpha == pytest.approx(b.model.alpha, rel=1e-6)
    assert a.model.beta == pytest.approx(b.model.beta, rel=1e-6)
    assert a.model.loglik(rows) == pytest.approx(a.loglik, abs=1e-9)


@pytest.mark.slow
def test_parameter_recovery_on_simulated_cohort() -> None:
    true = ShiftedBetaGeo(alpha=0.9, beta=2.5)
    sim = simulate_shifted_beta_geo(true, 20_000, n_periods=10, seed=4)
    res = ShiftedBetaGeo.fit(sim.summary)
    for name in ("alpha", "beta"):
        assert abs(res.params[name] - getattr(true, name)) < 4 * res.standard_errors[name]


def test_survival_count_errors_list_every_problem() -> None:
    with pytest.raises(DataValidationError) as info:
        ShiftedBetaGeo.fit_survival([0, 5, 2.5])
    assert len(info.value.problems) == 3
    msg = str(info.value)
    assert "non-increasing" in msg
    assert "integers" in msg
    assert "cohort size" in msg
    with pytest.raises(DataValidationError, match="at least 2 counts"):
        ShiftedBetaGeo.fit_survival([1000])


def test_individual_data_errors() -> None:
    with pytest.raises(SchemaError, match="churned"):
        ShiftedBetaGeo.fit(pd.DataFrame({"tenure": [1, 2]}))
    with pytest.raises(SchemaError, match="bool"):
        ShiftedBetaGeo.fit(pd.DataFrame({"tenure": [1, 2], "churned": ["yes", "no"]}))
    bad = pd.DataFrame(
        {"tenure": [0, 1.5, 3], "churned": [True, False, False]},
        index=pd.Index([10, 11, 12], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as info:
        ShiftedBetaGeo.fit(bad)
    assert len(info.value.problems) == 2
    assert "customer 10" in str(info.value)


def test_parameter_and_argument_errors() -> None:
    with pytest.raises(ParameterError, match=r"ShiftedBetaGeo.alpha must be a finite float > 0"):
        ShiftedBetaGeo(alpha=0.0, beta=1.0)
    m = ShiftedBetaGeo(alpha=1.0, beta=1.0)
    with pytest.raises(ParameterError, match="discount_rate"):
        m.derl(discount_rate=0.0)
    with pytest.raises(ParameterError, match="renewals"):
        m.derl(discount_rate=0.1, renewals=-1)
    with pytest.raises(ParameterError, match="t must be integer"):
        m.retention_rate(0)


def test_json_round_trip_of_model_and_fit_result() -> None:
    from custrel.models import from_json, to_json

    m = ShiftedBetaGeo(alpha=0.704, beta=1.182, period="Y")
    assert from_json(to_json(m)) == m
    res = ShiftedBetaGeo.fit_survival(ref.HIGH_END, period="Y")
    back = from_json(to_json(res))
    assert back.model == res.model
    assert back.loglik == res.loglik
    assert back.n_customers == 1000
