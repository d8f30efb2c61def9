"""Shared pytest configuration: names available to every doctest, Hypothesis profiles."""

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings

# Timing deadlines make property tests flaky on a loaded 2-core machine; CI also
# runs the same examples every time (derandomize), so a red CI is reproducible.
settings.register_profile("custrel", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "custrel")


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["np"] = np
    doctest_namespace["pd"] = pd


pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 30)
