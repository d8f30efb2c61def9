"""Fitting on distributed pattern counts, per-partition scoring and population cutoffs.

Provenance: the references are the in-memory calls on the same simulated
summary (custrel.models fits and predictions, custrel.value.clv_frame,
custrel.segment._ranks tie rules of domain.md §1.5). Fits must agree to 1e-9
in log-likelihood, predictions to 1e-12.
"""

from __future__ import annotations

from collections.abc import Iterator

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custrel.scale.dask as cdask
from custrel.data import summarize_report
from custrel.errors import ParameterError, SchemaError
from custrel.labels import Labels
from custrel.models import BetaGeo, GammaGamma, ModifiedBetaGeo, ParetoNBD
from custrel.segment import midrank_levels
from custrel.segment._ranks import share_above, tier_index_by_share
from custrel.value import clv_frame

OBS_END = "2023-12-15"


@pytest.fixture(autouse=True)
def _threads() -> Iterator[None]:
    with dask.config.set(scheduler="threads", num_workers=2):
        yield


@pytest.fixture(scope="module")
def summaries(sim_log: pd.DataFrame) -> tuple[pd.DataFrame, dd.DataFrame]:
    expected = summarize_report(sim_log, period="W", observation_end=OBS_END).summary
    with dask.config.set(scheduler="threads", num_workers=2):
        rep = cdask.summarize_report(
            dd.from_pandas(sim_log, npartitions=4, sort=False), period="W", observation_end=OBS_END
        )
    return expected, rep.summary


