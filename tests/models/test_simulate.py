"""Simulators: reproducibility, validity of the summaries and agreement with model moments."""

from __future__ import annotations

import numpy as np
import pytest

from custrel.errors import ParameterError
from custrel.models import BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo
from custrel.models.simulate import (
    simulate_beta_geo,
    simulate_beta_geo_beta_binom,
    simulate_modified_beta_geo,
)


@pytest.mark.parametrize(
    ("fn", "model"),
    [
        (simulate_beta_geo, BetaGeo(r=0.5, alpha=8.0, a=0.9, b=2.5)),
        (simulate_modified_beta_geo, ModifiedBetaGeo(r=0.5, alpha=8.0, a=0.9, b=2.5)),
    ],
)
def test_continuous_simulators_match_model_moments(fn: object, model: object) -> None:
    sim = fn(model, 40_000, T=39.0, seed=1, holdout=26.0)
    again = fn(model, 40_000, T=39.0, seed=1, holdout=26.0)
    assert sim.summary.equals(again.summary)
    s = sim.summary
    assert (s["recency"] <= s["T"]).all()
    assert (s.loc[s["frequency"] == 0, "recency"] == 0).all()
    assert (s.loc[s["frequency"] > 0, "recency"] > 0).all()
    # mean frequency equals E[X(T)]; the pmf matches the histogram
    mean = float(model.expected_purchases_new_customer(39.0))
    se = s["frequency"].std() / np.sqrt(len(s))
    assert abs(s["frequency"].mean() - mean) < 4 * se
    p0 = float(model.purchase_count_pmf([0], 39.0).iloc[0])
    assert (s["frequency"] == 0).mean() == pytest.approx(p0, abs=0.01)
    # holdout purchases agree with the conditional expectation on average
    e = model.expected_purchases(s, t=26.0)
    assert e.mean() == pytest.approx(s["frequency_holdout"].mean(), rel=0.03)


def test_bgbb_simulator_matches_model_moments() -> None:
    m = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    sim = simulate_beta_geo_beta_binom(m, 40_000, n_periods=6, seed=2, holdout=5)
    s = sim.summary
    assert ((s["frequency"] <= s["recency"]) & (s["recency"] <= 6)).all()
    assert ((s["frequency"] == 0) == (s["recency"] == 0)).all()
    pmf = m.purchase_count_pmf(np.arange(7), 6).to_numpy()
    hist = np.bincount(s["frequency"], minlength=7) / len(s)
    np.testing.assert_allclose(hist, pmf, atol=0.01)
    # the recency distribution is what the model implies: compare the log-likelihood per customer
    assert m.loglik(s) / len(s) == pytest.approx(
        m.loglik(simulate_beta_geo_beta_binom(m, 40_000, n_periods=6, seed=3).summary) / len(s),
        abs=0.02,
    )
    e = m.expected_purchases(s, t=5)
    assert e.mean() == pytest.approx(s["frequency_holdout"].mean(), rel=0.03)


def test_simulator_arguments_are_validated() -> None:
    m = BetaGeo(r=0.5, alpha=8.0, a=0.9, b=2.5)
    with pytest.raises(ParameterError, match="n_customers"):
        simulate_beta_geo(m, 0, T=1.0, seed=1)
    with pytest.raises(ParameterError, match="T must be"):
        simulate_beta_geo(m, 3, T=[1.0, 2.0], seed=1)
    with pytest.raises(ParameterError, match="holdout"):
        simulate_beta_geo(m, 3, T=1.0, seed=1, holdout=-1.0)
    b = BetaGeoBetaBinom(alpha=1.0, beta=1.0, gamma=1.0, delta=1.0)
    with pytest.raises(ParameterError, match="n_periods"):
        simulate_beta_geo_beta_binom(b, 3, n_periods=0, seed=1)
