"""Run every ``>>>`` example in ``docs/**/*.md`` as part of the test suite (Sybil)."""

from __future__ import annotations

import doctest
import os
import tempfile
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from sybil import Sybil
from sybil.parsers.myst import PythonCodeBlockParser, SkipParser

# conf.py is Sphinx configuration, not a test module; the build output is never collected.
collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "_build/**"]

_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.fixture(scope="module")
def _in_tmpdir() -> Iterator[str]:
    """Each page runs in its own temporary working directory (files it writes vanish)."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            yield tmp
        finally:
            os.chdir(old)


def _setup(namespace: dict[str, object]) -> None:
    namespace["np"] = np
    namespace["pd"] = pd


pytest_collect_file = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=_FLAGS), SkipParser()],
    patterns=["*.md", "**/*.md"],
    excludes=["_build/*", "_build/**"],
    setup=_setup,
    fixtures=["_in_tmpdir"],
).pytest()
