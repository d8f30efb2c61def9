"""Shared pytest configuration: names available to every doctest."""

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    doctest_namespace["np"] = np
    doctest_namespace["pd"] = pd


pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 30)
