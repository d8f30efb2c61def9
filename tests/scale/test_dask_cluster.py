"""custrel.scale.dask on a dask.distributed LocalCluster of 2 worker processes.

Provenance: the reference is the in-memory path (custrel.data) on the same
simulated log; summaries must be identical (exact equality) when the shuffle
and the per-partition kernel run in separate worker processes.
"""

from __future__ import annotations

from collections.abc import Iterator

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import custrel.scale.dask as cdask
from custrel.data import calibration_holdout, summarize_report
from custrel.errors import DataWarning
from custrel.models import BetaGeo

distributed = pytest.importorskip("distributed")

OBS_END = "2023-12-15"
CAL_END = "2023-06-30"


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit="2GiB",
    )
    cl = distributed.Client(cluster)
    try:
        yield cl
    finally:
        cl.close()
        cluster.close()


def test_summary_on_local_cluster_identical_to_in_memory(
    client: object, sim_log: pd.DataFrame
) -> None:
    expected = summarize_report(sim_log, period="W", observation_end=OBS_END)
    ddf = dd.from_pandas(sim_log, npartitions=4, sort=False)
    rep = cdask.summarize_report(ddf, period="W", observation_end=OBS_END)
    pd.testing.assert_frame_equal(
        rep.summary.compute().sort_index(), expected.summary, check_exact=True
    )
    assert rep.exclusions == expected.exclusions
    patterns = cdask.pattern_counts(rep.summary)
    pd.testing.assert_frame_equal(
        patterns, cdask.pattern_counts(expected.summary), check_exact=True
    )


def test_calibration_holdout_on_local_cluster_identical_to_in_memory(
    client: object, sim_log: pd.DataFrame
) -> None:
    with pytest.warns(DataWarning):
        expected = calibration_holdout(
            sim_log, calibration_end=CAL_END, observation_end=OBS_END, period="D"
        )
    ddf = dd.from_pandas(sim_log, npartitions=3, sort=False)
    rep = cdask.calibration_holdout_report(
        ddf, calibration_end=CAL_END, observation_end=OBS_END, period="D", npartitions=5
    )
    assert rep.summary.npartitions == 5
    pd.testing.assert_frame_equal(rep.summary.compute().sort_index(), expected, check_exact=True)
    assert rep.exclusions.customers["first_purchase_after_calibration_end"] == 1
    assert rep.exclusions.examples["first_purchase_after_calibration_end"] == (900003,)


def test_fit_and_scores_on_local_cluster_match_in_memory(
    client: object, sim_log: pd.DataFrame
) -> None:
    mem = summarize_report(sim_log, period="W", observation_end=OBS_END).summary
    ddf = dd.from_pandas(sim_log, npartitions=4, sort=False)
    dist = cdask.summarize_report(ddf, period="W", observation_end=OBS_END).summary
    expected = BetaGeo.fit(mem, period="W")
    got = cdask.fit(BetaGeo, dist, period="W")
    assert abs(got.loglik - expected.loglik) <= 1e-9 * abs(expected.loglik)
    prof = cdask.score(dist, model=got.model, t=13.0).compute().sort_index()
    np.testing.assert_allclose(
        prof["p_alive"], got.model.probability_alive(mem), rtol=1e-12, atol=0
    )
    np.testing.assert_allclose(
        prof["expected_purchases"], got.model.expected_purchases(mem, t=13.0), rtol=1e-12, atol=0
    )
