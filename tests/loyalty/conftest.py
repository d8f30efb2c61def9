"""Fixtures of the loyalty tests: fixture F1 with F1-attitudes (domain.md §11)."""

from __future__ import annotations

import pytest

from custrel.data import CustomerBase, build_customer_base
from tests.f1 import AS_OF, f1_attitudes, f1_transactions


@pytest.fixture(scope="module")
def f1_base() -> CustomerBase:
    return build_customer_base(f1_transactions(), as_of=AS_OF, attributes=f1_attitudes())


@pytest.fixture(scope="module")
def f1_base_no_survey() -> CustomerBase:
    return build_customer_base(f1_transactions(), as_of=AS_OF)
