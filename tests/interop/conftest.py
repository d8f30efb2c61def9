"""Data for the interop tests: the published CDNOW calibration/holdout summary."""

from __future__ import annotations

import pandas as pd
import pytest

import custrel
from custrel.datasets import load_cdnow


@pytest.fixture(scope="session")
def cdnow_summary() -> pd.DataFrame:
    """CDNOW in weeks, calibration end 1997-09-30, holdout to 1998-06-30 (2,357 customers)."""
    return custrel.calibration_holdout(
        load_cdnow(), calibration_end="1997-09-30", observation_end="1998-06-30", period="W"
    )