@pytest.mark.parametrize("model", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_fit_on_distributed_patterns_matches_in_memory_fit(
    model: type[BetaGeo], summaries: tuple[pd.DataFrame, dd.DataFrame]
) -> None:
    mem, dist = summaries
    expected = model.fit(mem, period="W")
    got = cdask.fit(model, dist, period="W")
    assert got.n_customers == expected.n_customers == len(mem)
    assert got.n_patterns == expected.n_patterns < len(mem)
    assert abs(got.loglik - expected.loglik) <= 1e-9 * abs(expected.loglik)
    np.testing.assert_allclose(got.params.to_numpy(), expected.params.to_numpy(), rtol=1e-7)
    # the fitted model's likelihood of every customer equals that of the weighted patterns
    patterns = cdask.pattern_counts(dist)
    ll_customers = got.model.loglik(mem)
    assert abs(got.model.loglik(patterns) - ll_customers) <= 1e-9 * abs(ll_customers)


def test_gamma_gamma_fit_on_spend_patterns_and_clv_with_it(
    summaries: tuple[pd.DataFrame, dd.DataFrame],
) -> None:
    mem, dist = summaries
    expected = GammaGamma.fit(mem)
    got = cdask.fit(GammaGamma, dist, columns=("frequency", "monetary_value"))
    assert got.n_customers == expected.n_customers == int((mem["frequency"] > 0).sum())
    assert abs(got.loglik - expected.loglik) <= 1e-9 * abs(expected.loglik)
    # the likelihood surface is flat along q/gamma: equal likelihoods, params to the
    # optimiser's tolerance (measured 1.4e-7 relative)
    np.testing.assert_allclose(got.params.to_numpy(), expected.params.to_numpy(), rtol=1e-5)
    bg = BetaGeo(r=0.75, alpha=60.0 / 7.0, a=0.8, b=2.5, period="W")
    clv_args = {"horizon": 52, "horizon_period": "W", "discount_rate": 0.0}
    prof = cdask.score(dist, model=bg, spend=got.model, clv=clv_args).compute().sort_index()
    ref = clv_frame(bg, got.model, mem, **clv_args)
    np.testing.assert_allclose(prof["spend"], ref["spend"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(prof["clv"], ref["clv"], rtol=1e-12, atol=0)


def test_fit_rejects_objects_without_fit(summaries: tuple[pd.DataFrame, dd.DataFrame]) -> None:
    with pytest.raises(SchemaError, match="must have a fit"):
        cdask.fit(object(), summaries[1])


def test_score_matches_in_memory_predictions_and_clv(
    summaries: tuple[pd.DataFrame, dd.DataFrame],
) -> None:
    mem, dist = summaries
    model = BetaGeo(r=0.75, alpha=60.0 / 7.0, a=0.8, b=2.5, period="W")  # the simulator's truth
    clv_args = {"horizon": 1, "horizon_period": "Y", "discount_rate": 0.1, "discount_period": "Y"}
    prof = cdask.score(dist, model=model, t=26.0, spend=50.0, clv=clv_args, keep=["frequency", "T"])
    assert isinstance(prof, dd.DataFrame)
    got = prof.compute().sort_index()
    assert list(prof.columns) == list(got.columns)
    assert prof.dtypes.to_dict() == got.dtypes.to_dict()
    np.testing.assert_allclose(got["p_alive"], model.probability_alive(mem), rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        got["expected_purchases"], model.expected_purchases(mem, t=26.0), rtol=1e-12, atol=0
    )
    ref = clv_frame(model, 50.0, mem, **clv_args)
    np.testing.assert_allclose(got["clv"], ref["clv"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(
        got["expected_purchases_horizon"], ref["expected_purchases"], rtol=1e-12, atol=0
    )
    pd.testing.assert_series_equal(got["frequency"], mem["frequency"])
    assert got.index.equals(mem.index)


def _active_label(part: pd.DataFrame) -> Labels:
    """A per-customer rule (one row in, one label out): bought in the last 8 weeks."""
    recent = (part["T"] - part["recency"]) <= 8.0
    return Labels.build(
        scheme="recently_active",
        as_of=None,
        config=None,
        index=part.index,
        labels=np.where(recent, "recent", "lapsed"),
        categories=("recent", "lapsed"),
    )


@pytest.mark.filterwarnings(
    # dask's Parquet reader calls DataFrame.reset_index(inplace=True), deprecated in pandas 3.1
    "ignore:The inplace keyword in DataFrame.reset_index is deprecated:pandas.errors.Pandas4Warning"
)
def test_score_functions_and_parquet_round_trip(
    summaries: tuple[pd.DataFrame, dd.DataFrame], tmp_path: object
) -> None:
    mem, dist = summaries
    prof = cdask.score(
        dist,
        functions={
            "active": _active_label,
            "gap": lambda p: p["T"] - p["recency"],
            "stats": lambda p: p[["frequency"]].assign(twice=2 * p["frequency"]),
        },
    )
    assert isinstance(prof.dtypes["active_label"], pd.CategoricalDtype)
    assert list(prof.dtypes["active_label"].categories) == ["recent", "lapsed", "undetermined"]
    got = prof.compute().sort_index()
    expected = _active_label(mem).frame["label"]
    assert (got["active_label"].astype(str) == expected.astype(str)).all()
    np.testing.assert_array_equal(got["gap"], mem["T"] - mem["recency"])
    np.testing.assert_array_equal(got["stats_twice"], 2 * mem["frequency"])
    path = f"{tmp_path}/profile"
    cdask.to_parquet(prof, path)
    back = pd.read_parquet(path).set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(back, got, check_categorical=False, check_index_type=False)


def test_score_argument_errors(summaries: tuple[pd.DataFrame, dd.DataFrame]) -> None:
    dist = summaries[1]
    model = BetaGeo(r=0.75, alpha=8.0, a=0.8, b=2.5, period="W")
    with pytest.raises(ParameterError, match="need a purchase model"):
        cdask.score(dist, t=1.0)
    with pytest.raises(ParameterError, match="needs spend"):
        cdask.score(dist, model=model, clv={"horizon": 1, "discount_rate": 0.0})
    with pytest.raises(SchemaError, match="keep= names"):
        cdask.score(dist, model=model, keep=["nope"])
    with pytest.raises(SchemaError, match="one row per customer"):
        cdask.score(dist, functions={"bad": lambda p: p["T"].iloc[:1]})


def _reference_tiers(values: np.ndarray, cutoffs: tuple[float, ...]) -> np.ndarray:
    return tier_index_by_share(share_above(values), cutoffs)


def _tiers_from_thresholds(values: np.ndarray, th: tuple[float, ...]) -> np.ndarray:
    labels = [f"t{i}" for i in range(len(th) + 1)]
    s = cdask.tier_by_thresholds(pd.Series(values), th, labels)
    codes = s.cat.codes.to_numpy().astype(np.int64)
    codes[codes == len(labels)] = -1  # undetermined
    return codes


def test_share_thresholds_reproduce_population_tiers_distributed() -> None:
    rng = np.random.default_rng(3)
    values = np.round(rng.gamma(0.5, 100.0, 20_000), 0)  # many ties, many zeros
    values[rng.random(values.size) < 0.01] = np.nan
    cutoffs = (0.01, 0.05, 0.2, 0.5)
    series = dd.from_pandas(pd.Series(values), npartitions=5)
    th = cdask.share_thresholds(series, cutoffs, bins=8, max_collect=50)  # forces refinement
    assert th == cdask.share_thresholds(pd.Series(values), cutoffs)
    labels = ("a", "b", "c", "d", "e")
    tiers = series.map_partitions(
        cdask.tier_by_thresholds, th, labels, meta=pd.Series([], dtype=object, name="tier")
    ).compute()
    ref = _reference_tiers(values, cutoffs)
    got = tiers.cat.codes.to_numpy().astype(np.int64)
    got[got == len(labels)] = -1
    np.testing.assert_array_equal(got, ref)


def test_share_thresholds_domain_example_and_edges() -> None:
    # domain.md §1.5: values 1..20 with cutoffs (0.05, 0.20) give tiers of 1 / 3 / 16
    v = pd.Series(np.arange(1.0, 21.0))
    th = cdask.share_thresholds(v, (0.05, 0.20))
    assert th == (20.0, 17.0)
    sizes = cdask.tier_by_thresholds(v, th, ("d", "g", "s")).value_counts(sort=False)
    assert sizes.tolist() == [1, 3, 16, 0]
    assert cdask.share_thresholds(pd.Series([np.nan]), (0.5,)) == (np.inf,)
    assert cdask.share_thresholds(pd.Series([3.0, 3.0]), (0.5, 1.0)) == (3.0, -np.inf)
    with pytest.raises(ParameterError, match="increasing shares"):
        cdask.share_thresholds(v, (0.2, 0.1))
    with pytest.raises(ParameterError, match="len\\(thresholds\\) \\+ 1"):
        cdask.tier_by_thresholds(v, (1.0,), ("a",))


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(-5, 5).map(float), st.just(np.nan)), min_size=1, max_size=60
    ),
    cutoffs=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=3, unique=True).map(
        lambda c: tuple(sorted(c))
    ),
)
def test_property_thresholds_equal_strictly_above_share_rule(
    values: list[float], cutoffs: tuple[float, ...]
) -> None:
    arr = np.array(values)
    th = cdask.share_thresholds(pd.Series(arr), cutoffs, bins=2, max_collect=3)
    np.testing.assert_array_equal(_tiers_from_thresholds(arr, th), _reference_tiers(arr, cutoffs))


def test_midrank_thresholds_reproduce_population_levels_distributed() -> None:
    rng = np.random.default_rng(11)
    values = np.round(rng.gamma(0.7, 50.0, 15_000), 0)
    values[rng.random(values.size) < 0.02] = np.nan
    series = dd.from_pandas(pd.Series(values), npartitions=4)
    th = cdask.midrank_thresholds(series, 5, bins=4, max_collect=30)
    assert th == cdask.midrank_thresholds(pd.Series(values), 5)
    levels = series.map_partitions(
        cdask.level_by_thresholds, th, meta=pd.Series([], dtype=np.int64, name="level")
    ).compute()
    np.testing.assert_array_equal(levels.to_numpy(), midrank_levels(values, 5))
    # domain.md §1.5 examples
    assert cdask.level_by_thresholds(
        pd.Series([5.0, 5, 5, 1]), cdask.midrank_thresholds(pd.Series([5.0, 5, 5, 1]), 3)
    ).tolist() == [3, 3, 3, 1]
    with pytest.raises(ParameterError, match="integer >= 1"):
        cdask.midrank_thresholds(series, 0)
    with pytest.raises(ParameterError, match="non-decreasing"):
        cdask.level_by_thresholds(pd.Series([1.0]), (2.0, 1.0))


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(-4, 4).map(float), st.just(np.nan)), min_size=1, max_size=50
    ),
    k=st.integers(1, 6),
)
def test_property_midrank_thresholds_equal_midrank_levels(values: list[float], k: int) -> None:
    arr = np.array(values)
    th = cdask.midrank_thresholds(pd.Series(arr), k, bins=2, max_collect=3)
    got = cdask.level_by_thresholds(pd.Series(arr), th).to_numpy()
    np.testing.assert_array_equal(got, midrank_levels(arr, k))


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(np.nan)), min_size=0, max_size=40))
def test_property_population_median_equals_pandas(values: list[float]) -> None:
    s = pd.Series(values, dtype=np.float64)
    got = cdask.population_median(s, bins=2, max_collect=3)
    expected = s.median()
    if np.isnan(expected):
        assert np.isnan(got)
    else:
        assert got == expected


def test_population_median_distributed() -> None:
    values = np.random.default_rng(2).normal(size=10_001)
    series = dd.from_pandas(pd.Series(values), npartitions=3)
    assert cdask.population_median(series, max_collect=100) == float(np.median(values))


def test_score_when_the_first_partition_is_empty(
    summaries: tuple[pd.DataFrame, dd.DataFrame],
) -> None:
    mem, _ = summaries
    empty = dd.from_pandas(mem.iloc[:0], npartitions=1)
    dist = dd.concat([empty, dd.from_pandas(mem.iloc[:50], npartitions=2)])
    model = BetaGeo(r=0.75, alpha=8.0, a=0.8, b=2.5, period="W")
    got = cdask.score(dist, model=model).compute()
    assert len(got) == 50
    np.testing.assert_allclose(
        got["p_alive"], model.probability_alive(mem.iloc[:50]), rtol=1e-12, atol=0
    )
