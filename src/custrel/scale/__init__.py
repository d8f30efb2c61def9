"""Adapters for distributed engines: customer summaries, pattern counts and scoring beyond one machine.

The adapter lives in :mod:`custrel.scale.dask`, which is imported explicitly
(``import custrel.scale.dask as cdask``) and needs the ``dask`` extra
(``pip install 'custrel[dask]'``). Importing :mod:`custrel.scale` itself never
imports dask, so the rest of custrel works without it.

Every model sees the data only through per-customer sufficient statistics, so
the expensive step, turning billions of transactions into one row per
customer, runs on the distributed engine with the same vectorised kernel as
in memory; fitting then costs the number of distinct (frequency, recency, T)
patterns, and scoring is applied partition by partition.

Examples
--------
>>> import custrel.scale
>>> custrel.scale.ENGINES
('dask',)
"""

from __future__ import annotations

from typing import Final

__all__ = ["ENGINES"]

#: Distributed engines custrel has adapters for (one submodule each).
ENGINES: Final = ("dask",)
