"""BG/BB: published donations fit and P(alive), lifetimes oracle, brute-force checks, properties."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special
from tests.reference import fhs2010_bgbb as ref

from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.models import BetaGeoBetaBinom
from custrel.models.simulate import simulate_beta_geo_beta_binom

PUBLISHED = BetaGeoBetaBinom(**ref.PARAMS)


def _frame(x: object, tx: object, n: object) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "frequency": np.asarray(x, dtype=np.int64),
            "recency": np.asarray(tx, dtype=np.int64),
            "n_periods": np.asarray(n, dtype=np.int64),
        }
    )


def _brute_loglik(m: BetaGeoBetaBinom, x: int, tx: int, n: int) -> float:
    """Likelihood by integrating the individual-level likelihood over p and θ (FHS eq. 3)."""

    def individual(p: float, th: float) -> float:
        alive = p**x * (1 - p) ** (n - x) * (1 - th) ** n
        dead = sum(
            p**x * (1 - p) ** (tx - x + i) * th * (1 - th) ** (tx + i) for i in range(n - tx)
        )
        return alive + dead

    def dens(v: float, a: float, b: float) -> float:
        return math.exp((a - 1) * math.log(v) + (b - 1) * math.log1p(-v) - special.betaln(a, b))

    val = integrate.dblquad(
        lambda th, p: individual(p, th) * dens(p, m.alpha, m.beta) * dens(th, m.gamma, m.delta),
        0,
        1,
        0,
        1,
        epsabs=0,
        epsrel=1e-9,
    )[0]
    return math.log(val)


def test_bgbb_mle_matches_fader_hardie_shang_2010(donations: pd.DataFrame) -> None:
    res = BetaGeoBetaBinom.fit(donations, period="Y")
    for name, value in ref.PARAMS.items():
        assert getattr(res.model, name) == pytest.approx(value, abs=ref.PARAM_ATOL)
    assert res.loglik == pytest.approx(ref.LOGLIK, abs=ref.LOGLIK_ATOL)
    assert res.n_customers == 11104
    assert res.n_patterns == 22
    assert res.converged


@pytest.mark.parametrize(("xt", "expected"), ref.P_ALIVE_2002)
def test_bgbb_p_alive_matches_fader_hardie_shang_2010_table_6(
    xt: tuple[int, int], expected: float
) -> None:
    s = _frame([xt[0]], [xt[1]], [ref.N_PERIODS])
    assert round(PUBLISHED.probability_alive(s).iloc[0], 2) == expected


@pytest.mark.parametrize(("x", "tx", "n"), [(0, 0, 6), (2, 4, 6), (3, 7, 9)])
def test_loglik_matches_direct_integration(x: int, tx: int, n: int) -> None:
    assert PUBLISHED.loglik(_frame([x], [tx], [n])) == pytest.approx(
        _brute_loglik(PUBLISHED, x, tx, n), rel=1e-7
    )


@pytest.mark.oracle
def test_fit_and_predictions_match_lifetimes(donations: pd.DataFrame) -> None:
    from lifetimes import BetaGeoBetaBinomFitter

    res = BetaGeoBetaBinom.fit(donations)
    f = BetaGeoBetaBinomFitter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(
            donations["frequency"],
            donations["recency"],
            donations["n_periods"],
            weights=donations["weight"],
        )
    np.testing.assert_allclose(res.params.to_numpy(), f.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(
        res.standard_errors.to_numpy(), f.standard_errors_.to_numpy(), rtol=1e-3
    )
    f.params_ = res.params.copy()
    x, tx, n = donations["frequency"], donations["recency"], donations["n_periods"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p1 = np.asarray(f.conditional_probability_alive(1, x, tx, n))
        p0 = np.asarray(f.conditional_probability_alive(0, x, tx, n))
        e = np.asarray(f.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n))
    m = res.model
    np.testing.assert_allclose(m.probability_alive(donations).to_numpy(), p1, rtol=1e-6)
    np.testing.assert_allclose(
        m.probability_alive(donations, periods_ahead=0).to_numpy(), p0, rtol=1e-6
    )
    np.testing.assert_allclose(m.expected_purchases(donations, t=5).to_numpy(), e, rtol=1e-6)


def test_unconditional_quantities_are_consistent() -> None:
    m = PUBLISHED
    pmf = m.purchase_count_pmf(np.arange(11), 10)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    mean = float(np.dot(pmf.index.to_numpy(), pmf.to_numpy()))
    assert mean == pytest.approx(float(m.expected_purchases_new_customer(10)), rel=1e-10)
    # E[X(n)] increments = P(alive at opportunity k) * E[p]
    k = np.arange(1, 11)
    inc = np.diff(m.expected_purchases_new_customer(np.arange(0, 11)))
    np.testing.assert_allclose(
        inc, m.probability_alive_new_customer(k) * m.alpha / (m.alpha + m.beta), rtol=1e-10
    )


def test_dert_equals_discounted_sum_of_expected_increments() -> None:
    s = _frame([0, 2, 6, 3], [0, 4, 6, 5], [6, 6, 6, 8])
    d = 0.1
    dert = PUBLISHED.discounted_expected_transactions(s, discount_rate=d).to_numpy()
    ks = np.arange(0, 600)
    cum = np.stack([PUBLISHED.expected_purchases(s, t=float(k)).to_numpy() for k in ks])
    brute = (np.diff(cum, axis=0) / (1 + d) ** ks[1:, None]).sum(axis=0)
    np.testing.assert_allclose(dert, brute, rtol=1e-9)


def test_gamma_equal_one_is_a_removable_singularity() -> None:
    s = _frame([2], [4], [6])
    at = BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=1.0, delta=2.8)
    near = BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=1.0 + 1e-6, delta=2.8)
    assert at.expected_purchases(s, t=5).iloc[0] == pytest.approx(
        near.expected_purchases(s, t=5).iloc[0], rel=1e-5
    )


def test_long_horizons_and_many_opportunities_stay_finite() -> None:
    n = 2000
    s = _frame([0, 1, 1000, 2000, 500], [0, 1, 2000, 2000, 600], [n] * 5)
    for out in (
        PUBLISHED.loglik_contributions(s),
        PUBLISHED.probability_alive(s),
        PUBLISHED.expected_purchases(s, t=10_000),
        PUBLISHED.discounted_expected_transactions(s, discount_rate=0.01),
    ):
        assert np.all(np.isfinite(out.to_numpy()))


@st.composite
def discrete_summaries(draw: st.DrawFn) -> pd.DataFrame:
    k = draw(st.integers(1, 10))
    rows = []
    for _ in range(k):
        n = draw(st.integers(1, 30))
        tx = draw(st.integers(0, n))
        x = 0 if tx == 0 else draw(st.integers(1, tx))
        rows.append((x, tx, n))
    return _frame(*zip(*rows, strict=True))


bgbb_params = st.tuples(*(st.floats(0.05, 20.0) for _ in range(4)))


@settings(max_examples=40, deadline=None)
@given(s=discrete_summaries(), p=bgbb_params)
def test_bgbb_properties(s: pd.DataFrame, p: tuple[float, ...]) -> None:
    m = BetaGeoBetaBinom(alpha=p[0], beta=p[1], gamma=p[2], delta=p[3])
    pa = m.probability_alive(s).to_numpy()
    assert np.all((pa >= 0) & (pa <= 1 + 1e-12))
    e1 = m.expected_purchases(s, t=3).to_numpy()
    e2 = m.expected_purchases(s, t=6).to_numpy()
    assert np.all(e2 >= e1 * (1 - 1e-9))
    total = m.loglik(s)
    assert total == pytest.approx(sum(m.loglik(s.iloc[[i]]) for i in range(len(s))), rel=1e-12)
    assert m.loglik(s.assign(weight=3.0)) == pytest.approx(
        m.loglik(pd.concat([s] * 3, ignore_index=True)), rel=1e-12
    )


def test_validation_reports_every_problem() -> None:
    s = pd.DataFrame(
        {"frequency": [1, 3, 0, 1.5], "recency": [0, 2, 1, 2], "n_periods": [6, 6, 6, 6]},
        index=pd.Index(["a", "b", "c", "d"], name="customer_id"),
    )
    with pytest.raises(DataValidationError) as info:
        BetaGeoBetaBinom.fit(s)
    msg = str(info.value)
    assert "'frequency': must be a finite non-negative integer; 1 of 4" in msg
    assert "'frequency': must be <= recency; 2 of 4" in msg
    assert "'recency': must be 0 exactly when frequency is 0; 2 of 4" in msg
    with pytest.raises(SchemaError, match="n_periods"):
        PUBLISHED.probability_alive(pd.DataFrame({"frequency": [0], "recency": [0]}))
    with pytest.raises(ParameterError, match="periods_ahead"):
        PUBLISHED.probability_alive(_frame([0], [0], [6]), periods_ahead=-1)
    with pytest.raises(ParameterError, match="opportunities"):
        PUBLISHED.purchase_count_pmf(1, 2.5)  # type: ignore[arg-type]


@pytest.mark.slow
def test_parameter_recovery_on_simulated_data() -> None:
    truth = BetaGeoBetaBinom(alpha=1.2, beta=0.75, gamma=0.66, delta=2.8)
    sim = simulate_beta_geo_beta_binom(truth, 40_000, n_periods=10, seed=7)
    res = BetaGeoBetaBinom.fit(sim.summary)
    true = pd.Series([truth.alpha, truth.beta, truth.gamma, truth.delta], index=res.params.index)
    z = (res.params - true) / res.standard_errors
    assert np.all(np.abs(z) < 4), z
    p = truth.probability_alive(sim.summary, periods_ahead=0)
    assert p.mean() == pytest.approx(sim.truth["alive"].mean(), abs=0.01)
