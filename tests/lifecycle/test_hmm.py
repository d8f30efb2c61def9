"""RelationshipHMM: domain.md §4 T4.1-T4.3 (recovery, deterministic posteriors, permutation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.data import build_customer_base
from custrel.datasets import simulate_transactions
from custrel.errors import DataValidationError, ParameterError
from custrel.lifecycle import HMMParameters, HMMResult, RelationshipHMM
from tests.f1 import AS_OF, f1_transactions

TRUE_A = np.array([[0.95, 0.05], [0.10, 0.90]])
TRUE_LAMBDA = np.array([0.1, 2.0])
TRUE_PI = np.array([0.3, 0.7])


def _simulate(n: int = 500, t: int = 24, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    s = np.zeros((n, t), dtype=np.int64)
    s[:, 0] = rng.random(n) < TRUE_PI[1]
    for j in range(1, t):
        s[:, j] = rng.random(n) < TRUE_A[s[:, j - 1], 1]
    return rng.poisson(TRUE_LAMBDA[s]), s


@pytest.fixture(scope="module")
def recovery():
    y, s = _simulate()
    return y, s, RelationshipHMM(n_states=2).fit_counts(y)


def test_t4_1_parameter_recovery_netzer_lattin_srinivasan_2008_simplified(recovery) -> None:
    _, _, fit = recovery
    assert fit.converged
    assert np.abs(fit.rates.to_numpy() - TRUE_LAMBDA).max() < 0.05
    assert np.abs(fit.transition.to_numpy() - TRUE_A).max() < 0.03
    assert list(fit.rates.index) == ["state_1", "state_2"]


def test_t4_1_filtered_last_state_accuracy(recovery) -> None:
    _, s, fit = recovery
    accuracy = (fit.posterior.to_numpy().argmax(axis=1) == s[:, -1]).mean()
    assert accuracy >= 0.90
    lab = fit.labels()
    assert lab.counts().sum() == 500
    assert set(lab.undetermined()["reason"].astype(str)) <= {"low_posterior"}


def test_t4_2_deterministic_posteriors_with_true_parameters() -> None:
    hp = HMMParameters(initial=TRUE_PI, transition=TRUE_A, rates=TRUE_LAMBDA)
    y = np.array([[2, 3, 1, 2, 0, 0, 0, 0, 0, 0], [2, 3, 1, 2, 2, 0, 0, 0, 0, 0]])
    post = hp.filtered(y, lengths=[10, 6])
    np.testing.assert_allclose(post, [[0.991, 0.009], [0.431, 0.569]], atol=5e-4)
    result = HMMResult(
        config=RelationshipHMM(n_states=2),
        params=hp,
        loglik=0.0,
        n_iter=0,
        converged=True,
        posterior=pd.DataFrame(post, columns=["state_1", "state_2"]),
    )
    lab = result.labels()
    assert lab.frame["label"].astype(str).tolist() == ["state_1", "undetermined"]
    assert lab.frame["reason"].iloc[1] == "low_posterior"
    assert lab.frame["posterior_state_2"].iloc[1] == pytest.approx(0.569, abs=5e-4)


def test_t4_2_forward_likelihood_matches_brute_force_enumeration() -> None:
    hp = HMMParameters(initial=TRUE_PI, transition=TRUE_A, rates=TRUE_LAMBDA)
    y = np.array([2, 0, 1, 3])
    from itertools import product

    from scipy.stats import poisson

    total = 0.0
    for path in product([0, 1], repeat=4):
        p = TRUE_PI[path[0]] * poisson.pmf(y[0], TRUE_LAMBDA[path[0]])
        for j in range(1, 4):
            p *= TRUE_A[path[j - 1], path[j]] * poisson.pmf(y[j], TRUE_LAMBDA[path[j]])
        total += p
    assert hp.log_likelihood(y[None, :]) == pytest.approx(np.log(total), rel=1e-12)


def test_t4_3_permutation_invariance_and_sorted_states(recovery) -> None:
    y, _, fit = recovery
    perm = np.random.default_rng(3).permutation(len(y))
    again = RelationshipHMM(n_states=2).fit_counts(y[perm])
    np.testing.assert_allclose(again.params.rates, fit.params.rates, rtol=1e-10)
    np.testing.assert_allclose(again.params.transition, fit.params.transition, rtol=1e-10)
    np.testing.assert_allclose(again.posterior.to_numpy(), fit.posterior.to_numpy()[perm])
    assert np.all(np.diff(fit.params.rates) > 0)


def test_fit_on_customer_base_sequences_and_labels() -> None:
    sim = simulate_transactions(400, seed=11)
    base = build_customer_base(sim.transactions, as_of=sim.observation_end)
    hmm = RelationshipHMM(n_states=3, period_days=60.0)
    y, lengths, index = hmm.sequences(base)
    f = base.features.loc[index]
    np.testing.assert_array_equal(y.sum(axis=1), f["n_occasions"].to_numpy())
    np.testing.assert_array_equal(lengths, np.floor(f["T_days"].to_numpy() / 60.0) + 1)
    bought_last_period = y[np.arange(len(y)), lengths - 1] > 0
    np.testing.assert_array_equal(bought_last_period, f["days_since_last"].to_numpy() < 60)
    assert not (y[np.arange(len(y)), 0] == 0).any()  # sequences start at the first purchase
    fit = hmm.fit(base)
    assert fit.as_of == base.as_of
    assert fit.posterior.index.equals(base.customers)
    lab = fit.labels()
    assert lab.counts().sum() == len(base.customers)
    assert np.all(np.diff(fit.params.rates) > 0)
    assert fit.loglik < 0


def test_bernoulli_emission_and_non_purchasers_f1() -> None:
    base = build_customer_base(f1_transactions(), as_of=AS_OF)
    fit = RelationshipHMM(n_states=2, emission="bernoulli").fit(base)
    lab = fit.labels()
    assert lab.frame.loc["C08", "label"] == "undetermined"
    assert lab.frame.loc["C08", "reason"] == "no_valid_purchase"
    assert np.all((fit.params.rates > 0) & (fit.params.rates < 1))
    # C01 buys every month: its last periods are all purchases -> the higher-incidence state
    assert lab.frame.loc["C01", "label"] == "state_2"


def test_validation() -> None:
    with pytest.raises(ParameterError, match=r"RelationshipHMM\.n_states must be an int >= 2"):
        RelationshipHMM(n_states=1)
    with pytest.raises(ParameterError, match=r"min_posterior must be a float in \(0, 1\)"):
        RelationshipHMM(min_posterior=1.5)
    with pytest.raises(DataValidationError, match="whole numbers >= 0; 1 of 2 sequences"):
        RelationshipHMM().fit_counts([[1, 2], [1, -1]])
    with pytest.raises(ParameterError, match="row-stochastic"):
        HMMParameters(initial=[0.5, 0.5], transition=[[0.5, 0.6], [0.5, 0.5]], rates=[1.0, 2.0])
